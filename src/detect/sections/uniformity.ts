/** uniformity (METRICS.md § uniformity): Wang & Isola (2020), t = 2, over the sampled pairs. */
import { formatCount, formatNumber } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";
import type { AlignmentMetrics } from "./alignment.js";

export const UNIFORMITY_T = 2;

export interface UniformityMetrics {
  value: number;
  t: number;
  sampledPairs: number;
}

const RULES = [
  {
    id: "poor-uniformity",
    metric: "uniformity.value",
    direction: "above",
    defaults: { warn: -1.5, fail: -0.5 },
    range: { min: -4, max: 0, what: "a uniformity value" },
    source:
      "uniformity (Wang & Isola 2020, t = 2) is ≈ −4 for directions spread over the sphere and 0 at collapse; the lines are embcheck's heuristics",
    message: (a, k) =>
      `directions do not spread over the sphere: uniformity ${k.num(a.value)}${k.th(a.threshold)}; -4 is spread over the sphere, 0 collapsed`,
    hint: "try `embcheck fix IN --pipeline center,l2 -o OUT` or `--pipeline whiten,l2`, and re-measure retrieval after",
  },
] as const satisfies readonly Rule<MetricsHead & { uniformity: UniformityMetrics }>[];

/**
 * Wang & Isola (2020) uniformity, t = 2: log mean exp(−t‖u − v‖²) = log mean exp(4c − 4)
 * over the sampled pairs, summed as exp(4c − 4) directly (every term is in [e⁻⁸, 1]).
 */
export function uniformityMetrics(cosines: Float64Array): UniformityMetrics {
  let s = 0;
  for (let i = 0; i < cosines.length; i++) s += Math.exp(-UNIFORMITY_T * (2 - 2 * cosines[i]));
  return { value: Math.log(s / cosines.length), t: UNIFORMITY_T, sampledPairs: cosines.length };
}

/** Its Markdown table also holds alignment's numbers when there are pairs (one table for the two). */
export const uniformity: Section<
  "uniformity",
  UniformityMetrics,
  typeof RULES,
  { alignment?: AlignmentMetrics | null }
> = {
  key: "uniformity",
  compute: ({ shared }) => uniformityMetrics(shared.pairCosines().cosines),
  lap: "pairs",
  rules: RULES,
  terminal: {
    title: "Uniformity",
    lines: (r, kit) => {
      const u = r.uniformity;
      return flow(
        [
          `${formatNumber(u.value)} (t = ${formatNumber(u.t)}; -4 = spread over the sphere, 0 = collapsed)`,
          `${formatCount(u.sampledPairs)} pairs`,
        ],
        kit.width,
      );
    },
  },
  markdown: (r) => {
    const u = r.uniformity;
    const a = r.alignment ?? null;
    const headers = ["uniformity", "t", "pairs"];
    const row = [formatNumber(u.value), formatNumber(u.t), formatCount(u.sampledPairs)];
    if (a !== null) {
      headers.push("alignment", "alpha", "mean cosine", "positive pairs");
      row.push(formatNumber(a.value), formatNumber(a.alpha), formatNumber(a.meanCosine), formatCount(a.pairs));
    }
    return [a === null ? "### Uniformity" : "### Uniformity and alignment", "", ...table(headers, [row]), ""];
  },
  html: (r) => [
    {
      label: "uniformity",
      value: formatNumber(r.uniformity.value),
      note: `t = ${formatNumber(r.uniformity.t)}, lower is more uniform`,
    },
  ],
};
