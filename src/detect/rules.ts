/**
 * The detectors, in one ordered registry. Each rule reads one report metric and compares it with
 * documented default thresholds (their sources are in `source`; docs/THRESHOLDS.md lists them).
 * Findings are data; their English lives in catalogue.ts.
 */
import type { Severity } from "../report/types.js";
import type { Metrics } from "./metrics.js";

export type Direction = "above" | "below";

export interface Thresholds {
  warn: number | null;
  fail: number | null;
}

export interface Rule {
  id: string;
  /** The report path the rule judges. */
  metric: string;
  /** "above": a value ≥ threshold triggers; "below": a value < threshold triggers. */
  direction: Direction;
  defaults: Thresholds;
  /** Severity when the value crosses only an informational line (rules without warn/fail). */
  infoOnly?: boolean;
  source: string;
  /** When false the rule does not apply to this input (e.g. alignment without pairs). */
  applies?: (m: Metrics) => boolean;
  /** The value judged (defaults to the metric path's value). */
  value?: (m: Metrics) => number;
  /** Adjusts the thresholds for this input (e.g. rank bounded by the row count). */
  scale?: (t: Thresholds, m: Metrics) => Thresholds;
}

const get = (m: Metrics, path: string): number =>
  path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], m) as number;

/** The rank a set of n rows in d dims can reach is min(n − 1, d): scale the rank floors by it. */
const byAttainableRank = (t: Thresholds, m: Metrics): Thresholds => {
  const f = Math.min(1, (m.integrity.validRows - 1) / m.dims);
  return { warn: t.warn === null ? null : t.warn * f, fail: t.fail === null ? null : t.fail * f };
};

export const RULES: readonly Rule[] = [
  {
    id: "nan-rows",
    metric: "integrity.nanRows",
    direction: "above",
    defaults: { warn: null, fail: 1 },
    source: "any NaN breaks cosine and inner-product search (METRICS.md: non-finite rows fail)",
  },
  {
    id: "inf-rows",
    metric: "integrity.infRows",
    direction: "above",
    defaults: { warn: null, fail: 1 },
    source: "any ±Inf breaks cosine and inner-product search (METRICS.md: non-finite rows fail)",
  },
  {
    id: "zero-rows",
    metric: "integrity.zeroRows",
    direction: "above",
    defaults: { warn: 1, fail: null },
    source: "an all-zero vector has no direction: usually an empty input text (DOMAIN.md, dirty rows)",
  },
  {
    id: "null-rows",
    metric: "integrity.nullRows",
    direction: "above",
    defaults: { warn: 1, fail: null },
    source: "a null embedding is a row the index cannot hold",
  },
  {
    id: "duplicate-rows",
    metric: "integrity.duplicateShare",
    direction: "above",
    defaults: { warn: 0.01, fail: 0.25 },
    source: "exact duplicates come from duplicated documents or caching bugs (DOMAIN.md); 1 % is a practitioners' line",
  },
  {
    id: "norm-spread",
    metric: "norms.cv",
    direction: "above",
    defaults: { warn: 0.3, fail: null },
    source: "norms leak into cosine/IP search unless normalised; healthy raw norms form a narrow bell (DOMAIN.md)",
  },
  {
    id: "anisotropy",
    metric: "cosine.meanExact",
    direction: "above",
    defaults: { warn: 0.5, fail: 0.8 },
    source: "mean pairwise cosine above 0.8 is anisotropy (Ethayarajh 2019; practitioners' rule in DOMAIN.md)",
  },
  {
    id: "collapse",
    metric: "spectrum.effectiveRankRatio",
    direction: "below",
    defaults: { warn: 0.15, fail: 0.1 },
    source:
      "effective rank (Roy & Vetterli 2007) of a handful of dims means dimensional collapse (Jing et al. 2022); floors scaled by min(1, (n − 1)/d)",
    scale: byAttainableRank,
  },
  {
    id: "dominant-direction",
    metric: "spectrum.dominantShare",
    direction: "above",
    defaults: { warn: 0.2, fail: 0.5 },
    source: "one principal direction carrying a large share of the variance (Mu & Viswanath 2018, all-but-the-top)",
  },
  {
    id: "poor-uniformity",
    metric: "uniformity.value",
    direction: "above",
    defaults: { warn: -1.5, fail: -0.5 },
    source:
      "uniformity (Wang & Isola 2020, t = 2) is ≈ −4 for directions spread over the sphere and 0 at collapse; the lines are embcheck's heuristics",
  },
  {
    id: "poor-alignment",
    metric: "alignment.value",
    direction: "above",
    defaults: { warn: 1, fail: null },
    source: "alignment (Wang & Isola 2020, α = 2): 1.0 means positive pairs have mean cosine 0.5",
    applies: (m) => m.alignment !== null && m.alignment.pairs > 0,
  },
  {
    id: "alignment-no-better-than-random",
    metric: "alignment.meanCosine",
    direction: "below",
    defaults: { warn: null, fail: 0.05 },
    source:
      "positive pairs must be closer than random pairs (Wang & Isola 2020); the margin over cosine.mean is embcheck's",
    applies: (m) => m.alignment !== null && m.alignment.pairs > 0,
    scale: (t, m) => ({
      warn: t.warn === null ? null : m.cosine.mean + t.warn,
      fail: t.fail === null ? null : m.cosine.mean + t.fail,
    }),
  },
  {
    id: "unit-norm",
    metric: "norms.cv",
    direction: "below",
    defaults: { warn: null, fail: null },
    infoOnly: true,
    source: "rows already L2-normalised: norm checks are moot, dot product equals cosine",
    applies: (m) => m.norms.cv < 1e-3 && Math.abs(m.norms.mean - 1) < 1e-3,
  },
  {
    id: "few-rows",
    metric: "integrity.validRows",
    direction: "below",
    defaults: { warn: null, fail: null },
    infoOnly: true,
    source: "a d × d covariance estimated from fewer than 2·d rows is noisy; rank is at most n − 1",
    applies: (m) => m.integrity.validRows < 2 * m.dims,
  },
];

export interface Judged {
  rule: Rule;
  severity: Severity;
  value: number;
  threshold: number | null;
}

/** Judges every rule against the metrics, with per-rule threshold overrides. */
export function judge(m: Metrics, overrides: Record<string, Partial<Thresholds>> = {}): Judged[] {
  const out: Judged[] = [];
  for (const rule of RULES) {
    if (rule.applies && !rule.applies(m)) continue;
    const value = rule.value ? rule.value(m) : get(m, rule.metric);
    if (rule.infoOnly) {
      out.push({ rule, severity: "info", value, threshold: null });
      continue;
    }
    let t: Thresholds = { ...rule.defaults, ...overrides[rule.id] };
    if (rule.scale) t = rule.scale(t, m);
    const crosses = (th: number | null) => th !== null && (rule.direction === "above" ? value >= th : value < th);
    if (crosses(t.fail)) out.push({ rule, severity: "fail", value, threshold: t.fail });
    else if (crosses(t.warn)) out.push({ rule, severity: "warn", value, threshold: t.warn });
  }
  return out;
}

/** One rule's outcome for the gate: every applicable rule, passing ones included. */
export interface Evaluated {
  rule: Rule;
  /** "pass" when neither line is crossed; the same severity judge() gives otherwise. */
  severity: "pass" | "warn" | "fail";
  value: number;
  /** The lines in force for this input (overrides applied, then the rule's scaling). */
  thresholds: Thresholds;
  /** The line crossed, or null when the rule passes. */
  threshold: number | null;
}

/** The rules a gate can set thresholds for: every rule with warn/fail lines (info-only rules have none). */
export const GATED_RULES: readonly Rule[] = RULES.filter((r) => !r.infoOnly);

/**
 * Like judge(), but for every gated rule that applies, passing or not, with the lines in force.
 * judge() is the source of truth for findings; test/gate/evaluate.test.ts checks the two agree.
 */
export function evaluateRules(m: Metrics, overrides: Record<string, Partial<Thresholds>> = {}): Evaluated[] {
  const out: Evaluated[] = [];
  for (const rule of GATED_RULES) {
    if (rule.applies && !rule.applies(m)) continue;
    const value = rule.value ? rule.value(m) : get(m, rule.metric);
    let t: Thresholds = { ...rule.defaults, ...overrides[rule.id] };
    if (rule.scale) t = rule.scale(t, m);
    const crosses = (th: number | null) => th !== null && (rule.direction === "above" ? value >= th : value < th);
    const severity = crosses(t.fail) ? "fail" : crosses(t.warn) ? "warn" : "pass";
    const threshold = severity === "fail" ? t.fail : severity === "warn" ? t.warn : null;
    out.push({ rule, severity, value, thresholds: t, threshold });
  }
  return out;
}

/** The gated rule named by `key`: a rule id ("anisotropy") or the metric path it judges ("cosine.meanExact"). */
export function gatedRuleFor(key: string): Rule | undefined {
  return GATED_RULES.find((r) => r.id === key) ?? GATED_RULES.find((r) => r.metric === key);
}
