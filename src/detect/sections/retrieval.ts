/** retrieval (METRICS.md § retrieval): where each sampled row's own partner ranks; only with pairs. */
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import type { RetrievalMetrics } from "../retrieval.js";
import type { Section } from "../section.js";

const cell = (x: number, r: number) => `${formatNumber(x)} (${formatNumber(r)})`;

export const retrieval: Section<"retrieval", RetrievalMetrics | null, readonly []> = {
  key: "retrieval",
  compute: ({ retrieval }) => retrieval ?? null,
  optional: true,
  rules: [],
  terminal: {
    title: "Retrieval",
    lines: (r, kit) => {
      const t = r.retrieval;
      if (!t) return [];
      const q = t.random;
      return flow(
        [
          `Recall@1 ${cell(t.recallAt1, q.recallAt1)}`,
          `@10 ${cell(t.recallAt10, q.recallAt10)}`,
          `@100 ${cell(t.recallAt100, q.recallAt100)}`,
          `MRR@100 ${cell(t.mrr, q.mrr)}`,
          `NDCG@10 ${cell(t.ndcgAt10, q.ndcgAt10)}`,
          kit.dim(
            `${formatCount(t.queries)} sampled rows rank all ${formatCount(t.corpusRows)} partners by cosine; random ranking in brackets`,
          ),
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const t = r.retrieval;
    if (!t) return [];
    const q = t.random;
    return [
      "### Retrieval of the positive partner",
      "",
      ...table(
        ["", "Recall@1", "Recall@10", "Recall@100", "MRR@100", "NDCG@10"],
        [
          ["measured", ...[t.recallAt1, t.recallAt10, t.recallAt100, t.mrr, t.ndcgAt10].map(formatNumber)],
          ["random ranking", ...[q.recallAt1, q.recallAt10, q.recallAt100, q.mrr, q.ndcgAt10].map(formatNumber)],
        ],
      ),
      "",
      `${formatCount(t.queries)} sampled rows each rank all ${formatCount(t.corpusRows)} partner rows by cosine; a hit is the row's own partner.`,
      "",
    ];
  },
  html: (r) =>
    r.retrieval
      ? [
          {
            label: "Recall@10",
            value: formatNumber(r.retrieval.recallAt10),
            note: `own partner in the top 10 (random ${formatNumber(r.retrieval.random.recallAt10)})`,
          },
        ]
      : [],
};
