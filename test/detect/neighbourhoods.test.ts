import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { hubnessStats, kOccurrence, outlierStats, topByOccurrence, twoNN } from "../../src/detect/neighbourhoods.js";
import { hubnessMetrics } from "../../src/detect/sections/hubness.js";
import { intrinsicDimension } from "../../src/detect/sections/intrinsic.js";
import { knnGraph } from "../../src/linalg/neighbours.js";
import { runCli } from "../cli/helpers.js";
import { BACKENDS } from "../helpers/kernels.js";
import { readNpyF32 } from "../helpers/npy.js";

// Oracles: fixtures/reference/knn.json (fixtures/scripts/make_knn_reference.py): scipy.stats.skew
// and scikit-hubness's formulas on NumPy's cosine 10-NN graph of 3,000 real GloVe rows; skdim's
// TwoNN fit (sklearn LinearRegression) on sklearn's exact Euclidean neighbours of the unit rows; cleanlab's
// Q3 + 1.5·IQR rule with np.percentile.

const ref = JSON.parse(readFileSync(new URL("../../fixtures/reference/knn.json", import.meta.url), "utf8")) as {
  k: number;
  glove: {
    rows: number;
    cosine: { ids: number[] };
    hubness: {
      skewness: number;
      hubShare: number;
      antihubShare: number;
      robinHood: number;
      maxOccurrence: number;
      topHubs: number[];
    };
    outliers: { q1: number; q3: number; limit: number; count: number; ids: number[] };
    twonn: { dimension: number; r1: number[]; r2: number[] };
  };
};
const K = ref.k;
const G = ref.glove;
const GLOVE = "fixtures/sample/glove-6b-100d-top3000.npy";
const glove = readNpyF32(GLOVE);

describe("hubness given NumPy's kNN lists", () => {
  const nk = kOccurrence(Int32Array.from(G.cosine.ids), G.rows);
  const h = hubnessStats(nk, K);

  test("the k-occurrence skewness equals scipy.stats.skew to 1e-9", () => {
    expect(Math.abs(h.skewness - G.hubness.skewness)).toBeLessThanOrEqual(1e-9);
  });

  test("hub and anti-hub shares, the Robin Hood index and the largest N_k equal scikit-hubness's", () => {
    expect(h.hubShare).toBe(G.hubness.hubShare);
    expect(h.antihubShare).toBe(G.hubness.antihubShare);
    expect(Math.abs(h.robinHood - G.hubness.robinHood)).toBeLessThanOrEqual(1e-12);
    expect(h.maxOccurrence).toBe(G.hubness.maxOccurrence);
    expect(topByOccurrence(nk, 5)).toEqual(G.hubness.topHubs);
  });

  test("a graph where every row occurs equally often has skewness 0 and Robin Hood 0", () => {
    // a ring: row i's neighbours are i+1, i+2
    const n = 7;
    const ids = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) ids.set([(i + 1) % n, (i + 2) % n], i * 2);
    const s = hubnessStats(kOccurrence(ids, n), 2);
    expect(s).toEqual({ skewness: 0, hubShare: 0, antihubShare: 0, robinHood: 0, maxOccurrence: 2 });
  });
});

describe("TwoNN", () => {
  test("from sklearn's r1, r2 it equals skdim's fit to 1e-9", () => {
    const t = twoNN(Float64Array.from(G.twonn.r1), Float64Array.from(G.twonn.r2));
    expect(Math.abs(t.dimension - G.twonn.dimension)).toBeLessThanOrEqual(1e-9 * G.twonn.dimension);
    expect(t.fitted).toBe(2700);
    expect(t.duplicates).toBe(0);
  });

  test("rows whose nearest neighbour is a duplicate are left out of the fit", () => {
    const t = twoNN(Float64Array.from([0, 1, 1, 1]), Float64Array.from([1, 2, 3, 4]), 0);
    expect(t.duplicates).toBe(1);
    expect(t.fitted).toBe(3);
  });
});

describe.each(BACKENDS)("neighbourhood metrics on the engine's graphs, %s backend", (name, make) => {
  const isRef = name === "reference";

  test("hubness of the engine's cosine graph equals the oracle's (to 1e-9)", () => {
    const g = knnGraph(make(), glove.data, glove.rows, glove.cols, K, "cosine");
    const idx = Float64Array.from(glove.data.subarray(0, glove.rows), (_, i) => i);
    const h = hubnessMetrics(g.ids, glove.rows, K, idx);
    expect(Math.abs(h.skewness - G.hubness.skewness)).toBeLessThanOrEqual(1e-9);
    expect(h.topHubs.map((t) => t.row)).toEqual(G.hubness.topHubs);
    const o = outlierStats(g.scores, glove.rows, K);
    const tol = isRef ? 1e-12 : 1e-5;
    expect(Math.abs(o.q1 - G.outliers.q1)).toBeLessThanOrEqual(tol);
    expect(Math.abs(o.q3 - G.outliers.q3)).toBeLessThanOrEqual(tol);
    expect(Math.abs(o.limit - G.outliers.limit)).toBeLessThanOrEqual(tol);
    expect([...o.outliers].sort((a, b) => a - b)).toEqual(G.outliers.ids);
  });

  test("TwoNN from the engine's cosine graph (unit rows) equals skdim's", () => {
    const g = knnGraph(make(), glove.data, glove.rows, glove.cols, K, "cosine");
    const t = intrinsicDimension(g.scores, glove.rows, K);
    expect(Math.abs(t.twoNN - G.twonn.dimension)).toBeLessThanOrEqual((isRef ? 1e-9 : 1e-4) * G.twonn.dimension);
  });
});

describe("embcheck report: the neighbourhood sections", () => {
  test("the GloVe sample's hubness, outliers and TwoNN in --format json equal the oracles", async () => {
    const r = await runCli(["report", GLOVE, "--format", "json"]);
    expect(r.code).toBeGreaterThanOrEqual(0);
    const j = JSON.parse(r.stdout);
    expect(j.hubness.sampleRows).toBe(3000);
    expect(Math.abs(j.hubness.skewness - G.hubness.skewness)).toBeLessThanOrEqual(1e-9);
    expect(j.hubness.topHubs[0]).toEqual({ row: G.hubness.topHubs[0], occurrence: G.hubness.maxOccurrence });
    expect(j.outliers.count).toBe(G.outliers.count);
    expect(Math.abs(j.intrinsicDimension.twoNN - G.twonn.dimension)).toBeLessThanOrEqual(1e-4 * G.twonn.dimension);
  });

  test("--neighbors-sample 500 builds the graph on 500 rows and leaves the pair statistics on --sample rows", async () => {
    const a = JSON.parse((await runCli(["report", GLOVE, "--format", "json", "--sample", "400"])).stdout);
    const b = JSON.parse(
      (await runCli(["report", GLOVE, "--format", "json", "--sample", "400", "--neighbors-sample", "500"])).stdout,
    );
    expect(a.hubness.sampleRows).toBe(400);
    expect(b.hubness.sampleRows).toBe(500);
    expect(b.sample.rows).toBe(400);
    expect(b.cosine).toEqual(a.cosine);
    expect(b.uniformity).toEqual(a.uniformity);
  });
});
