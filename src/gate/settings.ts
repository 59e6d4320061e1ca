/**
 * The gate's settings, folded from layers in order of precedence:
 *   rule defaults (src/detect/sections/) < profile < config file < command line.
 * Each layer overrides only the lines it names (warn and fail separately), and every line in force
 * remembers which layer set it, so `--format json` can show where a threshold came from.
 */
import { GATED_RULES, type GatedRuleId } from "../detect/registry.js";
import type { Thresholds } from "../detect/rules.js";
import { UsageError } from "../errors.js";
import { BASELINE_METRICS, type Tolerance, type ToleranceOverrides } from "./baseline.js";
import type { GateConfig } from "./config.js";
import { findProfile, type GateProfile, profileNames } from "./profiles.js";
import type { Overrides } from "./thresholds.js";

export type FailOn = "warn" | "fail";

export interface Layer {
  /** "profile strict", "config embcheck.config.json", "command line". */
  name: string;
  thresholds: Overrides;
  tolerances: ToleranceOverrides;
}

export interface RuleSetting {
  id: GatedRuleId;
  metric: string;
  direction: "above" | "below";
  warn: number | null;
  fail: number | null;
  /** The layer that set each line ("default" when none did). */
  source: { warn: string; fail: string };
}

export interface ToleranceSetting {
  metric: string;
  worse: "up" | "down";
  /** null = the comparison is off. */
  tolerance: Tolerance | null;
  source: string;
}

export interface GateSettings {
  failOn: FailOn;
  profile: string;
  /** Full lines for every gated rule, by rule id (what the evaluation takes). */
  overrides: Record<GatedRuleId, Thresholds>;
  rules: RuleSetting[];
  tolerances: ToleranceSetting[];
}

export interface SettingsInput {
  /** --profile, which wins over the config file's "profile". */
  profile?: string;
  config?: GateConfig;
  /** --fail-on, which wins over the config file's "failOn". */
  failOn?: FailOn;
  /** --threshold, by rule id, in command-line order (later wins). */
  thresholds?: Overrides;
  /** --tolerance, by metric path. */
  tolerances?: ToleranceOverrides;
}

export function profileLayer(p: GateProfile): Layer {
  return { name: `profile ${p.name}`, thresholds: p.thresholds, tolerances: p.tolerances ?? {} };
}

export function resolveProfile(name: string, where: string): GateProfile {
  const p = findProfile(name);
  if (!p) throw new UsageError(`${where}: unknown profile "${name}"; valid: ${profileNames().join(", ")}`);
  return p;
}

/** Folds the layers over the defaults. */
export function foldLayers(layers: readonly Layer[]): { rules: RuleSetting[]; tolerances: ToleranceSetting[] } {
  const rules = GATED_RULES.map((r): RuleSetting => {
    const s: RuleSetting = {
      id: r.id,
      metric: r.metric,
      direction: r.direction,
      warn: r.defaults.warn,
      fail: r.defaults.fail,
      source: { warn: "default", fail: "default" },
    };
    for (const layer of layers) {
      const o = layer.thresholds[r.id];
      if (!o) continue;
      if (o.warn !== undefined) {
        s.warn = o.warn;
        s.source.warn = layer.name;
      }
      if (o.fail !== undefined) {
        s.fail = o.fail;
        s.source.fail = layer.name;
      }
    }
    return s;
  });
  const tolerances = BASELINE_METRICS.map((b): ToleranceSetting => {
    let tolerance: Tolerance | null = { ...b.tolerance };
    let source = "default";
    for (const layer of layers) {
      if (!(b.metric in layer.tolerances)) continue;
      const o = layer.tolerances[b.metric];
      tolerance = o === null ? null : { ...(tolerance ?? b.tolerance), ...o };
      source = layer.name;
    }
    return { metric: b.metric, worse: b.worse, tolerance, source };
  });
  return { rules, tolerances };
}

export function resolveSettings(input: SettingsInput): GateSettings {
  const layers: Layer[] = [];
  const profileName = input.profile ?? input.config?.profile ?? "default";
  const where = input.profile !== undefined ? "--profile" : `${input.config?.file}: profile`;
  layers.push(profileLayer(resolveProfile(profileName, where)));
  if (input.config) {
    layers.push({
      name: `config ${input.config.file}`,
      thresholds: input.config.thresholds,
      tolerances: input.config.tolerances,
    });
  }
  layers.push({ name: "command line", thresholds: input.thresholds ?? {}, tolerances: input.tolerances ?? {} });
  const { rules, tolerances } = foldLayers(layers);
  return {
    failOn: input.failOn ?? input.config?.failOn ?? "fail",
    profile: profileName,
    overrides: Object.fromEntries(rules.map((r) => [r.id, { warn: r.warn, fail: r.fail }])) as Record<
      GatedRuleId,
      Thresholds
    >,
    rules,
    tolerances,
  };
}

/** The tolerances in force by metric path, as compareBaseline() takes them. */
export function toleranceMap(s: GateSettings): Record<string, Tolerance | null> {
  return Object.fromEntries(s.tolerances.map((t) => [t.metric, t.tolerance]));
}
