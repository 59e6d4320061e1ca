/**
 * The fast kernels in fix/apply (WebAssembly projectF32 for the products X·W of pca, whiten, zca
 * and abtt at FAST_MIN_DIMS dims or more; the fast eigh for the fit): the output is bit-identical
 * for any chunking and for 1 and 2 threads, and stays within projectF32's stated error bound of
 * the float64 reference path (which the NumPy reference tests check, reference.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openEmbeddings } from "../../src/io/open.js";
import { openWriter } from "../../src/io/writers/open.js";
import type { Matrix } from "../../src/linalg/matrix.js";
import { PackedW } from "../../src/linalg/wasm/product.js";
import { blockRowsFor } from "../../src/profile/blocks.js";
import { Pipeline } from "../../src/repair/pipeline.js";
import { runFix } from "../../src/repair/run.js";
import { affineMatrix, FAST_MIN_DIMS } from "../../src/repair/steps/index.js";
import { kernelsFor, wasm, wasmAvailable } from "../helpers/kernels.js";
import { chunksOf, iterate, loadMatrix, sameBits } from "./helpers.js";

const fast = wasmAvailable() ? wasm(1) : null;
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
  const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, size)), { kernels: kernelsFor(threads) });
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
      const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, N)), { kernels: kernelsFor(0) });
      const ref = p.withKernels(kernelsFor(0)).transform(X).data;
      const got = p.withKernels(kernelsFor(1)).transform(X).data;
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
    const a = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { kernels: kernelsFor(0) });
    const b = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), {
      kernels: kernelsFor(1),
      precision: "float64",
    });
    const ca = (a.fittedSteps[0] as { components: Float64Array }).components;
    const cb = (b.fittedSteps[0] as { components: Float64Array }).components;
    for (let i = 0; i < ca.length; i++) expect(Math.abs(ca[i] - cb[i])).toBeLessThan(1e-9);
  });

  test("with the mixed-precision covariance (the default) the components are the same directions", async () => {
    const a = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { kernels: kernelsFor(0) });
    const b = await new Pipeline("pca:8").fit(() => iterate(chunksOf(X, N)), { kernels: kernelsFor(2) });
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

describe("the float32 fast path of the apply pass (Pipeline.float32Mapper)", () => {
  test.each(["center", "center,pca:12", "pca:20", "center,whiten:10", "zca"])(
    "%s: the same float32 values as the compiled path, for 1 and 2 threads",
    async (spec) => {
      for (const threads of [1, 2]) {
        const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, 128)), { kernels: kernelsFor(threads) });
        const f32 = p.float32Mapper();
        expect(f32).not.toBeNull();
        const got = (f32 as (x: Float32Array, n: number) => Float32Array)(X.data, N);
        const want = p.stream()({ matrix: X, rowOffset: 0 }).matrix.data;
        expect(got.length).toBe(want.length);
        // one composed mean instead of one per step: equal up to the float64 rounding of the mean,
        // which moves a float32 result by at most one ulp
        let maxUlps = 0;
        for (let i = 0; i < want.length; i++) {
          const w = Math.fround(want[i]);
          const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(w) || 2 ** -126)) - 23));
          maxUlps = Math.max(maxUlps, Math.abs(got[i] - w) / ulp);
        }
        expect(maxUlps).toBeLessThanOrEqual(1);
      }
    },
  );

  test("is null where the pipeline is not centres then one projection, or the input is narrow", async () => {
    for (const spec of ["l2", "abtt:1", "pca:8,l2", "center,l2", "dedup,pca:8"]) {
      const p = await new Pipeline(spec).fit(() => iterate(chunksOf(X, 128)), { kernels: kernelsFor(1) });
      expect(p.float32Mapper(), spec).toBeNull();
    }
    const narrow = synthetic(50, FAST_MIN_DIMS - 1);
    const p = await new Pipeline("pca:4").fit(() => iterate(chunksOf(narrow, 50)), { kernels: kernelsFor(1) });
    expect(p.float32Mapper()).toBeNull();
    const ref = await new Pipeline("pca:4").fit(() => iterate(chunksOf(X, 128)), { kernels: kernelsFor(0) });
    expect(ref.float32Mapper()).toBeNull();
  });
});

describe("fix through the float32 fast path writes what the compiled path computes", () => {
  const tmp = mkdtempSync(join(tmpdir(), "embcheck-fast32-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test("center,pca:12 on a 300 × 160 float32 .npy (one chunk, so the same fit)", async () => {
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${N}, ${D}), }`;
    header += `${" ".repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
    const head = Buffer.alloc(10);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
    head.writeUInt16LE(header.length, 8);
    const input = join(tmp, "x.npy");
    writeFileSync(input, Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(X.data.buffer)]));
    const out = join(tmp, "y.npy");
    const p = new Pipeline("center,pca:12");
    const run = { open: () => openEmbeddings(input), sampleSize: 64, kernels: kernelsFor(2) };
    await runFix(run, p, (_info, rows, dims) => openWriter(out, { format: "npy", dtype: "float32", cols: dims, rows }));
    expect(p.float32Mapper()).not.toBeNull();
    const got = (await loadMatrix(out)).matrix;
    const want = p.stream()({ matrix: X, rowOffset: 0 }).matrix;
    expect([got.rows, got.cols]).toEqual([N, 12]);
    for (let i = 0; i < want.data.length; i++) {
      const w = Math.fround(want.data[i]);
      expect(Math.abs(got.data[i] - w)).toBeLessThanOrEqual(2 ** -23 * Math.max(Math.abs(w), 2 ** -126));
    }
  });
});

describe.skipIf(fast === null)("fix's fit over more than one block of rows", () => {
  // Several blocks make the profile merge its block moments (Chan) and run the covariance kernel
  // once per block; the split of those kernels across threads must not change one bit.
  test.each([
    [160, "center,pca:32"],
    [300, "center,pca:64"],
    [520, "pca:40"],
  ])("d = %i, %s: fit and float32 output are bit-identical for 1 and 2 threads and any chunks", async (d, spec) => {
    const n = 2 * blockRowsFor(d) + 301;
    const M = synthetic(n, d);
    const outs: Float32Array[] = [];
    const comps: Float64Array[] = [];
    for (const [threads, size] of [
      [1, n],
      [2, n],
      [2, 999],
      [1, 3333],
    ]) {
      const p = await new Pipeline(spec).fit(() => iterate(chunksOf(M, size)), { kernels: kernelsFor(threads) });
      const step = p.fittedSteps[p.fittedSteps.length - 1] as { components: Float64Array };
      comps.push(step.components);
      const f32 = p.float32Mapper();
      expect(f32).not.toBeNull();
      outs.push((f32 as (x: Float32Array, n: number) => Float32Array)(M.data, n));
    }
    for (let i = 1; i < outs.length; i++) {
      expect(sameBits(comps[i], comps[0]), `components, run ${i}`).toBe(true);
      expect(sameBits(outs[i], outs[0]), `output, run ${i}`).toBe(true);
    }
  });
});

describe.skipIf(fast === null)("projectF32 with W packed once (PackedW)", () => {
  test("gives the same bits as W passed plain, and refuses a W packed for another shape", () => {
    const k = 13;
    const W = new Float32Array(D * k).map((_, i) => Math.sin(i) / 10);
    const f = fast as NonNullable<typeof fast>;
    const plain = f.projectF32(X.data, N, D, W, k);
    const packed = f.projectF32(X.data, N, D, new PackedW(W, D, k), k);
    expect(sameBits(packed, plain)).toBe(true);
    expect(() => f.projectF32(X.data, N, D, new PackedW(W, D, k), k - 1)).toThrow(/packed as 160 × 13/);
  });
});
