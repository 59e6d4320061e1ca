/** intrinsicDimension (METRICS.md § intrinsicDimension): TwoNN on the sample. */
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import { TWONN_DISCARD, twoNN } from "../neighbourhoods.js";
import type { Section } from "../section.js";
import type { SpectrumMetrics } from "./spectrum.js";

export interface IntrinsicDimensionMetrics {
  /** TwoNN estimate (Facco et al. 2017) on the sampled rows scaled to unit norm. */
  twoNN: number;
  sampleRows: number;
  /** Rows whose r2/r1 entered the fit (the smallest 90 %). */
  fitted: number;
  /** The share of largest r2/r1 left out (skdim's default). */
  discard: number;
  /** Sampled rows left out for a duplicate at distance 0. */
  duplicates: number;
}

/**
 * TwoNN on the unit rows from the cosine kNN lists (m × k cosines, k ≥ 2, nearest first): on unit
 * rows the Euclidean distance is √(2 − 2·cos), so the two nearest by cosine are the two nearest
 * Euclidean ones and the graph the other sections read serves here too.
 */
export function intrinsicDimension(cos: Float64Array, m: number, k: number): IntrinsicDimensionMetrics {
  const r1 = new Float64Array(m);
  const r2 = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    r1[i] = Math.sqrt(Math.max(0, 2 - 2 * cos[i * k]));
    r2[i] = Math.sqrt(Math.max(0, 2 - 2 * cos[i * k + 1]));
  }
  const t = twoNN(r1, r2);
  return { twoNN: t.dimension, sampleRows: m, fitted: t.fitted, discard: TWONN_DISCARD, duplicates: t.duplicates };
}

export const intrinsicDimensionSection: Section<
  "intrinsicDimension",
  IntrinsicDimensionMetrics,
  readonly [],
  { spectrum: SpectrumMetrics }
> = {
  key: "intrinsicDimension",
  compute: ({ shared }) => {
    const g = shared.cosineGraph();
    if (g.queries < 3) return { twoNN: 0, sampleRows: g.queries, fitted: 0, discard: TWONN_DISCARD, duplicates: 0 };
    return intrinsicDimension(g.scores, g.queries, g.k);
  },
  lap: "neighbours",
  rules: [],
  terminal: {
    title: "Dimension",
    lines: (r, kit) => {
      const t = r.intrinsicDimension;
      return flow(
        [
          `TwoNN ${formatNumber(t.twoNN)}`,
          `effective rank ${formatNumber(r.spectrum.effectiveRank)} of ${formatCount(r.input.dims)}`,
          kit.dim(`${formatCount(t.sampleRows)} sampled rows, largest ${t.discard * 100} % of r2/r1 left out`),
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const t = r.intrinsicDimension;
    return [
      "### Intrinsic dimension",
      "",
      ...table(
        ["TwoNN", "effective rank", "dims", "rows", "fitted", "duplicates left out"],
        [
          [
            formatNumber(t.twoNN),
            formatNumber(r.spectrum.effectiveRank),
            formatCount(r.input.dims),
            formatCount(t.sampleRows),
            formatCount(t.fitted),
            formatCount(t.duplicates),
          ],
        ],
      ),
      "",
      "TwoNN (Facco et al. 2017) reads the local dimension from each row's two nearest neighbours; the effective rank is the spectrum's linear count.",
      "",
    ];
  },
  html: (r) => [
    {
      label: "intrinsic dim",
      value: formatNumber(r.intrinsicDimension.twoNN),
      note: `TwoNN; effective rank ${formatNumber(r.spectrum.effectiveRank)}`,
    },
  ],
};
