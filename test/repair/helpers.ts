/** Loading fixtures whole, and chunking matrices, for the repair tests. */
import { openEmbeddings } from "../../src/io/open.js";
import type { Chunk } from "../../src/io/types.js";
import type { FloatArray, Matrix } from "../../src/linalg/matrix.js";

/** The whole file as one matrix (and its null mask, if any row is null). */
export async function loadMatrix(path: string): Promise<{ matrix: Matrix; nulls?: Uint8Array }> {
  const src = await openEmbeddings(path);
  const parts: Chunk[] = [];
  for await (const c of src) parts.push(c);
  await src.close();
  const d = src.info.dims;
  const n = parts.reduce((a, c) => a + c.matrix.rows, 0);
  const data: FloatArray =
    parts[0].matrix.data instanceof Float64Array ? new Float64Array(n * d) : new Float32Array(n * d);
  let nulls: Uint8Array | undefined;
  let at = 0;
  for (const c of parts) {
    data.set(c.matrix.data.subarray(0, c.matrix.rows * d), at * d);
    if (c.nulls) {
      nulls ??= new Uint8Array(n);
      nulls.set(c.nulls, at);
    }
    at += c.matrix.rows;
  }
  return { matrix: { rows: n, cols: d, data }, nulls };
}

/** Chunks of `size` rows of m (the last one shorter), as a reader would yield them. */
export function chunksOf(m: Matrix, size: number, nulls?: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  for (let r = 0; r < m.rows; r += size) {
    const n = Math.min(size, m.rows - r);
    const c: Chunk = {
      matrix: { rows: n, cols: m.cols, data: m.data.subarray(r * m.cols, (r + n) * m.cols) },
      rowOffset: r,
    };
    if (nulls?.subarray(r, r + n).some((v) => v === 1)) c.nulls = nulls.subarray(r, r + n);
    out.push(c);
  }
  return out;
}

export async function* iterate(chunks: Chunk[]): AsyncGenerator<Chunk> {
  for (const c of chunks) yield c;
}

/** Bit-for-bit equality of two typed arrays (NaN payloads and −0 included). */
export function sameBits(a: FloatArray, b: FloatArray): boolean {
  if (a.length !== b.length || a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
