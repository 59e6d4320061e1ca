/**
 * A relative-error quantile sketch of positive float64 values (the norms above the row budget):
 * the DDSketch idea (Masson, Rim & Lee, VLDB 2019: buckets of bounded relative width, exact counts)
 * with HdrHistogram's index — a bucket is the top 21 bits of the value's float64 bit pattern (11
 * exponent bits, MANTISSA_BITS = 9 mantissa bits), so 512 buckets per octave, each [lo, hi) with
 * hi − lo = 2^-9 · 2^e ≤ 2^-9 · lo. The value returned for a rank is its bucket's midpoint clamped
 * to [min, max], within RELATIVE_ERROR = 2^-10 (0.098 %) of the exact order statistic for every
 * normal float64 (≥ 2^-1022); the rank itself is exact (the counts are).
 *
 * Why not a KLL sketch: its compactions make the state depend on the order of inserts and merges;
 * here the state is a function of the multiset of values, so merged shards give the same counts,
 * and a profile file the same bytes, for any split and merge order. Why not @datadog/sketches-js:
 * CommonJS, protobuf serialisation that needs an undeclared protobufjs, and a floating rank
 * q·(count − 1) that can read the order statistic next to NumPy's.
 *
 * NumPy: key = norms.view("<u8") >> 43; np.unique(key, return_counts=True) is the sketch.
 */
import { type Histogram, linspace, percentileAt } from "./stats.js";

export const MANTISSA_BITS = 9;
/** The largest relative distance between a returned order statistic and the exact one. */
export const RELATIVE_ERROR = 2 ** -(MANTISSA_BITS + 1);
/** Keys are < 2^20: the sign bit is 0 for the values kept (positive). */
export const KEY_COUNT = 1 << (11 + MANTISSA_BITS);
const SHIFT = 20 - MANTISSA_BITS;

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** The bucket of a positive finite value. */
export function keyOf(x: number): number {
  f64[0] = x;
  return u32[HI] >>> SHIFT;
}

/** The smallest value of bucket `key` (its upper bound is bucketLow(key + 1)). */
export function bucketLow(key: number): number {
  u32[HI] = key << SHIFT;
  u32[1 - HI] = 0;
  return f64[0];
}

export class NormSketch {
  /** Count of each bucket (dense: 8 MiB, allocated once the budget is passed). */
  readonly counts = new Float64Array(KEY_COUNT);
  n = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Adds positive finite values (the norms of valid rows). */
  addAll(values: ArrayLike<number>, count = values.length): void {
    const c = this.counts;
    let { min, max } = this;
    for (let i = 0; i < count; i++) {
      const x = values[i];
      c[keyOf(x)]++;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.min = min;
    this.max = max;
    this.n += count;
  }

  add(x: number): void {
    this.counts[keyOf(x)]++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.n++;
  }

  merge(o: NormSketch): void {
    const c = this.counts;
    const oc = o.counts;
    for (let k = 0; k < KEY_COUNT; k++) if (oc[k] !== 0) c[k] += oc[k];
    this.n += o.n;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  /**
   * The order statistics at the given ranks (0-based, ascending), each within RELATIVE_ERROR of the
   * exact one; rank 0 is the exact minimum and rank n − 1 the exact maximum.
   */
  atRanks(ranks: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    const c = this.counts;
    let k = 0;
    let below = 0;
    for (const r of ranks) {
      if (r <= 0) out.set(r, this.min);
      else if (r >= this.n - 1) out.set(r, this.max);
      else {
        while (below + c[k] <= r) below += c[k++];
        out.set(r, this.representative(k));
      }
    }
    return out;
  }

  /** np.percentile(values, q) ("linear") for each q, from the sketched order statistics. */
  percentiles(qs: readonly number[]): number[] {
    const n = this.n;
    const ranks = new Set<number>();
    for (const q of qs) {
      const lo = Math.min(Math.max(0, Math.floor((n - 1) * (q / 100))), n - 1);
      ranks.add(lo);
      if (lo + 1 < n) ranks.add(lo + 1);
    }
    const at = this.atRanks([...ranks].sort((x, y) => x - y));
    return qs.map((q) => percentileAt(n, q, (r) => at.get(r) as number));
  }

  /**
   * np.histogram(values, bins) over [min, max] (exact edges), each bucket's count put in the bin of
   * its representative: a value lands in the bin of a point within RELATIVE_ERROR of itself.
   */
  histogram(bins: number): Histogram {
    let first = this.n > 0 ? this.min : 0;
    let last = this.n > 0 ? this.max : 1;
    if (first === last) {
      first -= 0.5;
      last += 0.5;
    }
    const edges = linspace(first, last, bins + 1);
    const counts = new Array<number>(bins).fill(0);
    const denom = last - first;
    const c = this.counts;
    for (let k = 0; k < KEY_COUNT; k++) {
      if (c[k] === 0) continue;
      const x = this.representative(k);
      // stats.histogram's bin of x (NumPy's index and edge corrections)
      let idx = Math.trunc(((x - first) / denom) * bins);
      if (idx === bins) idx--;
      if (x < edges[idx]) idx--;
      else if (idx !== bins - 1 && x >= edges[idx + 1]) idx++;
      counts[idx] += c[k];
    }
    return { edges, counts };
  }

  /** A bucket's midpoint, clamped to the values seen. */
  representative(key: number): number {
    const mid = bucketLow(key) / 2 + bucketLow(key + 1) / 2;
    return Math.min(this.max, Math.max(this.min, mid));
  }

  /** The non-empty buckets, ascending: what a profile file stores. */
  entries(): { keys: Uint32Array; counts: Float64Array } {
    const c = this.counts;
    let m = 0;
    for (let k = 0; k < KEY_COUNT; k++) if (c[k] !== 0) m++;
    const keys = new Uint32Array(m);
    const counts = new Float64Array(m);
    let at = 0;
    for (let k = 0; k < KEY_COUNT; k++) {
      if (c[k] !== 0) {
        keys[at] = k;
        counts[at++] = c[k];
      }
    }
    return { keys, counts };
  }
}
