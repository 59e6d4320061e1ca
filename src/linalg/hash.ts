/**
 * Seeded hashing for sample membership and duplicate detection. All arithmetic is uint32 so that
 * the NumPy oracle (fixtures/scripts/oracle.py) reproduces it bit for bit.
 */

/** MurmurHash3's 32-bit finaliser (Appleby, public domain). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The sample priority of global row `index` under `seed` (0 ≤ seed < 2^32): a 53-bit integer.
 * The sample is the S valid rows with the smallest (priority, index), so membership depends only
 * on (seed, index) and the sample of merged shards equals the sample of the whole (bottom-k).
 *
 *   lo = index mod 2^32, hi = floor(index / 2^32), s = fmix32(seed ^ 0x9e3779b9)
 *   h1 = fmix32(fmix32(s ^ lo) ^ hi)
 *   h2 = fmix32(fmix32(((s + 0x7f4a7c15) mod 2^32) ^ hi) ^ lo)
 *   priority = h1 · 2^21 + (h2 >>> 11)
 */
export function rowPriority(seed: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  const s = fmix32((seed ^ 0x9e3779b9) >>> 0);
  const h1 = fmix32((fmix32((s ^ lo) >>> 0) ^ hi) >>> 0);
  const h2 = fmix32((fmix32((((s + 0x7f4a7c15) >>> 0) ^ hi) >>> 0) ^ lo) >>> 0);
  return h1 * 2097152 + (h2 >>> 11);
}

/**
 * A 64-bit hash of a row's bits, as two uint32 halves packed into one float64-safe pair.
 * Rows are bit-identical ⇒ equal hashes; unequal rows collide with probability ≈ 2^-64.
 * `words` is the row viewed as Uint32Array (a Float32 row: one word per value; Float64: two).
 */
export function rowHash(words: Uint32Array, start: number, end: number): [number, number] {
  let a = 0x243f6a88;
  let b = 0x85a308d3;
  for (let i = start; i < end; i++) {
    const w = words[i];
    a = Math.imul(a ^ w, 0x9e3779b1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w, 0x85ebca77);
    b = (b << 17) | (b >>> 15);
    b = (b + a) | 0;
  }
  const n = end - start;
  return [fmix32((a ^ n) >>> 0), fmix32((b ^ Math.imul(n, 0xc2b2ae3d)) >>> 0)];
}
