/**
 * `whiten` / `whiten:K`: BERT-whitening (Su et al. 2021), (x − μ) U_K (Λ_K + ε)^{-1/2}.
 *
 * Whitening divides by √(λ + ε) with ε = WHITEN_EPSILON · λ₁ (λ₁ the largest eigenvalue), so
 * directions with no variance (a rank-deficient covariance; float32 round-off is ~1e-14 λ₁) are
 * damped instead of blown up to unit variance. scikit-learn clips the same way in
 * decomposition/_base.py; Su et al. (2021) divide by √λ with no guard.
 */
import { InputError } from "../../errors.js";
import type { Kernels } from "../../linalg/backend.js";
import { badTransform, decodeEigenParts, encodeFloat64 } from "../encoding.js";
import { needRows, topEigen } from "./common.js";
import { compileAffine, componentsMatrix } from "./pca.js";
import type { Affine, Fitted, Stats, StepDef, StepSpec } from "./types.js";

export const WHITEN_EPSILON = 1e-10;

export function whitenScales(step: { variances: Float64Array; epsilon: number }): Float64Array {
  return step.variances.map((v) => 1 / Math.sqrt(v + step.epsilon));
}

/** The whitening fit shared by whiten and zca (zca keeps every direction). */
export function fitWhitening<K extends "whiten" | "zca">(
  kind: K,
  spec: StepSpec,
  stats: Stats,
  kernels: Kernels,
): Fitted<K> {
  needRows(kind, stats);
  const d = stats.d;
  const mean = Float64Array.from(stats.mean);
  const k = kind === "zca" ? d : Math.min(spec.k ?? d, d);
  const { values, vectors } = topEigen(stats, kernels, () => k);
  if (!(values[0] > 0)) throw new InputError(`cannot fit "${kind}": the rows have no variance`);
  return {
    kind,
    dims: d,
    k,
    mean,
    components: vectors.slice(0, k * d),
    variances: values.slice(0, k),
    epsilon: WHITEN_EPSILON * values[0],
  } as Fitted<K>;
}

export function encodeWhitening(s: Fitted<"whiten" | "zca">): Record<string, unknown> {
  return {
    kind: s.kind,
    dims: s.dims,
    k: s.k,
    epsilon: s.epsilon,
    mean: encodeFloat64(s.mean, [s.dims]),
    components: encodeFloat64(s.components, [s.k, s.dims]),
    variances: encodeFloat64(s.variances, [s.k]),
  };
}

export function decodeWhitening<K extends "whiten" | "zca">(
  kind: K,
  s: Record<string, unknown>,
  dims: number,
  where: string,
): Fitted<K> {
  const parts = decodeEigenParts(s, dims, where);
  const epsilon = s.epsilon as number;
  if (typeof epsilon !== "number" || !(epsilon >= 0)) throw badTransform(`${where} has epsilon ${String(epsilon)}`);
  return { kind, dims, ...parts, epsilon } as Fitted<K>;
}

export const whiten: StepDef<"whiten"> = {
  kind: "whiten",
  arg: "count",
  summary: "BERT-whitening (Su 2021), K kept directions (default all)",
  fitted: true,
  filter: false,
  fit: (spec, stats, kernels) => fitWhitening("whiten", spec, stats, kernels),
  dimsOut: (step) => step.k,
  affine: (step) => ({
    m: step.mean,
    P: componentsMatrix(step.components, step.dims, step.k, whitenScales(step)),
    dout: step.k,
  }),
  compile: (step, dimsIn, kernels) => compileAffine(step, dimsIn, whiten.affine(step) as Affine, kernels),
  encode: encodeWhitening,
  decode: (s, dims, where) => decodeWhitening("whiten", s, dims, where),
};
