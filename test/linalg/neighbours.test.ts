import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import type { Kernels } from "../../src/linalg/backend.js";
import { type KnnMetric, type KnnResult, knnGraph } from "../../src/linalg/neighbours.js";
import { BACKENDS, wasm } from "../helpers/kernels.js";
import { readNpyF32 } from "../helpers/npy.js";

// Oracle: fixtures/reference/knn.json (fixtures/scripts/make_knn_reference.py), NumPy brute force in
// float64 with ties to the lower index. The reference backend scores in float64 too: same ids, scores
// to 1e-12. The WebAssembly backend scores in float32 (Kernels.knnSearch states the bound, about
// 4e-6 for unit rows): ids may swap only between neighbours whose exact scores are closer than that.

interface Lists {
  ids: number[];
  scores: number[];
}
const ref = JSON.parse(readFileSync(new URL("../../fixtures/reference/knn.json", import.meta.url), "utf8")) as {
  k: number;
  small: { rows: number; d: number; x: number[]; queries: number[] } & Record<
    KnnMetric,
    { graph: Lists; queries: Lists }
  >;
  glove: { rows: number; d: number; cosine: { ids: number[]; minGap: number[] } };
};
const K = ref.k;
const small = Float32Array.from(ref.small.x);
const queries = Float32Array.from(ref.small.queries);
const D = ref.small.d;
const N = ref.small.rows;
const NQ = queries.length / D;
const glove = readNpyF32(new URL("../../fixtures/sample/glove-6b-100d-top3000.npy", import.meta.url).pathname);

/** The exact (float64) score of query row q against row j, as the oracle computes it. */
function exact(Q: Float32Array, q: number, X: Float32Array, j: number, d: number, metric: KnnMetric): number {
  let dot = 0;
  let qq = 0;
  let xx = 0;
  let l2 = 0;
  for (let t = 0; t < d; t++) {
    const a = Q[q * d + t];
    const b = X[j * d + t];
    dot += a * b;
    qq += a * a;
    xx += b * b;
    l2 += (a - b) * (a - b);
  }
  return metric === "cosine" ? dot / Math.sqrt(qq * xx) : metric === "ip" ? dot : l2;
}

/**
 * `got` is a correct top-k up to `tol`: at each position the exact score of the id found is within
 * tol of the oracle's score there, and ids differ from the oracle's only where that happens.
 */
function expectTopK(
  got: KnnResult,
  want: Lists,
  Q: Float32Array,
  X: Float32Array,
  d: number,
  metric: KnnMetric,
  tol: number,
): number {
  let swaps = 0;
  for (let i = 0; i < got.ids.length; i++) {
    const q = Math.floor(i / got.k);
    if (got.ids[i] === want.ids[i]) continue;
    swaps++;
    const s = exact(Q, q, X, got.ids[i], d, metric);
    if (!(Math.abs(s - want.scores[i]) <= tol)) {
      throw new Error(
        `query ${q}, rank ${i % got.k}: id ${got.ids[i]} (score ${s}) vs oracle ${want.ids[i]} (${want.scores[i]})`,
      );
    }
  }
  return swaps;
}

const TOL: Record<KnnMetric, number> = { cosine: 1e-5, ip: 2e-4, l2: 5e-4 };

describe.each(BACKENDS)("kNN search on the %s backend", (name, make) => {
  const isRef = name === "reference";
  const kernels = (): Kernels => make();

  test.each(["cosine", "ip", "l2"] as KnnMetric[])(
    "the %s kNN graph of the planted set equals NumPy's brute force",
    (metric) => {
      const got = knnGraph(kernels(), small, N, D, K, metric);
      const want = ref.small[metric].graph;
      if (isRef) {
        expect(Array.from(got.ids)).toEqual(want.ids);
        for (let i = 0; i < want.scores.length; i++)
          expect(Math.abs(got.scores[i] - want.scores[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want.scores[i])));
      } else {
        expectTopK(got, want, small, small, D, metric, TOL[metric]);
        for (let i = 0; i < want.scores.length; i++)
          expect(Math.abs(got.scores[i] - want.scores[i])).toBeLessThanOrEqual(TOL[metric]);
      }
    },
  );

  test.each(["cosine", "ip", "l2"] as KnnMetric[])(
    "%s queries against the set (nothing skipped) equal NumPy's brute force",
    (metric) => {
      const s = kernels().knnSearch(queries, NQ, D, { k: K, metric });
      s.add(small, N, 0);
      const got = s.result();
      const want = ref.small[metric].queries;
      if (isRef) expect(Array.from(got.ids)).toEqual(want.ids);
      else expectTopK(got, want, queries, small, D, metric, TOL[metric]);
    },
  );

  test("identical rows tie and the lower row id wins", () => {
    const g = knnGraph(kernels(), small, N, D, K, "cosine");
    // rows 3, 7 and 90 are equal; row 50 is 2 × row 20
    expect(Array.from(g.ids.subarray(3 * K, 3 * K + 2))).toEqual([7, 90]);
    expect(Array.from(g.ids.subarray(7 * K, 7 * K + 2))).toEqual([3, 90]);
    expect(Array.from(g.ids.subarray(90 * K, 90 * K + 2))).toEqual([3, 7]);
    expect(g.ids[50 * K]).toBe(20);
    expect(g.scores[3 * K]).toBe(g.scores[3 * K + 1]);
    const s = kernels().knnSearch(queries, NQ, D, { k: 3, metric: "ip" });
    s.add(small, N, 0);
    expect(Array.from(s.result().ids.subarray(4 * 3, 5 * 3))).toEqual([3, 7, 90]);
  });

  test("adding the rows in chunks of 37 gives the same bits as one add", () => {
    const one = kernels().knnSearch(queries, NQ, D, { k: K, metric: "cosine" });
    one.add(small, N, 0);
    const many = kernels().knnSearch(queries, NQ, D, { k: K, metric: "cosine" });
    for (let r = 0; r < N; r += 37) {
      const rows = Math.min(37, N - r);
      many.add(small.subarray(r * D, (r + rows) * D), rows, r);
    }
    expect(many.result()).toEqual(one.result());
  });

  test("k beyond the rows added leaves −1 ids and NaN scores; a zero row has cosine 0", () => {
    const x = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 2, 0]);
    const g = knnGraph(kernels(), x, 3, 3, 3, "cosine");
    expect(Array.from(g.ids.subarray(0, 3))).toEqual([1, 2, -1]);
    expect(g.scores[0]).toBe(0);
    expect(g.scores[2]).toBeNaN();
    const none = kernels().knnSearch(x, 3, 3, { k: 0, metric: "l2" });
    none.add(x, 3, 0);
    expect(none.result().ids.length).toBe(0);
  });

  test("float64 rows give the same neighbours as their float32 values", () => {
    const g32 = knnGraph(kernels(), small, N, D, K, "l2");
    const g64 = knnGraph(kernels(), Float64Array.from(small), N, D, K, "l2");
    expect(Array.from(g64.ids)).toEqual(Array.from(g32.ids));
  });

  test("the cosine kNN graph of 3,000 real GloVe rows equals NumPy's except near-ties", () => {
    const g = knnGraph(kernels(), glove.data, glove.rows, glove.cols, K, "cosine");
    const want = ref.glove.cosine;
    let swappedRows = 0;
    for (let i = 0; i < glove.rows; i++) {
      const a = Array.from(g.ids.subarray(i * K, (i + 1) * K));
      const b = want.ids.slice(i * K, (i + 1) * K);
      if (a.join() === b.join()) continue;
      swappedRows++;
      // only where two of the k + 1 best exact scores are closer than the float32 bound
      expect(want.minGap[i]).toBeLessThan(isRef ? 1e-12 : 1e-5);
    }
    if (isRef) expect(swappedRows).toBe(0);
    else expect(swappedRows).toBeLessThanOrEqual(3);
  });
});

test("the WebAssembly search gives the same bits on 1 and 2 threads", () => {
  const a = knnGraph(wasm(1), glove.data, glove.rows, glove.cols, K, "cosine");
  const b = knnGraph(wasm(2), glove.data, glove.rows, glove.cols, K, "cosine");
  expect(b.ids).toEqual(a.ids);
  expect(b.scores).toEqual(a.scores);
});
