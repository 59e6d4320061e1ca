/**
 * IEEE 754 binary16 → float32, through a 65536-entry table built on first use (256 KiB).
 * Every half value, including subnormals, ±Inf and NaN, is exactly representable in float32.
 */
let table: Float32Array | undefined;

function halfToFloatSlow(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloatSlow(h);
  }
  return table;
}

/** Converts `count` halves from `src` (native-order Uint16 values) into `dst` starting at `dstOffset`. */
export function halvesToFloat32(src: Uint16Array, dst: Float32Array, dstOffset = 0, count = src.length): void {
  const t = halfTable();
  for (let i = 0; i < count; i++) dst[dstOffset + i] = t[src[i]];
}

export function halfToFloat(h: number): number {
  return halfTable()[h & 0xffff];
}
