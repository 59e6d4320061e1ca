/**
 * `pca:K` / `pca:0.99`: project on the top K principal axes after centring, as scikit-learn's PCA
 * (components sign-canonical as its svd_flip). A share picks the smallest K keeping it.
 */
import type { Kernels } from "../../linalg/backend.js";
import { decodeEigenParts, encodeFloat64 } from "../encoding.js";
import { mapNonNull, needRows, topEigen } from "./common.js";
import type { Affine, CompiledStep, FittedStep, StepDef, StepSpec } from "./types.js";

/** `pca` alone keeps this many components (capped at d). */
export const DEFAULT_PCA_K = 256;

/** An affine step y = (x − m)P compiled onto the kernels' centred product. */
export function compileAffine(step: FittedStep, dimsIn: number, aff: Affine, kernels: Kernels): CompiledStep {
  const W = kernels.prepareProduct(aff.P, dimsIn, aff.dout);
  return {
    step,
    dimsIn,
    dimsOut: aff.dout,
    open: () => (rows) => mapNonNull(rows, aff.dout, (x, n) => kernels.centredProduct(x, n, aff.m, W)),
  };
}

/** P = the components transposed (dims × k), each column scaled by `scale[j]` when given. */
export function componentsMatrix(
  components: Float64Array,
  d: number,
  k: number,
  scale: Float64Array | null,
): Float64Array {
  const P = new Float64Array(d * k);
  for (let j = 0; j < k; j++) {
    const s = scale ? scale[j] : 1;
    for (let a = 0; a < d; a++) P[a * k + j] = components[j * d + a] * s;
  }
  return P;
}

/** K of pca:K (capped at d) or of pca:SHARE: the smallest K whose top K eigenvalues keep the share. */
function componentsKept(spec: StepSpec, values: Float64Array, d: number): number {
  if (spec.share === undefined) return Math.min(spec.k ?? DEFAULT_PCA_K, d);
  let total = 0;
  for (const v of values) total += v;
  let acc = 0;
  for (let i = 0; i < d; i++) {
    acc += values[i];
    if (total > 0 && acc / total >= spec.share) return i + 1;
  }
  return d;
}

export const pca: StepDef<"pca"> = {
  kind: "pca",
  arg: "count-or-share",
  summary: `top K components (K = ${DEFAULT_PCA_K}, capped at d); pca:0.99 keeps 99 % of the variance`,
  fitted: true,
  filter: false,
  fit(spec, stats, kernels) {
    needRows("pca", stats);
    const d = stats.d;
    const mean = Float64Array.from(stats.mean);
    const { values, vectors } = topEigen(stats, kernels, (values) => componentsKept(spec, values, d));
    let total = 0;
    for (const v of values) total += v;
    const k = componentsKept(spec, values, d);
    return {
      kind: "pca",
      dims: d,
      k,
      mean,
      components: vectors.slice(0, k * d),
      variances: values.slice(0, k),
      totalVariance: total,
    };
  },
  dimsOut: (step) => step.k,
  affine: (step) => ({ m: step.mean, P: componentsMatrix(step.components, step.dims, step.k, null), dout: step.k }),
  compile(step, dimsIn, kernels) {
    return compileAffine(step, dimsIn, pca.affine(step) as Affine, kernels);
  },
  encode: (s) => ({
    kind: s.kind,
    dims: s.dims,
    k: s.k,
    totalVariance: s.totalVariance,
    mean: encodeFloat64(s.mean, [s.dims]),
    components: encodeFloat64(s.components, [s.k, s.dims]),
    variances: encodeFloat64(s.variances, [s.k]),
  }),
  decode(s, dims, where) {
    const parts = decodeEigenParts(s, dims, where);
    return { kind: "pca", dims, ...parts, totalVariance: Number(s.totalVariance) };
  },
};
