/**
 * Leakage between splits: test rows that also appear in train. Exact duplicates over every row (the
 * 64-bit row hashes the train profile already holds, joined with the test rows' hashes in one pass
 * over test); near-duplicates for a sample of test rows (their nearest train row by cosine, exact,
 * one pass over train through the kNN engine). Pure: it iterates the chunks it is given.
 */
import type { Chunk } from "../io/types.js";
import { type Kernels, ROW_VALID } from "../linalg/backend.js";
import type { HashSet64 } from "../profile/hashset.js";

export const LEAKAGE_THRESHOLD = 0.98;

export interface ExactLeakage {
  /** Valid test rows bit-identical to a valid train row. */
  testRowsInTrain: number;
  testValidRows: number;
  /** testRowsInTrain / testValidRows. */
  share: number;
  /** Up to 10 examples: [test row, train row]. */
  examples: [number, number][];
}

export interface NearLeakage {
  threshold: number;
  /** Test rows searched (the test sample, or all valid test rows when they fit). */
  queries: number;
  testValidRows: number;
  sampled: boolean;
  /** Queries whose nearest train row has cosine ≥ threshold (exact duplicates included). */
  above: number;
  share: number;
  /** Wilson score interval (95 %) of the share when sampled, else [share, share]. */
  interval: [number, number];
  trainRows: number;
  /** The closest pairs: [test row, train row, cosine], highest first (up to 10). */
  examples: [number, number, number][];
}

/**
 * Wilson score interval for k successes in n trials at z (Wilson 1927; z = 1.959964 for 95 %).
 * statsmodels: proportion_confint(k, n, method="wilson").
 */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const key = (a: number, b: number) => `${a >>> 0}:${b >>> 0}`;

/** One pass over test: its valid rows whose hash is in the train set, and the first examples' hashes. */
export async function exactLeakagePass(
  test: AsyncIterable<Chunk>,
  d: number,
  train: HashSet64,
  kernels: Pick<Kernels, "scanBlock">,
  examples = 10,
): Promise<{ hits: number; valid: number; exampleHashes: Map<string, number> }> {
  let hits = 0;
  let valid = 0;
  const exampleHashes = new Map<string, number>();
  for await (const c of test) {
    const n = c.matrix.rows;
    if (n === 0) continue;
    const scan = kernels.scanBlock(c.matrix.data, n, d);
    for (let r = 0; r < n; r++) {
      if (c.nulls?.[r] || scan.cls[r] !== ROW_VALID) continue;
      valid++;
      if (!train.has(scan.ha[r], scan.hb[r])) continue;
      hits++;
      const k = key(scan.ha[r], scan.hb[r]);
      if (exampleHashes.size < examples && !exampleHashes.has(k)) exampleHashes.set(k, c.rowOffset + r);
    }
  }
  return { hits, valid, exampleHashes };
}

/**
 * One pass over train: the nearest train row (cosine) of each query, and the train rows of the exact
 * examples' hashes. Invalid train rows (null, NaN, Inf, zero) are searched as zero rows: cosine 0.
 */
export async function trainPass(
  train: AsyncIterable<Chunk>,
  d: number,
  queries: Float64Array,
  nq: number,
  exampleHashes: Map<string, number>,
  kernels: Pick<Kernels, "scanBlock" | "knnSearch">,
): Promise<{ ids: Int32Array; scores: Float64Array; trainRows: number; exampleTrain: Map<string, number> }> {
  const search = kernels.knnSearch(queries, nq, d, { k: 1, metric: "cosine" });
  const exampleTrain = new Map<string, number>();
  let trainRows = 0;
  for await (const c of train) {
    const n = c.matrix.rows;
    if (n === 0) continue;
    let data = c.matrix.data;
    const scan = kernels.scanBlock(data, n, d);
    let copied = false;
    for (let r = 0; r < n; r++) {
      const ok = !c.nulls?.[r] && scan.cls[r] === ROW_VALID;
      if (ok) {
        if (exampleHashes.size > 0) {
          const k = key(scan.ha[r], scan.hb[r]);
          if (exampleHashes.has(k) && !exampleTrain.has(k)) exampleTrain.set(k, c.rowOffset + r);
        }
        continue;
      }
      if (!copied) {
        data = data.slice();
        copied = true;
      }
      data.fill(0, r * d, (r + 1) * d);
    }
    search.add(data, n, c.rowOffset);
    trainRows = Math.max(trainRows, c.rowOffset + n);
  }
  const got = search.result();
  return { ids: got.ids, scores: got.scores, trainRows, exampleTrain };
}

/** The near-duplicate summary from the search's nearest train rows of the sampled test rows. */
export function nearLeakage(
  testIds: Float64Array,
  ids: Int32Array,
  scores: Float64Array,
  testValidRows: number,
  trainRows: number,
  threshold: number,
  examples = 10,
): NearLeakage {
  const nq = testIds.length;
  let above = 0;
  for (let i = 0; i < nq; i++) if (scores[i] >= threshold) above++;
  const sampled = nq < testValidRows;
  const share = nq > 0 ? above / nq : 0;
  const order = Array.from({ length: nq }, (_, i) => i)
    .filter((i) => ids[i] >= 0)
    .sort((x, y) => scores[y] - scores[x] || testIds[x] - testIds[y]);
  return {
    threshold,
    queries: nq,
    testValidRows,
    sampled,
    above,
    share,
    interval: sampled ? wilson(above, nq) : [share, share],
    trainRows,
    examples: order.slice(0, examples).map((i) => [testIds[i], ids[i], scores[i]] as [number, number, number]),
  };
}

/** The exact-duplicate summary. */
export function exactLeakage(
  hits: number,
  valid: number,
  exampleHashes: Map<string, number>,
  exampleTrain: Map<string, number>,
): ExactLeakage {
  const examples: [number, number][] = [];
  for (const [k, testRow] of exampleHashes) examples.push([testRow, exampleTrain.get(k) ?? -1]);
  examples.sort((a, b) => a[0] - b[0]);
  return { testRowsInTrain: hits, testValidRows: valid, share: valid > 0 ? hits / valid : 0, examples };
}
