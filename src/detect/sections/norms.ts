/** norms (METRICS.md § norms): the L2 norms of the valid rows. */
import { type NormSketch, RELATIVE_ERROR } from "../../profile/normsketch.js";
import { histogram, meanStd } from "../../profile/stats.js";
import { histogramChart } from "../../text/charts.js";
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { chartText, codeBlock, table } from "../../text/markdown.js";
import { percentilesBySelection } from "../percentiles.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { Histogram, MetricsHead } from "../types.js";

export const NORM_BINS = 30;

export interface NormMetrics {
  min: number;
  max: number;
  mean: number;
  std: number;
  cv: number;
  p1: number;
  p50: number;
  p99: number;
  histogram: Histogram;
  /** Present only above the row budget: which numbers come from the norms' sketch, and its bound. */
  estimate?: NormEstimate;
}

/** The norms above the row budget (src/profile/sketches.ts): min, max, mean, std and cv stay exact. */
export interface NormEstimate {
  method: "norm-sketch";
  /** The estimated fields of `norms`. */
  metrics: ["p1", "p50", "p99", "histogram"];
  /**
   * Each percentile is within this relative distance of the exact one (2^-10); each norm is counted
   * in the histogram bin of a point within it of the norm.
   */
  relativeError: number;
  /** Norms in the sketch (the valid rows) and its non-empty buckets. */
  rows: number;
  buckets: number;
}

const RULES = [
  {
    id: "norm-spread",
    metric: "norms.cv",
    direction: "above",
    defaults: { warn: 0.3, fail: null },
    range: { min: 0, max: Number.POSITIVE_INFINITY, what: "a coefficient of variation" },
    source: "norms leak into cosine/IP search unless normalised; healthy raw norms form a narrow bell (DOMAIN.md)",
    message: (a, k) => `norms vary widely: coefficient of variation ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "normalise before cosine or inner-product indexing: `embcheck fix IN --pipeline l2 -o OUT`",
  },
  {
    id: "unit-norm",
    metric: "norms.cv",
    direction: "below",
    infoOnly: true,
    source: "rows already L2-normalised: norm checks are moot, dot product equals cosine",
    applies: (m) => m.norms.cv < 1e-3 && Math.abs(m.norms.mean - 1) < 1e-3,
    message: () => "rows are already L2-normalised (norm checks are moot; dot product = cosine)",
    hint: "nothing to do for norms",
  },
] as const satisfies readonly Rule<MetricsHead & { norms: NormMetrics }>[];

export function normMetrics(norms: Float64Array): NormMetrics {
  const [min, p1, p50, p99, max] = percentilesBySelection(norms, [0, 1, 50, 99, 100]);
  const { mean, std } = meanStd(norms);
  return {
    min,
    max,
    mean,
    std,
    cv: mean > 0 ? std / mean : 0,
    p1,
    p50,
    p99,
    histogram: histogram(norms, NORM_BINS),
  };
}

/**
 * normMetrics from the norms' sketch (above the row budget): exact min and max (kept by the sketch),
 * exact mean and std (the merge tree's sums, `moments`), percentiles and histogram estimated.
 */
export function sketchedNormMetrics(sk: NormSketch, moments: { mean: number; std: number }): NormMetrics {
  const [p1, p50, p99] = sk.percentiles([1, 50, 99]);
  const { mean, std } = moments;
  return {
    min: sk.min,
    max: sk.max,
    mean,
    std,
    cv: mean > 0 ? std / mean : 0,
    p1,
    p50,
    p99,
    histogram: sk.histogram(NORM_BINS),
    estimate: {
      method: "norm-sketch",
      metrics: ["p1", "p50", "p99", "histogram"],
      relativeError: RELATIVE_ERROR,
      rows: sk.n,
      buckets: sk.entries().keys.length,
    },
  };
}

/** "≈" before an estimated number. */
const approx = (n: NormMetrics) => (n.estimate ? "≈" : "");

/** The line that says which numbers are estimated, and how well. */
export function normEstimateNote(e: NormEstimate): string {
  return `p1, p50, p99 and the histogram estimated from a sketch of ${formatCount(e.rows)} norms (each within ±${formatNumber(e.relativeError * 100)}%; over the row budget, --exact-rows)`;
}

/** Below this relative spread the norms are one value up to rounding: no histogram of noise. */
const FLAT_NORMS_CV = 1e-6;

export const norms: Section<"norms", NormMetrics, typeof RULES> = {
  key: "norms",
  compute: ({ profile }) =>
    profile.normSketch ? sketchedNormMetrics(profile.normSketch, profile.normMeanStd()) : normMetrics(profile.norms()),
  lap: "norms",
  rules: RULES,
  terminal: {
    title: "Norms",
    lines: (r, kit) => {
      const n = r.norms;
      if (n.cv < FLAT_NORMS_CV) {
        const all = Math.abs(n.mean - 1) < 1e-6 ? "all norms 1 (unit rows)" : `all norms ${formatNumber(n.mean)}`;
        return flow([all, `max − min ${formatNumber(n.max - n.min)}`, `cv ${formatNumber(n.cv)}`], kit.width);
      }
      const a = approx(n);
      const stats = [
        `min ${formatNumber(n.min)}`,
        `p1 ${a}${formatNumber(n.p1)}`,
        `p50 ${a}${formatNumber(n.p50)}`,
        `p99 ${a}${formatNumber(n.p99)}`,
        `max ${formatNumber(n.max)}`,
        `mean ${formatNumber(n.mean)} ± ${formatNumber(n.std)}`,
        `cv ${formatNumber(n.cv)}`,
      ];
      const chart = histogramChart({
        series: [{ label: "", counts: n.histogram.counts }],
        edges: n.histogram.edges,
        columns: kit.width,
        height: kit.chartHeight,
      });
      const note = n.estimate ? flow([normEstimateNote(n.estimate)], kit.width) : [];
      return [...flow(stats, kit.width), ...kit.chart(chart), ...note];
    },
  },
  markdown: (r, kit) => {
    const n = r.norms;
    const chart = histogramChart({
      series: [{ label: "", counts: n.histogram.counts }],
      edges: n.histogram.edges,
      columns: kit.chartWidth,
      height: kit.chartHeight,
    });
    const a = approx(n);
    const cells = [n.min, n.p1, n.p50, n.p99, n.max, n.mean, n.std, n.cv].map(formatNumber);
    for (const i of [1, 2, 3]) cells[i] = `${a}${cells[i]}`;
    return [
      "### Norms",
      "",
      ...table(["min", "p1", "p50", "p99", "max", "mean", "std", "cv"], [cells]),
      "",
      ...codeBlock(chartText(chart)),
      "",
      ...(n.estimate ? [`${normEstimateNote(n.estimate)}.`, ""] : []),
    ];
  },
  html: (r) => [
    {
      label: "norm CV",
      value: formatNumber(r.norms.cv),
      note: `mean ${formatNumber(r.norms.mean)} ± ${formatNumber(r.norms.std)}`,
    },
  ],
};
