/**
 * Findings as data: what the evaluation found, with the args its message is rendered from
 * (../report/messages.ts renders the English at the edge), their order and the verdict.
 */
import type { Evaluation } from "./evaluate.js";
import type { MessageArgs } from "./rules.js";
import type { Severity, Verdict } from "./types.js";

export interface FindingData<Id extends string = string> {
  id: Id;
  severity: Severity;
  metric: string;
  value: number;
  threshold: number | null;
  args: MessageArgs;
}

/** The evaluations that found something (warn, fail or info), in rule order. */
export function findingsOf(evaluations: readonly Evaluation[]): FindingData[] {
  return evaluations
    .filter((e) => e.status !== "pass")
    .map((e) => ({
      id: e.rule.id,
      severity: e.status as Severity,
      metric: e.rule.metric,
      value: e.value,
      threshold: e.threshold,
      args: { value: e.value, threshold: e.threshold },
    }));
}

const SEVERITY_RANK: Record<Severity, number> = { fail: 0, warn: 1, info: 2 };

/** Findings ordered fail, warn, info; the registry order is kept within a severity. */
export function sortFindings<F extends { severity: Severity }>(findings: readonly F[]): F[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

/** The worst severity present: "pass" when there is no warn or fail. */
export function verdictOf(findings: readonly { severity: Severity }[]): Verdict {
  if (findings.some((f) => f.severity === "fail")) return "fail";
  if (findings.some((f) => f.severity === "warn")) return "warn";
  return "pass";
}
