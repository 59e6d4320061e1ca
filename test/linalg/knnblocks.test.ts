import { afterAll, describe, expect, test } from "vitest";
import { createKernels } from "../../src/backends.js";
import type { Kernels } from "../../src/linalg/backend.js";
import { type KnnMetric, type KnnResult, knnGraph, selfSearchGraph } from "../../src/linalg/neighbours.js";
import { mulberry32 } from "../../src/linalg/random.js";
import { referenceKernels } from "../../src/linalg/reference.js";

// The block shapes of the WebAssembly kNN engine (src/linalg/wasm/knn.ts): the symmetric graph in
// column blocks of 1,024 with first row blocks of 64 doubling to 1,024, the search in blocks of
// 2,048 queries, odd row and column counts, d not a multiple of 4 or 8. Oracle: the reference
// backend (float64 scores, ties to the lower id; itself checked against NumPy in
// neighbours.test.ts). The fast scores are float32 products (bound in Kernels.knnSearch, ≤ 4e-6
// here), so ids may differ from the oracle's only where the exact scores are that close.

const made: Kernels[] = [];
const build = (backend: "simd" | "relaxed", threads: number): Kernels => {
  const k = createKernels({ backend, threads });
  if (k.name === "reference") throw new Error("the WebAssembly kernels are unavailable: run `npm run build`");
  made.push(k);
  return k;
};
afterAll(async () => {
  for (const k of made) await k.close();
});

/** n × d uniform(−1, 1) float32 rows with every 97th row a copy of row 5 (exact ties). */
function rows(seed: number, n: number, d: number): Float32Array {
  const u = mulberry32(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = 2 * u() - 1;
  for (let i = 97; i < n; i += 97) x.copyWithin(i * d, 5 * d, 6 * d);
  return x;
}

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
 * `got` equals the oracle's lists except where an id differs and its exact score is within `tol`
 * of the oracle's score at that position; returns the count of such swaps.
 */
function expectSameUpTo(
  got: KnnResult,
  want: KnnResult,
  Q: Float32Array,
  X: Float32Array,
  d: number,
  metric: KnnMetric,
  tol: number,
): number {
  expect(got.ids.length).toBe(want.ids.length);
  let swaps = 0;
  for (let i = 0; i < got.ids.length; i++) {
    if (got.ids[i] === want.ids[i]) continue;
    swaps++;
    const q = Math.floor(i / got.k);
    const s = exact(Q, q, X, got.ids[i], d, metric);
    if (!(Math.abs(s - want.scores[i]) <= tol)) {
      throw new Error(
        `query ${q}, rank ${i % got.k}: id ${got.ids[i]} (${s}) vs oracle ${want.ids[i]} (${want.scores[i]})`,
      );
    }
  }
  return swaps;
}

// per metric: the float32 bound for these rows (|x_j| ≤ 1, d ≤ 37: Σ|q_j x_j| ≤ 37)
const TOL: Record<KnnMetric, number> = { cosine: 1e-5, ip: 4e-4, l2: 8e-4 };
const METRICS: KnnMetric[] = ["cosine", "ip", "l2"];

describe.each([
  ["relaxed SIMD, 2 threads", () => build("relaxed", 2)],
  ["plain SIMD, 1 thread", () => build("simd", 1)],
])("the kNN engine's blocks on %s", (_name, make) => {
  const N = 2500;
  const D = 37;
  const x = rows(1, N, D);

  test.each(METRICS)("the %s graph of 2,500 × 37 rows (three column blocks) equals the reference", (metric) => {
    const want = knnGraph(referenceKernels(), x, N, D, 10, metric);
    const got = knnGraph(make(), x, N, D, 10, metric);
    expect(expectSameUpTo(got, want, x, x, D, metric, TOL[metric])).toBeLessThan(50);
    for (let i = 0; i < got.scores.length; i++) {
      expect(Math.abs(got.scores[i] - want.scores[i])).toBeLessThanOrEqual(TOL[metric]);
    }
  });

  test("the symmetric graph and the search of the set against itself give the same ids", () => {
    const k = make();
    const a = knnGraph(k, x, N, D, 7, "cosine");
    const b = selfSearchGraph(k, x, N, D, 7, "cosine");
    expect(expectSameUpTo(a, b, x, x, D, "cosine", TOL.cosine)).toBeLessThan(50);
  });

  test("copies tie and the lower ids come first in every copy's list", () => {
    const g = knnGraph(make(), x, N, D, 3, "cosine");
    // rows 5, 97, 194, 291, … are equal: each one's three nearest are the three lowest other copies
    const copies = [5];
    for (let i = 97; i < N; i += 97) copies.push(i);
    for (const c of copies) {
      const want = copies.filter((o) => o !== c).slice(0, 3);
      expect(Array.from(g.ids.subarray(c * 3, c * 3 + 3))).toEqual(want);
      expect(g.scores[c * 3 + 2]).toBe(g.scores[c * 3]);
    }
  });

  test("k beyond the rows: every other row, then −1 and NaN; one row has no neighbour", () => {
    const small = rows(2, 6, 5);
    const g = knnGraph(make(), small, 6, 5, 9, "l2");
    const r = knnGraph(referenceKernels(), small, 6, 5, 9, "l2");
    expect(Array.from(g.ids)).toEqual(Array.from(r.ids));
    expect(Array.from(g.ids.subarray(0, 9)).filter((i) => i < 0).length).toBe(4);
    expect(g.scores[8]).toBeNaN();
    const one = knnGraph(make(), small, 1, 5, 3, "cosine");
    expect(Array.from(one.ids)).toEqual([-1, -1, -1]);
  });

  test.each(METRICS)(
    "%s search of 2,100 queries (two query blocks) against 1,300 rows in chunks of 1,111 and 189",
    (metric) => {
      const q = rows(3, 2100, 13);
      const xs = rows(4, 1300, 13);
      const ref = referenceKernels().knnSearch(q, 2100, 13, { k: 5, metric });
      ref.add(xs, 1300, 0);
      const s = make().knnSearch(q, 2100, 13, { k: 5, metric });
      s.add(xs.subarray(0, 1111 * 13), 1111, 0);
      s.add(xs.subarray(1111 * 13), 189, 1111);
      const tol = metric === "cosine" ? 1e-5 : 2e-4;
      expect(expectSameUpTo(s.result(), ref.result(), q, xs, 13, metric, tol)).toBeLessThan(50);
    },
  );
});

test("the symmetric graph gives the same bits on 1 and 2 threads", () => {
  const x = rows(5, 1500, 29);
  for (const metric of METRICS) {
    const a = knnGraph(build("relaxed", 1), x, 1500, 29, 10, metric);
    const b = knnGraph(build("relaxed", 2), x, 1500, 29, 10, metric);
    expect(b.ids).toEqual(a.ids);
    expect(b.scores).toEqual(a.scores);
  }
});
