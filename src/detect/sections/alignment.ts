/** alignment (METRICS.md § alignment): Wang & Isola (2020), alpha = 2; only when positive pairs are given. */
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";
import type { CosineMetrics } from "./cosine.js";

export const ALIGNMENT_ALPHA = 2;

export interface AlignmentMetrics {
  value: number;
  meanCosine: number;
  pairs: number;
  alpha: number;
}

type Reads = MetricsHead & { alignment: AlignmentMetrics | null; cosine: CosineMetrics };
const withPairs = (m: Reads) => m.alignment !== null && m.alignment.pairs > 0;

const RULES = [
  {
    id: "poor-alignment",
    metric: "alignment.value",
    direction: "above",
    defaults: { warn: 1, fail: null },
    range: { min: 0, max: 4, what: "an alignment value" },
    source: "alignment (Wang & Isola 2020, α = 2): 1.0 means positive pairs have mean cosine 0.5",
    applies: withPairs,
    notApplicable: "no positive pairs given",
    message: (a, k) =>
      `positive pairs are far apart: alignment ${k.num(a.value)}${k.th(a.threshold)}; 0 = pairs coincide, 4 = opposite`,
    hint: "the model does not map paraphrases/query–answer pairs together; check the pairing, or fine-tune contrastively on such pairs",
  },
  {
    id: "alignment-no-better-than-random",
    metric: "alignment.meanCosine",
    direction: "below",
    defaults: { warn: null, fail: 0.05 },
    range: { min: -2, max: 2, what: "a margin over the random-pair mean cosine" },
    source:
      "positive pairs must be closer than random pairs (Wang & Isola 2020); the margin over cosine.mean is embcheck's",
    applies: withPairs,
    notApplicable: "no positive pairs given",
    scale: (t, m) => ({
      warn: t.warn === null ? null : m.cosine.mean + t.warn,
      fail: t.fail === null ? null : m.cosine.mean + t.fail,
    }),
    message: (a, k) =>
      `positive pairs are no closer than random pairs: mean positive cosine ${k.num(a.value)}${k.th(a.threshold)}, the random-pair mean plus a margin`,
    hint: "check that row i of the pairs really is the partner of row i (same order, same ids)",
  },
] as const satisfies readonly Rule<Reads>[];

export const alignment: Section<"alignment", AlignmentMetrics | null, typeof RULES, { cosine: CosineMetrics }> = {
  key: "alignment",
  compute: ({ profile: p, hasPairs }) => {
    if (!hasPairs) return null;
    const k = p.alignPairs;
    return {
      value: k > 0 ? p.alignSqSum / k : 0,
      meanCosine: k > 0 ? p.alignCosSum / k : 0,
      pairs: k,
      alpha: ALIGNMENT_ALPHA,
    };
  },
  optional: true,
  rules: RULES,
  terminal: {
    title: "Alignment",
    lines: (r, kit) => {
      const a = r.alignment!;
      return flow(
        [
          `${formatNumber(a.value)} (alpha ${formatNumber(a.alpha)}; 0 = pairs coincide, 4 = opposite)`,
          `mean cosine ${formatNumber(a.meanCosine)}`,
          `${formatCount(a.pairs)} pairs${r.input.pairs ? ` with ${r.input.pairs}` : r.input.pairColumn ? ` with column ${r.input.pairColumn}` : ""}`,
        ],
        kit.width,
      );
    },
  },
  // Markdown: the uniformity table carries alignment's numbers.
  html: (r) => [
    {
      label: "alignment",
      value: formatNumber(r.alignment!.value),
      note: `mean pair cosine ${formatNumber(r.alignment!.meanCosine)} · ${formatCount(r.alignment!.pairs)} pairs`,
    },
  ],
};
