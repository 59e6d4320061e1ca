/** outliers (METRICS.md § outliers): rows far from their k nearest sampled neighbours. */
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import { outlierStats } from "../neighbourhoods.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";

/** How many outliers the report names. */
export const OUTLIER_EXAMPLES = 10;

export interface OutlierMetrics {
  k: number;
  sampleRows: number;
  /** Sampled rows whose score is above the limit. */
  count: number;
  share: number;
  /** Quartiles of the score (mean cosine distance 1 − cos to the k neighbours) and Q3 + 1.5·IQR. */
  q1: number;
  q3: number;
  limit: number;
  /** The highest-scoring outliers, by global row index. */
  examples: { row: number; score: number }[];
}

const RULES = [
  {
    id: "knn-outliers",
    metric: "outliers.share",
    direction: "above",
    defaults: { warn: 0.05, fail: null },
    range: { min: 0, max: 1, what: "a share of the sampled rows" },
    source:
      "Tukey's fence (Q3 + 1.5·IQR) on the mean kNN distance, cleanlab's outlier rule, flags about 0.7 % of a normal sample; more than 5 % is embcheck's heuristic",
    message: (a, k) =>
      `many rows are far from every other row: ${k.pct(a.value)} of the sampled rows are kNN-distance outliers${k.th(a.threshold, k.pct)}`,
    hint: "look at the example rows (`outliers.examples` in --format json): junk, another language or modality, or a broken encoder run",
  },
] as const satisfies readonly Rule<MetricsHead & { outliers: OutlierMetrics }>[];

/** The outlier numbers of an m × k cosine list (NaN = none) on rows with these global indices. */
export function outlierMetrics(cos: Float64Array, m: number, k: number, indices: Float64Array): OutlierMetrics {
  const o = outlierStats(cos, m, k);
  return {
    k,
    sampleRows: m,
    count: o.outliers.length,
    share: m > 0 ? o.outliers.length / m : 0,
    q1: o.q1,
    q3: o.q3,
    limit: o.limit,
    examples: o.outliers.slice(0, OUTLIER_EXAMPLES).map((i) => ({ row: indices[i], score: o.scores[i] })),
  };
}

export const outliers: Section<"outliers", OutlierMetrics, typeof RULES> = {
  key: "outliers",
  compute: ({ shared }) => {
    const g = shared.cosineGraph();
    return outlierMetrics(g.scores, g.queries, g.k, shared.neighbourRows().indices);
  },
  rules: RULES,
  terminal: {
    title: "Outliers",
    lines: (r, kit) => {
      const o = r.outliers;
      const rows = o.examples.map((e) => String(e.row)).join(", ");
      return flow(
        [
          `${formatCount(o.count)} of ${formatCount(o.sampleRows)} sampled rows (${formatPercent(o.share)})`,
          `mean distance to ${o.k} neighbours > ${formatNumber(o.limit)} (Q3 + 1.5·IQR)`,
          ...(o.count > 0 ? [`rows ${rows}${o.count > o.examples.length ? ", …" : ""}`] : []),
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const o = r.outliers;
    return [
      "### Outliers",
      "",
      ...table(
        ["rows", "outliers", "share", "Q1", "Q3", "limit", "examples (row: score)"],
        [
          [
            formatCount(o.sampleRows),
            formatCount(o.count),
            formatPercent(o.share),
            formatNumber(o.q1),
            formatNumber(o.q3),
            formatNumber(o.limit),
            o.examples.map((e) => `${e.row}: ${formatNumber(e.score)}`).join(", "),
          ],
        ],
      ),
      "",
      `Score: mean cosine distance to the ${o.k} nearest sampled rows; an outlier scores above Q3 + 1.5·IQR.`,
      "",
    ];
  },
  html: (r) => [
    {
      label: "outliers",
      value: formatPercent(r.outliers.share),
      note: `${formatCount(r.outliers.count)} of ${formatCount(r.outliers.sampleRows)} sampled rows far from their neighbours`,
    },
  ],
};
