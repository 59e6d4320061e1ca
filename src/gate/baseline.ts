/**
 * Baselines: the key metrics of a known-good set (`report FILE --save-baseline BASE.json`), and the
 * comparison `check FILE --baseline BASE.json` makes against them. A metric regresses when it moves
 * in its bad direction by more than max(relative · |baseline|, absolute); an unchanged set passes.
 * Pure: the CLI reads and writes the file.
 */
import { InputError, UsageError } from "../errors.js";
import type { Report } from "../report/types.js";
import { formatNumber, formatPercent } from "../text/format.js";
import { parseNumber } from "./thresholds.js";

export const BASELINE_SCHEMA = "embcheck/baseline@1";

export interface Tolerance {
  /** A share of |baseline| (0.25 = 25 %). */
  relative: number;
  /** In the metric's own unit. */
  absolute: number;
}

export interface BaselineMetric {
  metric: string;
  /** Which way is worse. */
  worse: "up" | "down";
  tolerance: Tolerance;
  /** Noun phrase for messages. */
  label: string;
  /** Why this tolerance. */
  source: string;
}

/** The metrics a baseline stores and compares, with their default tolerances. */
export const BASELINE_METRICS: readonly BaselineMetric[] = [
  {
    metric: "integrity.invalidShare",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.001 },
    label: "share of invalid rows",
    source: "0.1 percentage point: a new source of NaN/Inf/zero/null rows, even below the count floors' notice",
  },
  {
    metric: "integrity.duplicateShare",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.01 },
    label: "share of duplicate rows",
    source: "1 percentage point, the duplicate-rows warn line",
  },
  {
    metric: "norms.cv",
    worse: "up",
    tolerance: { relative: 0.5, absolute: 0.05 },
    label: "norm spread (cv)",
    source: "a rise by half (and by 0.05 at least, so unit-norm sets do not trip on rounding): norm spread exploding",
  },
  {
    metric: "cosine.meanExact",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.1 },
    label: "mean cosine",
    source: "0.1 of mean cosine: random pairs drifting into a cone (the exact mean has no sampling noise)",
  },
  {
    metric: "uniformity.value",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.5 },
    label: "uniformity",
    source: "0.5 on the [−4, 0] scale: an eighth of the range",
  },
  {
    metric: "spectrum.effectiveRank",
    worse: "down",
    tolerance: { relative: 0.25, absolute: 0 },
    label: "effective rank",
    source: "a fall by a quarter: a retrained model that lost a third of its effective rank fails",
  },
  {
    metric: "spectrum.dominantShare",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.1 },
    label: "dominant direction's share",
    source: "10 percentage points more variance in the top direction",
  },
  {
    metric: "alignment.value",
    worse: "up",
    tolerance: { relative: 0, absolute: 0.2 },
    label: "alignment",
    source: "0.2 on the [0, 4] scale; compared only when both runs had positive pairs",
  },
];

export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  tool: { name: "embcheck"; version: string };
  input: { path: string; format: string; dtype: string; rows: number; dims: number };
  sample: { rows: number; seed: number };
  metrics: Record<string, number>;
}

const get = (r: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | null)?.[k], r);

/** The baseline metrics of a report (alignment only when pairs were given). */
export function baselineMetricsOf(report: Report): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of BASELINE_METRICS) {
    const v = get(report, b.metric);
    if (typeof v === "number") out[b.metric] = v;
  }
  return out;
}

export function baselineOf(report: Report): Baseline {
  const { input } = report;
  return {
    schema: BASELINE_SCHEMA,
    tool: report.tool,
    input: { path: input.path, format: input.format, dtype: input.dtype, rows: input.rows, dims: input.dims },
    sample: report.sample,
    metrics: baselineMetricsOf(report),
  };
}

export function renderBaseline(b: Baseline): string {
  return `${JSON.stringify(b, null, 2)}\n`;
}

/** Reads a baseline file's text; anything else is an InputError naming the file (exit 3). */
export function parseBaseline(text: string, file: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError(`not JSON (${(e as Error).message})`, { file }, "give a file written by --save-baseline");
  }
  const o = data as Partial<Baseline> | null;
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new InputError("not a baseline (a JSON object was expected)", { file });
  }
  if (o.schema !== BASELINE_SCHEMA) {
    throw new InputError(
      `schema is ${JSON.stringify(o.schema ?? null)}, expected "${BASELINE_SCHEMA}"`,
      { file },
      "save a new one with `embcheck report FILE --save-baseline BASE.json`",
    );
  }
  if (typeof o.metrics !== "object" || o.metrics === null || Array.isArray(o.metrics)) {
    throw new InputError('"metrics" must be an object of numbers', { file });
  }
  for (const [k, v] of Object.entries(o.metrics)) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new InputError(`metrics["${k}"] must be a finite number, got ${JSON.stringify(v)}`, { file });
    }
  }
  return o as Baseline;
}

/** Tolerance overrides by metric path; a field left out keeps the lower layer's value; null = off. */
export type ToleranceOverrides = Record<string, Partial<Tolerance> | null>;

export function baselineMetric(key: string, where: string): BaselineMetric {
  const b = BASELINE_METRICS.find((m) => m.metric === key.trim());
  if (!b) {
    throw new UsageError(
      `${where}: unknown baseline metric "${key}"; valid: ${BASELINE_METRICS.map((m) => m.metric).join(", ")}`,
    );
  }
  return b;
}

const TOL_HELP = 'give "25%" (relative), "rel:0.25", "abs:0.1", "rel:0.5,abs:0.05" or "off"';

function tolValue(text: string, where: string, spec: string): number {
  const n = parseNumber(text);
  if (n === null || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`${where}: "${text}" in "${spec}" is not a number ≥ 0; ${TOL_HELP}`);
  }
  return n;
}

/** Parses a tolerance SPEC: "25%" (relative), "rel:N", "abs:N", "rel:N,abs:M", or "off". */
export function parseToleranceSpec(spec: string, where: string): Partial<Tolerance> | null {
  const s = spec.trim();
  if (s === "off") return null;
  if (s.endsWith("%")) return { relative: tolValue(s, where, spec) };
  const out: Partial<Tolerance> = {};
  for (const part of s.split(",")) {
    const m = /^\s*(rel|relative|abs|absolute)\s*:\s*(.*?)\s*$/.exec(part);
    if (!m) throw new UsageError(`${where}: cannot read "${spec}"; ${TOL_HELP}`);
    const field = m[1].startsWith("rel") ? "relative" : "absolute";
    if (field in out) throw new UsageError(`${where}: "${field}" is given twice in "${spec}"`);
    out[field] = tolValue(m[2], where, spec);
  }
  return out;
}

/** `--tolerance METRIC=SPEC` → [metric path, override]. */
export function parseToleranceArg(arg: string): [string, Partial<Tolerance> | null] {
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new UsageError(`--tolerance "${arg}": expected METRIC=SPEC, e.g. spectrum.effectiveRank=25%`);
  const where = `--tolerance ${arg}`;
  const b = baselineMetric(arg.slice(0, eq), where);
  return [b.metric, parseToleranceSpec(arg.slice(eq + 1), where)];
}

export interface BaselineComparison {
  metric: string;
  label: string;
  worse: "up" | "down";
  /** null when the metric is missing on either side, or its tolerance is off. */
  status: "pass" | "fail" | "skipped";
  baseline: number | null;
  value: number | null;
  tolerance: Tolerance | null;
  /** The last value that still passes (baseline ± allowed change). */
  limit: number | null;
  reason?: string;
}

/** Compares a report's baseline metrics with a baseline under the given tolerances (null = off). */
export function compareBaseline(
  baseline: Baseline,
  report: Report,
  tolerances: Record<string, Tolerance | null>,
): BaselineComparison[] {
  const current = baselineMetricsOf(report);
  return BASELINE_METRICS.map((b): BaselineComparison => {
    const base = baseline.metrics[b.metric];
    const value = current[b.metric];
    const tol = b.metric in tolerances ? tolerances[b.metric] : b.tolerance;
    const row = { metric: b.metric, label: b.label, worse: b.worse, tolerance: tol };
    if (base === undefined || value === undefined) {
      const reason = base === undefined ? "not in the baseline" : "not measured in this run";
      return { ...row, status: "skipped", baseline: base ?? null, value: value ?? null, limit: null, reason };
    }
    if (tol === null) return { ...row, status: "skipped", baseline: base, value, limit: null, reason: "tolerance off" };
    const allowed = Math.max(tol.relative * Math.abs(base), tol.absolute);
    const limit = b.worse === "up" ? base + allowed : base - allowed;
    const regressed = b.worse === "up" ? value > limit : value < limit;
    return { ...row, status: regressed ? "fail" : "pass", baseline: base, value, limit };
  });
}

/** "effective rank fell from 46.69 to 2.815 (−94%); allowed: down to 35.02 (25% of the baseline)". */
export function regressionMessage(c: BaselineComparison): string {
  const base = c.baseline!;
  const value = c.value!;
  const verb = value > base ? "rose" : "fell";
  // A percentage only where the tolerance is relative: near a baseline of 0 it means nothing.
  const relative = c.tolerance!.relative > 0 && base !== 0;
  const change = relative
    ? ` (${value > base ? "+" : "−"}${formatPercent(Math.abs(value - base) / Math.abs(base))})`
    : "";
  return `${c.label} ${verb} from ${formatNumber(base)} to ${formatNumber(value)}${change} against the baseline; allowed: ${c.worse === "up" ? "up" : "down"} to ${formatNumber(c.limit!)} (${toleranceText(c.tolerance!)})`;
}

/** "25% relative", "0.1 absolute", "50% relative or 0.05 absolute, the larger". */
export function toleranceText(t: Tolerance): string {
  const parts: string[] = [];
  if (t.relative > 0) parts.push(`${formatPercent(t.relative)} relative`);
  if (t.absolute > 0) parts.push(`${formatNumber(t.absolute)} absolute`);
  if (parts.length === 0) return "no change allowed";
  return parts.length === 2 ? `${parts.join(" or ")}, the larger` : parts[0];
}
