/**
 * The one evaluation loop: every rule that applies to this input is judged once, with the lines in
 * force (defaults, then overrides, then the rule's scaling). Findings (./findings.ts) and the
 * gate's checks (../gate/gate.ts) are both read off its result.
 */
import type { Overrides, Rule, Thresholds } from "./rules.js";

/** "pass": no line crossed; "warn"/"fail": that line crossed; "info": an informational rule applies. */
export type Status = "pass" | "warn" | "fail" | "info";

export interface Evaluation<R extends Rule = Rule> {
  rule: R;
  status: Status;
  value: number;
  /** The lines in force for this input; null for an informational rule. */
  lines: Thresholds | null;
  /** The line crossed, or null. */
  threshold: number | null;
}

/** The value at a report path ("cosine.meanExact") of the metrics. */
export function valueAt(m: object, path: string): number {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], m) as number;
}

/** Judges `rules`, in order, against the metrics, with per-rule overrides of the default lines. */
export function evaluate<R extends Rule>(rules: readonly R[], m: object, overrides: Overrides = {}): Evaluation<R>[] {
  const out: Evaluation<R>[] = [];
  for (const rule of rules) {
    if (rule.applies && !rule.applies(m)) continue;
    const value = rule.value ? rule.value(m) : valueAt(m, rule.metric);
    if (rule.infoOnly) {
      out.push({ rule, status: "info", value, lines: null, threshold: null });
      continue;
    }
    let t: Thresholds = { ...rule.defaults, ...overrides[rule.id] };
    if (rule.scale) t = rule.scale(t, m);
    const crosses = (th: number | null) => th !== null && (rule.direction === "above" ? value >= th : value < th);
    const status = crosses(t.fail) ? "fail" : crosses(t.warn) ? "warn" : "pass";
    const threshold = status === "fail" ? t.fail : status === "warn" ? t.warn : null;
    out.push({ rule, status, value, lines: t, threshold });
  }
  return out;
}
