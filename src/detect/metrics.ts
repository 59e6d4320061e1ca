/**
 * Every metric of METRICS.md, computed from a Profile (pure; no I/O).
 */
import { InputError } from "../errors.js";
import { eigh } from "../linalg/eigh.js";
import { pairDotsUpper } from "../linalg/kernels.js";
import { fastKernels } from "../linalg/wasm/fast.js";
import type { Profile } from "../profile/profile.js";
import { histogram, meanStd, percentileSorted } from "../profile/stats.js";
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
  const sorted = Float64Array.from(norms).sort();
  const { mean, std } = meanStd(norms);
  return {
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean,
    std,
    cv: mean > 0 ? std / mean : 0,
    p1: percentileSorted(sorted, 1),
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
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
 * percentileSorted(sort(values), q) for each q, without sorting all of them: the two order
 * statistics each percentile interpolates are found by quickselect on a copy (the same values a
 * full sort puts there, so the same result). Falls back to the sort when a NaN is present.
 */
export function percentilesBySelection(values: Float64Array, qs: number[]): number[] {
  const n = values.length;
  const a = Float64Array.from(values);
  for (let i = 0; i < n; i++) if (Number.isNaN(a[i])) return qs.map((q) => percentileSorted(a.sort(), q));
  // the positions each percentile reads (percentileSorted's previous and previous + 1)
  const want = new Set<number>();
  for (const q of qs) {
    const v = (n - 1) * (q / 100);
    const lo = Math.max(0, Math.floor(v));
    want.add(Math.min(lo, n - 1));
    if (lo + 1 < n) want.add(lo + 1);
  }
  const sparse = new Float64Array(n).fill(Number.NaN);
  const ks = [...want].sort((x, y) => x - y);
  let left = 0;
  for (const k of ks) {
    if (k < left) continue;
    quickselect(a, k, left, n - 1);
    sparse[k] = a[k];
    left = k + 1;
  }
  // a[left..] is not ordered, but every k was fixed in turn with all smaller ranks to its left
  return qs.map((q) => percentileSorted(sparse, q));
}

/** Rearranges a[lo..hi] so that a[k] is the value a sort would put there (Hoare partition). */
function quickselect(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    const mid = lo + ((hi - lo) >> 1);
    // median of three as the pivot
    let x = a[lo];
    let y = a[mid];
    let z = a[hi];
    if (x > y) [x, y] = [y, x];
    if (y > z) [y, z] = [z, y];
    if (x > y) [x, y] = [y, x];
    const pivot = y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
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
    sample: { rows: indices.length, seed: p.seed, indices },
    timing,
  };
}
