import { describe, expect, test } from "vitest";
import { computeMetrics, percentilesBySelection } from "../../src/detect/metrics.js";
import type { Chunk } from "../../src/io/types.js";
import { eigh } from "../../src/linalg/eigh.js";
import { rowHash } from "../../src/linalg/hash.js";
import { pairDotsUpper, syrkUpperT } from "../../src/linalg/kernels.js";
import type { FloatArray } from "../../src/linalg/matrix.js";
import { type Precision, Profile } from "../../src/profile/profile.js";
import { percentileSorted } from "../../src/profile/stats.js";
import { kernelsFor, wasm } from "../helpers/kernels.js";

// Parity: every fast (WebAssembly SIMD, worker-thread) kernel against the plain TypeScript
// reference kernel it replaces, on random and adversarial inputs. Oracles: the reference kernels
// (themselves checked against NumPy in kernels.test.ts / profile.test.ts).
//
// Tolerances. Row classes, sums of squares, hashes, unit-row sums and the centred chunk are the same
// float64 operations in the same order as the reference: bit-identical. The scatter (syrk) and the
// pairwise dots sum the same products in another order (two interleaved partial sums, blocks of 128
// terms; fused multiply-add under relaxed SIMD), so each entry may differ from the reference by at
// most the two summations' error bounds: |fast − ref| ≤ 2·γ_k·Σ_r |y_ri·y_rj|, γ_k = k·u/(1 − k·u),
// u = 2⁻⁵³ (plus one rounding of the final C += sum). The test holds them to that bound (computed from the reference kernel on |Y|).

const U = 2 ** -53;

/** Deterministic uniform(−0.5, 0.5) from a seed (xorshift-multiply). */
function uniform(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  let s = (seed * 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

const fast = wasm;

function expectWithinBound(
  got: Float64Array,
  want: Float64Array,
  abs: Float64Array,
  k: number,
  mask?: (i: number) => boolean,
) {
  const gamma = (k * U) / (1 - k * U);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (mask && !mask(i)) continue;
    // plus one rounding of the final C += sum (C may start non-zero)
    const bound = 2 * gamma * abs[i] + 2 * U * Math.abs(want[i]) + Number.MIN_VALUE;
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= bound)) {
      throw new Error(`entry ${i}: fast ${got[i]} vs reference ${want[i]} (error ${err} > bound ${bound})`);
    }
    worst = Math.max(worst, err / bound);
  }
  return worst;
}

describe("the fast kernels load", () => {
  test("a WebAssembly SIMD backend (relaxed or plain) is available after the build", () => {
    expect(["relaxed-simd", "simd"]).toContain(fast().name);
  });
});

describe("syrk (the covariance accumulation) matches the reference within its error bound", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [2, 3],
    [3, 5],
    [5, 7],
    [8, 4],
    [13, 129],
    [33, 300],
    [100, 257],
  ];
  for (const [d, k] of shapes) {
    test(`d = ${d}, k = ${k} rows: upper triangle within 2γ_k Σ|y_i y_j|, lower triangle untouched`, () => {
      const yt = uniform(d * 1000 + k, d * k);
      const want = new Float64Array(d * d).fill(7);
      syrkUpperT(yt, d, k, want);
      const abs = new Float64Array(d * d);
      syrkUpperT(yt.map(Math.abs), d, k, abs);
      const got = new Float64Array(d * d).fill(7);
      fast().syrkUpperT(yt, d, k, got);
      const upper = (i: number) => i % d >= Math.floor(i / d);
      expectWithinBound(got, want, abs, k, upper);
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(got[i * d + j]).toBe(7);
    });
  }

  test("huge (1e150) and tiny (1e-150, products subnormal) values stay within the bound", () => {
    const d = 9;
    const k = 40;
    for (const scale of [1e150, 1e-150, 1e-160]) {
      const yt = uniform(3, d * k).map((v) => v * scale);
      const want = new Float64Array(d * d);
      syrkUpperT(yt, d, k, want);
      const abs = new Float64Array(d * d);
      syrkUpperT(yt.map(Math.abs), d, k, abs);
      const got = new Float64Array(d * d);
      fast().syrkUpperT(yt, d, k, got);
      expectWithinBound(got, want, abs, k, (i) => i % d >= Math.floor(i / d));
    }
  });

  test("a NaN in column 2 makes exactly row 2 and column 2 of the triangle NaN", () => {
    const d = 6;
    const k = 11;
    const yt = uniform(5, d * k);
    yt[2 * k + 4] = Number.NaN;
    const got = new Float64Array(d * d);
    fast().syrkUpperT(yt, d, k, got);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) expect(Number.isNaN(got[i * d + j])).toBe(i === 2 || j === 2);
    }
  });

  test("the result is bit-identical for 1, 2 and 3 threads", () => {
    const d = 37;
    const k = 301;
    const yt = uniform(11, d * k);
    const runs = [1, 2, 3].map((t) => {
      const c = new Float64Array(d * d);
      fast(t).syrkUpperT(yt, d, k, c);
      return c;
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });
});

describe("pairwise dot products match the reference within their error bound", () => {
  for (const [m, d] of [
    [2, 1],
    [3, 3],
    [5, 7],
    [9, 16],
    [17, 33],
    [70, 101],
  ] as [number, number][]) {
    test(`m = ${m} rows of d = ${d}: every pair i < j, in np.triu_indices order`, () => {
      const u = uniform(m * 31 + d, m * d);
      const n = (m * (m - 1)) / 2;
      const want = pairDotsUpper(u, m, d, new Float64Array(n));
      const abs = pairDotsUpper(u.map(Math.abs), m, d, new Float64Array(n));
      const got = fast().pairDotsUpper(u, m, d, new Float64Array(n));
      expectWithinBound(got, want, abs, d);
    });
  }

  test("a NaN in row 1 makes exactly the pairs with row 1 NaN", () => {
    const m = 6;
    const d = 5;
    const u = uniform(2, m * d);
    u[1 * d + 3] = Number.NaN;
    const got = fast().pairDotsUpper(u, m, d, new Float64Array((m * (m - 1)) / 2));
    let o = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) expect(Number.isNaN(got[o++])).toBe(i === 1 || j === 1);
  });

  test("the result is bit-identical for 1, 2 and 3 threads", () => {
    const m = 41;
    const d = 19;
    const u = uniform(4, m * d);
    const n = (m * (m - 1)) / 2;
    const a = fast(1).pairDotsUpper(u, m, d, new Float64Array(n));
    const b = fast(2).pairDotsUpper(u, m, d, new Float64Array(n));
    const c = fast(3).pairDotsUpper(u, m, d, new Float64Array(n));
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});

/** Rows covering every class: valid, NaN, ±Inf, zero, −0, duplicates, huge and tiny values. */
function adversarialRows(rows: number, d: number, f64: boolean, seed: number): FloatArray {
  const v = uniform(seed, rows * d).map((x) => x * 3 + 0.25);
  const data = f64 ? v : Float32Array.from(v);
  const set = (r: number, f: (j: number) => number) => {
    for (let j = 0; j < d; j++) data[r * d + j] = f(j);
  };
  set(1, (j) => (j === d - 1 ? Number.NaN : 1));
  set(2, (j) => (j === 0 ? Number.POSITIVE_INFINITY : 1));
  set(3, (j) => (j === 0 ? Number.NEGATIVE_INFINITY : j === 1 ? Number.NaN : 0));
  set(4, () => 0);
  set(5, () => -0);
  set(6, (j) => data[0 * d + j]); // duplicate of row 0
  set(7, (j) => (j % 2 ? 1e30 : -1e30));
  set(8, (j) => (j % 3 ? 1e-30 : 2e-38));
  return data;
}

/** The mixed-precision covariance bound (assembly/kernels.ts): |ΔC_ij| ≤ 7.8e-6·√(C_ii·C_jj). */
const MIXED = 7.8e-6;

function profileOf(
  data: FloatArray,
  rows: number,
  d: number,
  chunkRows: number,
  threads: number,
  nulls = false,
  precision: Precision = "float64",
) {
  const p = new Profile({ dims: d, sampleSize: 16, seed: 3, kernels: kernelsFor(threads), precision });
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r = Math.min(chunkRows, rows - r0);
    const chunk: Chunk = { matrix: { rows: r, cols: d, data: data.subarray(r0 * d, (r0 + r) * d) }, rowOffset: r0 };
    if (nulls) chunk.nulls = Uint8Array.from({ length: r }, (_, i) => ((r0 + i) % 11 === 10 ? 1 : 0));
    p.add(chunk);
  }
  return p;
}

describe("the fast profile pass matches the reference pass", () => {
  for (const [d, f64, chunkRows] of [
    [1, false, 7],
    [5, false, 13],
    [13, true, 50],
    [64, false, 37],
    [67, true, 200],
  ] as [number, boolean, number][]) {
    test(`d = ${d} ${f64 ? "float64" : "float32"}, chunks of ${chunkRows}: counts, norms, hashes, unit sums identical; covariance within bound`, () => {
      const rows = 157;
      const data = adversarialRows(rows, d, f64, d + 1);
      const ref = profileOf(data, rows, d, chunkRows, 0, true);
      for (const [threads, precision] of [
        [1, "float64"],
        [2, "float64"],
        [1, "mixed"],
        [2, "mixed"],
      ] as [number, Precision][]) {
        const got = profileOf(data, rows, d, chunkRows, threads, true, precision);
        expect(got.precision).toBe(precision);
        expect([got.rows, got.nullRows, got.nanRows, got.infRows, got.zeroRows, got.validRows]).toEqual([
          ref.rows,
          ref.nullRows,
          ref.nanRows,
          ref.infRows,
          ref.zeroRows,
          ref.validRows,
        ]);
        expect(got.duplicateRows).toBe(ref.duplicateRows);
        expect(got.norms()).toEqual(ref.norms());
        expect(got.unitSum).toEqual(ref.unitSum);
        expect(got.mean).toEqual(ref.mean);
        expect(got.sample.rowsByIndex()).toEqual(ref.sample.rowsByIndex());
        const cg = got.covariance();
        const cr = ref.covariance();
        // scale of the entries: |C| ≤ sqrt(C_ii C_jj); float64: the accumulated rounding is a few
        // ulps of that; mixed: the float32 bound (plus the reference's own float64 rounding)
        const tol = precision === "mixed" ? MIXED + rows * 4 * U : rows * 4 * U;
        for (let i = 0; i < d; i++) {
          for (let j = 0; j < d; j++) {
            const scale = Math.sqrt(cr[i * d + i] * cr[j * d + j]);
            expect(Math.abs(cg[i * d + j] - cr[i * d + j])).toBeLessThanOrEqual(tol * scale);
          }
        }
      }
    });
  }

  test("the per-row hashes, classes and sums of squares of the fast scan are the reference's (float32 and float64 rows; 4-row SIMD path when d % 4 = 0)", () => {
    const f = fast();
    for (const [f64, d] of [
      [false, 7],
      [true, 7],
      [false, 12],
      [false, 4],
    ] as [boolean, number][]) {
      const rows = 23;
      const data = adversarialRows(rows, d, f64, 9);
      const v = f.scanBlock(data, rows, d);
      const words = new Uint32Array(data.buffer, data.byteOffset, rows * d * (f64 ? 2 : 1));
      for (let r = 0; r < rows; r++) {
        const w = f64 ? 2 : 1;
        expect([v.ha[r], v.hb[r]]).toEqual(rowHash(words, r * d * w, (r + 1) * d * w));
        // METRICS.md's classes (NaN first, then ±Inf, then all-zero) and Σx² in column order
        const row = Array.from(data.subarray(r * d, (r + 1) * d));
        const cls = row.some(Number.isNaN)
          ? 1
          : row.some((x) => Math.abs(x) === Infinity)
            ? 2
            : row.every((x) => x === 0)
              ? 3
              : 0;
        expect(v.cls[r], `row ${r} of d = ${d}`).toBe(cls);
        if (cls === 0) expect(v.sumsq[r]).toBe(row.reduce((s, x) => s + x * x, 0));
      }
    }
  });

  test("the metrics from the fast kernels equal the reference's to 10–12 digits (float64)", () => {
    const d = 24;
    const rows = 600;
    const data = adversarialRows(rows, d, false, 77);
    const pr = profileOf(data, rows, d, 128, 0);
    const pf = profileOf(data, rows, d, 128, 2);
    const mr = computeMetrics(pr, false, { kernels: kernelsFor(0) });
    const mf = computeMetrics(pf, false, { kernels: kernelsFor(2) });
    expect(mf.integrity).toEqual(mr.integrity);
    expect(mf.norms).toEqual(mr.norms);
    for (const key of ["mean", "std", "p5", "p50", "p95", "meanExact", "meanVectorNorm"] as const) {
      expect(mf.cosine[key]).toBeCloseTo(mr.cosine[key], 12);
    }
    expect(mf.uniformity.value).toBeCloseTo(mr.uniformity.value, 12);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(rel(mf.spectrum.totalVariance, mr.spectrum.totalVariance)).toBeLessThan(1e-12);
    expect(rel(mf.spectrum.effectiveRank, mr.spectrum.effectiveRank)).toBeLessThan(1e-10);
  });
});

describe("mixed precision (float32 products in 128-row blocks) stays within its stated bound", () => {
  /** Eigenvalues of the upper-triangle covariance of a profile (the reference eigh, float64). */
  const values = (p: Profile) => eigh(p.covariance(), p.dims).values;

  for (const [d, f64, rows, chunkRows, scale] of [
    [131, false, 3001, 1000, 1],
    [8, false, 500, 129, 1],
    [33, true, 800, 300, 1e60],
    [17, true, 700, 256, 1e-60],
  ] as [number, boolean, number, number, number][]) {
    test(`d = ${d}, ${rows} ${f64 ? "float64" : "float32"} rows × ${scale}: |ΔC_ij| ≤ 7.8e-6·√(C_ii·C_jj), |Δλ| ≤ 7.8e-6·trace`, () => {
      // a decaying spectrum with a common offset, like embeddings; products of 1e±60 are beyond float32's range
      const g = uniform(d * 31 + rows, rows * d);
      const data = f64 ? new Float64Array(rows * d) : new Float32Array(rows * d);
      for (let r = 0; r < rows; r++)
        for (let j = 0; j < d; j++) data[r * d + j] = (0.5 + (g[r * d + j] - 0.5) / (1 + j / 4)) * scale;
      const ref = profileOf(data, rows, d, chunkRows, 0);
      const got = profileOf(data, rows, d, chunkRows, 2, false, "mixed");
      const cr = ref.covariance();
      const cg = got.covariance();
      let worst = 0;
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          const e = Math.abs(cg[i * d + j] - cr[i * d + j]) / (Math.sqrt(cr[i * d + i]) * Math.sqrt(cr[j * d + j]));
          expect(Number.isFinite(cg[i * d + j])).toBe(true);
          worst = Math.max(worst, e);
        }
      expect(worst).toBeLessThanOrEqual(MIXED + 1e-12);
      // and it is float32 arithmetic, not float64 in disguise
      expect(worst).toBeGreaterThan(1e-12);
      const lr = values(ref);
      const lg = values(got);
      const trace = lr.reduce((s, v) => s + v, 0);
      for (let i = 0; i < d; i++) expect(Math.abs(lg[i] - lr[i])).toBeLessThanOrEqual(MIXED * trace);
      expect(got.mean).toEqual(ref.mean);
    });
  }

  test("1 and 2 threads give the same bits", () => {
    const d = 45;
    const rows = 900;
    const data = adversarialRows(rows, d, false, 5);
    const a = profileOf(data, rows, d, 300, 1, false, "mixed").covariance();
    const b = profileOf(data, rows, d, 300, 2, false, "mixed").covariance();
    expect(b).toEqual(a);
  });

  test("without the fast kernels (the reference) the profile says float64, which it computed", () => {
    const p = new Profile({ dims: 3, kernels: kernelsFor(0), precision: "mixed" });
    expect(p.precision).toBe("float64");
    expect(() => new Profile({ dims: 3, precision: "half" as Precision })).toThrow(
      /precision must be one of mixed, float64/,
    );
  });
});

describe("the symmetric eigendecomposition matches the reference", () => {
  // The WASM Householder reduction sums its two dot products in SIMD partial sums, so results
  // differ from the reference by rounding: eigenvalues within 1e-12·max|λ| (backward stable,
  // both), eigenvectors of separated eigenvalues within 1e-9 per entry; for repeated eigenvalues
  // (the zero block) any orthonormal basis is right, so those are checked by ‖A v − λ v‖ instead.
  /** A symmetric n × n matrix: random, with a zero block (tred2's scale = 0 branch), or rank-1. */
  function symmetric(n: number, kind: "random" | "zero-block" | "rank1"): Float64Array {
    const r = uniform(n * 7 + kind.length, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let v = r[i * n + j];
        if (kind === "zero-block" && (i < n / 2 || j < n / 2)) v = 0;
        if (kind === "rank1") v = (i + 1) * (j + 1) * 1e-3;
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    }
    return a;
  }
  /** max |VVᵀ − I| over the rows of v (n × n). */
  function orthonormalityError(v: Float64Array, n: number, rows = n): number {
    let worst = 0;
    for (let p = 0; p < rows; p++)
      for (let q = p; q < n; q++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += v[p * n + k] * v[q * n + k];
        worst = Math.max(worst, Math.abs(s - (p === q ? 1 : 0)));
      }
    return worst;
  }
  /** max_i |(A v)_i − λ v_i| for row q of v. */
  function residual(a: Float64Array, n: number, v: Float64Array, lambda: number, q: number): number {
    let res = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += a[i * n + j] * v[q * n + j];
      res = Math.max(res, Math.abs(s - lambda * v[q * n + i]));
    }
    return res;
  }
  // sizes around the blocking edges: SIMD widths (2, 4, 8-column strips), 8 accumulation steps per
  // pass, reduction passes split into parts from i = 128 on (up to 8 from i = 512)
  for (const n of [1, 2, 3, 7, 33, 63, 64, 65, 120, 257]) {
    for (const kind of ["random", "zero-block", "rank1"] as const) {
      test(`n = ${n}, ${kind}: values within 1e-12·max|λ|, vectors equal or exact eigenvectors`, () => {
        const a = symmetric(n, kind);
        const want = eigh(a, n, { vectors: true });
        const got = fast().eigh(a, n, { vectors: true });
        const scale = Math.max(...want.values.map(Math.abs), Number.MIN_VALUE);
        for (let i = 0; i < n; i++) expect(Math.abs(got.values[i] - want.values[i])).toBeLessThanOrEqual(1e-12 * scale);
        const onlyValues = fast().eigh(a, n).values;
        for (let i = 0; i < n; i++) expect(Math.abs(onlyValues[i] - want.values[i])).toBeLessThanOrEqual(1e-12 * scale);
        const v = got.vectors!;
        if (kind === "random") {
          for (let i = 0; i < n * n; i++) expect(Math.abs(v[i] - want.vectors![i])).toBeLessThanOrEqual(1e-9);
        }
        for (let q = 0; q < n; q++) {
          let res = 0;
          for (let i = 0; i < n; i++) {
            let s = 0;
            for (let j = 0; j < n; j++) s += a[i * n + j] * v[q * n + j];
            res = Math.max(res, Math.abs(s - got.values[q] * v[q * n + i]));
          }
          expect(res).toBeLessThanOrEqual(1e-10 * scale);
        }
        expect(orthonormalityError(v, n)).toBeLessThanOrEqual(1e-12 * Math.max(1, n));
      });
    }
  }

  test("n = 1100: values within 1e-12·max|λ| of the reference, vectors exact and orthonormal, the same for 1 and 2 threads", () => {
    const n = 1100;
    const r = uniform(1100, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        // a decaying spectrum, like an embedding covariance
        const v = r[i * n + j] / (1 + Math.abs(i - j)) + (i === j ? 1 / (1 + i) : 0);
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    const want = eigh(a, n).values;
    const scale = Math.max(...want.map(Math.abs));
    const two = fast(2).eigh(a, n, { vectors: true });
    const twoValues = fast(2).eigh(a, n).values;
    const one = fast(1).eigh(a, n, { vectors: true });
    for (let i = 0; i < n; i++) {
      expect(Math.abs(two.values[i] - want[i])).toBeLessThanOrEqual(1e-12 * scale);
      expect(twoValues[i]).toBe(two.values[i]);
    }
    expect(Buffer.from(one.values.buffer).equals(Buffer.from(two.values.buffer))).toBe(true);
    expect(Buffer.from(one.vectors!.buffer).equals(Buffer.from(two.vectors!.buffer))).toBe(true);
    const v = two.vectors!;
    for (const q of [0, 1, 2, 10, 100, 549, 550, 1000, n - 2, n - 1])
      expect(residual(a, n, v, two.values[q], q)).toBeLessThanOrEqual(1e-10 * scale);
    expect(orthonormalityError(v, n, 24)).toBeLessThanOrEqual(1e-11);
  });

  test("n = 300: any thread count gives the same values and vectors", () => {
    const n = 300;
    const r = uniform(300, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        a[i * n + j] = r[i * n + j];
        a[j * n + i] = r[i * n + j];
      }
    const runs = [1, 2, 3].map((t) => fast(t).eigh(a, n, { vectors: true }));
    for (const got of runs.slice(1)) {
      expect(Buffer.from(got.values.buffer).equals(Buffer.from(runs[0].values.buffer))).toBe(true);
      expect(Buffer.from(got.vectors!.buffer).equals(Buffer.from(runs[0].vectors!.buffer))).toBe(true);
    }
  });
});

describe("percentiles by selection equal percentiles of the sorted array", () => {
  const qs = [0, 1, 5, 50, 95, 99, 100];
  for (const [label, values] of [
    ["one value", Float64Array.of(3)],
    ["two values", Float64Array.of(2, -1)],
    ["1001 random values", uniform(8, 1001)],
    ["many ties", uniform(9, 5000).map((v) => Math.round(v * 6))],
    ["sorted descending", Float64Array.from({ length: 777 }, (_, i) => 777 - i)],
    ["with a NaN (falls back to sorting)", Float64Array.of(1, Number.NaN, 0.5, 2)],
    // from here on large enough to be counted into buckets rather than sorted
    ["200 001 random values in [−0.5, 0.5)", uniform(10, 200_001)],
    ["200 000 cosines of a collapsed set, all within 1e-6 of 0.999", uniform(11, 200_000).map((v) => 0.999 + v * 1e-6)],
    [
      "100 000 values spread over 600 octaves (buckets nest to the last level)",
      uniform(12, 100_000).map((v) => 2 ** (600 * v)),
    ],
    ["50 000 copies of one value", new Float64Array(50_000).fill(0.25)],
    ["−0 and +0 only, 30 000 of them (the sort puts −0 first)", uniform(13, 30_000).map((v) => (v < 0 ? -0 : 0))],
    [
      "±0 at the middle ranks among ±1",
      Float64Array.from({ length: 40_001 }, (_, i) => (i % 4 === 0 ? 1 : i % 4 === 1 ? -1 : i % 4 === 2 ? -0 : 0)),
    ],
    [
      "with ±Infinity and ±MAX_VALUE",
      Float64Array.from(uniform(14, 20_000), (v, i) =>
        i === 7 ? Infinity : i === 9 ? -Infinity : i < 20 ? Math.sign(v) * Number.MAX_VALUE : v,
      ),
    ],
    ["with a NaN among 10 000", Float64Array.from(uniform(15, 10_000), (v, i) => (i === 5000 ? Number.NaN : v))],
  ] as [string, Float64Array][]) {
    test(`${label}: every q in ${qs.join(", ")}`, () => {
      const sorted = Float64Array.from(values).sort();
      const got = percentilesBySelection(values, qs);
      expect(got).toEqual(qs.map((q) => percentileSorted(sorted, q)));
      // toEqual tells −0 from +0; say so where it matters
      for (const [i, q] of qs.entries()) expect(Object.is(got[i], percentileSorted(sorted, q))).toBe(true);
    });
  }
});

describe("the float32 projection (X − μ)·W stays within its stated error bound", () => {
  // Bound (assembly/kernels.ts, projectF32): (γ₆₄ + 2⁻⁵³·⌈d/64⌉)·Σ|z_j w_jc| + 2⁻²⁴·|exact|, with z the
  // centred row rounded to float32 and `exact` the float64 product of those z with float32(W).
  const cases: [number, number, number][] = [
    [1, 1, 1],
    [5, 3, 9],
    [13, 70, 11],
    [37, 129, 8],
    [64, 200, 33],
  ];
  for (const [n, d, k] of cases) {
    test(`n = ${n}, d = ${d}, k = ${k}, with and without centring`, () => {
      const x = Float32Array.from(uniform(n + d, n * d).map((v) => v * 4 + 3));
      const w = uniform(k + 1, d * k);
      const mu = Float64Array.from({ length: d }, (_, j) => 3 + 0.01 * j);
      for (const centre of [mu, undefined]) {
        const got = fast().projectF32(x, n, d, w, k, centre);
        const g64 = 64 * 2 ** -24;
        const gamma = g64 / (1 - g64) + U * Math.ceil(d / 64);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < k; c++) {
            let exact = 0;
            let abs = 0;
            for (let j = 0; j < d; j++) {
              const z = Math.fround(x[i * d + j] - (centre ? centre[j] : 0));
              const p = z * Math.fround(w[j * k + c]);
              exact += p;
              abs += Math.abs(p);
            }
            const bound = gamma * abs + 2 ** -24 * Math.abs(exact) + Number.MIN_VALUE;
            expect(Math.abs(got[i * k + c] - exact)).toBeLessThanOrEqual(bound);
          }
        }
      }
    });
  }

  test("the projection is bit-identical for 1 and 2 threads", () => {
    const n = 50;
    const d = 40;
    const k = 12;
    const x = Float32Array.from(uniform(1, n * d));
    const w = uniform(2, d * k);
    expect(fast(2).projectF32(x, n, d, w, k)).toEqual(fast(1).projectF32(x, n, d, w, k));
  });
});
