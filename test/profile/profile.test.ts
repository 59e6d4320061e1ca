import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import type { Chunk } from "../../src/io/types.js";
import type { Kernels } from "../../src/linalg/backend.js";
import type { FloatArray } from "../../src/linalg/matrix.js";
import { type Precision, Profile } from "../../src/profile/profile.js";
import { BACKENDS } from "../helpers/kernels.js";

// Ref: fixtures/reference/linalg.json ("profile"), written by fixtures/scripts/make_linalg_reference.py:
// row classes, np.unique duplicates, norms, u.sum(0), np.cov(x_valid, rowvar=False, bias=True),
// alignment sums and the bottom-k sample (rowPriority as in fixtures/scripts/oracle.py).
type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
interface ProfileRef {
  dtype: "float64" | "float32";
  seed: number;
  sampleSize: number;
  rows: number;
  nullRows: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  validRows: number;
  duplicateRows: number;
  norms: number[];
  unitSum: number[];
  mean: number[];
  covariance: number[];
  alignPairs: number;
  alignSqSum: number;
  alignCosSum: number;
  sampleIndices: number[];
}
interface Ref {
  matrix: { rows: number; cols: number; data: JsonNumber[]; nulls: number[] };
  pair: { data: JsonNumber[]; nulls: number[] };
  float64: ProfileRef;
  float32: ProfileRef;
  farMean: { rows: number; cols: number; data: number[]; mean: number[]; covariance: number[] };
}
const REF: Ref = JSON.parse(
  readFileSync(new URL("../../fixtures/reference/linalg.json", import.meta.url), "utf8"),
).profile;

const num = (v: JsonNumber): number => (typeof v === "number" ? v : Number(v));
const N = REF.matrix.rows;
const D = REF.matrix.cols;
const DATA64 = Float64Array.from(REF.matrix.data, num);
const PAIR64 = Float64Array.from(REF.pair.data, num);
const NULLS = Uint8Array.from(REF.matrix.nulls);
const PAIR_NULLS = Uint8Array.from(REF.pair.nulls);

/** Covariance: |got − want| ≤ rtol·√(C_ii C_jj) (relative to the entry's natural scale). */
function expectCovClose(got: Float64Array, want: ArrayLike<number>, d: number, rtol: number): void {
  expect(got.length).toBe(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt(want[i * d + i] * want[j * d + j]);
      const err = Math.abs(got[i * d + j] - want[i * d + j]);
      if (!(err <= rtol * scale)) expect.fail(`C[${i},${j}] = ${got[i * d + j]}, want ${want[i * d + j]}`);
    }
}
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, scale?: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const tol = rtol * (scale ?? Math.abs(want[i]));
    if (!(Math.abs(got[i] - want[i]) <= tol)) expect.fail(`[${i}] = ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

interface Input {
  data: FloatArray;
  rows: number;
  cols: number;
  nulls?: Uint8Array;
  pair?: FloatArray;
  pairNulls?: Uint8Array;
}

/** Rows [from, to) of the input as chunks of `size` rows, rowOffset global (or shifted by `offsetShift`). */
function chunks(inp: Input, size: number, from = 0, to = inp.rows, offsetShift = 0): Chunk[] {
  const out: Chunk[] = [];
  const d = inp.cols;
  for (let r = from; r < to; r += size) {
    const e = Math.min(to, r + size);
    const chunk: Chunk = {
      matrix: { rows: e - r, cols: d, data: inp.data.subarray(r * d, e * d) },
      rowOffset: r + offsetShift,
    };
    const nulls = inp.nulls?.subarray(r, e);
    if (nulls?.some((x) => x === 1)) chunk.nulls = nulls;
    if (inp.pair) {
      const pn = inp.pairNulls?.subarray(r, e);
      chunk.pair = {
        matrix: { rows: e - r, cols: d, data: inp.pair.subarray(r * d, e * d) },
        nulls: pn?.some((x) => x === 1) ? pn : undefined,
      };
    }
    out.push(chunk);
  }
  return out;
}

/** A profile of rows [from, to) in chunks of `size`; float64 covariance unless asked (the digits tested here). */
function profileOf(
  inp: Input,
  size: number,
  from = 0,
  to = inp.rows,
  opts: { seed?: number; sample?: number; precision?: Precision } = {},
) {
  const p = new Profile({
    kernels,
    dims: inp.cols,
    seed: opts.seed ?? 3,
    sampleSize: opts.sample ?? 8,
    precision: opts.precision ?? "float64",
  });
  for (const c of chunks(inp, size, from, to)) p.add(c);
  return p;
}

const INPUTS: Record<"float64" | "float32", Input> = {
  float64: { data: DATA64, rows: N, cols: D, nulls: NULLS, pair: PAIR64, pairNulls: PAIR_NULLS },
  float32: {
    data: Float32Array.from(DATA64),
    rows: N,
    cols: D,
    nulls: NULLS,
    pair: Float32Array.from(PAIR64),
    pairNulls: PAIR_NULLS,
  },
};
const CHUNK_SIZES = [1, 7, N];

function counts(p: Profile) {
  return {
    rows: p.rows,
    nullRows: p.nullRows,
    nanRows: p.nanRows,
    infRows: p.infRows,
    zeroRows: p.zeroRows,
    validRows: p.validRows,
    duplicateRows: p.duplicateRows,
    alignPairs: p.alignPairs,
  };
}
function refCounts(r: ProfileRef) {
  const { rows, nullRows, nanRows, infRows, zeroRows, validRows, duplicateRows, alignPairs } = r;
  return { rows, nullRows, nanRows, infRows, zeroRows, validRows, duplicateRows, alignPairs };
}

/** A one-chunk profile of literal rows (float64 unless given a Float32Array). */
function profileOfRows(rows: number[][], nulls?: number[], ctor: "f64" | "f32" = "f64"): Profile {
  const d = rows[0].length;
  const flat = rows.flat();
  const data = ctor === "f64" ? Float64Array.from(flat) : Float32Array.from(flat);
  const chunk: Chunk = { matrix: { rows: rows.length, cols: d, data }, rowOffset: 0 };
  if (nulls) chunk.nulls = Uint8Array.from(nulls);
  return new Profile({ kernels, dims: d, sampleSize: 4 }).add(chunk);
}

/** The kernels of the suite being run (each suite below runs once per backend). */
let kernels: Kernels;

describe.each(BACKENDS)("on the %s kernels", (_name, make) => {
  beforeAll(() => {
    kernels = make();
  });

  describe("Profile row classes", () => {
    test.each(["float64", "float32"] as const)("Profile counts every row class like NumPy (%s)", (dtype) => {
      for (const size of CHUNK_SIZES) {
        expect(counts(profileOf(INPUTS[dtype], size)), `chunks of ${size}`).toEqual(refCounts(REF[dtype]));
      }
    });

    test("a row with both NaN and Inf is a NaN row; Inf or -Inf alone makes an Inf row", () => {
      const p = profileOfRows([
        [Number.NaN, Number.POSITIVE_INFINITY],
        [Number.NEGATIVE_INFINITY, Number.NaN],
        [Number.POSITIVE_INFINITY, 0],
        [0, Number.NEGATIVE_INFINITY],
        [1, 2],
      ]);
      expect([p.nanRows, p.infRows, p.zeroRows, p.validRows]).toEqual([2, 2, 0, 1]);
    });

    test("an all-zero row and a -0.0-only row are both zero rows", () => {
      for (const ctor of ["f64", "f32"] as const) {
        const p = profileOfRows(
          [
            [0, 0, 0],
            [-0, -0, -0],
            [-0, 0, -0],
            [0, 5e-324, 0],
          ],
          undefined,
          ctor,
        );
        // 5e-324 rounds to 0 in float32
        expect(p.zeroRows, ctor).toBe(ctor === "f64" ? 3 : 4);
        expect(p.validRows, ctor).toBe(ctor === "f64" ? 1 : 0);
      }
    });

    test("null rows are counted as null whatever their data holds, and nothing else", () => {
      const p = profileOfRows(
        [
          [Number.NaN, 1],
          [0, 0],
          [3, 4],
          [3, 4],
          [6, 8],
        ],
        [1, 1, 1, 0, 0],
      );
      expect(counts(p)).toEqual({
        rows: 5,
        nullRows: 3,
        nanRows: 0,
        infRows: 0,
        zeroRows: 0,
        validRows: 2,
        duplicateRows: 0,
        alignPairs: 0,
      });
      expect(Array.from(p.norms())).toEqual([5, 10]);
    });

    test("norms() holds the float64 norm of each valid row in input order", () => {
      for (const dtype of ["float64", "float32"] as const) {
        const p = profileOf(INPUTS[dtype], 7);
        // Ref: np.sqrt((x_valid.astype(np.float64) ** 2).sum(1))
        expectClose(p.norms(), REF[dtype].norms, 1e-15);
      }
    });
  });

  describe("Profile duplicates", () => {
    test.each(["float64", "float32"] as const)("Profile counts NumPy's bit-identical duplicates (%s)", (dtype) => {
      for (const size of CHUNK_SIZES)
        expect(profileOf(INPUTS[dtype], size).duplicateRows).toBe(REF[dtype].duplicateRows);
    });

    test("rows that differ only in the sign of a zero are not duplicates", () => {
      for (const ctor of ["f64", "f32"] as const) {
        const p = profileOfRows(
          [
            [1.5, 0, -2.25],
            [1.5, -0, -2.25],
            [1.5, 0, -2.25],
          ],
          undefined,
          ctor,
        );
        expect(p.duplicateRows, ctor).toBe(1);
      }
    });

    test("equal invalid rows and equal null rows are not duplicates", () => {
      const p = profileOfRows(
        [
          [Number.NaN, 1],
          [Number.NaN, 1],
          [0, 0],
          [0, 0],
          [1, 2],
          [1, 2],
          [1, 2],
        ],
        [0, 0, 0, 0, 1, 1, 0],
      );
      expect(p.duplicateRows).toBe(0);
    });
  });

  describe("Profile fed in chunks", () => {
    test.each(["float64", "float32"] as const)("chunks of 1, 7 and all rows give the same profile (%s)", (dtype) => {
      const ref = REF[dtype];
      const whole = profileOf(INPUTS[dtype], N);
      for (const size of CHUNK_SIZES) {
        const p = profileOf(INPUTS[dtype], size);
        expect(counts(p)).toEqual(counts(whole));
        expect(Array.from(p.norms())).toEqual(Array.from(whole.norms()));
        // the unit-row sum runs row by row in input order whatever the chunking
        expectClose(p.unitSum, whole.unitSum, 1e-14);
        // Ref: u.sum(0) with u = x / norms[:, None]; |u_ij| ≤ 1 so the scale is validRows
        expectClose(p.unitSum, ref.unitSum, 1e-14, ref.validRows);
        expectCovClose(p.covariance(), whole.covariance(), D, 1e-12);
        // Ref: np.cov(x_valid, rowvar=False, bias=True)
        expectCovClose(p.covariance(), ref.covariance, D, 1e-12);
        // Ref: x_valid.mean(0); rtol relative to the column's spread
        for (let j = 0; j < D; j++) {
          expect(Math.abs(p.mean[j] - ref.mean[j])).toBeLessThanOrEqual(1e-13 * Math.sqrt(ref.covariance[j * D + j]));
        }
        expect(p.sample.rowsByIndex()).toEqual(whole.sample.rowsByIndex());
      }
    });

    test.each(["float64", "float32"] as const)(
      "the sample is the oracle's bottom-k of the valid rows (%s)",
      (dtype) => {
        const p = profileOf(INPUTS[dtype], 7);
        const { indices, values } = p.sample.rowsByIndex();
        expect(Array.from(indices)).toEqual(REF[dtype].sampleIndices);
        // the kept rows are the input rows, widened to float64
        const data = INPUTS[dtype].data;
        const want = REF[dtype].sampleIndices.flatMap((i) => Array.from(data.subarray(i * D, (i + 1) * D)));
        expect(Array.from(values)).toEqual(want);
      },
    );

    test("the covariance is symmetric and its diagonal non-negative", () => {
      const c = profileOf(INPUTS.float64, 7).covariance();
      for (let i = 0; i < D; i++) {
        expect(c[i * D + i]).toBeGreaterThanOrEqual(0);
        for (let j = 0; j < D; j++) expect(c[i * D + j]).toBe(c[j * D + i]);
      }
    });

    test("chunks with no valid rows leave the moments unchanged", () => {
      const inp = INPUTS.float64;
      const p = profileOf(inp, 7);
      const before = p.covariance();
      p.add({
        matrix: { rows: 2, cols: D, data: Float64Array.from([Number.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0]) },
        rowOffset: N,
      });
      expect(Array.from(p.covariance())).toEqual(Array.from(before));
      expect(p.rows).toBe(N + 2);
    });
  });

  describe("Profile.merge", () => {
    const splits = [1, 17, 30, 59];

    test.each(["float64", "float32"] as const)("merge(profile(A), profile(B)) equals profile(A + B) (%s)", (dtype) => {
      const inp = INPUTS[dtype];
      const whole = profileOf(inp, N);
      for (const at of splits) {
        const a = profileOf(inp, 7, 0, at);
        const b = profileOf(inp, 5, at, N);
        a.merge(b);
        // counts exact, including duplicates that span the shards (rows 3 / 40 / 41 at the split 30)
        expect(counts(a), `split at ${at}`).toEqual(counts(whole));
        expect(Array.from(a.norms())).toEqual(Array.from(whole.norms()));
        expectClose(a.unitSum, whole.unitSum, 1e-14, whole.validRows);
        expectCovClose(a.covariance(), whole.covariance(), D, 1e-12);
        expectCovClose(a.covariance(), REF[dtype].covariance, D, 1e-12);
        expect(Array.from(a.sample.rowsByIndex().indices)).toEqual(REF[dtype].sampleIndices);
        expect(a.sample.rowsByIndex()).toEqual(whole.sample.rowsByIndex());
        expectClose([a.alignSqSum, a.alignCosSum], [whole.alignSqSum, whole.alignCosSum], 1e-14, whole.alignPairs);
      }
    });

    test("duplicates whose copies sit in different shards are counted after the merge", () => {
      // rows 3, 40 and 41 are equal, and rows 1 and 50: shard A holds rows 1 and 3, shard B 40, 41, 50
      const inp = INPUTS.float64;
      const a = profileOf(inp, N, 0, 30);
      const b = profileOf(inp, N, 30, N);
      const spanning = a.duplicateRows + b.duplicateRows;
      a.merge(b);
      expect(a.duplicateRows).toBe(REF.float64.duplicateRows);
      // B alone sees 41 as a copy of 40; only the merge sees 40 as a copy of 3 and 50 as a copy of 1
      expect(a.duplicateRows - spanning).toBe(2);
    });

    test("merging three shards in either association gives the same counts, covariance and sample", () => {
      const inp = INPUTS.float64;
      const left = profileOf(inp, 3, 0, 20)
        .merge(profileOf(inp, 3, 20, 40))
        .merge(profileOf(inp, 3, 40, N));
      const right = profileOf(inp, 3, 0, 20).merge(profileOf(inp, 3, 20, 40).merge(profileOf(inp, 3, 40, N)));
      expect(counts(left)).toEqual(counts(right));
      expectCovClose(left.covariance(), right.covariance(), D, 1e-12);
      expect(left.sample.rowsByIndex()).toEqual(right.sample.rowsByIndex());
    });

    test("merging with an empty profile changes nothing, in either order", () => {
      const inp = INPUTS.float64;
      const whole = profileOf(inp, N);
      const intoEmpty = new Profile({ kernels, dims: D, seed: 3, sampleSize: 8 }).merge(profileOf(inp, N));
      const withEmpty = profileOf(inp, N).merge(new Profile({ kernels, dims: D, seed: 3, sampleSize: 8 }));
      for (const p of [intoEmpty, withEmpty]) {
        expect(counts(p)).toEqual(counts(whole));
        expect(Array.from(p.covariance())).toEqual(Array.from(whole.covariance()));
        expect(Array.from(p.mean)).toEqual(Array.from(whole.mean));
        expect(Array.from(p.norms())).toEqual(Array.from(whole.norms()));
        expect(p.sample.rowsByIndex()).toEqual(whole.sample.rowsByIndex());
      }
    });

    test("shard B's sample depends on its rowOffset: the global offset is required", () => {
      const inp = INPUTS.float64;
      const a = profileOf(inp, 7, 0, 30);
      const wrong = new Profile({ kernels, dims: D, seed: 3, sampleSize: 8 });
      for (const c of chunks(inp, 7, 30, N, -30)) wrong.add(c); // rowOffset restarting at 0
      a.merge(wrong);
      expect(Array.from(a.sample.rowsByIndex().indices)).not.toEqual(REF.float64.sampleIndices);
      const right = profileOf(inp, 7, 0, 30).merge(profileOf(inp, 7, 30, N));
      expect(Array.from(right.sample.rowsByIndex().indices)).toEqual(REF.float64.sampleIndices);
    });

    test("merge refuses other dims, seeds and sample sizes", () => {
      const p = new Profile({ kernels, dims: 3, seed: 1, sampleSize: 4 });
      expect(() => p.merge(new Profile({ kernels, dims: 4, seed: 1, sampleSize: 4 }))).toThrow(UsageError);
      expect(() => p.merge(new Profile({ kernels, dims: 3, seed: 2, sampleSize: 4 }))).toThrow(UsageError);
      expect(() => p.merge(new Profile({ kernels, dims: 3, seed: 1, sampleSize: 5 }))).toThrow(UsageError);
    });
  });

  describe("Profile alignment", () => {
    test.each(["float64", "float32"] as const)("alignment sums over chunk.pair match NumPy (%s)", (dtype) => {
      const ref = REF[dtype];
      for (const size of CHUNK_SIZES) {
        const p = profileOf(INPUTS[dtype], size);
        expect(p.alignPairs).toBe(ref.alignPairs);
        // Ref: ((u - v) ** 2).sum() and (u * v).sum() over pairs of valid rows; terms are ≤ 4 and ≤ 1
        expectClose([p.alignSqSum], [ref.alignSqSum], 1e-14, 4 * ref.alignPairs);
        expectClose([p.alignCosSum], [ref.alignCosSum], 1e-14, ref.alignPairs);
      }
    });

    test("a pair counts only when both rows are valid and the partner is not null", () => {
      const d = 2;
      const x = Float64Array.from([3, 4, 1, 0, 1, 0, Number.NaN, 1, 0, 2]);
      const y = Float64Array.from([3, 4, 0, 0, 0, 1, 1, 1, 5, 5]);
      const p = new Profile({ kernels, dims: d, sampleSize: 2 }).add({
        matrix: { rows: 5, cols: d, data: x },
        rowOffset: 0,
        pair: { matrix: { rows: 5, cols: d, data: y }, nulls: Uint8Array.from([0, 0, 0, 0, 1]) },
      });
      // row 0: identical (sq 0, cos 1); row 1: zero partner; row 2: orthogonal (sq 2, cos 0);
      // row 3: NaN row; row 4: null partner
      expect([p.alignPairs, p.alignSqSum, p.alignCosSum]).toEqual([2, 2, 1]);
    });
  });

  describe("Profile precision", () => {
    const f = REF.farMean;
    const far: Input = { data: Float64Array.from(f.data), rows: f.rows, cols: f.cols };

    test("a float64 input with mean 1e6 and spread 1 keeps ≥ 9 significant digits of covariance", () => {
      for (const size of [1, 7, 50, f.rows]) {
        const p = profileOf(far, size);
        // Ref: np.cov(far, rowvar=False, bias=True). A one-pass Σx² − n·x̄² keeps about 3 digits here,
        // a float32 accumulation none.
        expectCovClose(p.covariance(), f.covariance, f.cols, 1e-9);
        expectClose(p.mean, f.mean, 1e-15);
      }
      const merged = profileOf(far, 13, 0, 77).merge(profileOf(far, 13, 77, f.rows));
      expectCovClose(merged.covariance(), f.covariance, f.cols, 1e-9);
    });

    test("a float64 input with mean 1e6 in one chunk gives NumPy's covariance to rtol 1e-14", () => {
      expectCovClose(profileOf(far, f.rows).covariance(), f.covariance, f.cols, 1e-14);
    });

    test("a float64 input with mean 1e6 and spread 1 keeps ≥ 10 significant digits for any chunking", () => {
      for (const size of [1, 7, 50, f.rows])
        expectCovClose(profileOf(far, size).covariance(), f.covariance, f.cols, 1e-10);
    });
  });

  describe.skipIf(!make().mixedPrecision)(
    "Profile precision mixed (the default: float32 products in 128-row blocks)",
    () => {
      // the stated bound (assembly/kernels.ts): |ΔC_ij| ≤ 7.8e-6·√(C_ii·C_jj)
      const MIXED = 7.8e-6;
      const f = REF.farMean;
      const far: Input = { data: Float64Array.from(f.data), rows: f.rows, cols: f.cols };

      test.each(["float64", "float32"] as const)(
        "any chunking and merging stays within the bound of NumPy's covariance (%s)",
        (dtype) => {
          const mixed = { precision: "mixed" as const };
          for (const size of CHUNK_SIZES) {
            const p = profileOf(INPUTS[dtype], size, 0, N, mixed);
            expect(p.precision).toBe("mixed");
            expectCovClose(p.covariance(), REF[dtype].covariance, D, MIXED);
            // everything but the scatter is computed as in float64
            expect(counts(p)).toEqual(counts(profileOf(INPUTS[dtype], size)));
            expect(p.mean).toEqual(profileOf(INPUTS[dtype], size).mean);
          }
          const merged = profileOf(INPUTS[dtype], 7, 0, 30, mixed).merge(profileOf(INPUTS[dtype], 5, 30, N, mixed));
          expectCovClose(merged.covariance(), REF[dtype].covariance, D, MIXED);
        },
      );

      test("a float64 input with mean 1e6 and spread 1 keeps the bound (centring is float64)", () => {
        for (const size of [1, 7, 50, f.rows])
          expectCovClose(
            profileOf(far, size, 0, f.rows, { precision: "mixed" }).covariance(),
            f.covariance,
            f.cols,
            MIXED,
          );
      });

      test("merging a float64 profile with a mixed one gives a mixed one", () => {
        const a = profileOf(INPUTS.float32, 7, 0, 30);
        expect(a.precision).toBe("float64");
        a.merge(profileOf(INPUTS.float32, 7, 30, N, { precision: "mixed" }));
        expect(a.precision).toBe("mixed");
      });
    },
  );

  describe("Profile input checks", () => {
    test("add refuses a chunk with the wrong number of columns", () => {
      const p = new Profile({ kernels, dims: 3 });
      expect(() => p.add({ matrix: { rows: 1, cols: 2, data: new Float64Array(2) }, rowOffset: 0 })).toThrow(
        InputError,
      );
    });

    test("the constructor refuses bad dims, seeds and sample sizes", () => {
      expect(() => new Profile({ kernels, dims: 0 })).toThrow(UsageError);
      expect(() => new Profile({ kernels, dims: 2.5 })).toThrow(UsageError);
      expect(() => new Profile({ kernels, dims: 2, seed: -1 })).toThrow(UsageError);
      expect(() => new Profile({ kernels, dims: 2, seed: 2 ** 32 })).toThrow(UsageError);
      expect(() => new Profile({ kernels, dims: 2, sampleSize: 1 })).toThrow(UsageError);
    });

    test("an empty profile has zero covariance and no norms", () => {
      const p = new Profile({ kernels, dims: 2 });
      expect(Array.from(p.covariance())).toEqual([0, 0, 0, 0]);
      expect(p.norms().length).toBe(0);
      expect(p.duplicateRows).toBe(0);
    });
  });
});
