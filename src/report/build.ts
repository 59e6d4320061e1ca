/**
 * Metrics + judged rules → the Report of METRICS.md (schema embcheck/report@1).
 */
import { CATALOGUE } from "../detect/catalogue.js";
import type { Metrics } from "../detect/metrics.js";
import { type Judged, judge, type Thresholds } from "../detect/rules.js";
import type { SourceInfo } from "../io/types.js";
import { type Finding, REPORT_SCHEMA, type Report, type Severity, type Verdict } from "./types.js";

export interface BuildOptions {
  toolVersion: string;
  /** Per-rule threshold overrides, by finding id. */
  thresholds?: Record<string, Partial<Thresholds>>;
  /** Seconds per stage measured outside the core (e.g. reading). */
  timing?: Record<string, number>;
  /** Where positive pairs came from. */
  pairs?: string;
  pairColumn?: string;
}

const RANK: Record<Severity, number> = { fail: 0, warn: 1, info: 2 };

export function toFinding(j: Judged): Finding {
  const entry = CATALOGUE[j.rule.id];
  return {
    id: j.rule.id,
    severity: j.severity,
    metric: j.rule.metric,
    value: j.value,
    threshold: j.threshold,
    message: entry.message(j),
    hint: entry.hint,
  };
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === "fail")) return "fail";
  if (findings.some((f) => f.severity === "warn")) return "warn";
  return "pass";
}

export function buildReport(m: Metrics, info: SourceInfo, opts: BuildOptions): Report {
  const findings = judge(m, opts.thresholds)
    .map(toFinding)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => RANK[a.f.severity] - RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
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
    },
    integrity: m.integrity,
    norms: m.norms,
    cosine: m.cosine,
    uniformity: m.uniformity,
    alignment: m.alignment,
    spectrum: m.spectrum,
    sample: { rows: m.sample.rows, seed: m.sample.seed },
    findings,
    verdict: verdictOf(findings),
    timing: roundTimes({ ...opts.timing, ...m.timing }),
  };
}

/** Seconds to the millisecond: timings are for people, and vary run to run anyway. */
function roundTimes(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
}
