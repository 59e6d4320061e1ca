/**
 * The estimators on the sample's kNN graph (METRICS.md § hubness, § intrinsicDimension,
 * § outliers), as pure functions of the neighbour lists, so each is checked against its oracle
 * given the same lists (fixtures/scripts/make_knn_reference.py).
 */
import { percentileSorted } from "../profile/stats.js";

/** k of the neighbourhood metrics (Radovanović et al. 2010 report k = 5…10; scikit-hubness's default is 10). */
export const NEIGHBOURS_K = 10;
/** skdim.id.TwoNN's default: the largest 10 % of r2/r1 are left out of the fit (Facco et al. 2017). */
export const TWONN_DISCARD = 0.1;

/** N_k: how often each of the n rows occurs in the other rows' lists (ids −1 ignored). */
export function kOccurrence(ids: Int32Array, n: number): Float64Array {
  const nk = new Float64Array(n);
  for (let i = 0; i < ids.length; i++) if (ids[i] >= 0) nk[ids[i]]++;
  return nk;
}

export interface HubnessStats {
  skewness: number;
  hubShare: number;
  antihubShare: number;
  robinHood: number;
  maxOccurrence: number;
}

/**
 * scikit-hubness's measures of N_k (Feldbauer et al. 2018): skewness = m₃ / m₂^{3/2} with central
 * moments about the mean (scipy.stats.skew, bias=True; 0 when every row occurs equally often);
 * hubs N_k > 2k and anti-hubs N_k = 0 as shares of the rows; Robin Hood index
 * ½·Σ|N_k − mean| / Σ N_k (the share of occurrences to move for an even spread).
 */
export function hubnessStats(nk: Float64Array, k: number): HubnessStats {
  const n = nk.length;
  let sum = 0;
  let max = 0;
  let hubs = 0;
  let anti = 0;
  for (const v of nk) {
    sum += v;
    if (v > max) max = v;
    if (v > 2 * k) hubs++;
    if (v === 0) anti++;
  }
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let dev = 0;
  for (const v of nk) {
    const c = v - mean;
    m2 += c * c;
    m3 += c * c * c;
    dev += Math.abs(c);
  }
  m2 /= n;
  m3 /= n;
  return {
    skewness: m2 > 0 ? m3 / m2 ** 1.5 : 0,
    hubShare: hubs / n,
    antihubShare: anti / n,
    robinHood: sum > 0 ? (0.5 * dev) / sum : 0,
    maxOccurrence: max,
  };
}

/** The `count` rows of largest N_k (ties to the lower position), as positions into nk. */
export function topByOccurrence(nk: Float64Array, count: number): number[] {
  const order = Array.from(nk.keys()).sort((a, b) => nk[b] - nk[a] || a - b);
  return order.slice(0, count);
}

export interface TwoNNResult {
  dimension: number;
  /** Rows whose r2/r1 entered the fit. */
  fitted: number;
  /** Rows left out because their nearest neighbour is at distance 0 (a duplicate): r2/r1 is undefined. */
  duplicates: number;
}

/**
 * TwoNN (Facco et al. 2017) as skdim.id.TwoNN computes it: μ = r₂/r₁ from each row's two nearest
 * Euclidean distances, the N μ sorted ascending, the smallest ⌊N(1 − discard)⌋ kept, F_i = i/N,
 * and the slope through the origin of −log(1 − F) on log μ (least squares: Σxy / Σx²). Unlike
 * skdim, rows with r₁ = 0 are left out (skdim's μ is infinite there) and N counts the rest.
 */
export function twoNN(r1: Float64Array, r2: Float64Array, discard = TWONN_DISCARD): TwoNNResult {
  const mus: number[] = [];
  for (let i = 0; i < r1.length; i++) if (r1[i] > 0) mus.push(r2[i] / r1[i]);
  const n = mus.length;
  const duplicates = r1.length - n;
  mus.sort((a, b) => a - b);
  const keep = Math.floor(n * (1 - discard));
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < keep; i++) {
    const x = Math.log(mus[i]);
    const y = -Math.log(1 - (i + 1) / n);
    sxy += x * y;
    sxx += x * x;
  }
  return { dimension: sxx > 0 ? sxy / sxx : Number.NaN, fitted: keep, duplicates };
}

export interface OutlierStats {
  /** Per row: the mean cosine distance (1 − cos) to its k neighbours. */
  scores: Float64Array;
  q1: number;
  q3: number;
  /** Q3 + 1.5·IQR: a row scoring above it is an outlier. */
  limit: number;
  /** Positions of the outliers, highest score first (ties to the lower position). */
  outliers: number[];
}

/**
 * Cleanlab's outlier rule (Kuan & Mueller 2022, cleanlab.outlier): a row's score is its mean
 * distance to its k nearest neighbours, and a score above Q3 + 1.5·IQR of the scores (Tukey's
 * fence; np.percentile, linear) marks an outlier. `cos` is m × k cosines (non-finite entries skipped).
 */
export function outlierStats(cos: Float64Array, m: number, k: number): OutlierStats {
  const scores = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    let c = 0;
    for (let t = 0; t < k; t++) {
      const v = cos[i * k + t];
      // NaN: no neighbour; ±Infinity: a cosine whose dot product overflowed (entries near the
      // float64 maximum); neither is a distance
      if (!Number.isFinite(v)) continue;
      s += 1 - v;
      c++;
    }
    scores[i] = c > 0 ? s / c : 0;
  }
  const sorted = Float64Array.from(scores).sort();
  const q1 = percentileSorted(sorted, 25);
  const q3 = percentileSorted(sorted, 75);
  const limit = q3 + 1.5 * (q3 - q1);
  const outliers: number[] = [];
  for (let i = 0; i < m; i++) if (scores[i] > limit) outliers.push(i);
  outliers.sort((a, b) => scores[b] - scores[a] || a - b);
  return { scores, q1, q3, limit, outliers };
}
