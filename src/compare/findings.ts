/** The comparison's findings and verdict: the compare rules judged by the one evaluation loop. */
import { type Evaluation, evaluate } from "../detect/evaluate.js";
import { sortFindings, verdictOf } from "../detect/findings.js";
import type { GatedRule, MessageKit, Overrides } from "../detect/rules.js";
import type { Finding, Verdict } from "../detect/types.js";
import { formatCount, formatNumber, formatPercent } from "../text/format.js";
import { COMPARE_RULES } from "./rules.js";
import type { CompareMetrics } from "./types.js";

const num = (x: number) => (Number.isInteger(x) ? formatCount(x) : formatNumber(x));

function kit(rule: GatedRule<CompareMetrics>): MessageKit {
  return {
    num,
    pct: formatPercent,
    th: (threshold, unit = num) =>
      threshold === null ? "" : ` (${rule.direction === "above" ? "≥" : "<"} ${unit(threshold)})`,
  };
}

/** Judges the rules (default lines, then `overrides` by rule id) against the metrics. */
export function judgeComparison(
  m: CompareMetrics,
  overrides: Overrides = {},
  rules: readonly GatedRule<CompareMetrics>[] = COMPARE_RULES,
): { evaluations: Evaluation<GatedRule<CompareMetrics>>[]; findings: Finding[]; verdict: Verdict } {
  const evaluations = evaluate(rules, m, overrides);
  const findings = sortFindings(
    evaluations
      .filter((e) => e.status !== "pass")
      .map((e) => ({
        id: e.rule.id,
        severity: e.status as Finding["severity"],
        metric: e.rule.metric,
        value: e.value,
        threshold: e.threshold,
        message: e.rule.message({ value: e.value, threshold: e.threshold }, kit(e.rule)),
        hint: e.rule.hint,
      })),
  );
  return { evaluations, findings, verdict: verdictOf(findings) };
}
