/** cosine (METRICS.md § cosine): the exact mean over all pairs and the sampled pairs' distribution. */
import { histogram, meanStd } from "../../profile/stats.js";
import { type ChartRow, histogramChart, isotropicCounts } from "../../text/charts.js";
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { chartText, codeBlock, table } from "../../text/markdown.js";
import { percentilesBySelection } from "../percentiles.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { Histogram, MetricsHead, ReportHead } from "../types.js";

export const COSINE_BINS = 40;

export interface CosineMetrics {
  meanExact: number;
  meanVectorNorm: number;
  sampledPairs: number;
  mean: number;
  std: number;
  p5: number;
  p50: number;
  p95: number;
  histogram: Histogram;
  /** extra: standard deviation of cos between random directions in R^dims, 1/sqrt(dims). */
  isotropicStd: number;
}

const RULES = [
  {
    id: "anisotropy",
    metric: "cosine.meanExact",
    direction: "above",
    defaults: { warn: 0.5, fail: 0.8 },
    range: { min: -1, max: 1, what: "a mean cosine" },
    source: "mean pairwise cosine above 0.8 is anisotropy (Ethayarajh 2019; practitioners' rule in DOMAIN.md)",
    message: (a, k) => `vectors sit in a narrow cone: mean cosine over all pairs ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "remove the common direction: `embcheck fix IN --pipeline center,l2 -o OUT` (or `abtt:D`, all-but-the-top), then re-check",
  },
] as const satisfies readonly Rule<MetricsHead & { cosine: CosineMetrics }>[];

/** `unitSum` = Σ u_i over the n valid rows; `cosines` = the sampled pairs' cosines. */
export function cosineMetrics(n: number, dims: number, unitSum: Float64Array, cosines: Float64Array): CosineMetrics {
  let s2 = 0;
  for (const v of unitSum) s2 += v * v;
  const [p5, p50, p95] = percentilesBySelection(cosines, [5, 50, 95]);
  const { mean, std } = meanStd(cosines);
  return {
    meanExact: (s2 - n) / (n * (n - 1)),
    meanVectorNorm: Math.min(1, Math.sqrt(s2) / n),
    sampledPairs: cosines.length,
    mean,
    std,
    p5,
    p50,
    p95,
    histogram: histogram(cosines, COSINE_BINS, [-1, 1]),
    isotropicStd: 1 / Math.sqrt(dims),
  };
}

type CosineReport = ReportHead & { cosine: CosineMetrics };

/** Sampled cosines over [−1, 1] above the counts expected for random directions, N(0, 1/d). */
export function cosineChart(report: CosineReport, width: number, height: number): ChartRow[] {
  const c = report.cosine;
  const { edges, counts } = c.histogram;
  const short = width - "isotropic".length - 2 < Math.min(counts.length, 20);
  const names = short ? ["obs", "iso"] : ["observed", "isotropic"];
  // Expected counts below half a pair round to an empty column, as an observed zero would.
  const expected = isotropicCounts(edges, c.sampledPairs, c.isotropicStd).map(Math.round);
  return histogramChart({
    series: [
      { label: names[0], counts },
      { label: names[1], counts: expected },
    ],
    edges,
    columns: width - (Math.max(...names.map((l) => l.length)) + 2),
    height,
    ticks: [edges[0], 0, edges[edges.length - 1]].filter((v, i, all) => all.indexOf(v) === i),
  });
}

export const cosine: Section<"cosine", CosineMetrics, typeof RULES> = {
  key: "cosine",
  compute: ({ profile: p, shared }) => cosineMetrics(p.validRows, p.dims, p.unitSum, shared.pairCosines().cosines),
  rules: RULES,
  terminal: {
    title: "Cosine",
    lines: (r, kit) => {
      const c = r.cosine;
      const stats = [
        `mean ${formatNumber(c.mean)} ± ${formatNumber(c.std)}`,
        `p5 ${formatNumber(c.p5)}`,
        `p50 ${formatNumber(c.p50)}`,
        `p95 ${formatNumber(c.p95)}`,
        `${formatCount(c.sampledPairs)} pairs of ${formatCount(r.sample.rows)} sampled rows (seed ${r.sample.seed})`,
        `exact mean over all pairs ${formatNumber(c.meanExact)}`,
        `mean-vector norm ${formatNumber(c.meanVectorNorm)}`,
        `isotropic: random directions, N(0, 1/${formatCount(r.input.dims)}), std ${formatNumber(c.isotropicStd)}`,
      ];
      return [...flow(stats, kit.width), ...kit.chart(cosineChart(r, kit.width, kit.chartHeight))];
    },
  },
  markdown: (r, kit) => {
    const c = r.cosine;
    return [
      "### Cosine between random pairs",
      "",
      ...table(
        ["pairs", "mean", "std", "p5", "p50", "p95", "exact mean (all pairs)", "mean-vector norm"],
        [
          [
            formatCount(c.sampledPairs),
            ...[c.mean, c.std, c.p5, c.p50, c.p95, c.meanExact, c.meanVectorNorm].map(formatNumber),
          ],
        ],
      ),
      "",
      `Histogram over [-1, 1]; *isotropic* is what random directions would give, N(0, 1/${formatCount(r.input.dims)}).`,
      "",
      ...codeBlock(chartText(cosineChart(r, kit.chartWidth, kit.chartHeight))),
      "",
    ];
  },
  html: (r) => [
    {
      label: "mean cosine",
      value: formatNumber(r.cosine.meanExact),
      note: `isotropic ≈ 0 ± ${formatNumber(r.cosine.isotropicStd)}`,
    },
  ],
};
