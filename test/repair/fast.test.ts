/**
 * The fast kernels in fix/apply (WebAssembly projectF32 for the products X·W of pca, whiten, zca
 * and abtt at FAST_MIN_DIMS dims or more; the fast eigh for the fit): the output is bit-identical
 * for any chunking and for 1 and 2 threads, and stays within projectF32's stated error bound of
 * the float64 reference path (which the NumPy reference tests check, reference.test.ts).
 */
import { beforeAll, describe, expect, test } from "vitest";
import type { Matrix } from "../../src/linalg/matrix.js";
import { fastKernels } from "../../src/linalg/wasm/fast.js";
import { Pipeline } from "../../src/repair/pipeline.js";
import { affineMatrix, FAST_MIN_DIMS } from "../../src/repair/steps.js";
import { chunksOf, iterate, sameBits } from "./helpers.js";

const fast = fastKernels(1);
const N = 300;
const D = 160;
let X: Matrix<Float32Array>;

/** A seeded float32 matrix with a decaying spectrum and an offset mean (as real embeddings have). */
function synthetic(n: number, d: number): Matrix<Float32Array> {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = 0.3 + rand() / Math.sqrt(1 + j);
  return { rows: n, cols: d, data };
}

beforeAll(() => {
  X = synthetic(N, D);
});

async function runChunked(spec: string, threads: number, size: number): Promise<Float64Array> {
  const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, size)), { threads });
  const map = p.stream();
  const parts = chunksOf(X, size).map((c) => map(c).matrix.data);
  const out = new Float64Array(parts.reduce((a, q) => a + q.length, 0));
  let o = 0;
  for (const q of parts) {
    out.set(q, o);
    o += q.length;
  }
  return out;
}

const PIPELINES = ["pca:16", "center,pca:0.9", "whiten:8", "zca", "abtt:2", "l2,pca:6", "abtt:3,pca:4"];

describe.skipIf(fast === null)("the fast kernels in fix", () => {
  test("the test input is wide enough to take the fast path", () => {
    expect(D).toBeGreaterThanOrEqual(FAST_MIN_DIMS);
  });

  test.each(PIPELINES)("%s is bit-identical for chunk sizes 1, 7 and all, with 1 and 2 threads", async (spec) => {
    const whole = await runChunked(spec, 1, N);
    for (const [threads, size] of [
      [2, N],
      [1, 1],
      [2, 7],
      [1, 7],
    ]) {
      expect(sameBits(await runChunked(spec, threads, size), whole), `threads ${threads}, chunk ${size}`).toBe(true);
    }
  });

  test.each(PIPELINES)("%s takes the fast path: its bits differ from the float64 path (threads 0)", async (spec) => {
    const a = await runChunked(spec, 0, N);
    const b = await runChunked(spec, 1, N);
    expect(a.length).toBe(b.length);
    // float32 products: the outputs are close (next test) but not the same bits.
    expect(sameBits(a, b)).toBe(false);
  });

  // projectF32's bound (assembly/kernels.ts, restated in steps.ts projectFast), u = 2⁻²⁴:
  // |y_c − exact_c| ≤ (γ₆₄ + 2u + 2⁻⁵³⌈d/64⌉)·Σ_j |z_j|·|w_jc| + u·|exact_c|, γ₆₄ = 64u/(1 − 64u).
  const U32 = 2 ** -24;
  const GAMMA = (64 * U32) / (1 - 64 * U32) + 2 * U32 + 2 ** -53 * Math.ceil(D / 64);

  test.each(["pca:16", "whiten:8", "zca", "abtt:2"])(
    "%s stays within projectF32's error bound of the float64 path, fitted alike",
    async (spec) => {
      // One fit (reference eigh), transformed by both backends: only the products differ.
      const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, N)), { threads: 0 });
      const ref = p.withThreads(0).transform(X).data;
      const got = p.withThreads(1).transform(X).data;
      const step = p.fittedSteps[0];
      const aff = affineMatrix(step);
      if (!aff) throw new Error("affine step expected");
      const { m, P, dout } = aff;
      let worst = 0;
      for (let i = 0; i < N; i++) {
        const z = new Float64Array(D);
        for (let j = 0; j < D; j++) z[j] = X.data[i * D + j] - m[j];
        if (step.kind === "abtt") {
          // Coefficients c_t = z·u_t through projectF32, then z − Σ c_t u_t in float64.
          const U = step.components;
          const err = new Float64Array(step.k);
          for (let t = 0; t < step.k; t++) {
            let s = 0;
            let c = 0;
            for (let j = 0; j < D; j++) {
              s += Math.abs(z[j] * U[t * D + j]);
              c += z[j] * U[t * D + j];
            }
            err[t] = GAMMA * s + U32 * Math.abs(c);
          }
          for (let col = 0; col < D; col++) {
            let bound = 1e-12 * Math.abs(ref[i * D + col]) + 1e-15;
            for (let t = 0; t < step.k; t++) bound += err[t] * Math.abs(U[t * D + col]);
            const e = Math.abs(got[i * D + col] - ref[i * D + col]);
            expect(e).toBeLessThanOrEqual(bound);
            worst = Math.max(worst, e / bound);
          }
          continue;
        }
        for (let col = 0; col < dout; col++) {
          let s = 0;
          for (let j = 0; j < D; j++) s += Math.abs(z[j] * P[j * dout + col]);
          const bound = GAMMA * s + U32 * Math.abs(ref[i * dout + col]) + 1e-15;
          const e = Math.abs(got[i * dout + col] - ref[i * dout + col]);
          expect(e).toBeLessThanOrEqual(bound);
          worst = Math.max(worst, e / bound);
        }
      }
      // The bound is met with room (typical errors are far below the worst case).
      expect(worst).toBeLessThan(1);
    },
  );

  test("the fast eigh fits the same components as the reference eigh, up to rounding", async () => {
    const a = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { threads: 0 });
    const b = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { threads: 1, precision: "float64" });
    const ca = (a.fittedSteps[0] as { components: Float64Array }).components;
    const cb = (b.fittedSteps[0] as { components: Float64Array }).components;
    for (let i = 0; i < ca.length; i++) expect(Math.abs(ca[i] - cb[i])).toBeLessThan(1e-9);
  });

  test("with the mixed-precision covariance (the default) the components are the same directions", async () => {
    const a = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { threads: 0 });
    const b = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { threads: 2 });
    const ca = (a.fittedSteps[0] as { components: Float64Array }).components;
    const cb = (b.fittedSteps[0] as { components: Float64Array }).components;
    // each component moves by about ‖ΔC‖/gap; for this input's separated eigenvalues that is < 1e-6
    const d = ca.length / 8;
    for (let c = 0; c < 8; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += ca[c * d + j] * cb[c * d + j];
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-6);
    }
  });
});
