/**
 * The block that flows through a pipeline: float64 rows (so no step loses digits before the
 * writer casts), the null mask, and where each row came from in the source chunk (so writers can
 * carry the other Arrow columns of the kept rows through).
 */
import type { Chunk } from "../io/types.js";

export interface Rows {
  n: number;
  d: number;
  /** n × d, row-major. */
  data: Float64Array;
  /** 1 where the row is null (a null Arrow list); null when no row is. */
  nulls: Uint8Array | null;
  /** Row i came from row index[i] of the source chunk. */
  index: Int32Array;
}

/** A fresh float64 copy of a chunk (the chunk is never modified). */
export function rowsOfChunk(chunk: Chunk): Rows {
  const { rows: n, cols: d, data } = chunk.matrix;
  const out = new Float64Array(n * d);
  out.set(data.subarray(0, n * d));
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  return { n, d, data: out, nulls: chunk.nulls ? Uint8Array.from(chunk.nulls.subarray(0, n)) : null, index };
}

/** The rows whose `keep` flag is 1, in order (returns `rows` itself when all are kept). */
export function selectRows(rows: Rows, keep: Uint8Array): Rows {
  let k = 0;
  for (let i = 0; i < rows.n; i++) k += keep[i];
  if (k === rows.n) return rows;
  const d = rows.d;
  const data = new Float64Array(k * d);
  const index = new Int32Array(k);
  const nulls = rows.nulls ? new Uint8Array(k) : null;
  let o = 0;
  for (let i = 0; i < rows.n; i++) {
    if (!keep[i]) continue;
    data.set(rows.data.subarray(i * d, i * d + d), o * d);
    index[o] = rows.index[i];
    if (nulls && rows.nulls) nulls[o] = rows.nulls[i];
    o++;
  }
  return { n: k, d, data, nulls: nulls?.some((v) => v === 1) ? nulls : null, index };
}
