/**
 * Pipelines against the NumPy reference fixtures/repair/reference.json, written by
 * fixtures/scripts/make_repair_reference.py (float64 NumPy: two-pass mean and covariance,
 * np.linalg.eigh). Projections equal up to the sign of each column; whitened covariance ≈ I;
 * after abtt:D the removed directions carry ≈ 0 variance; after l2 every norm is 1; row counts
 * of dedup and drop-invalid exact.
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { knnOverlap } from "../../src/linalg/knn.js";
import type { Matrix } from "../../src/linalg/matrix.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { type Precision, Profile } from "../../src/profile/profile.js";
import { Pipeline } from "../../src/repair/pipeline.js";
import { chunksOf, iterate, loadMatrix } from "./helpers.js";

interface RefCase {
  input: string;
  pipeline: string;
  rows: number;
  dims: number;
  head: number[][] | null;
  covDiag: number[];
  covOffDiagMaxAbs: number;
  norms: { min: number; max: number } | null;
  k?: number;
  D?: number;
  removed?: number[][];
}

const REF = JSON.parse(readFileSync("fixtures/repair/reference.json", "utf8")) as { cases: RefCase[]; head: number };

/** Mean and covariance of the output's valid rows, through our own Profile. */
function outputStats(y: Matrix<Float64Array>): Profile {
  const p = new Profile({ dims: y.cols, sampleSize: 2 });
  for (const c of chunksOf(y, 1024)) p.add(c);
  return p;
}

/**
 * The pipeline fitted on c.input and its output. Per-column comparisons use the float64
 * covariance: near-equal eigenvalues (healthy.npy is isotropic) make single components sensitive
 * to rounding, so the mixed default is checked through subspace-level numbers (variances, removed
 * directions) instead.
 */
async function run(c: RefCase, precision: Precision = "mixed"): Promise<{ p: Pipeline; y: Matrix<Float64Array> }> {
  const { matrix } = await loadMatrix(c.input);
  // Chunks of 97 rows, so the fit streams its statistics as it would from a file.
  const p = await new Pipeline(c.pipeline).fit(() => iterate(chunksOf(matrix, 97)), { precision });
  return { p, y: p.transform(matrix) };
}

describe.each(REF.cases.map((c) => [`${c.input.split("/").pop()} ${c.pipeline}`, c] as const))("%s", (_name, c) => {
  test("has NumPy's row count and width", async () => {
    const { y } = await run(c);
    expect(y.rows).toBe(c.rows);
    expect(y.cols).toBe(c.dims);
    if (c.k !== undefined) expect(y.cols).toBe(c.k);
  });

  test.skipIf(c.head === null)("matches NumPy's first rows up to the sign of each column (rtol 1e-6)", async () => {
    const { y } = await run(c, "float64");
    const head = c.head as number[][];
    const d = y.cols;
    for (let j = 0; j < d; j++) {
      // The sign that best matches column j (PCA axes are defined up to sign).
      let dotSame = 0;
      for (let i = 0; i < head.length; i++) dotSame += head[i][j] * y.data[i * d + j];
      const sign = dotSame < 0 ? -1 : 1;
      let scale = 0;
      for (let i = 0; i < head.length; i++) scale = Math.max(scale, Math.abs(head[i][j]));
      for (let i = 0; i < head.length; i++) {
        const got = Number.isNaN(y.data[i * d + j]) ? 0 : sign * y.data[i * d + j];
        expect(Math.abs(got - head[i][j])).toBeLessThanOrEqual(1e-6 * Math.max(scale, 1e-12) + 1e-12);
      }
    }
  });

  test("has NumPy's output variance along every axis (rtol 1e-6)", async () => {
    const { y } = await run(c);
    const cov = outputStats(y).covariance();
    const d = y.cols;
    const top = Math.max(...c.covDiag);
    for (let j = 0; j < d; j++) expect(Math.abs(cov[j * d + j] - c.covDiag[j])).toBeLessThanOrEqual(1e-6 * top);
  });
});

const whitened = REF.cases.filter((c) => /whiten|zca/.test(c.pipeline.split(",").pop() as string));

test.each(whitened.map((c) => [c.input, c.pipeline, c] as const))(
  "%s %s: the whitened covariance is the identity within 1e-6",
  async (_i, _p, c) => {
    const { y } = await run(c);
    const cov = outputStats(y).covariance();
    const d = y.cols;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) expect(Math.abs(cov[i * d + j] - (i === j ? 1 : 0))).toBeLessThan(1e-6);
    }
  },
);

const abtt = REF.cases.filter((c) => c.removed && (c.pipeline.split(",").pop() as string).startsWith("abtt"));

test.each(abtt.map((c) => [c.input, c.pipeline, c] as const))(
  "%s %s: the removed directions carry no variance",
  async (_i, _p, c) => {
    const { y } = await run(c);
    const before = (await loadMatrix(c.input)).matrix;
    const d = y.cols;
    for (const u of c.removed as number[][]) {
      // Variance along u after (≈ 0) against the variance along u before (the top eigenvalues).
      let s = 0;
      let s2 = 0;
      let b = 0;
      let b2 = 0;
      for (let i = 0; i < y.rows; i++) {
        let v = 0;
        let w = 0;
        for (let k = 0; k < d; k++) {
          v += y.data[i * d + k] * u[k];
          w += before.data[i * d + k] * u[k];
        }
        s += v;
        s2 += v * v;
        b += w;
        b2 += w * w;
      }
      const after = s2 / y.rows - (s / y.rows) ** 2;
      const was = b2 / y.rows - (b / y.rows) ** 2;
      expect(after).toBeLessThan(1e-12 * was);
    }
  },
);

test("after l2 every valid row has norm 1 within 1e-12", async () => {
  for (const c of REF.cases.filter((c) => c.pipeline.endsWith("l2"))) {
    const { y } = await run(c);
    const d = y.cols;
    for (let i = 0; i < y.rows; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += y.data[i * d + k] ** 2;
      if (s > 0 && Number.isFinite(s)) expect(Math.abs(Math.sqrt(s) - 1)).toBeLessThan(1e-12);
    }
    expect(c.norms?.min).toBeCloseTo(1, 12);
  }
});

test("pca:K keeps NumPy's K for a variance share", async () => {
  for (const c of REF.cases.filter((c) => /pca:0\./.test(c.pipeline))) {
    const { p } = await run(c);
    expect(p.dimsOut).toBe(c.k);
  }
});

test("the passes a fit takes follow the documented rule", async () => {
  const { matrix } = await loadMatrix("fixtures/scenarios/dirty.npy");
  const passes = async (s: string) => (await new Pipeline(s).fit(() => iterate(chunksOf(matrix, 300)))).passes;
  expect(await passes("center,pca:4")).toBe(1); // affine steps compose: the first profile is enough
  expect(await passes("drop-invalid,center,abtt:1")).toBe(1); // the profile is over valid rows already
  expect(await passes("l2,center")).toBe(2); // statistics of the unit rows
  expect(await passes("dedup,center")).toBe(2); // dirty.npy has duplicates
  expect(await passes("l2,center,l2,pca:3")).toBe(3);
  expect(await passes("center,l2")).toBe(1); // nothing fitted after l2
});

const KNN = (
  JSON.parse(readFileSync("fixtures/repair/reference.json", "utf8")) as {
    knn: { input: string; rows: number; pipeline: string; k: number; overlap: number }[];
  }
).knn;

test.each(KNN.map((c) => [c.pipeline, c] as const))(
  "the kNN@10 overlap of %s on 300 healthy rows equals NumPy's (1e-12)",
  async (_p, c) => {
    const { matrix } = await loadMatrix(c.input);
    const x: Matrix = { rows: c.rows, cols: matrix.cols, data: matrix.data.subarray(0, c.rows * matrix.cols) };
    const p = await new Pipeline(c.pipeline).fitMatrix(x);
    const y = p.transform(x);
    const before = Float64Array.from(x.data);
    expect(
      Math.abs(knnOverlap(before, x.cols, y.data, y.cols, c.rows, c.k, referenceKernels()) - c.overlap),
    ).toBeLessThan(1e-12);
  },
);
