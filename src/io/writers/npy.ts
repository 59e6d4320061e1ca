/**
 * NPY writer (format version 1.0, little-endian '<f4' or '<f2', C order). The header holds the
 * row count: given up front it is written once; unknown (rows dropped by a filter) the header is
 * padded to a fixed 128 bytes and rewritten with the final count when the sink is seekable.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */

import { InternalError, UsageError } from "../../errors.js";
import type { FloatArray } from "../../linalg/matrix.js";
import { toHalves } from "./half.js";
import type { ByteSink } from "./sink.js";
import type { OutBlock, OutputDtype, VectorWriter } from "./types.js";

const HEADER_BYTES = 128;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The 128-byte v1.0 header of a C-order (rows × cols) array of `dtype`. */
export function npyHeader(rows: number, cols: number, dtype: OutputDtype): Uint8Array {
  const descr = dtype === "float16" ? "<f2" : "<f4";
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const pad = HEADER_BYTES - 10 - dict.length - 1;
  if (pad < 0) throw new InternalError("npy header too long");
  const text = `${dict}${" ".repeat(pad)}\n`;
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  return out;
}

/** Row-major values as little-endian bytes of `dtype`. */
export function encodeValues(data: FloatArray, dtype: OutputDtype): Uint8Array {
  if (dtype === "float16") {
    const h = toHalves(data);
    if (!LITTLE_ENDIAN) for (let i = 0; i < h.length; i++) h[i] = ((h[i] & 0xff) << 8) | (h[i] >>> 8);
    return new Uint8Array(h.buffer);
  }
  // float32 blocks are written as they are (a view) unless the bytes must be swapped
  const f = data instanceof Float32Array && LITTLE_ENDIAN ? data : Float32Array.from(data);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  if (!LITTLE_ENDIAN) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}

export class NpyWriter implements VectorWriter {
  readonly format = "npy" as const;
  private rows = 0;
  private started = false;

  /** `rows`: the final row count when known; else the sink must be seekable. */
  constructor(
    private readonly sink: ByteSink,
    private readonly cols: number,
    private readonly dtype: OutputDtype,
    private readonly expectedRows: number | null,
  ) {
    if (expectedRows === null && !sink.writeAt) {
      throw new UsageError("NPY on a pipe needs the row count up front; use --to arrow, or write to a file");
    }
  }

  async write(block: OutBlock): Promise<void> {
    if (block.matrix.cols !== this.cols)
      throw new InternalError(`npy writer: ${block.matrix.cols} cols, expected ${this.cols}`);
    if (!this.started) {
      this.started = true;
      await this.sink.write(npyHeader(this.expectedRows ?? 0, this.cols, this.dtype));
    }
    const n = block.matrix.rows;
    if (n === 0) return;
    await this.sink.write(encodeValues(block.matrix.data.subarray(0, n * this.cols), this.dtype));
    this.rows += n;
  }

  async close(): Promise<void> {
    if (!this.started) {
      this.started = true;
      await this.sink.write(npyHeader(0, this.cols, this.dtype));
    }
    if (this.expectedRows === null) {
      await this.sink.writeAt?.(npyHeader(this.rows, this.cols, this.dtype), 0);
    } else if (this.rows !== this.expectedRows) {
      await this.sink.abort();
      throw new InternalError(`npy writer: wrote ${this.rows} rows, the header says ${this.expectedRows}`);
    }
    await this.sink.finish();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }

  get rowsWritten(): number {
    return this.rows;
  }
}
