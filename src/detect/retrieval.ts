/**
 * Retrieval quality from positive pairs (METRICS.md § retrieval): each sampled query row i of the
 * input ranks every partner row of the input by cosine (the kNN engine, one more pass), and the
 * metrics read where row i's own partner lands. Only the top 100 of each ranking are kept, so the
 * reciprocal rank is MRR@100 (0 beyond rank 100), as MS MARCO's MRR@10 truncates.
 */
import type { Chunk } from "../io/types.js";
import type { Kernels } from "../linalg/backend.js";

/** Queries sampled by default (--queries). */
export const DEFAULT_QUERIES = 1000;
/** The deepest cut measured: Recall@100, MRR@100. */
export const RETRIEVAL_DEPTH = 100;

export interface RetrievalScores {
  recallAt1: number;
  recallAt10: number;
  recallAt100: number;
  /** MRR@100: mean of 1/rank of the partner, 0 when it ranks below 100. */
  mrr: number;
  /** NDCG@10 with the partner the one relevant row: mean of 1/log2(rank + 1) over ranks ≤ 10. */
  ndcgAt10: number;
}

export interface RetrievalMetrics extends RetrievalScores {
  queries: number;
  /** Partner rows ranked per query (every row of the input). */
  corpusRows: number;
  /** The same numbers for a uniformly random ranking of corpusRows rows. */
  random: RetrievalScores;
}

/** The expected scores of a random ranking of n rows (the partner's rank uniform on 1..n). */
export function randomBaseline(n: number): RetrievalScores {
  let rr = 0;
  for (let r = 1; r <= Math.min(RETRIEVAL_DEPTH, n); r++) rr += 1 / r;
  let dcg = 0;
  for (let r = 1; r <= Math.min(10, n); r++) dcg += 1 / Math.log2(r + 1);
  return {
    recallAt1: Math.min(1, 1 / n),
    recallAt10: Math.min(1, 10 / n),
    recallAt100: Math.min(1, RETRIEVAL_DEPTH / n),
    mrr: rr / n,
    ndcgAt10: dcg / n,
  };
}

/**
 * The scores from ranked lists (nq × k row ids, best first; k ≥ 100 or every row) and each query's
 * own partner id. NumPy: rank = 1 + position of truth[q] in ids[q] (absent: no hit).
 */
export function retrievalScores(ids: Int32Array, k: number, truth: ArrayLike<number>): RetrievalScores {
  const nq = truth.length;
  let r1 = 0;
  let r10 = 0;
  let r100 = 0;
  let rr = 0;
  let ndcg = 0;
  for (let q = 0; q < nq; q++) {
    let rank = 0;
    for (let t = 0; t < k; t++) {
      if (ids[q * k + t] === truth[q]) {
        rank = t + 1;
        break;
      }
    }
    if (rank === 0) continue;
    if (rank <= 1) r1++;
    if (rank <= 10) {
      r10++;
      ndcg += 1 / Math.log2(rank + 1);
    }
    if (rank <= RETRIEVAL_DEPTH) {
      r100++;
      rr += 1 / rank;
    }
  }
  return { recallAt1: r1 / nq, recallAt10: r10 / nq, recallAt100: r100 / nq, mrr: rr / nq, ndcgAt10: ndcg / nq };
}

/**
 * The retrieval metrics of the `m` query rows (m × d values, global row ids `indices`) against the
 * partner rows of `chunks` (each chunk's `pair`; chunks in row order). One pass; the memory is the
 * queries and their top-100 lists.
 */
export async function retrievalPass(
  chunks: AsyncIterable<Chunk>,
  queries: { indices: Float64Array; values: Float64Array; m: number },
  d: number,
  kernels: Kernels,
): Promise<RetrievalMetrics> {
  const { indices, values, m } = queries;
  const search = kernels.knnSearch(values, m, d, { k: RETRIEVAL_DEPTH, metric: "cosine" });
  let rows = 0;
  for await (const c of chunks) {
    if (!c.pair) continue;
    const pm = c.pair.matrix;
    search.add(pm.data, pm.rows, c.rowOffset);
    rows = Math.max(rows, c.rowOffset + pm.rows);
  }
  const got = search.result();
  return {
    queries: m,
    corpusRows: rows,
    ...retrievalScores(got.ids, got.k, indices),
    random: randomBaseline(rows),
  };
}
