/** norms (METRICS.md § norms): the L2 norms of the valid rows. */
import { histogram, meanStd } from "../../profile/stats.js";
import { histogramChart } from "../../text/charts.js";
import { formatNumber } from "../../text/format.js";
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

/** Below this relative spread the norms are one value up to rounding: no histogram of noise. */
const FLAT_NORMS_CV = 1e-6;

export const norms: Section<"norms", NormMetrics, typeof RULES> = {
  key: "norms",
  compute: ({ profile }) => normMetrics(profile.norms()),
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
      const stats = [
        `min ${formatNumber(n.min)}`,
        `p1 ${formatNumber(n.p1)}`,
        `p50 ${formatNumber(n.p50)}`,
        `p99 ${formatNumber(n.p99)}`,
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
      return [...flow(stats, kit.width), ...kit.chart(chart)];
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
    return [
      "### Norms",
      "",
      ...table(
        ["min", "p1", "p50", "p99", "max", "mean", "std", "cv"],
        [[n.min, n.p1, n.p50, n.p99, n.max, n.mean, n.std, n.cv].map(formatNumber)],
      ),
      "",
      ...codeBlock(chartText(chart)),
      "",
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
