/**
 * The step-kind table: one entry per kind, each defined in its own module (how it is written,
 * fitted, applied and saved). Everything that dispatches on a step's kind goes through it, so a
 * new step is one module plus one line here (a missing kind is a type error).
 */
import { InternalError } from "../../errors.js";
import type { Kernels } from "../../linalg/backend.js";
import { congruence } from "../../linalg/transform.js";
import { badTransform } from "../encoding.js";
import { abtt } from "./abtt.js";
import { center } from "./center.js";
import { dedup } from "./dedup.js";
import { dedupNear } from "./dedup-near.js";
import { dropInvalid } from "./drop-invalid.js";
import { l2 } from "./l2.js";
import { pca } from "./pca.js";
import type { Affine, CompiledStep, Fitted, FittedStep, Stats, StepDef, StepKind, StepSpec } from "./types.js";
import { whiten } from "./whiten.js";
import { zca } from "./zca.js";

export { defaultAbttD } from "./abtt.js";
export { isValidRow } from "./common.js";
export { DEFAULT_PCA_K } from "./pca.js";
export type { Affine, CompiledStep, FittedStep, Stats, StepKind, StepSpec } from "./types.js";
export { WHITEN_EPSILON } from "./whiten.js";

export const STEPS: { readonly [K in StepKind]: StepDef<K> } = {
  l2,
  center,
  pca,
  whiten,
  zca,
  abtt,
  "drop-invalid": dropInvalid,
  dedup,
  "dedup-near": dedupNear,
};

/** The kinds in the table's order (the order --help lists them). */
export const STEP_KINDS = Object.keys(STEPS) as StepKind[];

function def<K extends StepKind>(kind: K): StepDef<K> {
  const d = STEPS[kind] as StepDef<K> | undefined;
  if (!d) throw new InternalError(`unknown step kind ${String(kind)}`);
  return d;
}

/**
 * Inputs narrower than this keep the float64 products even with the fast kernels: their
 * projection costs little next to reading and writing, so there is no reason to trade digits for
 * time (and small outputs, such as the committed writer fixtures, stay byte-identical to the
 * float64 path).
 */
export const FAST_MIN_DIMS = 128;

/** Whether the kind is fitted from statistics. */
export const isFitted = (kind: StepKind): boolean => STEPS[kind].fitted;
/** Whether the kind drops rows. */
export const isFilter = (kind: StepKind): boolean => STEPS[kind].filter;
/** Passes over the rows reaching a step of this kind that each input takes (dedup-near: 2), else 0. */
export const dataPasses = (kind: StepKind): number => STEPS[kind].passes ?? 0;

/** Fits one step from the statistics of the rows that reach it (`kernels` for the eigendecomposition). */
export function fitStep(spec: StepSpec, stats: Stats, kernels: Kernels): FittedStep {
  return def(spec.kind).fit(spec, stats, kernels);
}

/** Dimensions out of a step, given dimensions in. */
export function dimsOut(step: FittedStep, dimsIn: number): number {
  return (def(step.kind) as StepDef<StepKind>).dimsOut(step as Fitted<StepKind>, dimsIn);
}

/** The map x ↦ (x − m)P of an affine step (dims × dimsOut, row-major); null for l2/filters. */
export function affineMatrix(step: FittedStep): Affine | null {
  return (def(step.kind) as StepDef<StepKind>).affine(step as Fitted<StepKind>);
}

/** A fitted step ready to map rows, its products on `kernels`. */
export function compileStep(step: FittedStep, dimsIn: number, kernels: Kernels): CompiledStep {
  return (def(step.kind) as StepDef<StepKind>).compile(step as Fitted<StepKind>, dimsIn, kernels);
}

/** The saved state of a fitted step. */
export function encodeStep(step: FittedStep): Record<string, unknown> {
  return (def(step.kind) as StepDef<StepKind>).encode(step as Fitted<StepKind>);
}

/** A fitted step from its saved state; `dims` reach it. */
export function decodeStep(s: Record<string, unknown>, dims: number, where: string): FittedStep {
  const kind = s.kind as StepKind;
  const d = STEPS[kind] as StepDef<StepKind> | undefined;
  if (!d) throw badTransform(`${where}: unknown step kind "${String(kind)}"`);
  if (d.fitted && s.dims !== dims)
    throw badTransform(`${where} was fitted on ${String(s.dims)} dims, but ${dims} reach it`);
  return d.decode(s, dims, where);
}

/** Statistics after an affine step: μ' = (μ − m)P, Σ' = PᵀΣP. */
export function propagate(stats: Stats, step: FittedStep): Stats {
  if (step.kind === "center") {
    // P = I: the same numbers congruence gives (every product is by 1 or skipped), in O(d²).
    const mean = new Float64Array(stats.d);
    for (let a = 0; a < stats.d; a++) mean[a] = stats.mean[a] - step.mean[a];
    return { d: stats.d, n: stats.n, mean, cov: symmetricCopy(stats.cov, stats.d) };
  }
  const aff = affineMatrix(step);
  if (!aff) throw new InternalError(`propagate: ${step.kind} is not affine`);
  const { m, P, dout } = aff;
  const d = stats.d;
  const mu = new Float64Array(dout);
  for (let a = 0; a < d; a++) {
    const c = stats.mean[a] - m[a];
    for (let j = 0; j < dout; j++) mu[j] += c * P[a * dout + j];
  }
  return { d: dout, n: stats.n, mean: mu, cov: congruence(stats.cov, d, P, dout) };
}

/** A copy of C with each off-diagonal pair replaced by its mean (as congruence ends). */
function symmetricCopy(C: Float64Array, d: number): Float64Array {
  const out = Float64Array.from(C.subarray(0, d * d));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (out[i * d + j] + out[j * d + i]);
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return out;
}
