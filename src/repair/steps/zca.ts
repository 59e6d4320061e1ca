/** `zca`: ZCA whitening, (x − μ) U (Λ + ε)^{-1/2} Uᵀ (ε as whiten's). */
import { compileAffine } from "./pca.js";
import type { Affine, Fitted, StepDef } from "./types.js";
import { decodeWhitening, encodeWhitening, fitWhitening, whitenScales } from "./whiten.js";

/** U Λ^{-1/2} Uᵀ with U's columns the eigenvectors (our rows), symmetric d × d. */
function zcaMatrix(step: Fitted<"zca">): Float64Array {
  const { dims: d, k, components: U } = step;
  const s = whitenScales(step);
  const W = new Float64Array(d * d);
  for (let i = 0; i < k; i++) {
    const si = s[i];
    const ub = i * d;
    for (let a = 0; a < d; a++) {
      const ua = U[ub + a] * si;
      if (ua === 0) continue;
      const wb = a * d;
      for (let b = 0; b < d; b++) W[wb + b] += ua * U[ub + b];
    }
  }
  return W;
}

export const zca: StepDef<"zca"> = {
  kind: "zca",
  arg: "none",
  summary: "ZCA whitening",
  fitted: true,
  filter: false,
  fit: (spec, stats, kernels) => fitWhitening("zca", spec, stats, kernels),
  dimsOut: (step) => step.dims,
  affine: (step) => ({ m: step.mean, P: zcaMatrix(step), dout: step.dims }),
  compile: (step, dimsIn, kernels) => compileAffine(step, dimsIn, zca.affine(step) as Affine, kernels),
  encode: encodeWhitening,
  decode: (s, dims, where) => decodeWhitening("zca", s, dims, where),
};
