/**
 * Two inputs read row by row together (`compare A B --paired`): each chunk of A with the same rows of
 * B, whatever the two readers' chunk sizes; the dims may differ. A row-count mismatch is an
 * InputError naming the shorter or longer file.
 */
import { InputError } from "../errors.js";
import type { Chunk, EmbeddingSource } from "./types.js";

export interface RowAligned {
  rowOffset: number;
  a: Chunk;
  b: Chunk;
}

const HINT = "--paired needs row i of both inputs to be the same item: give both the same row count";

export async function* alignRows(a: EmbeddingSource, b: EmbeddingSource): AsyncGenerator<RowAligned> {
  const d = b.info.dims;
  const it = b[Symbol.asyncIterator]();
  let held: Chunk | null = null;
  let heldAt = 0;
  let rowsB = 0;
  let rowsA = 0;
  for await (const chunk of a) {
    const rows = chunk.matrix.rows;
    rowsA += rows;
    let data: Float32Array | Float64Array | null = null;
    let nulls: Uint8Array | undefined;
    let filled = 0;
    while (filled < rows) {
      if (!held || heldAt >= held.matrix.rows) {
        const next = await it.next();
        if (next.done) {
          throw new InputError(`ends after ${rowsB} rows but ${a.info.path} has more`, { file: b.info.path }, HINT);
        }
        held = next.value;
        heldAt = 0;
        rowsB += held.matrix.rows;
      }
      const src = held.matrix.data;
      if (!data) data = src instanceof Float64Array ? new Float64Array(rows * d) : new Float32Array(rows * d);
      const take = Math.min(rows - filled, held.matrix.rows - heldAt);
      data.set(src.subarray(heldAt * d, (heldAt + take) * d), filled * d);
      if (held.nulls) {
        nulls ??= new Uint8Array(rows);
        nulls.set(held.nulls.subarray(heldAt, heldAt + take), filled);
      }
      heldAt += take;
      filled += take;
    }
    const bChunk: Chunk = {
      matrix: { rows, cols: d, data: data ?? new Float32Array(0) },
      rowOffset: chunk.rowOffset,
      ...(nulls ? { nulls } : {}),
    };
    yield { rowOffset: chunk.rowOffset, a: chunk, b: bChunk };
  }
  let extra = held ? held.matrix.rows - heldAt : 0;
  for (let next = await it.next(); !next.done; next = await it.next()) extra += next.value.matrix.rows;
  if (extra > 0) {
    throw new InputError(`has ${extra} more rows than ${a.info.path} (${rowsA})`, { file: b.info.path }, HINT);
  }
}
