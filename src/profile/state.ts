/**
 * The mergeable state of pass 1: plain numbers and typed arrays (the duplicate set and the row
 * sample are small data structures over typed arrays), nothing else — no kernels, no scratch. This
 * is what a profile file stores (bytes.ts) and what shards merge.
 *
 * merge(state(A), state(B)) equals state(A + B) exactly: counts, norms and the duplicate set by
 * construction; the sample by construction (bottom-k on a hash of the global row index); the
 * floating-point sums (mean, scatter, unit-row and pair sums) bit for bit when A and B split the
 * rows on a block boundary, because they are kept on a fixed merge tree over the global row index
 * (moments.ts).
 * Memory independent of the row count except one float64 norm and one 8-byte hash per valid row
 * (exact percentiles and exact duplicate counts; about 24 bytes a row with the hash set's slack).
 */
import { UsageError } from "../errors.js";
import { blockRowsFor } from "./blocks.js";
import { HashSet64 } from "./hashset.js";
import { type Moments, normalize, totalMoments } from "./moments.js";
import { BottomKSample } from "./sample.js";

export type Precision = "mixed" | "float64";
export const PRECISIONS: readonly Precision[] = ["mixed", "float64"];
export const DEFAULT_SAMPLE_SIZE = 4096;

export interface ProfileState {
  readonly dims: number;
  readonly sampleSize: number;
  readonly seed: number;
  /** The covariance arithmetic ("mixed" once any merged part was mixed). */
  precision: Precision;
  rows: number;
  nullRows: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  validRows: number;
  /** ‖x_i‖ of every valid row, in input order: the first validRows entries (capacity may exceed). */
  norms: Float64Array;
  /** Distinct valid rows by 64-bit hash of their bits. */
  readonly distinct: HashSet64;
  /**
   * The floating-point sums (mean, scatter, Σ u_i, pair sums) as the unmerged nodes of the fixed
   * merge tree, sorted by row (moments.ts); totalsOf folds them.
   */
  moments: Moments[];
  /** Rows per leaf of that tree: blockRowsFor(dims). */
  readonly blockRows: number;
  readonly sample: BottomKSample;
  alignPairs: number;
  /** Global row ranges seen, [start, end) pairs, sorted and coalesced. */
  ranges: number[];
}

export interface StateOptions {
  dims: number;
  /** Sample size S (default 4096). */
  sampleSize?: number;
  /** Seed for the sample, 0 ≤ seed < 2^32 (default 0). */
  seed?: number;
  precision?: Precision;
}

/** An empty state; checks the options (UsageError). */
export function emptyState(opts: StateOptions): ProfileState {
  const d = opts.dims;
  if (!Number.isInteger(d) || d < 1) throw new UsageError(`dims must be a positive integer, got ${d}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`seed must be an integer in [0, 4294967295], got ${seed}`);
  }
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 2) {
    throw new UsageError(`sample size must be an integer ≥ 2, got ${sampleSize}`);
  }
  const precision = opts.precision ?? "mixed";
  if (!PRECISIONS.includes(precision)) {
    throw new UsageError(`precision must be one of ${PRECISIONS.join(", ")}, got ${String(precision)}`);
  }
  return {
    dims: d,
    sampleSize,
    seed,
    precision,
    rows: 0,
    nullRows: 0,
    nanRows: 0,
    infRows: 0,
    zeroRows: 0,
    validRows: 0,
    norms: new Float64Array(1024),
    distinct: new HashSet64(),
    moments: [],
    blockRows: blockRowsFor(d),
    sample: new BottomKSample(sampleSize, d),
    alignPairs: 0,
    ranges: [],
  };
}

/** Room for n norms. */
export function ensureNorms(s: ProfileState, n: number): void {
  if (n <= s.norms.length) return;
  let cap = Math.max(1, s.norms.length);
  while (cap < n) cap *= 2;
  const next = new Float64Array(cap);
  next.set(s.norms.subarray(0, s.validRows));
  s.norms = next;
}

/** Adds [start, end) to the sorted, coalesced list of row ranges. */
export function addRange(s: ProfileState, start: number, end: number): void {
  if (end <= start) return;
  const r = s.ranges;
  const last = r.length - 2;
  if (last >= 0 && r[last + 1] === start) {
    r[last + 1] = end;
    return;
  }
  if (last < 0 || r[last + 1] < start) {
    r.push(start, end);
    return;
  }
  const all: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) all.push([r[i], r[i + 1]]);
  all.push([start, end]);
  s.ranges = coalesce(all);
}

function coalesce(all: [number, number][]): number[] {
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: number[] = [];
  for (const [a, b] of all) {
    const n = out.length;
    if (n > 0 && a <= out[n - 1]) out[n - 1] = Math.max(out[n - 1], b);
    else out.push(a, b);
  }
  return out;
}

/** The folded sums of every node (a fresh copy). */
export function totalsOf(s: ProfileState): Moments {
  return totalMoments(s.moments, s.dims);
}

/** Mean of the valid rows: origin + mean(x − origin). */
export function meanOf(s: ProfileState, t: Moments = totalsOf(s)): Float64Array {
  const m = new Float64Array(s.dims);
  if (t.origin) for (let j = 0; j < s.dims; j++) m[j] = t.origin[j] + t.meanRel[j];
  return m;
}

/** The population covariance (1/n) of the valid rows, full d × d. */
export function covarianceOf(s: ProfileState, t: Moments = totalsOf(s)): Float64Array {
  const d = s.dims;
  const c = new Float64Array(d * d);
  const n = s.validRows;
  if (n === 0) return c;
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[i * d + j] = t.m2[i * d + j] / n;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) c[j * d + i] = c[i * d + j];
  return c;
}

/** Whether two row-range lists share a row. */
export function rangesOverlap(a: readonly number[], b: readonly number[]): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1] <= b[j]) i += 2;
    else if (b[j + 1] <= a[i]) j += 2;
    else return true;
  }
  return false;
}

/**
 * Folds `b` into `a` (same dims, sample size and seed; UsageError otherwise; the caller checks the
 * row ranges). The moments' nodes join a's list and merge as the tree says (moments.ts), so any
 * order and grouping of merges gives the same bits. `b` must not be used afterwards.
 */
export function mergeState(a: ProfileState, b: ProfileState): ProfileState {
  if (b.dims !== a.dims) throw new UsageError(`cannot merge profiles of ${b.dims} and ${a.dims} dims`);
  if (b.seed !== a.seed || b.sampleSize !== a.sampleSize) {
    throw new UsageError("cannot merge profiles made with different --seed or --sample");
  }
  const na = a.validRows;
  if (b.precision === "mixed") a.precision = "mixed";
  a.rows += b.rows;
  a.nullRows += b.nullRows;
  a.nanRows += b.nanRows;
  a.infRows += b.infRows;
  a.zeroRows += b.zeroRows;
  ensureNorms(a, na + b.validRows);
  a.norms.set(b.norms.subarray(0, b.validRows), na);
  a.validRows += b.validRows;
  b.distinct.forEach((x, y) => {
    a.distinct.add(x, y);
  });
  const list = [...a.moments, ...b.moments].sort((x, y) => x.lo - y.lo || x.hi - y.hi);
  normalize(list, a.blockRows);
  a.moments = list;
  a.sample.mergeFrom(b.sample);
  a.alignPairs += b.alignPairs;
  if (b.ranges.length) {
    const all: [number, number][] = [];
    for (const r of [a.ranges, b.ranges]) for (let i = 0; i < r.length; i += 2) all.push([r[i], r[i + 1]]);
    a.ranges = coalesce(all);
  }
  return a;
}
