/** Percentiles of large arrays without a full sort, equal to NumPy's (np.percentile, "linear"). */
import { percentileAt, percentileSorted } from "../profile/stats.js";

/**
 * percentileSorted(sort(values), q) for each q, without sorting all of them: the order statistics
 * each percentile interpolates are the values a full sort puts at those ranks (selectRanks), so the
 * result is the same. Falls back to the sort when a NaN is present.
 */
export function percentilesBySelection(values: Float64Array, qs: number[]): number[] {
  const n = values.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i])) {
      const sorted = Float64Array.from(values).sort();
      return qs.map((q) => percentileSorted(sorted, q));
    }
  }
  // the ranks each percentile reads (percentileSorted's previous and previous + 1)
  const ranks = new Set<number>();
  for (const q of qs) {
    const lo = Math.min(Math.max(0, Math.floor((n - 1) * (q / 100))), n - 1);
    if (n > 0) ranks.add(lo);
    if (lo + 1 < n) ranks.add(lo + 1);
  }
  const at = selectRanks(
    values,
    [...ranks].sort((x, y) => x - y),
    0,
  );
  return qs.map((q) => percentileAt(n, q, (k) => at.get(k) as number));
}

/** Below this many values selectRanks sorts. */
const SELECT_SORT_BELOW = 4096;

/**
 * The k-th smallest of `values` (no NaN) for each k of `ranks` (ascending, distinct, < length), as
 * a typed-array sort orders them (−0 before +0): values are counted into buckets of equal width
 * over [min, max], a map that never reverses two values, and only the buckets holding a wanted rank
 * are gathered, then selected the same way (sorted once small, or after 8 levels).
 */
function selectRanks(values: Float64Array, ranks: number[], depth: number): Map<number, number> {
  const out = new Map<number, number>();
  const n = values.length;
  if (ranks.length === 0) return out;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const width = max - min;
  if (n < SELECT_SORT_BELOW || depth >= 8 || !(width > 0) || !Number.isFinite(width)) {
    // small, deep, all equal (or ±0 only) or infinite: the sort decides, −0 before +0
    const sorted = Float64Array.from(values).sort();
    for (const k of ranks) out.set(k, sorted[k]);
    return out;
  }
  const buckets = Math.min(1 << 16, n >> 4);
  const scale = buckets / width;
  const bucketOf = (v: number) => Math.min(buckets - 1, Math.floor((v - min) * scale));
  const counts = new Uint32Array(buckets);
  for (let i = 0; i < n; i++) counts[bucketOf(values[i])]++;
  // the bucket of each rank and the ranks below it; then one array per bucket wanted
  const where: { bucket: number; first: number }[] = [];
  let b = 0;
  let first = 0;
  for (const k of ranks) {
    while (first + counts[b] <= k) first += counts[b++];
    where.push({ bucket: b, first });
  }
  const slot = new Int32Array(buckets).fill(-1);
  const lists: Float64Array[] = [];
  for (const w of where) {
    if (slot[w.bucket] < 0) {
      slot[w.bucket] = lists.length;
      lists.push(new Float64Array(counts[w.bucket]));
    }
  }
  const filled = new Int32Array(lists.length);
  for (let i = 0; i < n; i++) {
    const s = slot[bucketOf(values[i])];
    if (s >= 0) lists[s][filled[s]++] = values[i];
  }
  for (let i = 0; i < ranks.length; ) {
    const { bucket, first: f } = where[i];
    const inBucket: number[] = [];
    let j = i;
    for (; j < ranks.length && where[j].bucket === bucket; j++) inBucket.push(ranks[j] - f);
    const got = selectRanks(lists[slot[bucket]], inBucket, depth + 1);
    for (let t = i; t < j; t++) out.set(ranks[t], got.get(ranks[t] - f) as number);
    i = j;
  }
  return out;
}
