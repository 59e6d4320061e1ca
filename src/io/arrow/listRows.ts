/**
 * Rows of a list-of-floats column, one chunk at a time, from the column's buffers in one record
 * batch: the validity bitmap and the offsets (small, read whole), the child's validity (read whole,
 * only when a value is null), and the values, read as a stream, front to back, straight into the
 * chunk's matrix (float32/float64) or through a chunk-sized scratch (float16).
 *
 * - A null list (a null row) becomes a row of zeros marked 1 in `nulls`.
 * - A null value inside a non-null list becomes NaN (integrity checks report it as non-finite).
 * - A List row whose length differs from the dimension (the first non-null row's) is an error.
 */
import { InputError } from "../../errors.js";
import type { FloatArray, Matrix } from "../../linalg/matrix.js";
import type { DecodedStream } from "../codecs/input.js";
import { halvesToFloat32 } from "../half.js";
import type { ListColumn } from "./column.js";

export const BYTES_PER_VALUE = { float16: 2, float32: 4, float64: 8 } as const;

export interface ListBatch {
  col: ListColumn;
  rows: number;
  /** Row validity (bit i = row i), or null when no row is null. */
  validity: Uint8Array | null;
  /** List/LargeList offsets (rows + 1 of them), checked non-decreasing and inside the child. */
  offsets: Int32Array | Float64Array | null;
  /** Value validity, or null when no value is null. */
  childValidity: Uint8Array | null;
  values: DecodedStream;
  /** The value (element) index the values stream stands at. */
  pos: number;
}

export function bit(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3] & (1 << (i & 7))) !== 0;
}

export function isNullRow(b: ListBatch, i: number): boolean {
  return b.validity !== null && !bit(b.validity, i);
}

/** The length of the first non-null row of the batch, or null when every row is null. */
export function firstRowLength(b: ListBatch): number | null {
  for (let i = 0; i < b.rows; i++) {
    if (isNullRow(b, i)) continue;
    return b.offsets ? b.offsets[i + 1] - b.offsets[i] : (b.col.listSize as number);
  }
  return null;
}

let scratch = new Uint8Array(0);

function scratchOf(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch;
}

/** Reads `count` values from the stream into `out` at value index `dst`. */
async function readValues(b: ListBatch, out: FloatArray, dst: number, count: number): Promise<void> {
  if (count === 0) return;
  if (b.col.dtype === "float16") {
    const bytes = scratchOf(count * 2);
    await b.values.read(bytes, 0, count * 2);
    halvesToFloat32(new Uint16Array(bytes.buffer, 0, count), out as Float32Array, dst, count);
  } else {
    const bpv = out.BYTES_PER_ELEMENT;
    await b.values.read(new Uint8Array(out.buffer, out.byteOffset + dst * bpv, count * bpv), 0, count * bpv);
  }
  b.pos += count;
}

async function seek(b: ListBatch, to: number): Promise<void> {
  if (to > b.pos) {
    await b.values.skip((to - b.pos) * BYTES_PER_VALUE[b.col.dtype]);
    b.pos = to;
  }
}

/**
 * Copies rows [start, start + n) of the batch into a fresh row-major matrix (rows named from
 * `firstRow` in errors). Must be called for consecutive row ranges, front to back.
 */
export async function readListRows(
  b: ListBatch,
  start: number,
  n: number,
  dims: number,
  firstRow: number,
  file: string,
  pairOf?: string,
): Promise<{ matrix: Matrix; nulls?: Uint8Array }> {
  const out: FloatArray = b.col.dtype === "float64" ? new Float64Array(n * dims) : new Float32Array(n * dims);
  let nulls: Uint8Array | undefined;
  const offs = b.offsets;
  if (!offs) {
    await seek(b, start * dims);
    await readValues(b, out, 0, n * dims);
  }
  let r = 0;
  while (r < n) {
    const i = start + r;
    if (isNullRow(b, i)) {
      nulls ??= new Uint8Array(n);
      nulls[r] = 1;
      if (!offs) out.fill(0, r * dims, (r + 1) * dims);
      r++;
      continue;
    }
    if (!offs) {
      r++;
      continue;
    }
    const begin = offs[i];
    const len = offs[i + 1] - begin;
    if (len !== dims) {
      throw new InputError(
        pairOf === undefined
          ? `ragged list: the row has ${len} values, but the first non-null row has ${dims}`
          : `the pair row has ${len} values, but "${pairOf}" has ${dims} dims`,
        { file, row: firstRow + r, column: b.col.name },
        "every vector must have the same length",
      );
    }
    // a run of valid rows whose values follow one another is one read
    let e = r + 1;
    while (
      e < n &&
      !isNullRow(b, start + e) &&
      offs[start + e] === begin + (e - r) * dims &&
      offs[start + e + 1] - offs[start + e] === dims
    )
      e++;
    await seek(b, begin);
    await readValues(b, out, r * dims, (e - r) * dims);
    r = e;
  }
  if (b.childValidity) {
    const bits = b.childValidity;
    for (let r2 = 0; r2 < n; r2++) {
      if (nulls?.[r2]) continue;
      const begin = offs ? offs[start + r2] : (start + r2) * dims;
      for (let j = 0; j < dims; j++) if (!bit(bits, begin + j)) out[r2 * dims + j] = Number.NaN;
    }
  }
  const matrix = { rows: n, cols: dims, data: out };
  return nulls ? { matrix, nulls } : { matrix };
}
