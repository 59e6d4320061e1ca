/**
 * The eigendecomposition of a covariance that has few non-zero eigenvalues. The covariance of n
 * rows has rank at most r = n − 1 (centring), so when r is well below d the d × d solve
 * (tred2/tql2: ~(4/3)·d³ flops, minutes at d = 8192) spends nearly all its time on zeros. Instead,
 * Rayleigh–Ritz on a subspace that holds the range of C (Halko, Martinsson & Tropp 2011, §4.1 and
 * §5.2: the randomized range finder; with ℓ = r + 8 columns it captures a rank-r range exactly, up
 * to rounding): Y = C·Ω for a seeded Gaussian d × ℓ matrix Ω, Q = orth(Y), B = Qᵀ·C·Q (ℓ × ℓ),
 * B = S Θ Sᵀ; then C's top eigenpairs are (Θ, Q·S) and its other d − ℓ eigenvalues are 0.
 * Cost 2·d²·ℓ + O(d·ℓ²) flops (seconds at 50 × 8192) and d·ℓ doubles of memory beyond C.
 * NumPy: np.linalg.eigh(C) reversed, the top ℓ pairs (test/linalg/lowrank.test.ts).
 */
import type { Kernels } from "./backend.js";
import { type Eigen, eigh as smallEigh } from "./eigh.js";

/** Extra columns over the rank bound (Halko et al.'s oversampling p; 5–10 suffices). */
const OVERSAMPLE = 8;

/**
 * Whether the low-rank path pays: ℓ = r + OVERSAMPLE columns at most a quarter of d (beyond, the
 * two d²·ℓ products approach the full solve's cost and the full solve gives every vector).
 */
export function lowRankColumns(rankBound: number, d: number): number | null {
  const l = Math.max(1, rankBound) + OVERSAMPLE;
  return 4 * l <= d ? l : null;
}

export interface CovarianceEigen extends Eigen {
  /** The rows of `vectors` (d when every eigenvector is there, else the top ℓ). */
  count: number;
}

/**
 * Eigenvalues (descending, d of them) and optionally the eigenvectors of the symmetric d × d `C`
 * whose rank is at most `rankBound`: the low-rank path when lowRankColumns says it pays (then
 * vectors holds the top ℓ only: `count`), else `kernels.eigh` (every vector). `needAll` forces the
 * full solve (a step that needs every direction).
 */
export function covarianceEigen(
  C: Float64Array,
  d: number,
  rankBound: number,
  kernels: Kernels,
  opts: { vectors?: boolean; needAll?: boolean } = {},
): CovarianceEigen {
  const l = opts.needAll ? null : lowRankColumns(rankBound, d);
  if (l === null) {
    const e = kernels.eigh(C, d, { vectors: opts.vectors });
    return { ...e, count: opts.vectors ? d : 0 };
  }
  return lowRankEigen(C, d, l, opts.vectors ?? false);
}

/**
 * Y (d × l) = A·X for the symmetric d × d A and X (d × l), both row-major: dot products of A's rows
 * with Xᵀ's rows, two by two (four float64 accumulators in registers: ~3.5× the plain loop in V8).
 */
function symmetricTimes(A: Float64Array, d: number, X: Float64Array, l: number): Float64Array {
  const XT = new Float64Array(l * d);
  for (let k = 0; k < d; k++) for (let j = 0; j < l; j++) XT[j * d + k] = X[k * l + j];
  const Y = new Float64Array(d * l);
  for (let i = 0; i < d; i += 2) {
    const r0 = i * d;
    const two = i + 1 < d;
    const r1 = two ? r0 + d : r0;
    for (let j = 0; j < l; j += 2) {
      const x0 = j * d;
      const x1 = j + 1 < l ? x0 + d : x0;
      let a = 0;
      let b = 0;
      let c = 0;
      let e = 0;
      for (let k = 0; k < d; k++) {
        const c0 = A[r0 + k];
        const c1 = A[r1 + k];
        const p = XT[x0 + k];
        const q = XT[x1 + k];
        a += c0 * p;
        b += c0 * q;
        c += c1 * p;
        e += c1 * q;
      }
      Y[i * l + j] = a;
      if (j + 1 < l) Y[i * l + j + 1] = b;
      if (two) {
        Y[(i + 1) * l + j] = c;
        if (j + 1 < l) Y[(i + 1) * l + j + 1] = e;
      }
    }
  }
  return Y;
}

/** Orthonormalises the columns of Y (d × l) in place: modified Gram–Schmidt, twice (Giraud et al. 2005). */
function orthonormalColumns(Y: Float64Array, d: number, l: number): void {
  for (let j = 0; j < l; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += Y[i * l + p] * Y[i * l + j];
        for (let i = 0; i < d; i++) Y[i * l + j] -= dot * Y[i * l + p];
      }
    }
    let s = 0;
    for (let i = 0; i < d; i++) s += Y[i * l + j] * Y[i * l + j];
    const norm = Math.sqrt(s);
    // a column that vanished (C has rank below l): a zero column adds nothing to B
    for (let i = 0; i < d; i++) Y[i * l + j] = norm > 0 ? Y[i * l + j] / norm : 0;
  }
}

/** Seeded standard normal values (xorshift32 and Box–Muller): Ω is the same on every run. */
function gaussian(count: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

function lowRankEigen(C: Float64Array, d: number, l: number, wantVectors: boolean): CovarianceEigen {
  const Q = symmetricTimes(C, d, gaussian(d * l, 0x9e3779b9), l);
  orthonormalColumns(Q, d, l);
  const CQ = symmetricTimes(C, d, Q, l);
  const B = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += Q[i * l + a] * CQ[i * l + b];
      B[a * l + b] = s;
    }
  }
  for (let a = 0; a < l; a++) for (let b = 0; b < a; b++) B[a * l + b] = B[b * l + a];
  // a small solve: the reference's eigh (the same on every backend)
  const small = smallEigh(B, l, { vectors: wantVectors });
  const values = new Float64Array(d);
  values.set(small.values.subarray(0, Math.min(l, d)));
  if (!wantVectors) return { values, count: 0 };
  const S = small.vectors as Float64Array;
  const vectors = new Float64Array(l * d);
  for (let t = 0; t < l; t++) {
    // vector t = Q · S[t] (S's rows are B's eigenvectors)
    let big = 0;
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += Q[i * l + a] * S[t * l + a];
      vectors[t * d + i] = s;
      if (Math.abs(s) > Math.abs(vectors[t * d + big])) big = i;
    }
    // sign-canonical as eigh: the entry of largest magnitude positive
    if (vectors[t * d + big] < 0) for (let i = 0; i < d; i++) vectors[t * d + i] = -vectors[t * d + i];
  }
  return { values, vectors, count: l };
}
