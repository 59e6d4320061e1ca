/**
 * float32 .npy files for tests, written and read without the product's reader (src/io), so the
 * tests stay independent of it: NumPy's format 1.0 header padded to 64 bytes; versions 1 and 2 read.
 */
import { readFileSync, writeFileSync } from "node:fs";

/** A float32 C-order .npy as bytes: the header padded so the data starts at a multiple of 64. */
export function npyBytesF32(data: Float32Array, rows: number, d: number): Buffer {
  const shape = d === 0 ? `(${rows},)` : `(${rows}, ${d})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([
    pre,
    Buffer.from(header, "latin1"),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  ]);
}

export function writeNpyF32(path: string, data: Float32Array, rows: number, d: number): void {
  writeFileSync(path, npyBytesF32(data, rows, d));
}

/** A seeded standard normal generator (xorshift32 + Box–Muller). */
export function normals(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** n × d rows: a rank-r signal (Gaussian coefficients times Gaussian directions) plus N(0, noise²). */
export function lowRank(n: number, d: number, r: number, noise: number, seed: number): Float32Array {
  const g = normals(seed);
  const B = Float64Array.from({ length: r * d }, g);
  const x = new Float32Array(n * d);
  const c = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < r; a++) c[a] = g();
    for (let j = 0; j < d; j++) {
      let v = noise * g();
      for (let a = 0; a < r; a++) v += c[a] * B[a * d + j];
      x[i * d + j] = v;
    }
  }
  return x;
}

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
