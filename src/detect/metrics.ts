/**
 * Every metric of METRICS.md, computed from a Profile (pure; no I/O).
 */
import { InputError } from "../errors.js";
import { eigh } from "../linalg/eigh.js";
import { pairDotsUpper } from "../linalg/kernels.js";
import { fastKernels } from "../linalg/wasm/fast.js";
import type { Profile } from "../profile/profile.js";
import { histogram, meanStd, percentileAt, percentileSorted } from "../profile/stats.js";
import type {
  AlignmentMetrics,
  CosineMetrics,
  IntegrityMetrics,
  NormMetrics,
  SpectrumMetrics,
  UniformityMetrics,
} from "../report/types.js";
import { spectrumMetrics } from "./spectrum.js";

export const NORM_BINS = 30;
export const COSINE_BINS = 40;
export const UNIFORMITY_T = 2;
export const ALIGNMENT_ALPHA = 2;

export interface Metrics {
  dims: number;
  integrity: IntegrityMetrics;
  norms: NormMetrics;
  cosine: CosineMetrics;
  uniformity: UniformityMetrics;
  alignment: AlignmentMetrics | null;
  spectrum: SpectrumMetrics;
  /** Every eigenvalue of the covariance, descending (the report keeps only 64 ratios; the HTML spectrum draws all d). */
  eigenvalues: Float64Array;
  sample: { rows: number; seed: number; indices: Float64Array };
  /** Seconds spent per stage. */
  timing: Record<string, number>;
}

export interface MetricsOptions {
  /** Label for errors (the input path). */
  file?: string;
  /** Clock for timings (injected so the core reads no global state); default: none recorded. */
  now?: () => number;
  /** Threads for the pairwise kernel (default: EMBCHECK_THREADS or every core; 0 = reference). */
  threads?: number;
}

export function integrityMetrics(p: Profile): IntegrityMetrics {
  return {
    rows: p.rows,
    validRows: p.validRows,
    nullRows: p.nullRows,
    nanRows: p.nanRows,
    infRows: p.infRows,
    zeroRows: p.zeroRows,
    duplicateRows: p.duplicateRows,
    duplicateShare: p.validRows > 0 ? p.duplicateRows / p.validRows : 0,
    invalidShare: p.rows > 0 ? (p.rows - p.validRows) / p.rows : 0,
  };
}

export function normMetrics(p: Profile): NormMetrics {
  const norms = p.norms();
  const [min, p1, p50, p99, max] = percentilesBySelection(norms, [0, 1, 50, 99, 100]);
  const { mean, std } = meanStd(norms);
  return {
    min,
    max,
    mean,
    std,
    cv: mean > 0 ? std / mean : 0,
    p1,
    p50,
    p99,
    histogram: histogram(norms, NORM_BINS),
  };
}

/** The sample's unit rows (m × d): u = x / ‖x‖ (division, as the oracle does). */
export function sampleUnitRows(p: Profile): { indices: Float64Array; units: Float64Array; m: number } {
  const { indices, values } = p.sample.rowsByIndex();
  const d = p.dims;
  const m = indices.length;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += values[i * d + j] * values[i * d + j];
    const norm = Math.sqrt(s);
    for (let j = 0; j < d; j++) values[i * d + j] /= norm;
  }
  return { indices, units: values, m };
}

/**
 * Cosines of every sampled pair, clipped to [−1, 1], in np.triu_indices order. `threads`: as in
 * ProfileOptions (0 = the reference kernel).
 */
export function sampledPairCosines(p: Profile, threads?: number): { cosines: Float64Array; indices: Float64Array } {
  const { indices, units, m } = sampleUnitRows(p);
  const fast = threads === 0 ? null : fastKernels(threads);
  const out = new Float64Array((m * (m - 1)) / 2);
  const c = fast ? fast.pairDotsUpper(units, m, p.dims, out) : pairDotsUpper(units, m, p.dims, out);
  for (let i = 0; i < c.length; i++) c[i] = Math.min(1, Math.max(-1, c[i]));
  return { cosines: c, indices };
}

export function cosineMetrics(p: Profile, cosines: Float64Array): CosineMetrics {
  const n = p.validRows;
  let s2 = 0;
  for (const v of p.unitSum) s2 += v * v;
  const [p5, p50, p95] = percentilesBySelection(cosines, [5, 50, 95]);
  const { mean, std } = meanStd(cosines);
  return {
    meanExact: (s2 - n) / (n * (n - 1)),
    meanVectorNorm: Math.min(1, Math.sqrt(s2) / n),
    sampledPairs: cosines.length,
    mean,
    std,
    p5,
    p50,
    p95,
    histogram: histogram(cosines, COSINE_BINS, [-1, 1]),
    isotropicStd: 1 / Math.sqrt(p.dims),
  };
}

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

/**
 * Wang & Isola (2020) uniformity, t = 2: log mean exp(−t‖u − v‖²) = log mean exp(4c − 4)
 * over the sampled pairs, summed as exp(4c − 4) directly (every term is in [e⁻⁸, 1]).
 */
export function uniformityMetrics(cosines: Float64Array): UniformityMetrics {
  let s = 0;
  for (let i = 0; i < cosines.length; i++) s += Math.exp(-UNIFORMITY_T * (2 - 2 * cosines[i]));
  return { value: Math.log(s / cosines.length), t: UNIFORMITY_T, sampledPairs: cosines.length };
}

export function alignmentMetrics(p: Profile, hasPairs: boolean): AlignmentMetrics | null {
  if (!hasPairs) return null;
  const k = p.alignPairs;
  return {
    value: k > 0 ? p.alignSqSum / k : 0,
    meanCosine: k > 0 ? p.alignCosSum / k : 0,
    pairs: k,
    alpha: ALIGNMENT_ALPHA,
  };
}

export function computeMetrics(p: Profile, hasPairs: boolean, opts: MetricsOptions = {}): Metrics {
  const now = opts.now;
  const timing: Record<string, number> = {};
  let t = now?.() ?? 0;
  const lap = (name: string) => {
    if (!now) return;
    const t1 = now();
    timing[name] = (t1 - t) / 1000;
    t = t1;
  };
  if (p.validRows < 2) {
    throw new InputError(
      `only ${p.validRows} valid row${p.validRows === 1 ? "" : "s"} of ${p.rows} (null ${p.nullRows}, NaN ${p.nanRows}, Inf ${p.infRows}, zero ${p.zeroRows})`,
      { file: opts.file },
      "embcheck needs at least 2 finite, non-zero rows",
    );
  }
  const integrity = integrityMetrics(p);
  const norms = normMetrics(p);
  lap("norms");
  const { cosines, indices } = sampledPairCosines(p, opts.threads);
  const cosine = cosineMetrics(p, cosines);
  const uniformity = uniformityMetrics(cosines);
  lap("pairs");
  const alignment = alignmentMetrics(p, hasPairs);
  const fastEig = opts.threads === 0 ? null : fastKernels(opts.threads);
  const { values } = fastEig ? fastEig.eigh(p.covariance(), p.dims) : eigh(p.covariance(), p.dims);
  const spectrum = { ...spectrumMetrics(values), precision: p.precision };
  lap("spectrum");
  return {
    dims: p.dims,
    integrity,
    norms,
    cosine,
    uniformity,
    alignment,
    spectrum,
    eigenvalues: values,
    sample: { rows: indices.length, seed: p.seed, indices },
    timing,
  };
}
