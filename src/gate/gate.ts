/**
 * The gate: one report (and optionally a baseline) → the checks, the findings and passed/failed for
 * one file; several files → one result whose exit code is the worst. Pure.
 */

import type { DriftRuleId } from "../compare/rules.js";
import type { Evaluation } from "../detect/evaluate.js";
import { sortFindings, verdictOf } from "../detect/findings.js";
import { GATED_RULES, type GatedRuleId } from "../detect/registry.js";
import type { GatedRule } from "../detect/rules.js";
import type { Finding, Severity, Verdict } from "../detect/types.js";
import { describeShape } from "../report/summary.js";
import type { Report } from "../report/types.js";
import { VERSION } from "../version.js";
import { type Baseline, baselineMetricsOf, compareBaseline, regressionMessage, type Tolerance } from "./baseline.js";
import { type FailOn, type GateSettings, type RuleSetting, type ToleranceSetting, toleranceMap } from "./settings.js";

export const CHECK_SCHEMA = "embcheck/check@1";
export const REGRESSION_ID = "baseline-regression";
export const EXIT_CODES = { passed: 0, failed: 1, error: 3 } as const;

export type CheckStatus = "pass" | "warn" | "fail" | "skipped";

/** One check: a gated rule, or one baseline metric. */
export interface GateCheck {
  kind: "rule" | "baseline";
  /** The rule id (a drift rule's with `check --reference`), or "baseline-regression". */
  id: GatedRuleId | DriftRuleId | typeof REGRESSION_ID;
  metric: string;
  status: CheckStatus;
  value: number | null;
  /** "above": a value at or above a line fires; "below": a value under it fires. */
  direction: "above" | "below";
  /** The lines in force for this input (for baseline checks: fail = the limit). */
  warn: number | null;
  fail: number | null;
  /** Baseline checks: the baseline value and the tolerance. */
  baseline?: number | null;
  tolerance?: Tolerance | null;
  /** Why a check was skipped. */
  reason?: string;
  /** The finding's message when the check did not pass. */
  message?: string;
}

export interface FileResult {
  path: string;
  status: "passed" | "failed" | "error";
  /** The report's verdict, regressions included; null when the file could not be read. */
  verdict: Verdict | null;
  /** "1,500 × 64 float32 (npy)". */
  shape: string | null;
  findings: Finding[];
  checks: GateCheck[];
  /** The baseline metrics of this file (what --save-baseline would store). */
  metrics: Record<string, number>;
  /** The one-line error when the file could not be read. */
  error: string | null;
}

export interface GateResult {
  schema: typeof CHECK_SCHEMA;
  tool: { name: "embcheck"; version: string };
  passed: boolean;
  exitCode: number;
  failOn: FailOn;
  profile: string;
  config: string | null;
  baseline: string | null;
  summary: { files: number; passed: number; failed: number; errors: number };
  files: FileResult[];
  thresholds: RuleSetting[];
  tolerances: ToleranceSetting[];
}

const REGRESSION_HINT =
  "compare the two models' training runs and data; if the change is intended, save a new baseline with `embcheck report FILE --save-baseline BASE.json`";

/** Whether a severity fails the gate at this --fail-on. */
export function failsGate(severity: Severity | CheckStatus, failOn: FailOn): boolean {
  return severity === "fail" || (failOn === "warn" && severity === "warn");
}

/**
 * Judges one analysed file: its checks are the evaluation's, one per gated rule. `report` and
 * `evaluations` must both come from one evaluation with settings.overrides (analyze() does that).
 */
export function gateFile(
  report: Report,
  evaluations: readonly Evaluation[],
  settings: GateSettings,
  baseline?: { data: Baseline; file: string },
  /** More checks judged elsewhere (the drift rules of `check --reference`), their findings in `report`. */
  extraChecks: readonly GateCheck[] = [],
): FileResult {
  const byId = new Map(evaluations.map((e) => [e.rule.id, e]));
  const messages = new Map(report.findings.map((f) => [f.id, f.message]));
  const checks: GateCheck[] = GATED_RULES.map((rule): GateCheck => {
    const e = byId.get(rule.id);
    const base = { kind: "rule" as const, id: rule.id, metric: rule.metric, direction: rule.direction };
    if (!e || e.lines === null) {
      const t = settings.overrides[rule.id];
      const reason = `does not apply: ${(rule as GatedRule).notApplicable ?? "not for this input"}`;
      return { ...base, status: "skipped", value: null, ...t, reason };
    }
    const status = e.status as "pass" | "warn" | "fail";
    const check: GateCheck = { ...base, status, value: e.value, ...e.lines };
    if (status !== "pass") check.message = messages.get(rule.id);
    return check;
  });

  checks.push(...extraChecks);
  const findings = [...report.findings];
  if (baseline) {
    for (const c of compareBaseline(baseline.data, report, toleranceMap(settings))) {
      const check: GateCheck = {
        kind: "baseline",
        id: REGRESSION_ID,
        metric: c.metric,
        status: c.status,
        value: c.value,
        direction: c.worse === "up" ? "above" : "below",
        warn: null,
        fail: c.limit,
        baseline: c.baseline,
        tolerance: c.tolerance,
      };
      if (c.reason) check.reason = c.reason;
      if (c.status === "fail") {
        check.message = regressionMessage(c);
        findings.push({
          id: REGRESSION_ID,
          severity: "fail",
          metric: c.metric,
          value: c.value!,
          threshold: c.limit,
          message: check.message,
          hint: REGRESSION_HINT,
        });
      }
      checks.push(check);
    }
  }
  const sorted = sortFindings(findings);
  const failed = sorted.some((f) => failsGate(f.severity, settings.failOn));
  return {
    path: report.input.path,
    status: failed ? "failed" : "passed",
    verdict: verdictOf(sorted),
    shape: describeShape(report),
    findings: sorted,
    checks,
    metrics: baselineMetricsOf(report),
    error: null,
  };
}

/** A file that could not be read: one error, no checks. */
export function errorFile(path: string, message: string): FileResult {
  return { path, status: "error", verdict: null, shape: null, findings: [], checks: [], metrics: {}, error: message };
}

export function exitCodeOf(files: readonly FileResult[]): number {
  return Math.max(EXIT_CODES.passed, ...files.map((f) => EXIT_CODES[f.status]));
}

export function gateResult(
  files: FileResult[],
  settings: GateSettings,
  sources: { config: string | null; baseline: string | null },
): GateResult {
  const count = (s: FileResult["status"]) => files.filter((f) => f.status === s).length;
  const exitCode = exitCodeOf(files);
  return {
    schema: CHECK_SCHEMA,
    tool: { name: "embcheck", version: VERSION },
    passed: exitCode === 0,
    exitCode,
    failOn: settings.failOn,
    profile: settings.profile,
    config: sources.config,
    baseline: sources.baseline,
    summary: { files: files.length, passed: count("passed"), failed: count("failed"), errors: count("error") },
    files,
    thresholds: settings.rules,
    tolerances: settings.tolerances,
  };
}
