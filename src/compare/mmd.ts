/**
 * Maximum mean discrepancy between two samples (Gretton et al. 2012, JMLR 13, eq. 3: the unbiased
 * MMD²_u) with the RBF kernel k(x, y) = exp(−‖x − y‖² / σ²) and σ the median of the distances
 * between the two samples (the "median heuristic"), as Evidently's `mmd` embedding-drift method
 * computes it (src/evidently/metrics/data_drift/embedding_drift_methods.py: gamma = 1 / median²).
 * The p-value is a permutation test over the pooled rows. Pure; the pair dot products come from the
 * kernels. NumPy/scikit-learn: fixtures/scripts/compare_oracle.py (pairwise_kernels "rbf").
 */
import type { Kernels } from "../linalg/backend.js";
import { mulberry32 } from "../linalg/random.js";

export interface MmdResult {
  /** MMD²_u (may be slightly negative under no drift; Evidently reports max(0, ·)). */
  mmd2: number;
  /** σ² = median² of the cross-sample distances. */
  sigma2: number;
  /** (1 + #{permuted MMD²_u ≥ observed}) / (1 + permutations). */
  pValue: number;
  permutations: number;
  rowsA: number;
  rowsB: number;
}

/** The median of `v` (sorted in place): the mean of the two middle values for an even count, as np.median. */
export function median(v: Float64Array): number {
  v.sort();
  const n = v.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/** MMD²_u of the pooled rows split by `inB` (0/1 per row), from the upper-triangle kernel values. */
function mmdOf(K: Float64Array, N: number, inB: Uint8Array, m: number, n: number): number {
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let at = 0;
  for (let i = 0; i < N; i++) {
    const bi = inB[i];
    for (let j = i + 1; j < N; j++) {
      const k = K[at++];
      const bj = inB[j];
      if (bi !== bj) sxy += k;
      else if (bi === 0) sxx += k;
      else syy += k;
    }
  }
  return (2 * sxx) / (m * (m - 1)) + (2 * syy) / (n * (n - 1)) - (2 * sxy) / (m * n);
}

/**
 * MMD²_u of A (m × d) against B (n × d), float64 rows, m, n ≥ 2. Squared distances as
 * scikit-learn's euclidean_distances takes them (‖x‖² + ‖y‖² − 2x·y, clipped at 0).
 */
export function mmdTest(
  A: Float64Array,
  m: number,
  B: Float64Array,
  n: number,
  d: number,
  kernels: Pick<Kernels, "pairDotsUpper">,
  opts: { permutations?: number; seed?: number } = {},
): MmdResult {
  const N = m + n;
  const Z = new Float64Array(N * d);
  Z.set(A.subarray(0, m * d));
  Z.set(B.subarray(0, n * d), m * d);
  const sq = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Z[i * d + j] * Z[i * d + j];
    sq[i] = s;
  }
  const K = kernels.pairDotsUpper(Z, N, d, new Float64Array((N * (N - 1)) / 2));
  const cross = new Float64Array(m * n);
  let at = 0;
  let c = 0;
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const d2 = Math.max(0, sq[i] + sq[j] - 2 * K[at]);
      K[at++] = d2;
      if (i < m && j >= m) cross[c++] = Math.sqrt(d2);
    }
  }
  const med = median(cross);
  const sigma2 = med * med;
  const gamma = sigma2 > 0 ? 1 / sigma2 : 1;
  for (let i = 0; i < K.length; i++) K[i] = Math.exp(-gamma * K[i]);
  const inB = new Uint8Array(N);
  inB.fill(1, m);
  const mmd2 = mmdOf(K, N, inB, m, n);
  const permutations = opts.permutations ?? 100;
  const rand = mulberry32(opts.seed ?? 0);
  let above = 0;
  const perm = Uint8Array.from(inB);
  for (let p = 0; p < permutations; p++) {
    // Fisher–Yates shuffle of the labels
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    if (mmdOf(K, N, perm, m, n) >= mmd2) above++;
  }
  return { mmd2, sigma2, pValue: (1 + above) / (1 + permutations), permutations, rowsA: m, rowsB: n };
}
