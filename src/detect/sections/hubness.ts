/** hubness (METRICS.md § hubness): k-occurrence of the sample's cosine kNN graph, k = 10. */
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import { hubnessStats, kOccurrence, topByOccurrence } from "../neighbourhoods.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";

/** How many of the top hubs the report names. */
export const TOP_HUBS = 5;

export interface HubnessMetrics {
  /** Neighbours per row (10, or fewer when the sample has ≤ 10 rows). */
  k: number;
  /** Rows of the sample the graph is built on. */
  sampleRows: number;
  /** Skewness of N_k (Radovanović et al. 2010): ≈ 0 without hubs, large and positive with them. */
  skewness: number;
  /** Share of the sample's rows with N_k > 2k. */
  hubShare: number;
  /** Share of the sample's rows with N_k = 0 (in no other row's list). */
  antihubShare: number;
  /** Robin Hood index of N_k: 0 = every row equally often a neighbour, → 1 = all occurrences on few rows. */
  robinHood: number;
  maxOccurrence: number;
  /** The rows of largest N_k, by global row index. */
  topHubs: { row: number; occurrence: number }[];
}

const RULES = [
  {
    id: "hubness",
    metric: "hubness.skewness",
    direction: "above",
    defaults: { warn: 5, fail: null },
    range: { min: -100, max: 1000, what: "a skewness" },
    source:
      "skewness of the k-occurrence (k = 10) is near 0 without hubs and grows with the intrinsic dimension (Radovanović, Nanopoulos & Ivanović 2010, JMLR 11); warn at 5 is embcheck's heuristic (healthy synthetic sets and 3,000 GloVe words score 1–3)",
    message: (a, k) =>
      `a few rows are everyone's nearest neighbours (hubs): k-occurrence skewness ${k.num(a.value)}${k.th(a.threshold)}; 0 is no hubness`,
    hint: "hubs crowd search results: try `embcheck fix IN --pipeline center,l2 -o OUT` (centring reduces hubness, Suzuki et al. 2013), then re-check",
  },
] as const satisfies readonly Rule<MetricsHead & { hubness: HubnessMetrics }>[];

/** The hubness numbers of a kNN graph on m rows (ids: positions, −1 for none) and their global indices. */
export function hubnessMetrics(ids: Int32Array, m: number, k: number, indices: Float64Array): HubnessMetrics {
  const nk = kOccurrence(ids, m);
  const h = hubnessStats(nk, k);
  return {
    k,
    sampleRows: m,
    ...h,
    topHubs: topByOccurrence(nk, Math.min(TOP_HUBS, m)).map((i) => ({ row: indices[i], occurrence: nk[i] })),
  };
}

export const hubness: Section<"hubness", HubnessMetrics, typeof RULES> = {
  key: "hubness",
  compute: ({ shared }) => {
    const g = shared.cosineGraph();
    return hubnessMetrics(g.ids, g.queries, g.k, shared.neighbourRows().indices);
  },
  rules: RULES,
  terminal: {
    title: "Hubness",
    lines: (r, kit) => {
      const h = r.hubness;
      return flow(
        [
          `k-occurrence skewness ${formatNumber(h.skewness)} (0 = no hubs)`,
          `hubs (N${h.k} > ${2 * h.k}) ${formatPercent(h.hubShare)}`,
          `anti-hubs (N${h.k} = 0) ${formatPercent(h.antihubShare)}`,
          `Robin Hood ${formatNumber(h.robinHood)}`,
          `top hubs (row: N${h.k}) ${h.topHubs.map((t) => `${t.row}: ${t.occurrence}`).join(", ")}`,
          kit.dim(`cosine ${h.k}-NN graph of ${formatCount(h.sampleRows)} sampled rows`),
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const h = r.hubness;
    return [
      "### Hubness",
      "",
      ...table(
        ["k", "rows", "skewness", "hubs", "anti-hubs", "Robin Hood", "max N_k", "top hubs (row: N_k)"],
        [
          [
            String(h.k),
            formatCount(h.sampleRows),
            formatNumber(h.skewness),
            formatPercent(h.hubShare),
            formatPercent(h.antihubShare),
            formatNumber(h.robinHood),
            formatCount(h.maxOccurrence),
            h.topHubs.map((t) => `${t.row}: ${t.occurrence}`).join(", "),
          ],
        ],
      ),
      "",
      `Measured within the ${formatCount(h.sampleRows)}-row sample: each row's neighbours are sampled rows only (raise with \`--neighbors-sample\`).`,
      "",
    ];
  },
  html: (r) => [
    {
      label: "hubness",
      value: formatNumber(r.hubness.skewness),
      note: `k-occurrence skewness (k = ${r.hubness.k}), 0 = no hubs`,
    },
  ],
};
