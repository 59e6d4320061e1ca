/**
 * A little-endian float32 C-order .npy (version 1 or 2 header) read whole, for tests that need a
 * fixture's values directly (the product's reader is src/io; this stays independent of it).
 */
import { readFileSync } from "node:fs";

export function readNpyF32(path: string): { rows: number; cols: number; data: Float32Array } {
  const buf = readFileSync(path);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  const header = buf.subarray(major === 1 ? 10 : 12, start).toString("latin1");
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${path}: not a little-endian float32 C-order .npy`);
  }
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape) throw new Error(`${path}: not a 2-d .npy`);
  const rows = Number(shape[1]);
  const cols = Number(shape[2]);
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(buf.subarray(start, start + rows * cols * 4));
  return { rows, cols, data };
}
