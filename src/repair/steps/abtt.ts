/**
 * `abtt:D`: all-but-the-top (Mu & Viswanath 2018): remove the mean and the top D principal
 * directions, y = z − (z·Uᵀ)·U with z = x − μ; D = max(1, round(d/100)) by default.
 */
import { UsageError } from "../../errors.js";
import { transposed } from "../../linalg/transform.js";
import { decodeEigenParts, encodeFloat64 } from "../encoding.js";
import { identity, mapNonNull, needRows, subtractMean, topEigen } from "./common.js";
import type { StepDef } from "./types.js";

/** Mu & Viswanath (2018): D ≈ d/100. */
export function defaultAbttD(d: number): number {
  return Math.max(1, Math.round(d / 100));
}

/** y = z − Σ_t coef_t·U_t for every row (coef n × D, U D × d): the deflation from its coefficients. */
function deflateBy(
  z: Float64Array,
  n: number,
  d: number,
  coef: Float64Array,
  U: Float64Array,
  D: number,
): Float64Array {
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let t = 0; t < D; t++) {
      const s = coef[i * D + t];
      const ub = t * d;
      for (let k = 0; k < d; k++) z[b + k] -= s * U[ub + k];
    }
  }
  return z;
}

export const abtt: StepDef<"abtt"> = {
  kind: "abtt",
  arg: "count",
  summary: "all-but-the-top (Mu 2018): remove the mean and the top D directions, D = round(d/100)",
  fitted: true,
  filter: false,
  fit(spec, stats, kernels) {
    needRows("abtt", stats);
    const d = stats.d;
    const mean = Float64Array.from(stats.mean);
    const D = spec.k ?? defaultAbttD(d);
    const { values, vectors } = topEigen(stats, kernels, () => D);
    if (D >= d) throw new UsageError(`abtt:${D} would remove every direction of ${d}-dim vectors; use D < ${d}`);
    return { kind: "abtt", dims: d, k: D, mean, components: vectors.slice(0, D * d), variances: values.slice(0, D) };
  },
  dimsOut: (step) => step.dims,
  affine(step) {
    const { dims: d, k: D, components: U } = step;
    const P = identity(d);
    for (let t = 0; t < D; t++) {
      for (let a = 0; a < d; a++) {
        const ua = U[t * d + a];
        for (let b = 0; b < d; b++) P[a * d + b] -= ua * U[t * d + b];
      }
    }
    return { m: step.mean, P, dout: d };
  },
  compile(step, dimsIn, kernels) {
    // the coefficients c = z·Uᵀ through the kernels' product (W = Uᵀ, dims × D), then y = z − c·U in
    // float64, O(n·d·2D) instead of the n·d² of the affine form
    const W = kernels.prepareProduct(transposed(step.components, step.k, dimsIn), dimsIn, step.k);
    return {
      step,
      dimsIn,
      dimsOut: dimsIn,
      open: () => (rows) =>
        mapNonNull(rows, dimsIn, (x, n) => {
          const z = subtractMean(x, n, dimsIn, step.mean);
          const coef = kernels.centredProduct(z, n, null, W);
          return deflateBy(z, n, dimsIn, coef, step.components, step.k);
        }),
    };
  },
  encode: (s) => ({
    kind: s.kind,
    dims: s.dims,
    k: s.k,
    mean: encodeFloat64(s.mean, [s.dims]),
    components: encodeFloat64(s.components, [s.k, s.dims]),
    variances: encodeFloat64(s.variances, [s.k]),
  }),
  decode(s, dims, where) {
    return { kind: "abtt", dims, ...decodeEigenParts(s, dims, where) };
  },
};
