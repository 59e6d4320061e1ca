/** Writes float32 .npy files for tests (NumPy's format 1.0 header, padded to 64 bytes). */
import { writeFileSync } from "node:fs";

export function writeNpyF32(path: string, data: Float32Array, rows: number, d: number): void {
  const shape = d === 0 ? `(${rows},)` : `(${rows}, ${d})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(
    path,
    Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]),
  );
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
