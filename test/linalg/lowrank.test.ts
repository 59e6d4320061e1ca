/**
 * The low-rank eigensolve (src/linalg/lowrank.ts) against NumPy (fixtures/repair/issue21/wide.npy:
 * 30 × 4096, eigenvalues from np.linalg.eigvalsh, PCA(5) from scikit-learn; written by
 * fixtures/scripts/make_issue21_fixtures.py) and against the full d × d eigh on the same matrix.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { openNpyFile } from "../../src/io/npy.js";
import { eigh } from "../../src/linalg/eigh.js";
import { covarianceEigen, lowRankColumns } from "../../src/linalg/lowrank.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { profileChunks } from "../../src/profile/run.js";

const REF = JSON.parse(readFileSync("fixtures/repair/issue21/reference.json", "utf8"));

/** The float64 covariance (1/n) of n × d rows, as NumPy's np.cov(x, rowvar=False, bias=True). */
function covariance(x: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const za = x[i * d + a] - mean[a];
      for (let b = a; b < d; b++) C[a * d + b] += (za * (x[i * d + b] - mean[b])) / n;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a];
  return C;
}

function seeded(n: number, d: number, r: number, seed: number): Float64Array {
  let s = seed;
  const u = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const B = Float64Array.from({ length: r * d }, u);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < r; a++) {
      const c = u();
      for (let j = 0; j < d; j++) x[i * d + j] += c * B[a * d + j];
    }
  return x;
}

describe("covarianceEigen", () => {
  test("pays only when the rank bound plus 8 is at most a quarter of d", () => {
    expect(lowRankColumns(49, 8192)).toBe(57);
    expect(lowRankColumns(200, 768)).toBeNull();
  });

  test("on 20 rows in 400 dims: the full eigh's values (to 1e-12·λ₁) and vectors (|u·v| = 1 to 1e-9)", () => {
    const n = 20;
    const d = 400;
    const C = covariance(seeded(n, d, n, 7), n, d);
    const full = eigh(C, d, { vectors: true });
    const low = covarianceEigen(C, d, n - 1, referenceKernels(), { vectors: true });
    expect(low.count).toBe(27);
    const l1 = full.values[0];
    for (let i = 0; i < d; i++) expect(Math.abs(low.values[i] - Math.max(0, full.values[i]))).toBeLessThan(1e-12 * l1);
    const V = low.vectors as Float64Array;
    const U = full.vectors as Float64Array;
    for (let t = 0; t < n - 1; t++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += V[t * d + j] * U[t * d + j];
      expect(dot).toBeGreaterThan(1 - 1e-9); // same sign convention: +1, not −1
    }
  });

  test("on the 30 × 4096 fixture: NumPy's 29 non-zero eigenvalues to 1e-10 relative, the rest 0", async () => {
    const source = await openNpyFile("fixtures/repair/issue21/wide.npy");
    const d = source.info.dims;
    const p = await profileChunks(source, { dims: d, precision: "float64" });
    await source.close();
    expect(p.validRows).toBe(30);
    const e = covarianceEigen(p.covariance(), d, p.validRows - 1, referenceKernels());
    const ref: number[] = REF.wide.eigenvalues;
    for (let i = 0; i < 29; i++) expect(Math.abs(e.values[i] - ref[i]) / ref[i]).toBeLessThan(1e-10);
    for (let i = 29; i < d; i++) expect(Math.abs(e.values[i])).toBeLessThan(1e-10 * ref[0]);
  });
});
