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
 * Memory independent of the row count except, up to the row budget `exactRows`, one float64 norm and
 * one 8-byte hash per valid row (exact percentiles and exact duplicate counts; about 24 bytes a row
 * with the hash set's slack); above it the norms go into a sketch and the hashes into a sample of
 * the hash space (sketches.ts), both of bounded size.
 */
import { UsageError } from "../errors.js";
import { blockRowsFor } from "./blockRows.js";
import { HashCount64 } from "./hashcount.js";
import { HashSet64 } from "./hashset.js";
import { type LabelState, mergeLabels } from "./labels.js";
import { type Moments, normalize, totalMoments } from "./moments.js";
import type { NormSketch } from "./normsketch.js";
import { BottomKSample } from "./sample.js";
import { scaleByPow2 } from "./scale.js";
import { mergeSketchedParts, type SketchedParts } from "./sketches.js";

export type Precision = "mixed" | "float64";
export const PRECISIONS: readonly Precision[] = ["mixed", "float64"];
export const DEFAULT_SAMPLE_SIZE = 4096;
/**
 * The row budget: up to this many valid rows the norms (8 B a row) and the distinct-row hashes
 * (8 B a row in a hash set at load ≤ 0.5: 16 B) are kept exactly, about 50 MB at 2^21 rows. A merge
 * holds the sum, one part and the set's growth, about three times that: 2^21 keeps `merge` of any
 * number of rows under 300 MB (10M × 128 measured: docs/scaling.md; 2^22 measured 416 MB), while
 * datasets up to 2 million rows get exact percentiles and duplicate counts.
 */
export const DEFAULT_EXACT_ROWS = 2 ** 21;

export interface ProfileState extends SketchedParts {
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
  /**
   * Distinct valid rows by 64-bit hash of their bits: all of them at hashLevel 0, else those whose
   * hash's first word has ≥ hashLevel leading zero bits (sketches.ts).
   */
  distinct: HashSet64;
  /** The rows of `distinct` seen more than once: how many times beyond the first. */
  repeats: HashCount64;
  /** Σ of the repeats' counts: the duplicate rows among the rows whose hash is in `distinct`'s region. */
  repeatRows: number;
  /** 0 (exact duplicates) or the level of the hash sample (a 2^-hashLevel share of the hashes). */
  hashLevel: number;
  /** The row budget (DEFAULT_EXACT_ROWS): above it norms and duplicates are sketched. */
  exactRows: number;
  /** The norms' sketch once validRows passed exactRows (then `norms` is empty), else null. */
  normSketch: NormSketch | null;
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
  /**
   * Valid rows in each range (one count per pair of `ranges`): `norms` holds them range after
   * range, so a merge puts the norms in global row order and their sums keep one-pass bits.
   */
  rangeValid: number[];
  /** Per-group sums of labelled rows (src/profile/labels.ts); absent or null without labels. */
  labels?: LabelState | null;
}

export interface StateOptions {
  dims: number;
  /** Sample size S (default 4096). */
  sampleSize?: number;
  /** Seed for the sample, 0 ≤ seed < 2^32 (default 0). */
  seed?: number;
  precision?: Precision;
  /** The row budget (default DEFAULT_EXACT_ROWS); a non-negative integer. */
  exactRows?: number;
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
  const exactRows = opts.exactRows ?? DEFAULT_EXACT_ROWS;
  if (!Number.isSafeInteger(exactRows) || exactRows < 0) {
    throw new UsageError(`the row budget (exactRows) must be an integer ≥ 0, got ${exactRows}`);
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
    repeats: new HashCount64(),
    repeatRows: 0,
    hashLevel: 0,
    exactRows,
    normSketch: null,
    moments: [],
    blockRows: blockRowsFor(d),
    sample: new BottomKSample(sampleSize, d),
    alignPairs: 0,
    ranges: [],
    rangeValid: [],
  };
}

/** Room for n norms. */
export function ensureNorms(s: ProfileState, n: number): void {
  if (n <= s.norms.length || s.normSketch) return;
  let cap = Math.max(1, s.norms.length);
  while (cap < n) cap *= 2;
  const next = new Float64Array(cap);
  next.set(s.norms.subarray(0, s.validRows));
  s.norms = next;
}

/** Adds [start, end) holding `valid` valid rows (their norms the last ones) to the row ranges. */
export function addRange(s: ProfileState, start: number, end: number, valid: number): void {
  if (end <= start) return;
  const r = s.ranges;
  const last = r.length - 2;
  if (last >= 0 && r[last + 1] === start) {
    r[last + 1] = end;
    s.rangeValid[s.rangeValid.length - 1] += valid;
    return;
  }
  if (last < 0 || r[last + 1] < start) {
    r.push(start, end);
    s.rangeValid.push(valid);
    return;
  }
  // rows before rows already seen: move their norms into row order
  const b = emptyState({ dims: s.dims, sampleSize: 2 });
  b.ranges = [start, end];
  b.rangeValid = [valid];
  b.norms = s.norms.slice(s.validRows - valid, s.validRows);
  b.validRows = valid;
  s.validRows -= valid;
  joinRanges(s, b);
  s.validRows += valid;
}

/**
 * Joins b's ranges and norms into a's (a.validRows counts a's norms; the caller updates it):
 * segments sorted by row, the norms laid out in that order, touching ranges coalesced.
 */
function joinRanges(a: ProfileState, b: ProfileState): void {
  type Seg = { start: number; end: number; valid: number; from: Float64Array; at: number };
  const segs: Seg[] = [];
  for (const s of [a, b]) {
    let at = 0;
    for (let i = 0; i < s.ranges.length; i += 2) {
      const valid = s.rangeValid[i / 2];
      segs.push({ start: s.ranges[i], end: s.ranges[i + 1], valid, from: s.norms, at });
      at += valid;
    }
  }
  segs.sort((x, y) => x.start - y.start || x.end - y.end);
  // sketched: the norms are in a.normSketch, only the ranges join
  const keep = a.normSketch === null;
  const norms = keep ? new Float64Array(Math.max(1024, a.validRows + b.validRows)) : new Float64Array(0);
  const ranges: number[] = [];
  const counts: number[] = [];
  let at = 0;
  for (const g of segs) {
    if (keep) norms.set(g.from.subarray(g.at, g.at + g.valid), at);
    at += g.valid;
    const n = ranges.length;
    if (n > 0 && g.start <= ranges[n - 1]) {
      ranges[n - 1] = Math.max(ranges[n - 1], g.end);
      counts[counts.length - 1] += g.valid;
    } else {
      ranges.push(g.start, g.end);
      counts.push(g.valid);
    }
  }
  a.norms = norms;
  a.ranges = ranges;
  a.rangeValid = counts;
}

/** The folded sums of every node (a fresh copy). */
export function totalsOf(s: ProfileState): Moments {
  return totalMoments(s.moments, s.dims);
}

/** Mean of the valid rows: origin + mean(x − origin) (times 2^scale: moments.ts, scale.ts). */
export function meanOf(s: ProfileState, t: Moments = totalsOf(s)): Float64Array {
  const m = new Float64Array(s.dims);
  if (t.origin) for (let j = 0; j < s.dims; j++) m[j] = t.origin[j] + t.meanRel[j];
  return scaleByPow2(m, t.scale);
}

/** The population covariance (1/n) of the valid rows, full d × d (±Inf where it exceeds float64). */
export function covarianceOf(s: ProfileState, t: Moments = totalsOf(s)): Float64Array {
  const { c, log2 } = scaledCovarianceOf(s, t);
  return scaleByPow2(c, log2);
}

/** A covariance as c·2^log2: c finite for any finite input (scale.ts). */
export interface ScaledCovariance {
  c: Float64Array;
  log2: number;
}

/** The population covariance of the valid rows as C·2^log2, log2 = 2·(the moments' scale). */
export function scaledCovarianceOf(s: ProfileState, t: Moments = totalsOf(s)): ScaledCovariance {
  const d = s.dims;
  const c = new Float64Array(d * d);
  const n = s.validRows;
  const log2 = 2 * t.scale;
  if (n === 0) return { c, log2: 0 };
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[i * d + j] = t.m2[i * d + j] / n;
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) c[j * d + i] = c[i * d + j];
  return { c, log2 };
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
  if ((a.labels ? 1 : 0) + (b.labels ? 1 : 0) === 1 && (a.labels ? b.rows : a.rows) > 0) {
    throw new UsageError("cannot merge a profile made with labels and one made without (--labels, --label-column)");
  }
  const na = a.validRows;
  if (b.precision === "mixed") a.precision = "mixed";
  // norms sketched if either part is or the sum passes the budget; hashes on the common level
  mergeSketchedParts(a, b);
  a.rows += b.rows;
  a.nullRows += b.nullRows;
  a.nanRows += b.nanRows;
  a.infRows += b.infRows;
  a.zeroRows += b.zeroRows;
  joinRanges(a, b);
  a.validRows = na + b.validRows;
  const list = [...a.moments, ...b.moments].sort((x, y) => x.lo - y.lo || x.hi - y.hi);
  normalize(list, a.blockRows);
  a.moments = list;
  a.sample.mergeFrom(b.sample);
  a.alignPairs += b.alignPairs;
  if (b.labels) a.labels = a.labels ? mergeLabels(a.labels, b.labels) : b.labels;
  return a;
}
