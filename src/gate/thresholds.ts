/**
 * Threshold specs for the gate: what `--threshold KEY=SPEC` and a config file's `thresholds` may say,
 * parsed into per-rule overrides that the evaluation (../detect/evaluate.ts) takes. Pure.
 *
 *   KEY   a rule id ("anisotropy") or the metric path it judges ("cosine.meanExact")
 *   SPEC  0.7                → the fail line (the warn line is kept)
 *         warn:0.5,fail:0.7  → both lines; either part may be left out
 *         warn:off           → no warn line (fail:off likewise)
 *         off                → the rule never fires
 *   A value may end in "%" (5% = 0.05).
 */
import { type DefaultGatedRule, GATED_RULES, type GatedRuleId } from "../detect/registry.js";
import type { GatedRule, Overrides as RuleOverrides, Thresholds } from "../detect/rules.js";
import { UsageError } from "../errors.js";

/** Per-rule overrides by gated rule id: a misspelt id is a type error. */
export type Overrides = RuleOverrides<GatedRuleId>;

/** "0.7", "-1.5", "5%" → a number; anything else → null. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(%?)$/.exec(t);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === "%" ? n / 100 : n;
}

/** Every valid threshold key: "rule-id (metric.path)" per gated rule. */
export function validThresholdKeys(): string {
  return GATED_RULES.map((r) => `${r.metric} (${r.id})`).join(", ");
}

/** The gated rule named by `key`: a rule id ("anisotropy") or the metric path it judges ("cosine.meanExact"). */
export function gatedRuleFor(key: string): DefaultGatedRule | undefined {
  return GATED_RULES.find((r) => r.id === key) ?? GATED_RULES.find((r) => r.metric === key);
}

/** The gated rule named by `key`, or a UsageError listing every valid key. */
export function ruleForKey(key: string, where: string): DefaultGatedRule {
  const rule = gatedRuleFor(key.trim());
  if (!rule) throw new UsageError(`${where}: unknown metric "${key}"; valid: ${validThresholdKeys()}`);
  return rule;
}

/** "[0, 1]", "an integer ≥ 0": the allowed values of a rule's thresholds, in words. */
export function rangeText(rule: GatedRule): string {
  const r = rule.range;
  if (r.max === Number.POSITIVE_INFINITY) return `${r.integer ? "an integer" : "a number"} ≥ ${r.min} (${r.what})`;
  return `a number in [${r.min}, ${r.max}] (${r.what})`;
}

/** Checks one line's value against the rule's range. */
export function checkLine(rule: GatedRule, value: number, where: string): number {
  const r = rule.range;
  const ok = Number.isFinite(value) && value >= r.min && value <= r.max && (!r.integer || Number.isInteger(value));
  if (!ok) throw new UsageError(`${where}: ${value} is out of range for ${rule.metric}; give ${rangeText(rule)}`);
  return value;
}

const SPEC_HELP = 'give a number (the fail line), "warn:N,fail:N" (either part may be left out), or "off"';

/** Parses the SPEC of `KEY=SPEC` for `rule`. */
export function parseThresholdSpec(rule: GatedRule, spec: string, where: string): Partial<Thresholds> {
  const s = spec.trim();
  if (s === "off") return { warn: null, fail: null };
  const single = parseNumber(s);
  if (single !== null) return { fail: checkLine(rule, single, where) };
  const out: Partial<Thresholds> = {};
  for (const part of s.split(",")) {
    const m = /^\s*(warn|fail)\s*:\s*(.*?)\s*$/.exec(part);
    if (!m) throw new UsageError(`${where}: cannot read "${spec}"; ${SPEC_HELP}`);
    const level = m[1] as "warn" | "fail";
    if (level in out) throw new UsageError(`${where}: "${level}" is given twice in "${spec}"`);
    if (m[2] === "off") out[level] = null;
    else {
      const n = parseNumber(m[2]);
      if (n === null) throw new UsageError(`${where}: "${m[2]}" is not a number in "${spec}"; ${SPEC_HELP}`);
      out[level] = checkLine(rule, n, where);
    }
  }
  checkOrder(rule, out, where);
  return out;
}

/** When one spec gives both lines, the warn line must come before the fail line in the rule's direction. */
export function checkOrder(rule: GatedRule, t: Partial<Thresholds>, where: string): void {
  if (t.warn === undefined || t.fail === undefined || t.warn === null || t.fail === null) return;
  const bad = rule.direction === "above" ? t.warn > t.fail : t.warn < t.fail;
  if (bad) {
    const order = rule.direction === "above" ? "warn ≤ fail" : "warn ≥ fail";
    throw new UsageError(
      `${where}: the warn line ${t.warn} is past the fail line ${t.fail} for ${rule.metric} (it fires ${rule.direction === "above" ? "at or above" : "below"} the line: ${order})`,
    );
  }
}

/** Parses `KEY=SPEC` from the command line into [rule id, override]. */
export function parseThresholdArg(arg: string): [GatedRuleId, Partial<Thresholds>] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new UsageError(`--threshold "${arg}": expected METRIC=VALUE, e.g. cosine.meanExact=0.7`);
  const key = arg.slice(0, eq).trim();
  const where = `--threshold ${arg}`;
  const rule = ruleForKey(key, where);
  return [rule.id, parseThresholdSpec(rule, arg.slice(eq + 1), where)];
}
