/**
 * `check FILE --reference REF`: the drift rules judged for one file against the reference's profile,
 * as gate checks and findings the gate folds in with the file's own (../gate/gate.ts). Pure.
 */
import type { Overrides } from "../detect/rules.js";
import type { Finding } from "../detect/types.js";
import type { GateCheck } from "../gate/gate.js";
import type { Kernels } from "../linalg/backend.js";
import type { ProfileState } from "../profile/state.js";
import { driftOf } from "./drift.js";
import { judgeComparison } from "./findings.js";
import { DRIFT_RULES, type DriftRuleId } from "./rules.js";

export function driftChecks(
  reference: ProfileState,
  current: ProfileState,
  overrides: Overrides,
  kernels: Kernels,
): { checks: GateCheck[]; findings: Finding[] } {
  const drift = driftOf(reference, current, { kernels });
  const judged = judgeComparison({ drift, paired: null, leakage: null }, overrides, DRIFT_RULES);
  const messages = new Map(judged.findings.map((f) => [f.id, f.message]));
  const checks = judged.evaluations.map((e): GateCheck => {
    const status = e.status as "pass" | "warn" | "fail";
    const check: GateCheck = {
      kind: "rule",
      id: e.rule.id as DriftRuleId,
      metric: e.rule.metric,
      direction: e.rule.direction,
      status,
      value: e.value,
      warn: e.lines?.warn ?? null,
      fail: e.lines?.fail ?? null,
    };
    if (status !== "pass") check.message = messages.get(e.rule.id);
    return check;
  });
  return { checks, findings: judged.findings };
}
