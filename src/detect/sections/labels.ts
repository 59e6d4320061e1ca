/**
 * labels (METRICS.md § labels): with a label per row (--labels, --label-column), how the groups are
 * balanced, how healthy each group is, and how well the space separates them. null without labels.
 */
import type { Label } from "../../io/types.js";
import type { Kernels } from "../../linalg/backend.js";
import {
  type Group,
  groupTotals,
  type LabelState,
  SUM_NORM,
  SUM_NORM2,
  SUM_UNIT2,
  SUM_X,
  sumWidth,
} from "../../profile/labels.js";
import type { Profile } from "../../profile/profile.js";
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { escapeCell, table } from "../../text/markdown.js";
import {
  compareLabels,
  effectiveRankOf,
  groupCovarianceValues,
  knnLabelStats,
  permuted,
  sampleNeighbours,
  silhouetteCosine,
} from "../labels.js";
import { NEIGHBOURS_K } from "../neighbourhoods.js";
import type { Rule, Thresholds } from "../rules.js";
import type { Section, Shared } from "../section.js";
import type { MetricsHead } from "../types.js";

/** Groups listed one by one; the others are pooled into `rest`. */
export const TOP_GROUPS = 20;
/** Sampled rows a group needs for its effective rank. */
export const MIN_RANK_ROWS = 10;
/** Offset of the baseline permutation's seed from the sample's (any fixed value; echoed in METRICS.md). */
export const BASELINE_SEED_OFFSET = 0x9e3779b9;

export interface LabelGroupMetrics {
  label: Label;
  /** The group of the labels past the --max-groups cap (label null). */
  pooled: boolean;
  rows: number;
  share: number;
  validRows: number;
  invalidRows: number;
  /** Mean and coefficient of variation (population std / mean) of ‖x‖ over the valid rows. */
  normMean: number | null;
  normCv: number | null;
  /** Exact mean cosine over the group's pairs, (‖Σu‖² − Σ‖u‖²)/(n(n − 1)); null below 2 rows. */
  meanCosine: number | null;
  /** Cosine of the group's centroid (mean row) with the centroid of all valid rows. */
  centroidCosine: number | null;
  /** The group's rows in the sample (of the pair statistics). */
  sampleRows: number;
  /** Effective rank of the covariance of the group's sampled rows; null below MIN_RANK_ROWS of them. */
  effectiveRank: number | null;
}

export interface LabelsMetrics {
  /** Groups (the null label one, the pooled one each counted once). */
  groups: number;
  /** The cap of groups tracked (--max-groups). */
  maxGroups: number;
  /** Rows whose label was past the cap (pooled into one group). */
  pooledRows: number;
  nullRows: number;
  imbalance: {
    largest: { label: Label; rows: number; share: number };
    smallest: { label: Label; rows: number; share: number };
    /** rows(largest) / rows(smallest), over the groups other than the pooled one. */
    ratio: number;
    /** H(shares) / ln(groups) over the same groups, 1 = even; null for one group. */
    normalizedEntropy: number | null;
  };
  /** The TOP_GROUPS largest groups, by rows (ties in label order). */
  perGroup: LabelGroupMetrics[];
  /** The groups beyond TOP_GROUPS, together, or null. */
  rest: { groups: number; rows: number; validRows: number } | null;
  /**
   * The group whose mean cosine is farthest from the median of the groups' mean cosines (groups with
   * ≥ 2 valid rows; null with fewer than 3 such groups).
   */
  outlierGroup: { label: Label; meanCosine: number; median: number; deviation: number } | null;
  separation: {
    /** Mean cosine between the centroids of the groups (pairs of groups). */
    centroidMeanCosine: number | null;
    /** tr(S_between) / tr(S_within) of the valid rows. */
    scatterRatio: number | null;
    /** sklearn.metrics.calinski_harabasz_score: scatterRatio · (n − G)/(G − 1). */
    calinskiHarabasz: number | null;
    /** Rows of the sample these use, their groups, and k. */
    sampleRows: number;
    sampleGroups: number;
    k: number;
    silhouette: number | null;
    knnAgreement: number | null;
    knnAccuracy: number | null;
    /** The same three with the sample's labels permuted (seeded): what random labels score. */
    baseline: { silhouette: number | null; knnAgreement: number | null; knnAccuracy: number | null; seed: number };
  };
}

type Reads = MetricsHead & { labels: LabelsMetrics | null };
const withLabels = (m: Reads) => m.labels !== null;
const NOT_APPLICABLE = "no labels given (--labels, --label-column), or fewer than 2 label groups";

/** A share threshold t read above the equal share 1/G: t' = 1/G + t·(1 − 1/G). */
const aboveEqualShare = (t: Thresholds, m: Reads): Thresholds => {
  const g = Math.max(1, (m.labels?.groups ?? 1) - ((m.labels?.pooledRows ?? 0) > 0 ? 1 : 0));
  const f = 1 / g;
  const up = (v: number | null) => (v === null ? null : f + v * (1 - f));
  return { warn: up(t.warn), fail: up(t.fail) };
};

const RULES = [
  {
    id: "label-imbalance",
    metric: "labels.imbalance.ratio",
    direction: "above",
    defaults: { warn: 10, fail: 100 },
    range: { min: 1, max: 1e12, what: "a ratio of group sizes" },
    source:
      "Google's ML crash course (Imbalanced datasets) calls a minority of 1–20 % moderate and < 1 % extreme imbalance: about 4:1 to 99:1 and beyond for two groups; warn at 10:1 and fail at 100:1 (He & Garcia 2009, IEEE TKDE 21(9), cite 100:1 and up as the imbalance of real applications)",
    applies: (m: Reads) => withLabels(m) && (m.labels?.groups ?? 0) >= 2,
    notApplicable: NOT_APPLICABLE,
    message: (a, k) =>
      `the label groups are imbalanced: the largest holds ${k.num(a.value)}× the rows of the smallest${k.th(a.threshold)}`,
    hint: "rebalance the corpus (sample the large groups down, add rows to the small ones) before judging the space as a whole",
  },
  {
    id: "label-dominant",
    metric: "labels.imbalance.largest.share",
    direction: "above",
    defaults: { warn: 0.5, fail: 0.9 },
    range: { min: 0, max: 1, what: "a share of the rows" },
    source:
      "one group holding most rows makes whole-set metrics that group's (the majority-class problem, He & Garcia 2009); the share is read above the equal share 1/G (G = 2: warn at 75 %)",
    applies: (m: Reads) => withLabels(m) && (m.labels?.groups ?? 0) >= 2,
    notApplicable: NOT_APPLICABLE,
    scale: aboveEqualShare,
    message: (a, k) => `one label group dominates: it holds ${k.pct(a.value)} of the rows${k.th(a.threshold, k.pct)}`,
    hint: "the whole-set numbers mostly describe that group: read the per-group table, or rebalance",
  },
  {
    id: "label-tiny-group",
    metric: "labels.imbalance.smallest.rows",
    direction: "below",
    defaults: { warn: 5, fail: null },
    range: { min: 0, max: 1e12, integer: true, what: "a row count" },
    source:
      "scikit-learn's StratifiedKFold warns when the least populated class has fewer members than n_splits (5): too few rows to measure or to split",
    applies: (m: Reads) => withLabels(m) && (m.labels?.groups ?? 0) >= 2,
    notApplicable: NOT_APPLICABLE,
    message: (a, k) => `a label group is tiny: ${k.num(a.value)} rows${k.th(a.threshold)}`,
    hint: "check the label for typos (a misspelt class), or merge it into a larger group",
  },
  {
    id: "label-collapsed-group",
    metric: "labels.outlierGroup.deviation",
    direction: "above",
    defaults: { warn: 0.3, fail: 0.5 },
    range: { min: 0, max: 2, what: "a difference of mean cosines" },
    source:
      "one group far tighter than the others (mean cosine 0.9 where the rest sit at 0.2) is a collapsed group; the lines are embcheck's, a fraction of the anisotropy rule's 0.5/0.8 (Ethayarajh 2019) above the others' median",
    applies: (m: Reads) => m.labels?.outlierGroup != null,
    notApplicable: "fewer than 3 label groups with 2 valid rows",
    message: (a, k) =>
      `one label group stands apart: its mean cosine differs from the groups' median by ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "look at that group's rows (a language the model does not know, a template repeated, a broken pipeline for one source)",
  },
  {
    id: "label-silhouette",
    metric: "labels.separation.silhouette",
    direction: "below",
    defaults: { warn: null, fail: null },
    range: { min: -1, max: 1, what: "a silhouette coefficient" },
    source:
      "silhouette (Rousseeuw 1987) with cosine distance: > 0 groups are separated, ≈ 0 overlap; no default line (what separation to expect depends on the labels), set one with --threshold",
    applies: (m: Reads) => m.labels?.separation.silhouette != null,
    notApplicable: "no labels, or fewer than 2 groups in the sample",
    message: (a, k) => `the labels are poorly separated: silhouette ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "the embedding does not tell these groups apart: check the labels, or use a model trained for this distinction",
  },
  {
    id: "label-knn-accuracy",
    metric: "labels.separation.knnAccuracy",
    direction: "below",
    defaults: { warn: null, fail: null },
    range: { min: 0, max: 1, what: "an accuracy" },
    source:
      "leave-one-out k-NN accuracy (k = 10, cosine) as scikit-learn's KNeighborsClassifier; compare with the random-label baseline; no default line, set one with --threshold",
    applies: (m: Reads) => m.labels?.separation.knnAccuracy != null,
    notApplicable: "no labels, or fewer than 2 groups in the sample",
    message: (a, k) =>
      `neighbours do not predict the label: k-NN accuracy ${k.pct(a.value)}${k.th(a.threshold, k.pct)}`,
    hint: "compare with labels.separation.baseline.knnAccuracy: near it, the space ignores the labels",
  },
  {
    id: "label-groups-pooled",
    metric: "labels.pooledRows",
    direction: "above",
    infoOnly: true,
    source: "groups past --max-groups are pooled into one, so memory stays O(groups · d)",
    applies: (m: Reads) => (m.labels?.pooledRows ?? 0) > 0,
    message: (a, k) =>
      `${k.num(a.value)} rows have labels past the cap of tracked groups and are pooled into one group`,
    hint: "raise --max-groups, or label at a coarser level",
  },
] as const satisfies readonly Rule<Reads>[];

interface GroupNumbers {
  id: number;
  group: Group;
  rows: number;
  valid: number;
  sums: Float64Array;
}

function normSq(v: Float64Array, from: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += v[from + j] * v[from + j];
  return s;
}

function cosineOf(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number | null {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < d; j++) {
    ab += a[ao + j] * b[bo + j];
    aa += a[ao + j] * a[ao + j];
    bb += b[bo + j] * b[bo + j];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : null;
}

const byRowsThenLabel = (a: GroupNumbers, b: GroupNumbers) =>
  b.rows - a.rows || compareLabels(a.group.label, b.group.label, a.group.pooled, b.group.pooled);

/** The labels section from a labelled profile. */
export function labelsMetrics(
  p: Profile,
  lab: LabelState,
  shared: Pick<Shared, "pairCosines">,
  kernels: Pick<Kernels, "eigh">,
): LabelsMetrics {
  const d = p.dims;
  const w = sumWidth(d);
  const totals = groupTotals(lab);
  const all: GroupNumbers[] = lab.groups.map((group, id) => ({
    id,
    group,
    rows: lab.rows[id],
    valid: lab.valid[id],
    sums: totals.subarray(id * w, (id + 1) * w),
  }));
  const sorted = all.slice().sort(byRowsThenLabel);
  const totalRows = all.reduce((s, g) => s + g.rows, 0);
  const real = sorted.filter((g) => !g.group.pooled);
  const pooled = all.find((g) => g.group.pooled);
  const largest = real[0] ?? sorted[0];
  const smallest = real[real.length - 1] ?? sorted[sorted.length - 1];
  let h = 0;
  const realRows = real.reduce((s, g) => s + g.rows, 0);
  for (const g of real) {
    const q = g.rows / realRows;
    if (q > 0) h -= q * Math.log(q);
  }
  const validTotal = all.reduce((s, g) => s + g.valid, 0);
  // the centroid of all valid rows: Σ over groups of Σx, over the valid rows
  const grand = new Float64Array(d);
  for (const g of all) for (let j = 0; j < d; j++) grand[j] += g.sums[SUM_X + j];
  for (let j = 0; j < d; j++) grand[j] /= validTotal;

  // the sample's rows (those of the pair statistics) and their groups
  const { cosines, indices } = shared.pairCosines();
  const m = indices.length;
  const sampleGroup = new Int32Array(m);
  for (let i = 0; i < m; i++) sampleGroup[i] = lab.sampled.get(indices[i]) ?? -1;
  const sampleCount = new Map<number, number>();
  for (const g of sampleGroup) sampleCount.set(g, (sampleCount.get(g) ?? 0) + 1);

  const sample = p.sample.rowsByIndex();
  const health = (g: GroupNumbers): LabelGroupMetrics => {
    const n = g.valid;
    const s = g.sums;
    const normMean = n > 0 ? s[SUM_NORM] / n : null;
    const variance = n > 0 && normMean !== null ? Math.max(0, s[SUM_NORM2] / n - normMean * normMean) : null;
    const su = s.subarray(SUM_X + d, SUM_X + 2 * d);
    const mean = new Float64Array(d);
    for (let j = 0; j < d; j++) mean[j] = s[SUM_X + j] / Math.max(1, n);
    return {
      label: g.group.label,
      pooled: g.group.pooled,
      rows: g.rows,
      share: g.rows / totalRows,
      validRows: n,
      invalidRows: g.rows - n,
      normMean,
      normCv: normMean !== null && normMean > 0 && variance !== null ? Math.sqrt(variance) / normMean : null,
      meanCosine: n >= 2 ? (normSq(su, 0, d) - s[SUM_UNIT2]) / (n * (n - 1)) : null,
      centroidCosine: n > 0 ? cosineOf(mean, 0, grand, 0, d) : null,
      sampleRows: sampleCount.get(g.id) ?? 0,
      effectiveRank: groupRank(sample, d, lab, g.id, kernels),
    };
  };
  const perGroup = sorted.slice(0, TOP_GROUPS).map(health);
  const beyond = sorted.slice(TOP_GROUPS);
  const rest =
    beyond.length > 0
      ? {
          groups: beyond.length,
          rows: beyond.reduce((s, g) => s + g.rows, 0),
          validRows: beyond.reduce((s, g) => s + g.valid, 0),
        }
      : null;

  return {
    groups: all.length,
    maxGroups: lab.maxGroups,
    pooledRows: pooled?.rows ?? 0,
    nullRows: all.find((g) => !g.group.pooled && g.group.label === null)?.rows ?? 0,
    imbalance: {
      largest: { label: largest.group.label, rows: largest.rows, share: largest.rows / totalRows },
      smallest: { label: smallest.group.label, rows: smallest.rows, share: smallest.rows / totalRows },
      ratio: smallest.rows > 0 ? largest.rows / smallest.rows : Number.POSITIVE_INFINITY,
      normalizedEntropy: real.length >= 2 ? h / Math.log(real.length) : null,
    },
    perGroup,
    rest,
    outlierGroup: outlierOf(all, d),
    separation: {
      ...scatter(all, d, validTotal),
      ...sampleSeparation(cosines, sampleGroup, lab, p.seed),
    },
  };
}

/** The group whose exact mean cosine is farthest from the median of all groups' (ties: the larger group). */
function outlierOf(all: GroupNumbers[], d: number): LabelsMetrics["outlierGroup"] {
  const cands = all
    .filter((g) => g.valid >= 2 && !g.group.pooled)
    .map((g) => {
      const su = g.sums.subarray(SUM_X + d, SUM_X + 2 * d);
      return { g, cos: (normSq(su, 0, d) - g.sums[SUM_UNIT2]) / (g.valid * (g.valid - 1)) };
    });
  if (cands.length < 3) return null;
  const values = cands.map((c) => c.cos).sort((a, b) => a - b);
  const mid = values.length >> 1;
  const median = values.length % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
  let best = cands[0];
  for (const c of cands) {
    const dv = Math.abs(c.cos - median);
    const db = Math.abs(best.cos - median);
    if (dv > db || (dv === db && byRowsThenLabel(c.g, best.g) < 0)) best = c;
  }
  return { label: best.g.group.label, meanCosine: best.cos, median, deviation: Math.abs(best.cos - median) };
}

/** Centroid cosines and the between/within scatter of the valid rows, from the groups' sums. */
function scatter(
  all: GroupNumbers[],
  d: number,
  n: number,
): Pick<LabelsMetrics["separation"], "centroidMeanCosine" | "scatterRatio" | "calinskiHarabasz"> {
  const gs = all.filter((g) => g.valid > 0);
  const G = gs.length;
  const means = new Float64Array(G * d);
  gs.forEach((g, i) => {
    for (let j = 0; j < d; j++) means[i * d + j] = g.sums[SUM_X + j] / g.valid;
  });
  const grand = new Float64Array(d);
  for (const g of gs) for (let j = 0; j < d; j++) grand[j] += g.sums[SUM_X + j];
  for (let j = 0; j < d; j++) grand[j] /= n;
  let between = 0;
  let within = 0;
  gs.forEach((g, i) => {
    let b = 0;
    for (let j = 0; j < d; j++) {
      const v = means[i * d + j] - grand[j];
      b += v * v;
    }
    between += g.valid * b;
    // Σ‖x − μ_g‖² = Σ‖x‖² − n_g‖μ_g‖²
    within += g.sums[SUM_NORM2] - g.valid * normSq(means, i * d, d);
  });
  const real = gs.map((g, i) => ({ g, i })).filter((x) => !x.g.group.pooled);
  let cos = 0;
  let pairs = 0;
  for (let a = 0; a < real.length; a++) {
    for (let b = a + 1; b < real.length; b++) {
      const c = cosineOf(means, real[a].i * d, means, real[b].i * d, d);
      if (c === null) continue;
      cos += c;
      pairs++;
    }
  }
  const ratio = G >= 2 && within > 0 ? between / within : null;
  return {
    centroidMeanCosine: pairs > 0 ? cos / pairs : null,
    scatterRatio: ratio,
    calinskiHarabasz: ratio !== null && n > G ? (ratio * (n - G)) / (G - 1) : null,
  };
}

/** Silhouette and kNN on the sample, with the labels as given and permuted. */
function sampleSeparation(
  cosines: Float64Array,
  sampleGroup: Int32Array,
  lab: LabelState,
  seed: number,
): Omit<LabelsMetrics["separation"], "centroidMeanCosine" | "scatterRatio" | "calinskiHarabasz"> {
  const m = sampleGroup.length;
  // codes 0 … c − 1 in label order (scikit-learn's classes_)
  const present = [...new Set(sampleGroup)].filter((g) => g >= 0);
  present.sort((a, b) =>
    compareLabels(lab.groups[a].label, lab.groups[b].label, lab.groups[a].pooled, lab.groups[b].pooled),
  );
  const code = new Map(present.map((g, i) => [g, i]));
  const codes = Int32Array.from(sampleGroup, (g) => code.get(g) ?? 0);
  const c = present.length;
  const k = Math.min(NEIGHBOURS_K, m - 1);
  const baseSeed = (seed + BASELINE_SEED_OFFSET) >>> 0;
  if (c < 2 || m < 3) {
    return {
      sampleRows: m,
      sampleGroups: c,
      k,
      silhouette: null,
      knnAgreement: null,
      knnAccuracy: null,
      baseline: { silhouette: null, knnAgreement: null, knnAccuracy: null, seed: baseSeed },
    };
  }
  const ids = sampleNeighbours(cosines, m, k);
  const knn = knnLabelStats(ids, codes, c, k);
  const shuffled = permuted(codes, baseSeed);
  const knn0 = knnLabelStats(ids, shuffled, c, k);
  return {
    sampleRows: m,
    sampleGroups: c,
    k,
    silhouette: silhouetteCosine(cosines, codes, c),
    knnAgreement: knn.agreement,
    knnAccuracy: knn.accuracy,
    baseline: {
      silhouette: silhouetteCosine(cosines, shuffled, c),
      knnAgreement: knn0.agreement,
      knnAccuracy: knn0.accuracy,
      seed: baseSeed,
    },
  };
}

/** Effective rank of the covariance of group `id`'s rows in the sample, or null below MIN_RANK_ROWS. */
function groupRank(
  sample: { indices: Float64Array; values: Float64Array },
  d: number,
  lab: LabelState,
  id: number,
  kernels: Pick<Kernels, "eigh">,
): number | null {
  const { indices, values } = sample;
  const keep: number[] = [];
  for (let i = 0; i < indices.length; i++) if (lab.sampled.get(indices[i]) === id) keep.push(i);
  if (keep.length < MIN_RANK_ROWS) return null;
  const rows = new Float64Array(keep.length * d);
  keep.forEach((i, r) => {
    rows.set(values.subarray(i * d, (i + 1) * d), r * d);
  });
  const ev = groupCovarianceValues(rows, keep.length, d, (a, n) => kernels.eigh(a, n).values);
  const r = effectiveRankOf(ev);
  return Number.isNaN(r) ? null : r;
}

const labelText = (l: Label, pooled: boolean): string => (pooled ? "(other)" : l === null ? "(null)" : String(l));
const opt = (x: number | null): string => (x === null ? "–" : formatNumber(x));

function groupRows(r: LabelsMetrics): string[][] {
  const rows = r.perGroup.map((g) => [
    labelText(g.label, g.pooled),
    formatCount(g.rows),
    formatPercent(g.share),
    formatCount(g.validRows),
    opt(g.normMean),
    opt(g.normCv),
    opt(g.meanCosine),
    opt(g.effectiveRank),
  ]);
  if (r.rest) {
    rows.push([
      `(${formatCount(r.rest.groups)} more)`,
      formatCount(r.rest.rows),
      formatPercent(r.rest.rows / Math.max(1, r.perGroup.reduce((s, g) => s + g.rows, 0) + r.rest.rows)),
      formatCount(r.rest.validRows),
      "",
      "",
      "",
      "",
    ]);
  }
  return rows;
}

/** The per-group table (headers, then cells as text) the renderers show. */
export function labelGroupTable(l: LabelsMetrics): { headers: string[]; rows: string[][] } {
  return { headers: GROUP_HEADERS, rows: groupRows(l) };
}

const GROUP_HEADERS = ["label", "rows", "share", "valid", "norm mean", "norm cv", "mean cos", "eff. rank"];

function padTable(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join("  ");
  return [line(headers), ...rows.map(line)];
}

function summary(l: LabelsMetrics): string[] {
  const s = l.separation;
  const vs = (x: number | null, b: number | null) => `${opt(x)} (random labels ${opt(b)})`;
  return [
    `${formatCount(l.groups)} groups`,
    `largest ${labelText(l.imbalance.largest.label, false)} ${formatPercent(l.imbalance.largest.share)}`,
    `smallest ${labelText(l.imbalance.smallest.label, false)} ${formatPercent(l.imbalance.smallest.share)}`,
    `ratio ${formatNumber(l.imbalance.ratio)}`,
    `normalised entropy ${opt(l.imbalance.normalizedEntropy)}`,
    `silhouette ${vs(s.silhouette, s.baseline.silhouette)}`,
    `${s.k}-NN accuracy ${vs(s.knnAccuracy, s.baseline.knnAccuracy)}`,
    `${s.k}-NN label agreement ${vs(s.knnAgreement, s.baseline.knnAgreement)}`,
    `centroid mean cosine ${opt(s.centroidMeanCosine)}`,
    `between/within scatter ${opt(s.scatterRatio)}`,
    ...(l.outlierGroup
      ? [
          `outlier group ${labelText(l.outlierGroup.label, false)}: mean cosine ${formatNumber(l.outlierGroup.meanCosine)} (median ${formatNumber(l.outlierGroup.median)})`,
        ]
      : []),
  ];
}

export const labels: Section<"labels", LabelsMetrics | null, typeof RULES> = {
  key: "labels",
  compute: ({ profile: p, shared, kernels }) => {
    const lab = p.labels;
    if (!lab || lab.groups.length === 0) return null;
    return labelsMetrics(p, lab, shared, kernels);
  },
  optional: true,
  rules: RULES,
  terminal: {
    title: "Labels",
    lines: (r, kit) => {
      const l = r.labels as LabelsMetrics;
      return [
        ...flow(summary(l), kit.width),
        ...padTable(GROUP_HEADERS, groupRows(l)),
        kit.dim(
          `silhouette and k-NN on ${formatCount(l.separation.sampleRows)} sampled rows; baseline: the same labels permuted (seed ${l.separation.baseline.seed})`,
        ),
      ];
    },
  },
  markdown: (r) => {
    const l = r.labels as LabelsMetrics;
    const s = l.separation;
    return [
      "### Labels",
      "",
      ...table(
        ["groups", "largest", "smallest", "ratio", "normalised entropy"],
        [
          [
            formatCount(l.groups),
            `${escapeCell(labelText(l.imbalance.largest.label, false))} (${formatPercent(l.imbalance.largest.share)})`,
            `${escapeCell(labelText(l.imbalance.smallest.label, false))} (${formatPercent(l.imbalance.smallest.share)})`,
            formatNumber(l.imbalance.ratio),
            opt(l.imbalance.normalizedEntropy),
          ],
        ],
      ),
      "",
      ...table(
        ["", "silhouette", `${s.k}-NN accuracy`, `${s.k}-NN agreement`, "centroid mean cos", "between/within"],
        [
          [
            "labels",
            opt(s.silhouette),
            opt(s.knnAccuracy),
            opt(s.knnAgreement),
            opt(s.centroidMeanCosine),
            opt(s.scatterRatio),
          ],
          [
            "random labels",
            opt(s.baseline.silhouette),
            opt(s.baseline.knnAccuracy),
            opt(s.baseline.knnAgreement),
            "",
            "",
          ],
        ],
      ),
      "",
      ...table(
        GROUP_HEADERS,
        groupRows(l).map((row) => [escapeCell(row[0]), ...row.slice(1)]),
      ),
      "",
    ];
  },
  html: (r) => {
    const l = r.labels as LabelsMetrics;
    return [
      {
        label: "label groups",
        value: formatCount(l.groups),
        note: `largest/smallest ${formatNumber(l.imbalance.ratio)}, normalised entropy ${opt(l.imbalance.normalizedEntropy)}`,
      },
      {
        label: "silhouette",
        value: opt(l.separation.silhouette),
        note: `random labels ${opt(l.separation.baseline.silhouette)}`,
      },
      {
        label: `${l.separation.k}-NN accuracy`,
        value: opt(l.separation.knnAccuracy),
        note: `random labels ${opt(l.separation.baseline.knnAccuracy)}`,
      },
    ];
  },
};
