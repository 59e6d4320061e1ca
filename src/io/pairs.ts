/**
 * Lines up a second input row by row with the first (`--pairs FILE`): each chunk of the main
 * input gets `pair` = the same rows of the pairs input, whatever the two readers' chunk sizes.
 */
import { InputError } from "../errors.js";
import type { Chunk, EmbeddingSource } from "./types.js";

export async function* withPairs(main: EmbeddingSource, pairs: EmbeddingSource): AsyncGenerator<Chunk> {
  const d = main.info.dims;
  if (pairs.info.dims !== d) {
    throw new InputError(
      `the pairs file has ${pairs.info.dims} dims but the input has ${d}`,
      { file: pairs.info.path },
      "--pairs needs vectors from the same model",
    );
  }
  const it = pairs[Symbol.asyncIterator]();
  let held: Chunk | null = null;
  let heldAt = 0;
  let pairRows = 0;
  for await (const chunk of main) {
    const rows = chunk.matrix.rows;
    let data: Float32Array | Float64Array | null = null;
    let nulls: Uint8Array | undefined;
    let filled = 0;
    while (filled < rows) {
      if (!held || heldAt >= held.matrix.rows) {
        const next = await it.next();
        if (next.done) {
          throw new InputError(
            `the pairs file ends after ${pairRows} rows but the input has more`,
            { file: pairs.info.path },
            "row i of --pairs must be the partner of row i of the input: give both the same row count",
          );
        }
        held = next.value;
        heldAt = 0;
        pairRows += held.matrix.rows;
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
    yield { ...chunk, pair: { matrix: { rows, cols: d, data: data ?? new Float32Array(0) }, nulls } };
  }
  let extra = held ? held.matrix.rows - heldAt : 0;
  for (let next = await it.next(); !next.done; next = await it.next()) extra += next.value.matrix.rows;
  if (extra > 0) {
    throw new InputError(
      `the pairs file has ${extra} more rows than the input`,
      { file: pairs.info.path },
      "row i of --pairs must be the partner of row i of the input: give both the same row count",
    );
  }
}
