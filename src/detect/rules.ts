/**
 * What a rule is. Each rule reads one report metric and compares it with documented default lines
 * (their sources in `source`; docs/check.md lists them); it carries its English (a message rendered
 * from the finding's args, and a hint) and, when gated, the range its lines may take. Rules are
 * declared by the metric sections (./sections/), collected by the registry (./registry.ts) and
 * judged by the one evaluation loop (./evaluate.ts).
 */

export type Direction = "above" | "below";

export interface Thresholds {
  warn: number | null;
  fail: number | null;
}

/** Per-rule threshold overrides, by rule id. */
export type Overrides<Id extends string = string> = { [K in Id]?: Partial<Thresholds> };

/** The values a gated rule's lines may take (the range of the value it is compared with). */
export interface ThresholdRange {
  min: number;
  max: number;
  integer?: boolean;
  /** What the value is, in words ("a share of the valid rows"). */
  what: string;
}

/** The numbers a finding's message is rendered from. */
export interface MessageArgs {
  value: number;
  /** The line crossed, or null (informational findings). */
  threshold: number | null;
}

/** Formatting for messages; `th` knows the rule's direction. */
export interface MessageKit {
  /** A count when integral (1,999), else a measured value (0.8289). */
  num(x: number): string;
  /** A share as a percentage (0.0722 → "7.22%"). */
  pct(x: number): string;
  /** " (≥ 0.8)" or " (< 10%)": which side of the line the value is on, in the value's unit; "" for no line. */
  th(threshold: number | null, unit?: (x: number) => string): string;
}

/** `M` is the part of the metrics the rule reads (its section's value and whatever else it names). */
interface RuleBase<M> {
  readonly id: string;
  /** The report path the rule judges. */
  readonly metric: string;
  /** "above": a value ≥ a line triggers; "below": a value < a line triggers. */
  readonly direction: Direction;
  readonly source: string;
  /** When false the rule does not apply to this input (e.g. alignment without pairs). */
  applies?(m: M): boolean;
  /** Why a gated check is skipped when `applies` is false (after "does not apply: "). */
  readonly notApplicable?: string;
  /** The value judged (defaults to the metric path's value). */
  value?(m: M): number;
  message(a: MessageArgs, k: MessageKit): string;
  /** What to do, usually an `embcheck fix` pipeline. */
  readonly hint: string;
}

/** A rule with warn/fail lines: the gate can set them (--threshold, config file, profiles). */
export interface GatedRule<M = object> extends RuleBase<M> {
  readonly infoOnly?: false;
  readonly defaults: Readonly<Thresholds>;
  readonly range: Readonly<ThresholdRange>;
  /** Adjusts the lines for this input (e.g. rank bounded by the row count). */
  scale?(t: Thresholds, m: M): Thresholds;
}

/** A rule that only informs: it fires (severity info) whenever it applies, and has no lines. */
export interface InfoRule<M = object> extends RuleBase<M> {
  readonly infoOnly: true;
}

export type Rule<M = object> = GatedRule<M> | InfoRule<M>;

export function isGated<R extends Rule>(rule: R): rule is Extract<R, { readonly defaults: Readonly<Thresholds> }> {
  return rule.infoOnly !== true;
}
