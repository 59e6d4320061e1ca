/**
 * The saved transform (`--save-transform T.json`): kind, schema version, tool version, the steps
 * as given and every fitted step's state. Matrices are stored exactly: the little-endian bytes of
 * the float64 values in base64 (`{ "dtype": "<f8", "shape": [...], "base64": "..." }`), so a
 * reloaded transform maps every row to the same bits. NumPy:
 * np.frombuffer(base64.b64decode(x["base64"]), "<f8").reshape(x["shape"]).
 */
import { InputError } from "../errors.js";
import { Pipeline } from "./pipeline.js";
import { formatPipeline, parsePipeline } from "./spec.js";
import type { FittedStep } from "./steps.js";

export const TRANSFORM_KIND = "embcheck/transform";
export const TRANSFORM_SCHEMA_VERSION = 1;

export interface EncodedArray {
  dtype: "<f8";
  shape: number[];
  base64: string;
}

export interface TransformJson {
  kind: typeof TRANSFORM_KIND;
  schemaVersion: number;
  tool: { name: "embcheck"; version: string };
  pipeline: string;
  dimsIn: number;
  dimsOut: number;
  steps: Record<string, unknown>[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeFloat64(a: Float64Array, shape: number[]): EncodedArray {
  const copy = Float64Array.from(a);
  const bytes = new Uint8Array(copy.buffer);
  if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return { dtype: "<f8", shape, base64: Buffer.from(bytes).toString("base64") };
}

export function decodeFloat64(x: unknown, where: string, expected: number[]): Float64Array {
  const e = x as EncodedArray;
  if (!e || typeof e !== "object" || e.dtype !== "<f8" || typeof e.base64 !== "string" || !Array.isArray(e.shape)) {
    throw bad(`${where} is not an encoded float64 array`);
  }
  const count = expected.reduce((a, b) => a * b, 1);
  if (e.shape.length !== expected.length || e.shape.some((v, i) => v !== expected[i])) {
    throw bad(`${where} has shape [${e.shape.join(", ")}], expected [${expected.join(", ")}]`);
  }
  const buf = Buffer.from(e.base64, "base64");
  if (buf.length !== count * 8) throw bad(`${where} holds ${buf.length} bytes, expected ${count * 8}`);
  const bytes = new Uint8Array(count * 8);
  bytes.set(buf);
  if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return new Float64Array(bytes.buffer);
}

function bad(what: string): InputError {
  return new InputError(
    `not a valid embcheck transform: ${what}`,
    {},
    "save it again with embcheck fix --save-transform",
  );
}

export function transformToJson(p: Pipeline, toolVersion: string): TransformJson {
  const steps = p.fittedSteps.map(encodeStep);
  return {
    kind: TRANSFORM_KIND,
    schemaVersion: TRANSFORM_SCHEMA_VERSION,
    tool: { name: "embcheck", version: toolVersion },
    pipeline: formatPipeline(p.steps),
    dimsIn: p.dimsIn,
    dimsOut: p.dimsOut,
    steps,
  };
}

function encodeStep(s: FittedStep): Record<string, unknown> {
  switch (s.kind) {
    case "l2":
    case "drop-invalid":
    case "dedup":
      return { kind: s.kind };
    case "center":
      return { kind: s.kind, dims: s.dims, mean: encodeFloat64(s.mean, [s.dims]) };
    case "pca":
      return {
        kind: s.kind,
        dims: s.dims,
        k: s.k,
        totalVariance: s.totalVariance,
        mean: encodeFloat64(s.mean, [s.dims]),
        components: encodeFloat64(s.components, [s.k, s.dims]),
        variances: encodeFloat64(s.variances, [s.k]),
      };
    case "whiten":
    case "zca":
      return {
        kind: s.kind,
        dims: s.dims,
        k: s.k,
        epsilon: s.epsilon,
        mean: encodeFloat64(s.mean, [s.dims]),
        components: encodeFloat64(s.components, [s.k, s.dims]),
        variances: encodeFloat64(s.variances, [s.k]),
      };
    case "abtt":
      return {
        kind: s.kind,
        dims: s.dims,
        k: s.k,
        mean: encodeFloat64(s.mean, [s.dims]),
        components: encodeFloat64(s.components, [s.k, s.dims]),
        variances: encodeFloat64(s.variances, [s.k]),
      };
  }
}

/** Loads a saved transform; checks kind, schema version and every array's shape. */
export function transformFromJson(json: unknown): Pipeline {
  const j = json as TransformJson;
  if (!j || typeof j !== "object" || j.kind !== TRANSFORM_KIND) {
    throw bad(`"kind" is ${JSON.stringify((j as { kind?: unknown })?.kind)}, expected "${TRANSFORM_KIND}"`);
  }
  if (j.schemaVersion !== TRANSFORM_SCHEMA_VERSION) {
    throw new InputError(
      `the transform has schema version ${j.schemaVersion} (written by embcheck ${j.tool?.version ?? "?"}); this embcheck reads version ${TRANSFORM_SCHEMA_VERSION}`,
      {},
      "use the embcheck version that wrote it, or fit it again",
    );
  }
  if (!Number.isInteger(j.dimsIn) || j.dimsIn < 1) throw bad(`"dimsIn" is ${j.dimsIn}`);
  if (typeof j.pipeline !== "string" || !Array.isArray(j.steps)) throw bad('"pipeline" or "steps" missing');
  const specs = parsePipeline(j.pipeline);
  if (specs.length !== j.steps.length) throw bad(`"pipeline" has ${specs.length} steps but "steps" ${j.steps.length}`);
  let dims = j.dimsIn;
  const fitted: FittedStep[] = j.steps.map((raw, i) => {
    const s = raw as Record<string, unknown>;
    if (s.kind !== specs[i].kind)
      throw bad(`step ${i + 1} is "${String(s.kind)}", the pipeline says "${specs[i].kind}"`);
    const step = decodeStep(s, dims, `step ${i + 1} (${specs[i].kind})`);
    if (step.kind === "pca" || step.kind === "whiten") dims = step.k;
    return step;
  });
  if (dims !== j.dimsOut) throw bad(`"dimsOut" is ${j.dimsOut} but the steps give ${dims}`);
  return Pipeline.fromFitted(specs, fitted, j.dimsIn);
}

function decodeStep(s: Record<string, unknown>, dims: number, where: string): FittedStep {
  const kind = s.kind as FittedStep["kind"];
  if (kind === "l2" || kind === "drop-invalid" || kind === "dedup") return { kind };
  if (s.dims !== dims) throw bad(`${where} was fitted on ${String(s.dims)} dims, but ${dims} reach it`);
  const mean = decodeFloat64(s.mean, `${where} mean`, [dims]);
  if (kind === "center") return { kind, dims, mean };
  const k = s.k as number;
  if (!Number.isInteger(k) || k < 1 || k > dims) throw bad(`${where} has k = ${String(k)}`);
  const components = decodeFloat64(s.components, `${where} components`, [k, dims]);
  const variances = decodeFloat64(s.variances, `${where} variances`, [k]);
  switch (kind) {
    case "pca":
      return { kind, dims, k, mean, components, variances, totalVariance: Number(s.totalVariance) };
    case "whiten":
    case "zca": {
      const epsilon = s.epsilon as number;
      if (typeof epsilon !== "number" || !(epsilon >= 0)) throw bad(`${where} has epsilon ${String(epsilon)}`);
      return { kind, dims, k, mean, components, variances, epsilon };
    }
    case "abtt":
      return { kind, dims, k, mean, components, variances };
    default:
      throw bad(`${where}: unknown step kind "${String(kind)}"`);
  }
}
