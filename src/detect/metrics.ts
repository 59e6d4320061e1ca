/**
 * Every metric of METRICS.md, computed from a Profile (pure; no I/O).
 */
import { InputError } from "../errors.js";
import { eigh } from "../linalg/eigh.js";
import { pairDotsUpper } from "../linalg/kernels.js";
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

/** Cosines of every sampled pair, clipped to [−1, 1], in np.triu_indices order. */
export function sampledPairCosines(p: Profile): { cosines: Float64Array; indices: Float64Array } {
  const { indices, units, m } = sampleUnitRows(p);
  const c = pairDotsUpper(units, m, p.dims, new Float64Array((m * (m - 1)) / 2));
  for (let i = 0; i < c.length; i++) c[i] = Math.min(1, Math.max(-1, c[i]));
  return { cosines: c, indices };
}

export function cosineMetrics(p: Profile, cosines: Float64Array): CosineMetrics {
  const n = p.validRows;
  let s2 = 0;
  for (const v of p.unitSum) s2 += v * v;
  const sorted = Float64Array.from(cosines).sort();
  const { mean, std } = meanStd(cosines);
  return {
    meanExact: (s2 - n) / (n * (n - 1)),
    meanVectorNorm: Math.min(1, Math.sqrt(s2) / n),
    sampledPairs: cosines.length,
    mean,
    std,
    p5: percentileSorted(sorted, 5),
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    histogram: histogram(cosines, COSINE_BINS, [-1, 1]),
    isotropicStd: 1 / Math.sqrt(p.dims),
  };
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
  const { cosines, indices } = sampledPairCosines(p);
  const cosine = cosineMetrics(p, cosines);
  const uniformity = uniformityMetrics(cosines);
  lap("pairs");
  const alignment = alignmentMetrics(p, hasPairs);
  const { values } = eigh(p.covariance(), p.dims);
  const spectrum = spectrumMetrics(values);
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
