/**
 * The metric sections in report order, and the rules they declare. A new metric is one file under
 * ./sections/ and one line in DEFAULT_SECTIONS. `buildRegistry` makes an immutable registry from
 * any list of sections (no global mutable state: a library user or a test builds its own).
 */
import { InternalError } from "../errors.js";
import { type GatedRule, isGated, type Rule } from "./rules.js";
import type { AnySection, GatedRuleIdOf, GatedRuleOf, RuleIdOf, RuleOf } from "./section.js";
import { alignment } from "./sections/alignment.js";
import { cosine } from "./sections/cosine.js";
import { hubness } from "./sections/hubness.js";
import { integrity } from "./sections/integrity.js";
import { intrinsicDimensionSection } from "./sections/intrinsic.js";
import { labels } from "./sections/labels.js";
import { nearDuplicates } from "./sections/neardup.js";
import { norms } from "./sections/norms.js";
import { outliers } from "./sections/outliers.js";
import { retrieval } from "./sections/retrieval.js";
import { spectrum } from "./sections/spectrum.js";
import { uniformity } from "./sections/uniformity.js";

export interface Registry<S extends readonly AnySection[] = readonly AnySection[]> {
  /** In report order: the JSON keys, the terminal blocks and the Markdown sections follow it. */
  readonly sections: S;
  /** Every rule, section by section in the rule order (findings keep it within a severity). */
  readonly rules: readonly RuleOf<S>[];
  /** The rules with warn/fail lines, in the same order: the gate's checks and the config schema. */
  readonly gated: readonly GatedRuleOf<S>[];
  /** The rule with this id. */
  rule(id: string): RuleOf<S> | undefined;
}

export interface RegistryOptions<K extends string> {
  /**
   * The sections whose rules come first, in this order; the others follow in report order. Rule
   * order is what findings within one severity, the gate's checks and the config schema list.
   */
  ruleOrder?: readonly K[];
}

export function buildRegistry<const S extends readonly AnySection[]>(
  sections: S,
  opts: RegistryOptions<S[number]["key"]> = {},
): Registry<S> {
  const keys = sections.map((s) => s.key);
  const twice = keys.find((k, i) => keys.indexOf(k) !== i);
  if (twice !== undefined) throw new InternalError(`metric section "${twice}" is registered twice`);
  const order = opts.ruleOrder ?? [];
  for (const k of order) if (!keys.includes(k)) throw new InternalError(`rule order names no section "${k}"`);
  const ordered = [
    ...order.map((k) => sections.find((s) => s.key === k) as AnySection),
    ...sections.filter((s) => !order.includes(s.key)),
  ];
  const rules = ordered.flatMap((s) => s.rules) as RuleOf<S>[];
  const byId = new Map<string, RuleOf<S>>();
  for (const r of rules) {
    if (byId.has(r.id)) throw new InternalError(`rule "${r.id}" is declared twice`);
    byId.set(r.id, r);
  }
  const gated = (rules as Rule[]).filter(isGated) as GatedRule[] as GatedRuleOf<S>[];
  return Object.freeze({
    sections,
    rules: Object.freeze(rules),
    gated: Object.freeze(gated),
    rule: (id: string) => byId.get(id),
  });
}

/** The sections of report@1, in its order. */
export const DEFAULT_SECTIONS = [
  integrity,
  norms,
  cosine,
  uniformity,
  alignment,
  spectrum,
  hubness,
  outliers,
  intrinsicDimensionSection,
  retrieval,
  nearDuplicates,
  labels,
] as const;
export type DefaultSections = typeof DEFAULT_SECTIONS;

/** report@1 lists the spectrum's findings before uniformity's and alignment's (its rule order). */
export const DEFAULT_REGISTRY = buildRegistry(DEFAULT_SECTIONS, {
  ruleOrder: ["integrity", "norms", "cosine", "spectrum", "uniformity", "alignment"],
});

/** A rule id of the default registry: a misspelt id is a type error. */
export type RuleId = RuleIdOf<DefaultSections>;
/** The id of a rule with warn/fail lines (what --threshold, the config file and profiles may name). */
export type GatedRuleId = GatedRuleIdOf<DefaultSections>;
export type DefaultRule = RuleOf<DefaultSections>;
export type DefaultGatedRule = GatedRuleOf<DefaultSections>;

/** Every rule of the default registry, in rule order. */
export const RULES: readonly DefaultRule[] = DEFAULT_REGISTRY.rules;
/** The rules a gate can set thresholds for: every rule with warn/fail lines (info-only rules have none). */
export const GATED_RULES: readonly DefaultGatedRule[] = DEFAULT_REGISTRY.gated;
