/** nearDuplicates (METRICS.md § nearDuplicates): rows with another row at cosine ≥ τ, over the whole input. */
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import type { NearDuplicateMetrics } from "../neardup.js";
import type { Section } from "../section.js";

export const nearDuplicates: Section<"nearDuplicates", NearDuplicateMetrics | null, readonly []> = {
  key: "nearDuplicates",
  compute: ({ nearDuplicates }) => nearDuplicates ?? null,
  optional: true,
  rules: [],
  terminal: {
    title: "Near-dups",
    lines: (r, kit) => {
      const n = r.nearDuplicates;
      if (!n) return [];
      return flow(
        [
          `${formatCount(n.rows)} rows (${formatPercent(n.share)}) in ${formatCount(n.groups)} groups at cosine ≥ ${formatNumber(n.tau)}`,
          ...n.examples.map((g) => `[${g.rows.join(", ")}${g.size > g.rows.length ? ", …" : ""}]`),
          kit.dim(
            `all rows; ${formatCount(n.candidatePairs)} candidate pairs verified exactly; recall at the line ≈ ${formatNumber(n.expectedRecall)}`,
          ),
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const n = r.nearDuplicates;
    if (!n) return [];
    return [
      "### Near-duplicates",
      "",
      ...table(
        ["cosine ≥", "rows", "share", "groups", "candidate pairs", "verified pairs", "first groups"],
        [
          [
            formatNumber(n.tau),
            formatCount(n.rows),
            formatPercent(n.share),
            formatCount(n.groups),
            formatCount(n.candidatePairs),
            formatCount(n.verifiedPairs),
            n.examples.map((g) => `[${g.rows.join(", ")}${g.size > g.rows.length ? ", …" : ""}]`).join(" "),
          ],
        ],
      ),
      "",
      `Over every row: SimHash bands propose candidates, each verified exactly; a pair at cosine ${formatNumber(n.tau)} is proposed with probability ${formatNumber(n.expectedRecall)}.`,
      "",
    ];
  },
  html: (r) =>
    r.nearDuplicates
      ? [
          {
            label: "near-duplicates",
            value: formatPercent(r.nearDuplicates.share),
            note: `rows with another at cosine ≥ ${formatNumber(r.nearDuplicates.tau)}`,
          },
        ]
      : [],
};
