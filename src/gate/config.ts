/**
 * The config file `embcheck.config.json`: its text → checked settings. Validated against the
 * shipped JSON Schema with Ajv, and each error turned into one line naming the file and the key.
 * Pure: the CLI finds and reads the file. Every problem is a UsageError (exit 2).
 */
import { createRequire } from "node:module";
import type { Ajv, ErrorObject } from "ajv";
import type { Thresholds } from "../detect/rules.js";
import { UsageError } from "../errors.js";
import type { Tolerance, ToleranceOverrides } from "./baseline.js";
import { configSchema } from "./schema.js";
import { checkOrder, type Overrides, ruleForKey } from "./thresholds.js";

export const CONFIG_FILE = "embcheck.config.json";

export interface GateConfig {
  file: string;
  profile?: string;
  failOn?: "warn" | "fail";
  /** As written in the file (relative to the file's directory). */
  baseline?: string;
  /** By rule id. */
  thresholds: Overrides;
  /** By baseline metric path; null = off. */
  tolerances: ToleranceOverrides;
}

type Line = number | null | "off";
interface RawConfig {
  profile?: string;
  failOn?: "warn" | "fail";
  baseline?: string;
  thresholds?: Record<string, number | "off" | { warn?: Line; fail?: Line }>;
  tolerances?: Record<string, "off" | Partial<Tolerance>>;
}

let validator: ReturnType<Ajv["compile"]> | undefined;

function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    // Ajv (~45 ms to import) is required only when a config file is read (issue 19: start-up).
    const { Ajv: AjvClass } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    validator = new AjvClass({ allErrors: false, verbose: true, strict: true }).compile(configSchema());
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

/** "/thresholds/cosine.meanExact/warn" → 'thresholds["cosine.meanExact"].warn'. */
export function keyPath(pointer: string): string {
  const parts = pointer
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  for (const p of parts) out += /^[A-Za-z_$][\w$]*$/.test(p) ? (out === "" ? p : `.${p}`) : `[${JSON.stringify(p)}]`;
  return out;
}

/** One line for the most specific schema error. */
export function describeError(errors: ErrorObject[], file: string): string {
  const unknown = errors.find((e) => e.keyword === "additionalProperties");
  if (unknown) {
    const name = (unknown.params as { additionalProperty: string }).additionalProperty;
    const props = Object.keys((unknown.parentSchema as { properties?: object })?.properties ?? {});
    const where = unknown.instancePath === "" ? "at the top level" : `in ${keyPath(unknown.instancePath)}`;
    return `${file}: unknown key "${name}" ${where}; valid: ${props.join(", ")}`;
  }
  const depth = (e: ErrorObject) => (e.instancePath === "" ? 0 : e.instancePath.split("/").length);
  const deepest = Math.max(...errors.map(depth));
  const atDeepest = errors.filter((e) => depth(e) === deepest);
  const e = atDeepest.find((x) => x.keyword === "anyOf") ?? atDeepest[0];
  const key = e.instancePath === "" ? "the file" : keyPath(e.instancePath);
  const got = ` (got ${JSON.stringify(e.data)})`;
  if (e.keyword === "anyOf") {
    const description = (e.parentSchema as { description?: string }).description ?? "another value";
    return `${file}: ${key} must be ${description.replace(/^[^:]*: /, "")}${got}`;
  }
  if (e.keyword === "enum") {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v));
    return `${file}: ${key} must be one of ${allowed.join(", ")}${got}`;
  }
  return `${file}: ${key} ${e.message ?? "is invalid"}${got}`;
}

const asLine = (v: Line | undefined): number | null | undefined => (v === "off" ? null : v);

/** Parses and checks the text of a config file; `file` names it in errors. */
export function parseConfig(text: string, file: string): GateConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const errors = validate(data);
  if (errors.length > 0) throw new UsageError(describeError(errors, file));
  const raw = data as RawConfig;

  const thresholds: Overrides = {};
  const keyOf: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw.thresholds ?? {})) {
    const where = `${file}: ${keyPath(`/thresholds/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`)}`;
    const rule = ruleForKey(key, where);
    if (keyOf[rule.id] !== undefined) {
      throw new UsageError(`${file}: thresholds name ${rule.id} twice ("${keyOf[rule.id]}" and "${key}"); keep one`);
    }
    keyOf[rule.id] = key;
    let t: Partial<Thresholds>;
    if (value === "off") t = { warn: null, fail: null };
    else if (typeof value === "number") t = { fail: value };
    else {
      t = {};
      if (value.warn !== undefined) t.warn = asLine(value.warn);
      if (value.fail !== undefined) t.fail = asLine(value.fail);
    }
    checkOrder(rule, t, where);
    thresholds[rule.id] = t;
  }

  const tolerances: ToleranceOverrides = {};
  for (const [metric, value] of Object.entries(raw.tolerances ?? {})) {
    tolerances[metric] = value === "off" ? null : { ...value };
  }

  return {
    file,
    ...(raw.profile !== undefined && { profile: raw.profile }),
    ...(raw.failOn !== undefined && { failOn: raw.failOn }),
    ...(raw.baseline !== undefined && { baseline: raw.baseline }),
    thresholds,
    tolerances,
  };
}
