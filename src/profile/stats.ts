/**
 * Order statistics and histograms that reproduce NumPy's results, not just its definitions:
 * the same virtual index, the same lerp, the same bin assignment and edge corrections.
 */

/** np.histogram's result: edges.length = counts.length + 1. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/**
 * np.percentile(a, q) with the default "linear" method, for an ascending-sorted array.
 * Follows numpy/lib/_function_base_impl.py: the "linear" method's virtual index (n − 1)·q,
 * then _lerp, which subtracts from the upper neighbour when gamma ≥ 0.5.
 */
export function percentileSorted(sorted: Float64Array, q: number): number {
  return percentileAt(sorted.length, q, (k) => sorted[k]);
}

/** percentileSorted for n values known by rank: `at(k)` is the k-th smallest (0-based). */
export function percentileAt(n: number, q: number, at: (k: number) => number): number {
  if (n === 0) return Number.NaN;
  const qq = q / 100;
  const virtualIndex = (n - 1) * qq;
  let previous = Math.floor(virtualIndex);
  let gamma = virtualIndex - previous;
  if (previous < 0) {
    previous = 0;
    gamma = 0;
  }
  if (previous >= n - 1) return at(n - 1);
  const a = at(previous);
  const b = at(previous + 1);
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** np.linspace(start, stop, num) with endpoint=True. */
export function linspace(start: number, stop: number, num: number): number[] {
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  const out: number[] = new Array(num);
  for (let i = 0; i < num; i++) {
    // NumPy: div ≤ 0 (num = 1) gives y·delta + start; a zero step scales by delta after dividing
    out[i] = div <= 0 ? i * delta + start : step === 0 ? (i / div) * delta + start : i * step + start;
  }
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * np.histogram(values, bins, range) for uniform bins. Without a range it spans [min, max]
 * (widened by ±0.5 when min == max, as NumPy does). Values outside the range are not counted.
 */
export function histogram(values: Float64Array, bins: number, range?: [number, number]): Histogram {
  let first: number;
  let last: number;
  if (range) [first, last] = range;
  else if (values.length === 0) [first, last] = [0, 1];
  else {
    first = Number.POSITIVE_INFINITY;
    last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      if (values[i] < first) first = values[i];
      if (values[i] > last) last = values[i];
    }
  }
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = linspace(first, last, bins + 1);
  const counts = new Array<number>(bins).fill(0);
  const denom = last - first;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(x >= first && x <= last)) continue;
    let idx = Math.trunc(((x - first) / denom) * bins);
    if (idx === bins) idx--;
    if (x < edges[idx]) idx--;
    else if (idx !== bins - 1 && x >= edges[idx + 1]) idx++;
    counts[idx]++;
  }
  return { edges, counts };
}

/**
 * A power of two 2^-k that brings max |v| to about 2^500 or below, else 1: multiplying by it is exact,
 * so sums of scaled values are the unscaled sums' bits wherever those do not overflow.
 */
export function downScale(maxAbs: number): number {
  if (!(maxAbs > 2 ** 500) || !Number.isFinite(maxAbs)) return 1;
  return 2 ** -(Math.ceil(Math.log2(maxAbs)) - 500);
}

/**
 * Mean and population standard deviation (two-pass). Values near the float64 maximum (a norm of
 * 1e308) are scaled by a power of two first, so the sums cannot overflow: the same bits as the
 * plain sums wherever those stay finite.
 */
export function meanStd(values: Float64Array): { mean: number; std: number } {
  const n = values.length;
  let big = 0;
  for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(values[i]));
  const f = downScale(big);
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i] * f;
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const t = values[i] * f - mean;
    ss += t * t;
  }
  return { mean: mean / f, std: Math.sqrt(ss / n) / f };
}

/** Below this a sum of squares may have lost its entries to underflow (2^-1000 ≈ 9e-302). */
const TINY_SUMSQ = 2 ** -1000;

/**
 * The L2 norm of the finite, non-zero row x[base, base + d), given its plain sum of squares. That
 * sum overflows for entries above ~1.3e154 and underflows for entries below ~1e-162; then the norm
 * is taken as hypot does (LAPACK dnrm2's idea: scale by the largest entry, here a power of two so
 * the scaling is exact). Otherwise √sumsq, the plain norm's bits.
 */
export function rowNorm(sumsq: number, x: ArrayLike<number>, base: number, d: number): number {
  if (sumsq < Number.POSITIVE_INFINITY && sumsq > TINY_SUMSQ) return Math.sqrt(sumsq);
  let big = 0;
  for (let j = 0; j < d; j++) big = Math.max(big, Math.abs(x[base + j]));
  if (big === 0 || !Number.isFinite(big)) return Math.sqrt(sumsq);
  // 2^-e in two factors, each a normal float64 even for a subnormal largest entry (e = -1074)
  const e = Math.ceil(Math.log2(big));
  const fa = 2 ** -Math.trunc(e / 2);
  const fb = 2 ** -(e - Math.trunc(e / 2));
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = x[base + j] * fa * fb;
    s += v * v;
  }
  return Math.sqrt(s) / fa / fb;
}
