/**
 * The saved transform (`--save-transform T.json`): kind, schema version, tool version, the steps
 * as given and every fitted step's state (each kind's encode/decode: steps/). Matrices are stored
 * exactly (encoding.ts), so a reloaded transform maps every row to the same bits.
 */
import { InputError } from "../errors.js";
import { badTransform } from "./encoding.js";
import { formatPipeline, parsePipeline } from "./spec.js";
import { decodeStep, dimsOut, encodeStep, type FittedStep, type StepSpec } from "./steps/index.js";

export { decodeFloat64, type EncodedArray, encodeFloat64 } from "./encoding.js";

export const TRANSFORM_KIND = "embcheck/transform";
export const TRANSFORM_SCHEMA_VERSION = 1;

export interface TransformJson {
  kind: typeof TRANSFORM_KIND;
  schemaVersion: number;
  tool: { name: "embcheck"; version: string };
  pipeline: string;
  dimsIn: number;
  dimsOut: number;
  steps: Record<string, unknown>[];
}

/** What a fitted pipeline is, as data. */
export interface FittedPipeline {
  readonly steps: readonly StepSpec[];
  readonly fittedSteps: readonly FittedStep[];
  readonly dimsIn: number;
  readonly dimsOut: number;
}

export function transformToJson(p: FittedPipeline, toolVersion: string): TransformJson {
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

/** Decodes a saved transform; checks kind, schema version and every array's shape. */
export function decodeTransform(json: unknown): FittedPipeline {
  const j = json as TransformJson;
  if (!j || typeof j !== "object" || j.kind !== TRANSFORM_KIND) {
    throw badTransform(`"kind" is ${JSON.stringify((j as { kind?: unknown })?.kind)}, expected "${TRANSFORM_KIND}"`);
  }
  if (j.schemaVersion !== TRANSFORM_SCHEMA_VERSION) {
    throw new InputError(
      `the transform has schema version ${j.schemaVersion} (written by embcheck ${j.tool?.version ?? "?"}); this embcheck reads version ${TRANSFORM_SCHEMA_VERSION}`,
      {},
      "use the embcheck version that wrote it, or fit it again",
    );
  }
  if (!Number.isInteger(j.dimsIn) || j.dimsIn < 1) throw badTransform(`"dimsIn" is ${j.dimsIn}`);
  if (typeof j.pipeline !== "string" || !Array.isArray(j.steps)) throw badTransform('"pipeline" or "steps" missing');
  const specs = parsePipeline(j.pipeline);
  if (specs.length !== j.steps.length) {
    throw badTransform(`"pipeline" has ${specs.length} steps but "steps" ${j.steps.length}`);
  }
  let dims = j.dimsIn;
  const fitted: FittedStep[] = j.steps.map((raw, i) => {
    const s = raw as Record<string, unknown>;
    if (s.kind !== specs[i].kind)
      throw badTransform(`step ${i + 1} is "${String(s.kind)}", the pipeline says "${specs[i].kind}"`);
    const step = decodeStep(s, dims, `step ${i + 1} (${specs[i].kind})`);
    dims = dimsOut(step, dims);
    return step;
  });
  if (dims !== j.dimsOut) throw badTransform(`"dimsOut" is ${j.dimsOut} but the steps give ${dims}`);
  return { steps: specs, fittedSteps: fitted, dimsIn: j.dimsIn, dimsOut: dims };
}
