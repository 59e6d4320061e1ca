/**
 * Re-cuts a row stream into chunks of exactly `rows` rows (the last one shorter), so a dataset of
 * files of any sizes reaches pass 1 in the same chunks as one file holding all its rows would (the
 * Profile merges its moments chunk by chunk, so the chunk boundaries decide the last bits).
 * Chunks that already fit pass through; pieces are copied into fresh arrays. Arrow rows
 * (`Chunk.arrow`) are dropped: a re-cut chunk may span two record batches.
 */
import { InternalError } from "../errors.js";
import type { FloatArray } from "../linalg/matrix.js";
import type { Chunk } from "./types.js";

interface Pending {
  rowOffset: number;
  cols: number;
  data: FloatArray;
  nulls: Uint8Array | null;
  pair: { data: FloatArray; nulls: Uint8Array | null } | null;
  capacity: number;
  filled: number;
}

export async function* rechunk(chunks: AsyncIterable<Chunk>, rows: number): AsyncGenerator<Chunk> {
  let p: Pending | null = null;
  for await (const c of chunks) {
    const n = c.matrix.rows;
    if (!p && n === rows) {
      yield plain(c);
      continue;
    }
    let at = 0;
    while (at < n) {
      p ??= start(c, at, rows);
      if (p.data.constructor !== c.matrix.data.constructor || p.cols !== c.matrix.cols) {
        throw new InternalError("rechunk: the chunks of one stream differ in element type or width");
      }
      const take = Math.min(rows - p.filled, n - at);
      copyRows(c, at, take, p);
      at += take;
      if (p.filled === rows) {
        yield finish(p);
        p = null;
      }
    }
  }
  if (p && p.filled > 0) yield finish(p);
}

function plain(c: Chunk): Chunk {
  if (!c.arrow) return c;
  const { arrow: _dropped, ...rest } = c;
  return rest;
}

function start(c: Chunk, at: number, rows: number): Pending {
  const cols = c.matrix.cols;
  const make = (like: FloatArray, n: number): FloatArray =>
    like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  return {
    rowOffset: c.rowOffset + at,
    cols,
    data: make(c.matrix.data, rows * cols),
    nulls: null,
    pair: c.pair ? { data: make(c.pair.matrix.data, rows * cols), nulls: null } : null,
    capacity: rows,
    filled: 0,
  };
}

function copyRows(c: Chunk, at: number, take: number, p: Pending): void {
  const d = p.cols;
  p.data.set(c.matrix.data.subarray(at * d, (at + take) * d), p.filled * d);
  if (c.nulls) {
    p.nulls ??= new Uint8Array(p.capacity);
    p.nulls.set(c.nulls.subarray(at, at + take), p.filled);
  }
  if ((c.pair === undefined) !== (p.pair === null)) {
    throw new InternalError("rechunk: some chunks have pairs and others not");
  }
  if (c.pair && p.pair) {
    p.pair.data.set(c.pair.matrix.data.subarray(at * d, (at + take) * d), p.filled * d);
    if (c.pair.nulls) {
      p.pair.nulls ??= new Uint8Array(p.capacity);
      p.pair.nulls.set(c.pair.nulls.subarray(at, at + take), p.filled);
    }
  }
  p.filled += take;
}

function finish(p: Pending): Chunk {
  const n = p.filled;
  const d = p.cols;
  const chunk: Chunk = { matrix: { rows: n, cols: d, data: p.data.subarray(0, n * d) }, rowOffset: p.rowOffset };
  if (p.nulls) chunk.nulls = p.nulls.subarray(0, n);
  if (p.pair) {
    chunk.pair = { matrix: { rows: n, cols: d, data: p.pair.data.subarray(0, n * d) } };
    if (p.pair.nulls) chunk.pair.nulls = p.pair.nulls.subarray(0, n);
  }
  return chunk;
}
