/**
 * Metrics + their evaluation → the Report of METRICS.md (schema embcheck/report@1).
 */
import { type Evaluation, evaluate } from "../detect/evaluate.js";
import { findingsOf, sortFindings, verdictOf } from "../detect/findings.js";
import type { MetricsOf } from "../detect/metrics.js";
import { DEFAULT_REGISTRY, type DefaultSections, type Registry } from "../detect/registry.js";
import type { Overrides } from "../detect/rules.js";
import type { AnySection } from "../detect/section.js";
import { REPORT_SCHEMA } from "../detect/types.js";
import type { SourceInfo } from "../io/types.js";
import { toFinding } from "./messages.js";
import type { ReportOf } from "./types.js";

export interface BuildOptions<S extends readonly AnySection[] = DefaultSections> {
  toolVersion: string;
  /** Per-rule threshold overrides, by rule id (used when `evaluations` is not given). */
  thresholds?: Overrides;
  /** The evaluation of the metrics, when the caller has it (analyze() keeps it for the gate). */
  evaluations?: readonly Evaluation[];
  /** Seconds per stage measured outside the core (e.g. reading). */
  timing?: Record<string, number>;
  /** Where positive pairs came from. */
  pairs?: string;
  pairColumn?: string;
  /** The sections (default: report@1's). */
  registry?: Registry<S>;
}

export function buildReport<S extends readonly AnySection[] = DefaultSections>(
  m: MetricsOf<S> & { integrity: { rows: number } },
  info: SourceInfo,
  opts: BuildOptions<S>,
): ReportOf<S> {
  const registry = opts.registry ?? (DEFAULT_REGISTRY as unknown as Registry<S>);
  const evaluations = opts.evaluations ?? evaluate(registry.rules, m, opts.thresholds);
  const findings = sortFindings(findingsOf(evaluations).map((f) => toFinding(f, registry)));
  const sections = Object.fromEntries(registry.sections.map((s) => [s.key, (m as Record<string, unknown>)[s.key]]));
  return {
    schema: REPORT_SCHEMA,
    tool: { name: "embcheck", version: opts.toolVersion },
    input: {
      path: info.path,
      format: info.format,
      column: info.column,
      key: info.key,
      pairs: opts.pairs ?? null,
      pairColumn: opts.pairColumn ?? null,
      dtype: info.dtype,
      rows: m.integrity.rows,
      dims: info.dims,
      ...(info.files ? { files: info.files.map((f) => ({ ...f })) } : {}),
      ...(info.profile ? { profile: { ...info.profile, ranges: [...info.profile.ranges] } } : {}),
    },
    ...sections,
    sample: { rows: m.sample.rows, seed: m.sample.seed },
    findings,
    verdict: verdictOf(findings),
    timing: roundTimes({ ...opts.timing, ...m.timing }),
  } as ReportOf<S>;
}

/** Seconds to the millisecond: timings are for people, and vary run to run anyway. */
function roundTimes(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
