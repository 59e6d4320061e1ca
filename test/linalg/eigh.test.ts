import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { eigh } from "../../src/linalg/eigh.js";

// Ref: fixtures/reference/linalg.json, written by fixtures/scripts/make_linalg_reference.py
// with np.linalg.eigh (values re-sorted descending, vectors as sign-canonical rows).
type Kind = "random" | "covariance" | "rank3" | "diagonal" | "repeated" | "zero";
interface EighCase {
  kind: Kind;
  n: number;
  seed: number;
  values: number[];
  normF: number;
  vectors?: number[];
}
const CASES: EighCase[] = JSON.parse(
  readFileSync(new URL("../../fixtures/reference/linalg.json", import.meta.url), "utf8"),
).eigh;

/** Eigenvalues: |λ − λ_numpy| ≤ 1e-12 · max|λ|. */
const VALUE_RTOL = 1e-12;
/** ‖A v − λ v‖ ≤ 1e-10 · ‖A‖₂ (‖A‖₂ = max|λ| for symmetric A). */
const RESIDUAL_RTOL = 1e-10;
/** |vᵢ · vⱼ − δᵢⱼ| ≤ 1e-12 (n ≤ 200, float64). */
const ORTHO_ATOL = 1e-12;
/** Eigenvectors of well-separated eigenvalues vs NumPy's, up to sign: 1e-10 per entry. */
const VECTOR_ATOL = 1e-10;

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
  const s = Math.imul(seed, 0x9e3779b9);
  return Float64Array.from({ length: n }, (_, i) => fmix32((i + s) >>> 0) / 4294967296 - 0.5);
}
function ints(seed: number, n: number, lo: number, hi: number): Float64Array {
  const s = Math.imul(seed, 0x9e3779b9);
  return Float64Array.from({ length: n }, (_, i) => lo + (fmix32((i + s) >>> 0) % (hi - lo + 1)));
}

/** The matrices of eigh_matrix() in make_linalg_reference.py. */
function eighMatrix(kind: Kind, n: number, seed: number): Float64Array {
  const a = new Float64Array(n * n);
  if (kind === "random") {
    const g = uniform(seed, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (g[i * n + j] + g[j * n + i]) / 2;
  } else if (kind === "covariance") {
    const k = 2 * n + 3;
    const x = uniform(seed, k * n);
    const mean = new Float64Array(n);
    for (let r = 0; r < k; r++) for (let j = 0; j < n; j++) mean[j] += x[r * n + j];
    for (let j = 0; j < n; j++) mean[j] /= k;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let r = 0; r < k; r++) s += (x[r * n + i] - mean[i]) * (x[r * n + j] - mean[j]);
        a[i * n + j] = s / k;
      }
    // exactly symmetric, as NumPy's xc.T @ xc is
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i];
  } else if (kind === "rank3") {
    const b = ints(seed, n * 3, -3, 3);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        a[i * n + j] = b[i * 3] * b[j * 3] + b[i * 3 + 1] * b[j * 3 + 1] + b[i * 3 + 2] * b[j * 3 + 2];
  } else if (kind === "diagonal") {
    const v = ints(seed, n, -5, 5);
    for (let i = 0; i < n; i++) a[i * n + i] = v[i];
  } else if (kind === "repeated") {
    const u = ints(seed, n, -2, 2);
    u[0] = 3;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (i === j ? 2 : 0) + u[i] * u[j];
  }
  return a;
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

describe("eigh against np.linalg.eigh", () => {
  test.each(CASES)("eigh gives NumPy's eigenvalues, descending, for the $kind matrix of size $n", (c) => {
    const a = eighMatrix(c.kind, c.n, c.seed);
    const { values } = eigh(a, c.n);
    const scale = maxAbs(c.values);
    expect(values.length).toBe(c.n);
    for (let i = 0; i < c.n; i++) {
      if (!(Math.abs(values[i] - c.values[i]) <= VALUE_RTOL * scale)) {
        expect.fail(`λ[${i}] = ${values[i]}, NumPy ${c.values[i]} (atol ${VALUE_RTOL * scale})`);
      }
      if (i > 0) expect(values[i]).toBeLessThanOrEqual(values[i - 1]);
    }
  });

  test.each(CASES)("eigh vectors of the $kind matrix of size $n are orthonormal, canonical eigenvectors", (c) => {
    const n = c.n;
    const a = eighMatrix(c.kind, n, c.seed);
    const { values, vectors } = eigh(a, n, { vectors: true });
    expect(vectors).toBeDefined();
    const v = vectors as Float64Array;
    expect(v.length).toBe(n * n);
    const normA = maxAbs(c.values);
    for (let k = 0; k < n; k++) {
      const row = v.subarray(k * n, (k + 1) * n);
      // A v = λ v
      let res = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a[i * n + j] * row[j];
        res += (s - values[k] * row[i]) ** 2;
      }
      if (!(Math.sqrt(res) <= RESIDUAL_RTOL * normA)) expect.fail(`‖Av − λv‖ = ${Math.sqrt(res)} for k = ${k}`);
      // sign-canonical: the entry of largest magnitude is positive
      let big = 0;
      for (let i = 1; i < n; i++) if (Math.abs(row[i]) > Math.abs(row[big])) big = i;
      expect(row[big], `vector ${k}`).toBeGreaterThan(0);
      expect(Math.max(...row)).toBe(maxAbs(row));
      // orthonormal rows
      for (let l = k; l < n; l++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += row[i] * v[l * n + i];
        const want = k === l ? 1 : 0;
        if (!(Math.abs(s - want) <= ORTHO_ATOL)) expect.fail(`v${k}·v${l} = ${s}`);
      }
    }
  });

  test.each(CASES.filter((c) => c.vectors))(
    "eigh vectors equal NumPy's up to sign for the $kind matrix of size $n",
    (c) => {
      const n = c.n;
      const { vectors } = eigh(eighMatrix(c.kind, n, c.seed), n, { vectors: true });
      const v = vectors as Float64Array;
      const want = c.vectors as number[];
      for (let k = 0; k < n; k++) {
        // compared up to sign (CONVENTIONS.md), although both sides are sign-canonical already
        let d = 0;
        for (let i = 0; i < n; i++) d += v[k * n + i] * want[k * n + i];
        const sign = d < 0 ? -1 : 1;
        for (let i = 0; i < n; i++) {
          if (!(Math.abs(sign * v[k * n + i] - want[k * n + i]) <= VECTOR_ATOL)) {
            expect.fail(`vector ${k}[${i}] = ${v[k * n + i]}, NumPy ${want[k * n + i]}`);
          }
        }
      }
    },
  );

  test.each(CASES)("eigh's values-only path returns the same values as its vectors path ($kind, $n)", (c) => {
    const a = eighMatrix(c.kind, c.n, c.seed);
    const only = eigh(a, c.n);
    const both = eigh(a, c.n, { vectors: true });
    expect(only.vectors).toBeUndefined();
    // the tridiagonalisation and the QL sweep do the same arithmetic with or without vectors
    expect(Array.from(only.values)).toEqual(Array.from(both.values));
  });
});

describe("eigh on special matrices", () => {
  test("eigh does not modify its input", () => {
    for (const kind of ["random", "covariance", "repeated"] as const) {
      const a = eighMatrix(kind, 10, 3);
      const copy = Float64Array.from(a);
      eigh(a, 10, { vectors: true });
      eigh(a, 10);
      expect(Array.from(a)).toEqual(Array.from(copy));
    }
  });

  test("eigh reads only the leading n × n entries of a longer array", () => {
    const a = eighMatrix("random", 3, 9);
    const padded = new Float64Array(12).fill(Number.NaN);
    padded.set(a);
    expect(Array.from(eigh(padded, 3).values)).toEqual(Array.from(eigh(a, 3).values));
  });

  test("eigh of a 1 × 1 matrix is its entry, with the vector [1] even for a negative entry", () => {
    for (const x of [2.5, -3, 0]) {
      const { values, vectors } = eigh(new Float64Array([x]), 1, { vectors: true });
      expect(Array.from(values)).toEqual([x]);
      expect(Array.from(vectors as Float64Array)).toEqual([1]);
    }
  });

  test("eigh of a diagonal matrix gives the sorted diagonal and unit vectors on the right axes", () => {
    const diag = [3, -1, 7, 0.5, -4];
    const n = diag.length;
    const a = new Float64Array(n * n);
    diag.forEach((x, i) => {
      a[i * n + i] = x;
    });
    const { values, vectors } = eigh(a, n, { vectors: true });
    expect(Array.from(values)).toEqual([7, 3, 0.5, -1, -4]);
    const v = vectors as Float64Array;
    [2, 0, 3, 1, 4].forEach((axis, k) => {
      for (let i = 0; i < n; i++) expect(Math.abs(v[k * n + i] - (i === axis ? 1 : 0))).toBeLessThanOrEqual(1e-15);
    });
  });

  test("eigh of the zero matrix gives zeros and the identity", () => {
    const n = 4;
    const { values, vectors } = eigh(new Float64Array(n * n), n, { vectors: true });
    expect(Array.from(values)).toEqual([0, 0, 0, 0]);
    expect(Array.from(vectors as Float64Array)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  test("eigh of a rank-3 PSD matrix has n − 3 eigenvalues within 1e-12·λmax of zero", () => {
    const c = CASES.find((x) => x.kind === "rank3" && x.n === 200) as EighCase;
    const { values } = eigh(eighMatrix("rank3", 200, c.seed), 200);
    const tol = VALUE_RTOL * values[0];
    for (let i = 0; i < 3; i++) expect(values[i]).toBeGreaterThan(tol);
    for (let i = 3; i < 200; i++) expect(Math.abs(values[i])).toBeLessThanOrEqual(tol);
  });

  test("eigh of 2I + uuᵀ has the eigenvalue 2 with multiplicity n − 1", () => {
    const c = CASES.find((x) => x.kind === "repeated" && x.n === 64) as EighCase;
    const { values } = eigh(eighMatrix("repeated", 64, c.seed), 64);
    const top = c.values[0];
    expect(Math.abs(values[0] - top)).toBeLessThanOrEqual(VALUE_RTOL * top);
    for (let i = 1; i < 64; i++) expect(Math.abs(values[i] - 2)).toBeLessThanOrEqual(VALUE_RTOL * top);
  });

  test("eigh of an empty matrix is empty", () => {
    expect(eigh(new Float64Array(0), 0).values.length).toBe(0);
    expect((eigh(new Float64Array(0), 0, { vectors: true }).vectors as Float64Array).length).toBe(0);
  });

  test("eigh of a scaled matrix scales its eigenvalues (1e-150 and 1e150 stay finite)", () => {
    const a = eighMatrix("random", 10, 17);
    const base = eigh(a, 10).values;
    for (const s of [1e-150, 1e150]) {
      const got = eigh(
        a.map((x) => x * s),
        10,
      ).values;
      for (let i = 0; i < 10; i++) {
        expect(Math.abs(got[i] - base[i] * s)).toBeLessThanOrEqual(VALUE_RTOL * Math.abs(base[0] * s));
      }
    }
  });
});
