/**
 * Exact k-nearest-neighbour search: the contract of Kernels.knnSearch (backend.ts), the per-query
 * top-k selection both backends share, and the reference (float64) search.
 *
 * A search holds nq queries and a top-k list per query; rows are added in chunks (the in-memory
 * sample at once, or the input streamed chunk by chunk), each chunk's scores computed and folded
 * into the lists block by block, so the nq × n score matrix never exists. Order: score descending
 * (for L2, distance ascending), ties to the lower row id, so a result does not depend on the
 * chunking or the thread count. NumPy (cosine): S = Qn @ Xn.T; np.argsort(-S, kind="stable")[:, :k].
 */
import type { FloatArray } from "./matrix.js";

/** cosine: Q̂·X̂; ip: Q·X; l2: ‖Q − X‖² (smaller is nearer). */
export type KnnMetric = "cosine" | "ip" | "l2";

export interface KnnOptions {
  readonly k: number;
  readonly metric: KnnMetric;
  /**
   * The row id of each query in the rows added (length nq): a row whose id equals its query's is
   * skipped (a point is not its own neighbour). Omitted: nothing is skipped.
   */
  readonly queryIds?: Int32Array;
}

export interface KnnResult {
  readonly queries: number;
  readonly k: number;
  /** Row ids, nq × k row-major, nearest first; −1 where fewer than k rows were added. */
  readonly ids: Int32Array;
  /** Cosine or inner product (descending), or the squared L2 distance (ascending); NaN where ids is −1. */
  readonly scores: Float64Array;
}

export interface KnnSearch {
  /**
   * Scores the `rows` rows of `chunk` (rows × d, row-major; finite values; a zero row has cosine 0
   * with everything) against every query; row r has id firstId + r.
   */
  add(chunk: FloatArray, rows: number, firstId: number): void;
  /** The lists so far (a copy; the search may go on). */
  result(): KnnResult;
}

/**
 * The nq top-k lists, each kept sorted by (value descending, id ascending). Values are "higher is
 * nearer" (the L2 search stores −distance). `worst[q]`/`worstId[q]` is the entry to beat: a
 * candidate enters when value > worst, or value = worst and id < worstId. NaN never enters.
 */
export class TopK {
  readonly vals: Float64Array;
  readonly ids: Int32Array;
  readonly worst: Float64Array;
  readonly worstId: Int32Array;
  private readonly size: Int32Array;

  constructor(
    readonly nq: number,
    readonly k: number,
  ) {
    this.vals = new Float64Array(nq * k).fill(Number.NaN);
    this.ids = new Int32Array(nq * k).fill(-1);
    this.worst = new Float64Array(nq).fill(k > 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY);
    this.worstId = new Int32Array(nq).fill(0x7fffffff);
    this.size = new Int32Array(nq);
  }

  /** Offers (v, id) to query q's list (call when v ≥ worst[q]; checks the rest itself). */
  offer(q: number, v: number, id: number): void {
    const w = this.worst[q];
    if (!(v > w || (v === w && id < this.worstId[q]))) return;
    const k = this.k;
    const base = q * k;
    const vals = this.vals;
    const ids = this.ids;
    let size = this.size[q];
    let p: number;
    if (size < k) p = size++;
    else p = k - 1;
    this.size[q] = size;
    while (p > 0) {
      const pv = vals[base + p - 1];
      if (pv > v || (pv === v && ids[base + p - 1] < id)) break;
      vals[base + p] = pv;
      ids[base + p] = ids[base + p - 1];
      p--;
    }
    vals[base + p] = v;
    ids[base + p] = id;
    if (size === k) {
      this.worst[q] = vals[base + k - 1];
      this.worstId[q] = ids[base + k - 1];
    }
  }

  result(metric: KnnMetric): KnnResult {
    const scores = Float64Array.from(this.vals);
    if (metric === "l2") for (let i = 0; i < scores.length; i++) scores[i] = -scores[i];
    return { queries: this.nq, k: this.k, ids: Int32Array.from(this.ids), scores };
  }
}

/** Float64 norm of row r of x (row-major, d columns). */
export function rowNorm(x: FloatArray, r: number, d: number): number {
  let s = 0;
  const base = r * d;
  for (let j = 0; j < d; j++) s += x[base + j] * x[base + j];
  return Math.sqrt(s);
}

/**
 * The reference search: every score in float64 (cosine = (q/‖q‖)·x / ‖x‖; L2 = Σ (q_j − x_j)²
 * summed directly, no expansion).
 */
export function referenceKnnSearch(queries: FloatArray, nq: number, d: number, opts: KnnOptions): KnnSearch {
  const { metric } = opts;
  const k = Math.max(0, opts.k);
  const q = new Float64Array(nq * d);
  for (let i = 0; i < nq; i++) {
    const norm = metric === "cosine" ? rowNorm(queries, i, d) : 1;
    const inv = norm > 0 ? 1 / norm : 0;
    for (let j = 0; j < d; j++) q[i * d + j] = metric === "cosine" ? queries[i * d + j] * inv : queries[i * d + j];
  }
  const top = new TopK(nq, k);
  const self = opts.queryIds;
  return {
    add(chunk, rows, firstId) {
      for (let r = 0; r < rows; r++) {
        const id = firstId + r;
        const xb = r * d;
        const inv = metric === "cosine" ? invOrZero(rowNorm(chunk, r, d)) : 1;
        for (let i = 0; i < nq; i++) {
          if (self && self[i] === id) continue;
          const qb = i * d;
          let s = 0;
          if (metric === "l2") {
            for (let j = 0; j < d; j++) {
              const t = q[qb + j] - chunk[xb + j];
              s += t * t;
            }
            s = -s;
          } else {
            for (let j = 0; j < d; j++) s += q[qb + j] * chunk[xb + j];
            s *= inv;
          }
          top.offer(i, s, id);
        }
      }
    },
    result: () => top.result(metric),
  };
}

const invOrZero = (norm: number): number => (norm > 0 ? 1 / norm : 0);

/** What builds a search: Kernels.knnSearch, or referenceKnnSearch itself. */
export interface KnnSearcher {
  knnSearch(queries: FloatArray, nq: number, d: number, opts: KnnOptions): KnnSearch;
  /**
   * The all-pairs graph directly (knnGraph's contract), for a backend that scores each unordered
   * pair once; absent: knnGraph searches the set against itself.
   */
  knnGraph?(x: FloatArray, n: number, d: number, k: number, metric: KnnMetric): KnnResult;
}

/**
 * The k nearest other rows of each of the n rows of x (all pairs inside an in-memory set): the
 * searcher's own graph when it has one, else a search of x against itself (selfSearchGraph).
 */
export function knnGraph(
  kernels: KnnSearcher,
  x: FloatArray,
  n: number,
  d: number,
  k: number,
  metric: KnnMetric,
): KnnResult {
  if (kernels.knnGraph) return kernels.knnGraph(x, n, d, k, metric);
  return selfSearchGraph(kernels, x, n, d, k, metric);
}

/** knnGraph as a search of x against itself with each row's own id skipped. */
export function selfSearchGraph(
  kernels: KnnSearcher,
  x: FloatArray,
  n: number,
  d: number,
  k: number,
  metric: KnnMetric,
): KnnResult {
  const queryIds = new Int32Array(n);
  for (let i = 0; i < n; i++) queryIds[i] = i;
  const s = kernels.knnSearch(x, n, d, { k, metric, queryIds });
  s.add(x, n, 0);
  return s.result();
}
