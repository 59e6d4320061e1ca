/**
 * Drift measured exactly from two profiles' moments (no sampling): the shift of the centroid, the
 * Fréchet distance between the Gaussians fitted by mean and covariance, and the dimensions whose
 * mean or variance moved most. Pure; the eigensolver comes from the kernels.
 */
import type { Kernels } from "../linalg/backend.js";

export interface Moments2 {
  /** Valid rows. */
  n: number;
  mean: Float64Array;
  /** Population covariance (1/n), full d × d. */
  cov: Float64Array;
}

export interface CentroidShift {
  /** 1 − cos(μ_A, μ_B): SciPy's `cosine(μ_A, μ_B)`, Evidently's "distance" method with dist="cosine". */
  cosineDistance: number;
  /** ‖μ_B − μ_A‖. */
  euclidean: number;
  /** ‖μ_B − μ_A‖ / s, with s² = (n_A·Tr Σ_A + n_B·Tr Σ_B)/(n_A + n_B) the pooled mean squared distance to the centroid. */
  euclideanRms: number;
  /** ‖μ_A‖ / √Tr Σ_A and ‖μ_B‖ / √Tr Σ_B: how far each centroid sits from the origin, in its RMS spreads. */
  offsetA: number;
  offsetB: number;
}

export interface FrechetDistance {
  /** ‖μ_A − μ_B‖² + Tr(Σ_A + Σ_B − 2(Σ_A^{1/2} Σ_B Σ_A^{1/2})^{1/2}) (Dowson & Landau 1982; FID). */
  value: number;
  /** The mean term ‖μ_A − μ_B‖². */
  meanTerm: number;
  /** The covariance term Tr(Σ_A + Σ_B − 2(Σ_A^{1/2} Σ_B Σ_A^{1/2})^{1/2}). */
  covarianceTerm: number;
  /** value / (Tr Σ_A + Tr Σ_B): 0 = same Gaussian; scale-free. */
  relative: number;
}

export interface DimensionShift {
  dim: number;
  meanA: number;
  meanB: number;
  varA: number;
  varB: number;
  /** (μ_B − μ_A) / √((σ²_A + σ²_B)/2): the standardised mean difference (Cohen's d). */
  meanShift: number;
  /** ln(σ²_B / σ²_A). */
  logVarRatio: number;
}

export interface DimensionShifts {
  /** The dims with the largest |meanShift|, largest first (at most `top`). */
  byMean: DimensionShift[];
  /** The dims with the largest |logVarRatio|, largest first. */
  byVariance: DimensionShift[];
  /** max |meanShift| and max |logVarRatio| over all dims. */
  maxMeanShift: number;
  maxLogVarRatio: number;
}

const trace = (c: Float64Array, d: number) => {
  let t = 0;
  for (let i = 0; i < d; i++) t += c[i * d + i];
  return t;
};

export function centroidShift(a: Moments2, b: Moments2, d: number): CentroidShift {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  let diff2 = 0;
  for (let j = 0; j < d; j++) {
    const x = a.mean[j];
    const y = b.mean[j];
    ab += x * y;
    aa += x * x;
    bb += y * y;
    diff2 += (y - x) * (y - x);
  }
  const denom = Math.sqrt(aa) * Math.sqrt(bb);
  // SciPy's cosine distance: 1 − u·v/(‖u‖‖v‖), clipped to [0, 2]
  const cosineDistance = denom > 0 ? Math.min(2, Math.max(0, 1 - ab / denom)) : 0;
  const pooled = (a.n * trace(a.cov, d) + b.n * trace(b.cov, d)) / (a.n + b.n);
  const euclidean = Math.sqrt(diff2);
  const offset = (mm: Moments2, nn: number) => {
    const t = trace(mm.cov, d);
    return t > 0 ? Math.sqrt(nn) / Math.sqrt(t) : nn > 0 ? Number.POSITIVE_INFINITY : 0;
  };
  return {
    cosineDistance,
    euclidean,
    euclideanRms: pooled > 0 ? euclidean / Math.sqrt(pooled) : 0,
    offsetA: offset(a, aa),
    offsetB: offset(b, bb),
  };
}

/** C (m × m) = X Yᵀ for X (m × d), Y (m × d) row-major: rows dotted with rows. */
function rowProducts(X: Float64Array, Y: Float64Array, m: number, d: number): Float64Array {
  const C = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const xi = i * d;
    for (let j = 0; j < m; j++) {
      const yj = j * d;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < d; k += 2) {
        s0 += X[xi + k] * Y[yj + k];
        s1 += X[xi + k + 1] * Y[yj + k + 1];
      }
      if (k < d) s0 += X[xi + k] * Y[yj + k];
      C[i * m + j] = s0 + s1;
    }
  }
  return C;
}

/**
 * The Fréchet distance between N(μ_A, Σ_A) and N(μ_B, Σ_B). With Σ_A = E_Aᵀ Λ_A E_A and
 * Σ_B = E_Bᵀ Λ_B E_B (symmetric eigendecompositions, negative rounding clipped to 0),
 * Tr (Σ_A^{1/2} Σ_B Σ_A^{1/2})^{1/2} is the nuclear norm of W = Λ_A^{1/2} E_A E_Bᵀ Λ_B^{1/2}, i.e.
 * Σ √eig(W Wᵀ): only symmetric positive semi-definite eigenproblems, never the square root of the
 * non-symmetric Σ_A Σ_B that scipy.linalg.sqrtm takes. NumPy: see fixtures/scripts/compare_oracle.py.
 */
export function frechetDistance(a: Moments2, b: Moments2, d: number, kernels: Pick<Kernels, "eigh">): FrechetDistance {
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (a.mean[j] - b.mean[j]) ** 2;
  const ea = kernels.eigh(a.cov, d, { vectors: true });
  const eb = kernels.eigh(b.cov, d, { vectors: true });
  const va = ea.vectors as Float64Array;
  const vb = eb.vectors as Float64Array;
  const W = rowProducts(va, vb, d, d);
  for (let i = 0; i < d; i++) {
    const si = Math.sqrt(Math.max(0, ea.values[i]));
    for (let j = 0; j < d; j++) W[i * d + j] *= si * Math.sqrt(Math.max(0, eb.values[j]));
  }
  const M = rowProducts(W, W, d, d);
  const mu = kernels.eigh(M, d).values;
  let nuclear = 0;
  for (let i = 0; i < d; i++) nuclear += Math.sqrt(Math.max(0, mu[i]));
  const tr = trace(a.cov, d) + trace(b.cov, d);
  const covarianceTerm = Math.max(0, tr - 2 * nuclear);
  const value = meanTerm + covarianceTerm;
  return { value, meanTerm, covarianceTerm, relative: tr > 0 ? value / tr : 0 };
}

/** Per-dimension mean and variance shifts, the `top` largest of each. */
export function dimensionShifts(a: Moments2, b: Moments2, d: number, top = 10): DimensionShifts {
  const all: DimensionShift[] = [];
  for (let j = 0; j < d; j++) {
    const varA = a.cov[j * d + j];
    const varB = b.cov[j * d + j];
    const pooled = Math.sqrt((varA + varB) / 2);
    const delta = b.mean[j] - a.mean[j];
    const meanShift = pooled > 0 ? delta / pooled : delta === 0 ? 0 : Number.POSITIVE_INFINITY * Math.sign(delta);
    const logVarRatio = varA > 0 && varB > 0 ? Math.log(varB / varA) : varA === varB ? 0 : Number.POSITIVE_INFINITY;
    all.push({ dim: j, meanA: a.mean[j], meanB: b.mean[j], varA, varB, meanShift, logVarRatio });
  }
  const by = (f: (s: DimensionShift) => number) =>
    [...all].sort((x, y) => Math.abs(f(y)) - Math.abs(f(x)) || x.dim - y.dim).slice(0, top);
  const byMean = by((s) => s.meanShift);
  const byVariance = by((s) => s.logVarRatio);
  return {
    byMean,
    byVariance,
    maxMeanShift: byMean.length > 0 ? Math.abs(byMean[0].meanShift) : 0,
    maxLogVarRatio: byVariance.length > 0 ? Math.abs(byVariance[0].logVarRatio) : 0,
  };
}
