/**
 * Power-of-two scaling of the covariance sums (issue 20). A block whose largest entry reaches
 * 2^200 is summed as x·2^-e (e chosen so its entries stay below 2^200): centred values then stay
 * below 2^201, their squares below 2^402 and any sum of up to 2^53 of them below 2^455, so the
 * scatter, the Chan merges and the eigensolver's squares of it stay finite for every finite input
 * (float64 max ≈ 2^1024). Multiplying by a power of two is exact while the result is a normal
 * float64, and every + and · commutes with it, so the scaled sums are the unscaled sums' bits
 * times 2^-e wherever those would not overflow; blocks below 2^200 (all ordinary data) are summed
 * unscaled, with today's bits.
 */

/** Entries below 2^LIMIT are summed as they are. */
export const SCALE_LIMIT_LOG2 = 200;

const view = new DataView(new ArrayBuffer(8));

/** floor(log2 |x|) for a finite x ≠ 0, exact (from the exponent bits; subnormals too). */
export function ilogb(x: number): number {
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) >> 4) & 0x7ff;
  if (biased !== 0) return biased - 1023;
  // subnormal: scale into the normal range first
  return ilogb(x * 2 ** 64) - 64;
}

/** The exponent e ≥ 0 of a block whose largest |entry| is maxAbs: maxAbs·2^-e < 2^LIMIT. */
export function scaleExponent(maxAbs: number): number {
  if (!(maxAbs >= 2 ** SCALE_LIMIT_LOG2) || !Number.isFinite(maxAbs)) return 0;
  return ilogb(maxAbs) - SCALE_LIMIT_LOG2 + 1;
}

/** x·2^k, in factors that are each a normal float64 (k may be far beyond ±1022). */
export function timesPow2(x: number, k: number): number {
  let v = x;
  let left = k;
  while (left !== 0) {
    const step = Math.max(-1000, Math.min(1000, left));
    v *= 2 ** step;
    left -= step;
  }
  return v;
}

/** a[i] ·= 2^k for every i (in place; see timesPow2). */
export function scaleByPow2(a: Float64Array, k: number): Float64Array {
  if (k === 0) return a;
  for (let i = 0; i < a.length; i++) a[i] = timesPow2(a[i], k);
  return a;
}

/**
 * The exponent of a block (scaleExponent of its largest valid entry), 0 at the cost of one look at
 * the row sums of squares when no valid row's sum reaches 2^400 (an entry ≥ 2^200 implies it).
 */
export function blockScale(
  sumsq: Float64Array,
  idx: Int32Array,
  k: number,
  data: ArrayLike<number>,
  d: number,
): number {
  let big = false;
  for (let i = 0; i < k && !big; i++) big = !(sumsq[idx[i]] < 2 ** (2 * SCALE_LIMIT_LOG2));
  if (!big) return 0;
  let maxAbs = 0;
  for (let i = 0; i < k; i++) {
    const base = idx[i] * d;
    for (let j = 0; j < d; j++) maxAbs = Math.max(maxAbs, Math.abs(data[base + j]));
  }
  return scaleExponent(maxAbs);
}

/** Rows whose largest |entry| lies in [2^-ROW_RANGE, 2^ROW_RANGE) are left as they are (rowsForCosine). */
const ROW_RANGE = 60;

/**
 * The m × d rows for a scale-free use (cosines): a row whose largest |entry| is outside
 * [2^-60, 2^60) is multiplied by the power of two that brings it into [1, 2), so float32 tiles
 * and sums of squares (the kNN kernels) stay finite and normal; the other rows, all of them for
 * ordinary data, are untouched (then the same array is returned). A row's cosines do not change:
 * the scaling is exact but for entries that underflow beside the largest.
 */
export function rowsForCosine(values: Float64Array, m: number, d: number): Float64Array {
  let out: Float64Array | null = null;
  for (let i = 0; i < m; i++) {
    let big = 0;
    for (let j = 0; j < d; j++) big = Math.max(big, Math.abs(values[i * d + j]));
    if (big === 0 || !Number.isFinite(big) || (big >= 2 ** -ROW_RANGE && big < 2 ** ROW_RANGE)) continue;
    out ??= Float64Array.from(values);
    const k = -ilogb(big);
    for (let j = 0; j < d; j++) out[i * d + j] = timesPow2(values[i * d + j], k);
  }
  return out ?? values;
}
