import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { dot, pairDotsUpper, rowNorms, symmetrize, syrkUpperT, transpose } from "../../src/linalg/kernels.js";
import type { FloatArray } from "../../src/linalg/matrix.js";

// Ref: fixtures/reference/linalg.json, written by fixtures/scripts/make_linalg_reference.py (NumPy).
type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
type Dtype = "float64" | "float32";
interface Reference {
  kernels: {
    rowNorms: { seed: number; rows: number; cols: number; scale: number; dtype: Dtype; out: JsonNumber[] }[];
    dot: { seedA: number; seedB: number; n: number; scale: number; dtype: Dtype; value: JsonNumber }[];
    syrk: { seed: number; k: number; d: number; scale: number; upper: JsonNumber[] }[];
    pairDots: { seed: number; m: number; d: number; out: JsonNumber[] }[];
  };
}
const REF: Reference = JSON.parse(
  readFileSync(new URL("../../fixtures/reference/linalg.json", import.meta.url), "utf8"),
);

const RTOL64 = 1e-13;
/** float32 inputs are exact in float64, so the float64 accumulation is held to the same rtol. */
const RTOL32 = 1e-13;

const num = (v: JsonNumber): number => (typeof v === "number" ? v : Number(v));

/** MurmurHash3 fmix32; the generator of make_linalg_reference.py, rebuilt bit for bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
function uniform(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const s = Math.imul(seed, 0x9e3779b9);
  for (let i = 0; i < n; i++) out[i] = fmix32((i + s) >>> 0) / 4294967296 - 0.5;
  return out;
}
function ints(seed: number, n: number, lo: number, hi: number): Float64Array {
  const s = Math.imul(seed, 0x9e3779b9);
  return Float64Array.from({ length: n }, (_, i) => lo + (fmix32((i + s) >>> 0) % (hi - lo + 1)));
}
function scaled(seed: number, n: number, scale: number, dtype: Dtype): FloatArray {
  const x = uniform(seed, n).map((v) => v * scale);
  return dtype === "float32" ? Float32Array.from(x) : x;
}

/**
 * |got − want| ≤ rtol · scale elementwise, scale defaulting to |want|. For sums of products the
 * scale is Σ|aᵢ·bᵢ| (the bound on float64 rounding whatever the order), not |Σ aᵢ·bᵢ|.
 * NaN and ±Inf must match exactly.
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, scale?: ArrayLike<number>) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (!Number.isFinite(w)) {
      expect(g, `element ${i}`).toBe(w);
      continue;
    }
    const tol = rtol * (scale ? scale[i] : Math.abs(w));
    if (!(Math.abs(g - w) <= tol)) expect.fail(`element ${i}: got ${g}, want ${w} (tol ${tol})`);
  }
}

// Naive reference loops: the textbook formula, nothing else.
function naiveRowNorms(x: FloatArray, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[i * cols + j] * x[i * cols + j];
    out[i] = Math.sqrt(s);
  }
  return out;
}
/** Gram of the columns of Y (k × d): G[i·d + j] = Σ_r Y[r, i]·Y[r, j]; abs = true gives Σ|·|. */
function naiveGram(y: ArrayLike<number>, k: number, d: number, abs = false): Float64Array {
  const g = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let r = 0; r < k; r++) {
        const p = y[r * d + i] * y[r * d + j];
        s += abs ? Math.abs(p) : p;
      }
      g[i * d + j] = s;
    }
  return g;
}
function naiveTranspose(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}
function upper(g: Float64Array, d: number): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) out.push(g[i * d + j]);
  return Float64Array.from(out);
}
/** Pairs i < j of the rows of U (m × d) in np.triu_indices(m, 1) order. */
function naivePairDots(u: ArrayLike<number>, m: number, d: number, abs = false): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = i + 1; j < m; j++) {
      let s = 0;
      for (let r = 0; r < d; r++) {
        const p = u[i * d + r] * u[j * d + r];
        s += abs ? Math.abs(p) : p;
      }
      out.push(s);
    }
  return Float64Array.from(out);
}
/** syrkUpperT on Y (k × d): transpose, accumulate into a zeroed C, symmetrize. */
function gramViaSyrk(y: Float64Array, k: number, d: number): Float64Array {
  const yt = transpose(y, k, d, new Float64Array(k * d));
  const c = new Float64Array(d * d);
  syrkUpperT(yt, d, k, c);
  return symmetrize(c, d);
}

const DIMS = [1, 3, 5, 7, 33];
const KS = [1, 2, 3, 257];
const DTYPES: Dtype[] = ["float64", "float32"];

describe("rowNorms", () => {
  test.each(REF.kernels.rowNorms)(
    "rowNorms matches NumPy for $rows × $cols $dtype rows at scale $scale",
    ({ seed, rows, cols, scale, dtype, out }) => {
      const x = scaled(seed, rows * cols, scale, dtype);
      const got = rowNorms(x, rows, cols, new Float64Array(rows));
      // Ref: np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))
      expectClose(got, out.map(num), dtype === "float64" ? RTOL64 : RTOL32);
      expectClose(got, naiveRowNorms(x, rows, cols), RTOL64);
    },
  );

  test("rowNorms returns 0 for all-zero rows and -0.0 rows", () => {
    const x = new Float64Array([0, 0, 0, -0, -0, -0, 3, 0, -4]);
    expect(Array.from(rowNorms(x, 3, 3, new Float64Array(3)))).toEqual([0, 0, 5]);
  });

  test("rowNorms is exact on integer rows of either dtype", () => {
    for (const Ctor of [Float64Array, Float32Array]) {
      const x = new Ctor([2, -3, 6, 1, 4, 8, 0, 0, 7]);
      expect(Array.from(rowNorms(x, 3, 3, new Float64Array(3)))).toEqual([7, 9, 7]);
    }
  });

  test("rowNorms accumulates float32 input in float64 (no float32 overflow above 1.8e19)", () => {
    const x = new Float32Array([3e30, 4e30]);
    const want = Math.sqrt(Math.fround(3e30) ** 2 + Math.fround(4e30) ** 2);
    expectClose(rowNorms(x, 1, 2, new Float64Array(1)), [want], RTOL64);
  });

  test("rowNorms propagates NaN and Inf in a row to that row only", () => {
    const x = new Float64Array([1, Number.NaN, 2, 3, 4, 0, Number.NEGATIVE_INFINITY, 1, 1e200, 1e200, 0, 0]);
    const got = Array.from(rowNorms(x, 4, 3, new Float64Array(4)));
    expect(got[0]).toBeNaN();
    expect(got[1]).toBe(5);
    expect(got[2]).toBe(Number.POSITIVE_INFINITY);
    // 1e200² overflows in float64 like NumPy's (x**2).sum(): no rescaling is promised
    expect(got[3]).toBe(Number.POSITIVE_INFINITY);
  });

  test("rowNorms writes only the first `rows` entries of out", () => {
    const out = new Float64Array([-1, -1, -1]);
    rowNorms(new Float64Array([3, 4, 6, 8]), 2, 2, out);
    expect(Array.from(out)).toEqual([5, 10, -1]);
  });
});

describe("dot", () => {
  test.each(REF.kernels.dot)(
    "dot matches NumPy a @ b for n = $n, $dtype at scale $scale",
    ({ seedA, seedB, n, scale, dtype, value }) => {
      const a = scaled(seedA, n, scale, dtype);
      const b = scaled(seedB, n, scale, dtype);
      let absSum = 0;
      let naive = 0;
      for (let j = 0; j < n; j++) {
        absSum += Math.abs(a[j] * b[j]);
        naive += a[j] * b[j];
      }
      const got = dot(a, 0, b, 0, n);
      // Ref: a @ b; rtol relative to Σ|aᵢbᵢ|
      expectClose([got], [num(value)], RTOL64, [absSum]);
      expectClose([got], [naive], RTOL64, [absSum]);
    },
  );

  test("dot honours both offsets and reads exactly n values (every remainder 0..3)", () => {
    for (let n = 0; n <= 11; n++) {
      const a = ints(1, n + 5, -9, 9);
      const b = ints(2, n + 9, -9, 9);
      let want = 0;
      for (let j = 0; j < n; j++) want += a[3 + j] * b[7 + j];
      // small integers: every order of summation is exact
      expect(dot(a, 3, b, 7, n)).toBe(want);
    }
  });

  test("dot of empty ranges is 0", () => {
    expect(dot(new Float64Array(0), 0, new Float64Array(0), 0, 0)).toBe(0);
  });

  test("dot mixes Float32Array and Float64Array operands in float64", () => {
    const a = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]);
    const b = Float64Array.from([1, 2, 3, 4, 5]);
    let want = 0;
    for (let j = 0; j < 5; j++) want += a[j] * b[j];
    expectClose([dot(a, 0, b, 0, 5)], [want], RTOL64);
  });

  test("dot propagates NaN from any lane and gives NaN for Inf · 0", () => {
    for (let p = 0; p < 7; p++) {
      const a = new Float64Array(7).fill(1);
      a[p] = Number.NaN;
      expect(dot(a, 0, new Float64Array(7).fill(2), 0, 7)).toBeNaN();
    }
    expect(dot(new Float64Array([Number.POSITIVE_INFINITY]), 0, new Float64Array([0]), 0, 1)).toBeNaN();
  });
});

describe("transpose", () => {
  const shapes: [number, number][] = [
    [1, 1],
    [1, 7],
    [7, 1],
    [3, 5],
    [33, 31],
    [65, 2],
    [2, 65],
    [257, 33],
  ];
  test.each(DTYPES)("transpose of %s input equals the naive transpose exactly for odd shapes", (dtype) => {
    for (const [rows, cols] of shapes) {
      const x = scaled(rows * 1000 + cols, rows * cols, 1, dtype);
      const got = transpose(x, rows, cols, new Float64Array(rows * cols));
      expect(Array.from(got)).toEqual(Array.from(naiveTranspose(x, rows, cols)));
    }
  });

  test("transpose copies NaN, ±Inf and -0.0 bit for bit", () => {
    const x = new Float64Array([Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-310, 5]);
    const got = transpose(x, 2, 3, new Float64Array(6));
    expect(Array.from(got)).toEqual([Number.NaN, Number.NEGATIVE_INFINITY, -0, 1e-310, Number.POSITIVE_INFINITY, 5]);
    expect(Object.is(got[2], -0)).toBe(true);
  });
});

describe("syrkUpperT", () => {
  test.each(REF.kernels.syrk)(
    "syrkUpperT matches NumPy np.triu(Y.T @ Y) for d = $d, k = $k at scale $scale",
    ({ seed, k, d, scale, upper: want }) => {
      const y = scaled(seed, k * d, scale, "float64") as Float64Array;
      const yt = transpose(y, k, d, new Float64Array(k * d));
      const c = new Float64Array(d * d);
      syrkUpperT(yt, d, k, c);
      const absGram = upper(naiveGram(y, k, d, true), d);
      // Ref: np.triu(Y.T @ Y); rtol relative to Σ_r |Y_ri Y_rj|
      expectClose(upper(c, d), want.map(num), RTOL64, absGram);
      expectClose(upper(c, d), upper(naiveGram(y, k, d), d), RTOL64, absGram);
    },
  );

  test("syrkUpperT + symmetrize equals Yᵀ Y exactly on integer data for every d and k", () => {
    for (const d of [...DIMS, 2, 4, 8, 9]) {
      for (const k of [...KS, 256, 513]) {
        const y = ints(d * 7919 + k, k * d, -8, 8);
        expect(Array.from(gramViaSyrk(y, k, d)), `d=${d} k=${k}`).toEqual(Array.from(naiveGram(y, k, d)));
      }
    }
  });

  test("syrkUpperT + symmetrize equals Yᵀ Y on random data (rtol 1e-13 of Σ|products|)", () => {
    for (const d of DIMS) {
      for (const k of KS) {
        const y = uniform(d * 31 + k, k * d);
        expectClose(gramViaSyrk(y, k, d), naiveGram(y, k, d), RTOL64, naiveGram(y, k, d, true));
      }
    }
  });

  /** C with 1000 + i − j on and above the diagonal and the sentinel −7 below, plus 2·triu(YᵀY). */
  function syrkTwiceOnSentinel(d: number): { c: Float64Array; g: Float64Array } {
    const k = 257;
    const y = ints(d, k * d, -4, 4);
    const yt = transpose(y, k, d, new Float64Array(k * d));
    const c = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) c[i * d + j] = i <= j ? 1000 + i - j : -7;
    syrkUpperT(yt, d, k, c);
    syrkUpperT(yt, d, k, c); // twice: accumulates
    return { c, g: naiveGram(y, k, d) };
  }

  test("syrkUpperT adds to the upper triangle of C (C += triu(YᵀY))", () => {
    for (const d of DIMS) {
      const { c, g } = syrkTwiceOnSentinel(d);
      for (let i = 0; i < d; i++)
        for (let j = i; j < d; j++) expect(c[i * d + j], `C[${i},${j}] d=${d}`).toBe(1000 + i - j + 2 * g[i * d + j]);
    }
  });

  test("syrkUpperT leaves the strict lower triangle alone outside its 4 × 4 diagonal blocks", () => {
    for (const d of DIMS) {
      const { c } = syrkTwiceOnSentinel(d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < i; j++) {
          const inDiagonalBlock = Math.floor(i / 4) === Math.floor(j / 4) && Math.floor(i / 4) * 4 + 3 < d;
          if (!inDiagonalBlock) expect(c[i * d + j], `C[${i},${j}] d=${d}`).toBe(-7);
        }
    }
  });

  test("syrkUpperT leaves the whole strict lower triangle of C untouched, as documented", () => {
    for (const d of DIMS) {
      const { c } = syrkTwiceOnSentinel(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) expect(c[i * d + j], `C[${i},${j}] d=${d}`).toBe(-7);
    }
  });

  test("syrkUpperT keeps 1e30 and 1e-30 data within rtol 1e-13 (no overflow or underflow)", () => {
    for (const scale of [1e30, 1e-30]) {
      const d = 7;
      const k = 257;
      const y = scaled(4242, k * d, scale, "float64") as Float64Array;
      const g = gramViaSyrk(y, k, d);
      for (const v of g) expect(Number.isFinite(v) && v !== 0).toBe(true);
      expectClose(g, naiveGram(y, k, d), RTOL64, naiveGram(y, k, d, true));
    }
  });

  test("syrkUpperT gives NaN exactly in the row and column of a NaN's column", () => {
    for (const d of [1, 5, 7, 33]) {
      for (const k of [1, 3, 257]) {
        const y = uniform(d + k, k * d);
        const badCol = Math.floor(d / 2);
        y[(k - 1) * d + badCol] = Number.NaN;
        const yt = transpose(y, k, d, new Float64Array(k * d));
        const c = new Float64Array(d * d);
        syrkUpperT(yt, d, k, c);
        for (let i = 0; i < d; i++)
          for (let j = i; j < d; j++) {
            const nan = Number.isNaN(c[i * d + j]);
            expect(nan, `C[${i},${j}] d=${d} k=${k}`).toBe(i === badCol || j === badCol);
          }
      }
    }
  });

  test("syrkUpperT with an Inf gives Inf on its diagonal entry and NaN where it meets a 0", () => {
    const d = 5;
    const k = 3;
    const y = new Float64Array(k * d).fill(1);
    y[d + 2] = Number.POSITIVE_INFINITY;
    y[d + 4] = 0;
    const g = naiveGram(y, k, d);
    const c = gramViaSyrk(y, k, d);
    expect(c[2 * d + 2]).toBe(Number.POSITIVE_INFINITY);
    expect(c[2 * d + 4]).toBeNaN();
    expect(Array.from(c)).toEqual(Array.from(g));
  });
});

describe("symmetrize", () => {
  test("symmetrize copies the upper triangle onto the lower and keeps the diagonal", () => {
    for (const d of DIMS) {
      const c = uniform(d, d * d);
      const before = Float64Array.from(c);
      symmetrize(c, d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++) {
          const want = i <= j ? before[i * d + j] : before[j * d + i];
          expect(c[i * d + j]).toBe(want);
        }
    }
  });
});

describe("pairDotsUpper", () => {
  test.each(REF.kernels.pairDots)(
    "pairDotsUpper matches NumPy (U Uᵀ)[triu_indices(m, 1)] for m = $m, d = $d",
    ({ seed, m, d, out }) => {
      const u = uniform(seed, m * d);
      const got = pairDotsUpper(u, m, d, new Float64Array((m * (m - 1)) / 2).fill(Number.NaN));
      const absSum = naivePairDots(u, m, d, true);
      // Ref: (U @ U.T)[np.triu_indices(m, 1)]; rtol relative to Σ|U_ir U_jr|
      expectClose(got, out.map(num), RTOL64, absSum);
      expectClose(got, naivePairDots(u, m, d), RTOL64, absSum);
    },
  );

  test("pairDotsUpper fills every slot exactly on integer rows for m = 1..13 and 37", () => {
    for (const d of [1, 3, 5, 7, 33]) {
      for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 37]) {
        const u = ints(m * 100 + d, m * d, -5, 5);
        const len = (m * (m - 1)) / 2;
        const out = new Float64Array(len + 2).fill(Number.NaN);
        pairDotsUpper(u, m, d, out);
        expect(Array.from(out.subarray(0, len)), `m=${m} d=${d}`).toEqual(Array.from(naivePairDots(u, m, d)));
        // nothing written past the m(m-1)/2 pairs
        expect(Number.isNaN(out[len]) && Number.isNaN(out[len + 1])).toBe(true);
      }
    }
  });

  test("pairDotsUpper propagates a NaN row into exactly the pairs that contain it", () => {
    const m = 11;
    const d = 6;
    const u = uniform(77, m * d);
    u[5 * d + 3] = Number.NaN;
    const got = pairDotsUpper(u, m, d, new Float64Array((m * (m - 1)) / 2));
    let p = 0;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) expect(Number.isNaN(got[p++])).toBe(i === 5 || j === 5);
  });
});
