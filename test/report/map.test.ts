import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Profile } from "../../src/profile/profile.js";
import { exactKnn, mulberry32, principalScores, projectSample, subsetByPriority } from "../../src/report/map.js";
import { makeClusters } from "../browser/clusters.js";
import { ROOT } from "../cli/helpers.js";

// Ref: test/report/map-oracle.py (NumPy SVD scores and argsort neighbours of the same matrix).
const oracle = JSON.parse(readFileSync(join(ROOT, "test", "report", "map-oracle.json"), "utf8")) as {
  n: number;
  d: number;
  k: number;
  neighbors: number;
  X: number[];
  scores: number[];
  variances: number[];
  knnIndices: number[][];
  knnDistances: number[][];
};

/** Scores equal the oracle's up to the sign of each column (SVD signs are arbitrary), with rtol. */
function expectScoresClose(got: Float64Array, want: number[], n: number, k: number, rtol: number): void {
  for (let j = 0; j < k; j++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += got[i * k + j] * want[i * k + j];
    const sign = dot < 0 ? -1 : 1;
    const scale = Math.max(...want.filter((_, idx) => idx % k === j).map(Math.abs));
    for (let i = 0; i < n; i++) {
      expect(Math.abs(sign * got[i * k + j] - want[i * k + j])).toBeLessThanOrEqual(rtol * scale);
    }
  }
}

describe("principalScores", () => {
  const X = Float64Array.from(oracle.X);
  const { n, d, k } = oracle;

  test("equals NumPy's SVD scores (U·s) up to column sign, exact path, rtol 1e-9", () => {
    expectScoresClose(principalScores(X, n, d, k, { method: "exact" }), oracle.scores, n, k, 1e-9);
  });

  test("the randomized range finder equals NumPy's SVD scores up to column sign, rtol 1e-6", () => {
    expectScoresClose(principalScores(X, n, d, k, { method: "randomized", seed: 3 }), oracle.scores, n, k, 1e-6);
  });

  test("the sum of squares of score column j is the squared singular value s_j² (NumPy), rtol 1e-9", () => {
    const s = principalScores(X, n, d, k);
    for (let j = 0; j < k; j++) {
      let ss = 0;
      for (let i = 0; i < n; i++) ss += s[i * k + j] ** 2;
      expect(Math.abs(ss - oracle.variances[j])).toBeLessThanOrEqual(1e-9 * oracle.variances[j]);
    }
  });

  test("leaves its input unchanged", () => {
    const copy = Float64Array.from(X);
    principalScores(X, n, d, k);
    expect(X).toEqual(copy);
  });
});

describe("exactKnn", () => {
  test("returns NumPy's argsort neighbours, the row itself first, with distances to rtol 1e-9", () => {
    const { indices, distances } = exactKnn(Float64Array.from(oracle.X), oracle.n, oracle.d, oracle.neighbors);
    expect(indices).toEqual(oracle.knnIndices);
    for (let i = 0; i < oracle.n; i++) {
      for (let j = 0; j < oracle.neighbors; j++) {
        const want = oracle.knnDistances[i][j];
        expect(Math.abs(distances[i][j] - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, want));
      }
    }
  });

  test("breaks distance ties by the lower row index, and puts a row before its duplicates", () => {
    // Rows 0, 1, 2 identical; row 3 at distance 1 from them.
    const S = Float64Array.from([0, 0, 0, 0, 0, 0, 1, 0]);
    const { indices } = exactKnn(S, 4, 2, 3);
    expect(indices).toEqual([
      [0, 1, 2],
      [1, 0, 2],
      [2, 0, 1],
      [3, 0, 1],
    ]);
  });
});

describe("subsetByPriority", () => {
  test("keeps exactly the rows a smaller sample of the same seed keeps", () => {
    const rows = 1000;
    const dims = 4;
    const data = new Float32Array(rows * dims).map((_, i) => Math.sin(i * 0.37) + (i % 7));
    const matrix = { rows, cols: dims, data };
    const big = new Profile({ dims, sampleSize: 400, seed: 9 });
    const small = new Profile({ dims, sampleSize: 150, seed: 9 });
    big.add({ matrix, rowOffset: 0 });
    small.add({ matrix, rowOffset: 0 });
    const { indices } = big.sample.rowsByIndex();
    const keep = subsetByPriority(indices, 150, 9).map((p) => indices[p]);
    expect(keep).toEqual(Array.from(small.sample.rowsByIndex().indices));
  });

  test("keeps everything, in order, when the sample is within the cap", () => {
    expect(subsetByPriority(Float64Array.from([3, 8, 20]), 5, 0)).toEqual([0, 1, 2]);
  });
});

function clusterSample(rows: number, dims: number) {
  const c = makeClusters(rows, dims, 4, 1, 7);
  const values = Float64Array.from(c.data);
  const indices = Float64Array.from({ length: rows }, (_, i) => i);
  return { c, values, indices };
}

/** Share of points whose nearest other point in the layout has the same cluster label. */
function neighbourAgreement(x: Float64Array, y: Float64Array, labels: string[]): number {
  let same = 0;
  for (let i = 0; i < x.length; i++) {
    let best = -1;
    let bestD = Number.POSITIVE_INFINITY;
    for (let j = 0; j < x.length; j++) {
      if (j === i) continue;
      const dd = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2;
      if (dd < bestD) {
        bestD = dd;
        best = j;
      }
    }
    if (labels[best] === labels[i]) same++;
  }
  return same / x.length;
}

describe("projectSample", () => {
  test("UMAP gives the same layout twice for the same seed, and another for another seed", () => {
    const { values, indices } = clusterSample(300, 24);
    const a = projectSample(values, indices, 24, { epochs: 60, seed: 1 });
    const b = projectSample(values, indices, 24, { epochs: 60, seed: 1 });
    const other = projectSample(values, indices, 24, { epochs: 60, seed: 2 });
    expect(a.projection).toBe("umap");
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Array.from(other.x)).not.toEqual(Array.from(a.x));
  });

  test("UMAP keeps clusters apart: ≥ 98% of points have a nearest neighbour of their own cluster", () => {
    const { c, values, indices } = clusterSample(400, 24);
    const m = projectSample(values, indices, 24, { epochs: 80 });
    expect(neighbourAgreement(m.x, m.y, c.topics)).toBeGreaterThanOrEqual(0.98);
  });

  test("the PCA projection is the first two principal-component scores", () => {
    const X = Float64Array.from(oracle.X);
    const indices = Float64Array.from({ length: oracle.n }, (_, i) => i * 10);
    const m = projectSample(X, indices, oracle.d, { projection: "pca", pcaDims: 4 });
    const s = principalScores(X, oracle.n, oracle.d, 4);
    expect(m.projection).toBe("pca");
    expect(Array.from(m.x)).toEqual(Array.from({ length: oracle.n }, (_, i) => s[i * 4]));
    expect(Array.from(m.y)).toEqual(Array.from({ length: oracle.n }, (_, i) => s[i * 4 + 1]));
    expect(Array.from(m.indices)).toEqual(Array.from(indices));
  });

  test("caps the rows at maxRows and reports how many the sample had", () => {
    const { values, indices } = clusterSample(300, 8);
    const m = projectSample(values, indices, 8, { projection: "pca", maxRows: 120 });
    expect(m.indices.length).toBe(120);
    expect(m.sampleRows).toBe(300);
    expect(m.components).toBe(8);
  });

  test("falls back to PCA when there are too few rows for UMAP neighbourhoods", () => {
    const { values, indices } = clusterSample(10, 8);
    expect(projectSample(values, indices, 8).projection).toBe("pca");
  });
});

describe("mulberry32", () => {
  test("is a seeded stream of uniforms in [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05); // 5.5 standard errors of a uniform mean
  });
});
