/** spectrum (METRICS.md § spectrum): the eigenvalues of the covariance of the valid rows. */
import { timesPow2 } from "../../profile/scale.js";
import { downScale } from "../../profile/stats.js";
import { sparkline } from "../../text/charts.js";
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { codeBlock, table } from "../../text/markdown.js";
import type { Rule, Thresholds } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";
import type { IntegrityMetrics } from "./integrity.js";

export interface SpectrumMetrics {
  explainedVarianceRatio: number[];
  dominantShare: number;
  top10Share: number;
  effectiveRank: number;
  effectiveRankRatio: number;
  participationRatio: number;
  dims90: number;
  dims95: number;
  dims99: number;
  isoScore: number;
  /** extra: Σλ, the total variance. */
  totalVariance: number;
  /** extra: the directions above the noise floor (Gavish & Donoho 2014 hard threshold; signalDims below). */
  signalDims: number;
  /** extra: the covariance arithmetic ("mixed": float32 products in blocks; "float64"). */
  precision?: "mixed" | "float64";
}

type Reads = MetricsHead & { spectrum: SpectrumMetrics; integrity: IntegrityMetrics };

/** The rank a set of n rows in d dims can reach is min(n − 1, d): scale the rank floors by it. */
const byAttainableRank = (t: Thresholds, m: Reads): Thresholds => {
  const f = Math.min(1, (m.integrity.validRows - 1) / m.dims);
  return { warn: t.warn === null ? null : t.warn * f, fail: t.fail === null ? null : t.fail * f };
};

/** The rank the valid rows can reach: min(n − 1, d). */
const attainableRank = (m: Reads): number => Math.min(m.integrity.validRows - 1, m.dims);

/**
 * With r attainable directions the top one holds at least 1/r of the variance (1/2 for 3 rows or
 * 2 dims, all of it for 2 rows or d = 1): a share threshold t is read as t of the way from that
 * floor to 1, t' = 1/r + t·(1 − 1/r) (at r = 768: 0.2 → 0.201).
 */
const aboveEqualShare = (t: Thresholds, m: Reads): Thresholds => {
  const f = 1 / attainableRank(m);
  const up = (v: number | null) => (v === null ? null : f + v * (1 - f));
  return { warn: up(t.warn), fail: up(t.fail) };
};

const RULES = [
  {
    id: "collapse",
    metric: "spectrum.effectiveRankRatio",
    direction: "below",
    defaults: { warn: 0.15, fail: 0.1 },
    range: { min: 0, max: 1, what: "effective rank / dims" },
    source:
      "effective rank (Roy & Vetterli 2007) of a handful of dims means dimensional collapse (Jing et al. 2022); floors scaled by min(1, (n − 1)/d)",
    scale: byAttainableRank,
    message: (a, k) =>
      `the variance lives in a handful of directions: effective rank is ${k.pct(a.value)} of the dims${k.th(a.threshold, k.pct)}`,
    hint: "post hoc repair cannot restore lost directions: `embcheck fix IN --pipeline center,pca:0.99 -o OUT` drops the dead ones; retrain with a contrastive loss, more negatives, more varied data",
  },
  {
    id: "dominant-direction",
    metric: "spectrum.dominantShare",
    direction: "above",
    defaults: { warn: 0.2, fail: 0.5 },
    range: { min: 0, max: 1, what: "a share of the variance" },
    source:
      "one principal direction carrying a large share of the variance (Mu & Viswanath 2018, all-but-the-top); thresholds read above the equal share 1/r, r = min(n − 1, d)",
    applies: (m) => attainableRank(m) >= 2,
    notApplicable: "fewer than 2 attainable directions (2 rows, or d = 1): one direction holds all the variance",
    scale: aboveEqualShare,
    message: (a, k) => `one direction carries ${k.pct(a.value)} of the variance${k.th(a.threshold, k.pct)}`,
    hint: "remove the mean and the top direction: `embcheck fix IN --pipeline abtt:1 -o OUT`, or whiten: `--pipeline whiten`",
  },
  {
    id: "few-rows",
    metric: "integrity.validRows",
    direction: "below",
    infoOnly: true,
    source: "a d × d covariance estimated from fewer than 2·d rows is noisy; rank is at most n − 1",
    applies: (m) => m.integrity.validRows < 2 * m.dims,
    message: (a, k) =>
      `only ${k.num(a.value)} valid rows for the dims: the spectrum is a rough estimate (rank ≤ n − 1)`,
    hint: "report on more rows for a reliable spectrum",
  },
] as const satisfies readonly Rule<Reads>[];

/** Mixed precision moves every eigenvalue by at most 7.8e-6·Σλ (docs/METRICS.md § spectrum). */
export const MIXED_RESOLUTION = 7.8e-6;
export const FLOAT64_RESOLUTION = 1e-10;

/** ω(β) of Gavish & Donoho (2014), eq. (5): the optimal hard threshold over the median singular value, noise level unknown. */
export const gavishDonohoOmega = (beta: number): number => 0.56 * beta ** 3 - 0.95 * beta ** 2 + 1.82 * beta + 1.43;

/**
 * How many directions carry signal: the eigenvalues λ (descending, of the 1/n covariance of n rows)
 * above the Gavish–Donoho (2014) hard threshold for an unknown noise level, σᵢ > ω(β)·σ_med with
 * σᵢ = √(n·λᵢ) the singular values of the centred rows, i.e. λᵢ > ω(β)²·median(λ), over the
 * m = min(n − 1, d) eigenvalues the rows can have, β = m / max(n, d). Eigenvalues at or below
 * `resolved`·Σλ never count: what the covariance arithmetic cannot tell from 0 (MIXED_RESOLUTION
 * for mixed precision, the bound of docs/METRICS.md; 1e-10 for float64, round-off of an exactly
 * low-rank set whose median is 0). NumPy: fixtures/scripts/signal_dims.py.
 */
export function signalDims(values: Float64Array, rows: number, resolved = FLOAT64_RESOLUTION): number {
  const d = values.length;
  const m = Math.max(1, Math.min(rows - 1, d));
  const lam = Float64Array.from(values.subarray(0, m), (v) => Math.max(0, v)).sort();
  const median = m % 2 ? lam[(m - 1) / 2] : 0.5 * (lam[m / 2 - 1] + lam[m / 2]);
  const beta = m / Math.max(rows, d);
  let total = 0;
  for (const v of lam) total += v;
  const cut = Math.max(gavishDonohoOmega(beta) ** 2 * median, resolved * total);
  let k = 0;
  while (k < m && values[k] > cut) k++;
  return k;
}

/**
 * `values` descending, in units of 2^log2 (the scaled covariance's: src/profile/scale.ts); tiny
 * negatives (round-off) are clipped to 0; `rows` valid rows (for signalDims; default d + 1).
 */
export function spectrumMetrics(
  values: Float64Array,
  rows = values.length + 1,
  resolved = FLOAT64_RESOLUTION,
  log2 = 0,
): SpectrumMetrics {
  const d = values.length;
  // Not reached for finite input since the scatter is kept scaled (scale.ts); eigenvalues handed
  // in by a library caller may still be non-finite: then every number is unknown (null in JSON).
  if (!values.every(Number.isFinite)) return unknownSpectrum();
  // Scaled by a power of two when the eigenvalues are huge (entries ~1e80 and up): λ² and (Σλ)² would
  // overflow; every ratio below is scale-free, only totalVariance is unscaled at the end.
  let big = 0;
  for (const v of values) big = Math.max(big, v);
  const f = downScale(big);
  const lam = Float64Array.from(values, (v) => Math.max(0, v) * f);
  let total = 0;
  let sumSq = 0;
  for (const v of lam) {
    total += v;
    sumSq += v * v;
  }
  const p = lam.map((v) => (total > 0 ? v / total : 0));
  let entropy = 0;
  for (const pi of p) if (pi > 0) entropy -= pi * Math.log(pi);
  const effectiveRank = Math.exp(entropy);
  const dimsFor = (share: number): number => {
    let cum = 0;
    for (let k = 0; k < d; k++) {
      cum += p[k];
      if (cum >= share) return k + 1;
    }
    return d;
  };
  let top10 = 0;
  for (let k = 0; k < Math.min(10, d); k++) top10 += p[k];
  return {
    explainedVarianceRatio: Array.from(p.subarray(0, Math.min(64, d))),
    dominantShare: p[0],
    top10Share: top10,
    effectiveRank,
    effectiveRankRatio: effectiveRank / d,
    participationRatio: sumSq > 0 ? (total * total) / sumSq : 0,
    dims90: dimsFor(0.9),
    dims95: dimsFor(0.95),
    dims99: dimsFor(0.99),
    isoScore: isoScore(lam),
    // Σλ itself may exceed float64 (entries beyond ~1e154): null then (METRICS.md § spectrum)
    totalVariance: finiteOrNaN(timesPow2(total / f, log2)),
    // scale-free, so on the scaled values (λ·ω² cannot overflow there)
    signalDims: signalDims(lam, rows, resolved),
  };
}

const finiteOrNaN = (v: number): number => (Number.isFinite(v) ? v : Number.NaN);

const UNKNOWN = "unknown: the eigenvalues given are not finite numbers";

function unknownSpectrum(): SpectrumMetrics {
  const u = Number.NaN;
  return {
    explainedVarianceRatio: [],
    dominantShare: u,
    top10Share: u,
    effectiveRank: u,
    effectiveRankRatio: u,
    participationRatio: u,
    dims90: u,
    dims95: u,
    dims99: u,
    isoScore: u,
    totalVariance: u,
    signalDims: u,
  };
}

/**
 * IsoScore (Rudman, Gillman, Rayne & Eickhoff 2022, "IsoScore: Measuring the Uniformity of
 * Embedding Space Utilization", Algorithm 1) from the covariance eigenvalues (the variances in
 * the PCA-rotated basis): σ̂ = λ·√d/‖λ‖, δ = ‖σ̂ − 1‖/√(2(d − √d)), φ = (d − δ²(d − √d))²/d²,
 * isoScore = (d·φ − 1)/(d − 1). 1 when every direction carries equal variance, 0 for one.
 */
export function isoScore(lam: Float64Array): number {
  const d = lam.length;
  if (d < 2) return 0;
  let norm = 0;
  for (const v of lam) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm === 0) return 0;
  const sd = Math.sqrt(d);
  let dist = 0;
  for (const v of lam) {
    const t = (v * sd) / norm - 1;
    dist += t * t;
  }
  const delta = Math.sqrt(dist) / Math.sqrt(2 * (d - sd));
  const phi = (d - delta * delta * (d - sd)) ** 2 / (d * d);
  return (d * phi - 1) / (d - 1);
}

/** "component 1 … k" under the variance sparkline. */
export function spectrumAxis(components: number): string {
  const left = "1";
  const right = String(components);
  const middle = "share of variance per component";
  const gap = components - left.length - right.length;
  if (gap >= middle.length + 2) {
    const before = Math.floor((gap - middle.length) / 2);
    return left + " ".repeat(before) + middle + " ".repeat(gap - middle.length - before) + right;
  }
  return gap >= 1 ? left + " ".repeat(gap) + right : "";
}

export const spectrum: Section<"spectrum", SpectrumMetrics, typeof RULES, { integrity: IntegrityMetrics }> = {
  key: "spectrum",
  compute: ({ profile, shared }) => ({
    ...spectrumMetrics(
      shared.eigenvalues(),
      profile.validRows,
      profile.precision === "mixed" ? MIXED_RESOLUTION : FLOAT64_RESOLUTION,
      shared.eigenvalueLog2(),
    ),
    precision: profile.precision,
  }),
  lap: "spectrum",
  rules: RULES,
  terminal: {
    title: "Spectrum",
    lines: (r, kit) => {
      const s = r.spectrum;
      if (Number.isNaN(s.dominantShare)) return [kit.dim(UNKNOWN)];
      const shown = s.explainedVarianceRatio.slice(0, Math.max(1, kit.width));
      const lines: string[] = [];
      if (shown.length > 0) {
        lines.push(kit.bars(0, sparkline(shown)));
        lines.push(kit.dim(spectrumAxis(shown.length)));
        if (shown.length < r.input.dims) {
          lines.push(kit.dim(`(first ${shown.length} of ${formatCount(r.input.dims)} components)`));
        }
      }
      const stats = [
        `dominant ${formatPercent(s.dominantShare)}`,
        `top-10 ${formatPercent(s.top10Share)}`,
        `effective rank ${formatNumber(s.effectiveRank)} of ${formatCount(r.input.dims)} (${formatPercent(s.effectiveRankRatio)})`,
        `participation ratio ${formatNumber(s.participationRatio)}`,
        `dims for 90/95/99% ${s.dims90}/${s.dims95}/${s.dims99}`,
        `IsoScore ${formatNumber(s.isoScore)}`,
      ];
      return [...lines, ...flow(stats, kit.width)];
    },
  },
  markdown: (r, kit) => {
    const s = r.spectrum;
    if (Number.isNaN(s.dominantShare)) return ["### Spectrum", "", UNKNOWN];
    const shown = s.explainedVarianceRatio.slice(0, kit.chartWidth);
    const chart = shown.length > 0 ? codeBlock([sparkline(shown), spectrumAxis(shown.length)]) : [];
    return [
      "### Spectrum",
      "",
      ...table(
        ["dominant", "top-10", "effective rank", "participation ratio", "dims 90/95/99%", "IsoScore"],
        [
          [
            formatPercent(s.dominantShare),
            formatPercent(s.top10Share),
            `${formatNumber(s.effectiveRank)} of ${formatCount(r.input.dims)} (${formatPercent(s.effectiveRankRatio)})`,
            formatNumber(s.participationRatio),
            `${s.dims90} / ${s.dims95} / ${s.dims99}`,
            formatNumber(s.isoScore),
          ],
        ],
      ),
      "",
      ...chart,
      ...(chart.length > 0 ? [""] : []),
    ];
  },
  html: (r) => [
    {
      label: "effective rank",
      value: formatNumber(r.spectrum.effectiveRank),
      note: `${formatPercent(r.spectrum.effectiveRankRatio)} of ${formatCount(r.input.dims)} dims`,
    },
    {
      label: "dims for 90/95/99%",
      value: `${formatCount(r.spectrum.dims90)} / ${formatCount(r.spectrum.dims95)} / ${formatCount(r.spectrum.dims99)}`,
      note: `top component ${formatPercent(r.spectrum.dominantShare)}`,
    },
  ],
};
