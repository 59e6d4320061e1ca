/**
 * Symmetric eigendecomposition: Householder tridiagonalisation (tred2) and the implicit QL
 * algorithm (tql2), ported from JAMA's EigenvalueDecomposition (public domain; itself from the
 * EISPACK routines tred2/tql2, Bowdler, Martin, Reinsch & Wilkinson, Handbook for Auto. Comp.,
 * Vol. II). Written on flat Float64Arrays instead of ml-matrix's number[][] so that a 3072 × 3072
 * covariance needs no array-of-rows copy (CONVENTIONS.md: one matrix type).
 * NumPy: np.linalg.eigh(A) (values descending here, not ascending).
 */
import { InternalError } from "../errors.js";

export interface Eigen {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /**
   * Row i (length n) is the unit eigenvector of values[i], sign-canonical: its entry of largest
   * magnitude is positive (like scikit-learn's svd_flip), so output is deterministic.
   */
  vectors?: Float64Array;
}

/** Eigenvalues (and optionally eigenvectors) of the symmetric n × n row-major matrix `a` (not modified). */
export function eigh(a: Float64Array, n: number, opts: { vectors?: boolean } = {}): Eigen {
  const wantVectors = opts.vectors ?? false;
  if (n === 0) return { values: new Float64Array(0), vectors: wantVectors ? new Float64Array(0) : undefined };
  const V = Float64Array.from(a.subarray(0, n * n));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, n, d, e, wantVectors);
  // tql2 rotates columns of V; work on W = Vᵀ so each rotation touches two contiguous rows.
  const W = wantVectors ? transposeSquare(V, n) : null;
  tql2(n, d, e, W ? (top, count, cs, ss) => rotateRows(W, n, top, count, cs, ss) : undefined);
  return sortedEigen(n, d, W);
}

/**
 * The eigenpairs in descending order of value (ties by index), each vector's largest entry made
 * positive: d holds the values, row j of W (n × n, or null) the vector of d[j]. Shared by the
 * reference and the WebAssembly eigensolvers, so both give the same order and signs.
 */
export function sortedEigen(n: number, d: Float64Array, W: Float64Array | null): Eigen {
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = d[order[i]];
  if (!W) return { values };
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const src = order[i] * n;
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(W[src + k]) > Math.abs(W[src + big])) big = k;
    const sign = W[src + big] < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[i * n + k] = sign * W[src + k];
  }
  return { values, vectors };
}

function transposeSquare(V: Float64Array, n: number): Float64Array {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[j * n + i] = V[i * n + j];
  return W;
}

/** Householder reduction to tridiagonal form: diagonal in d, sub-diagonal in e[1..n-1]. */
function tred2(V: Float64Array, n: number, d: Float64Array, e: Float64Array, accumulate: boolean): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = V[k * n + j];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    for (let j = 0; j < n; j++) d[j] = V[j * n + j];
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * Called after each QL step with its rotations: rotation t (t < count) acts on rows top − t and
 * top − t + 1 of W = Vᵀ with cosine cs[t] and sine ss[t] (the arrays are reused: copy what you keep).
 */
export type RotationSink = (top: number, count: number, cs: Float64Array, ss: Float64Array) => void;

/** Applies one QL step's rotations to the rows of W (n × n), in order (JAMA's tql2 inner update). */
export function rotateRows(
  W: Float64Array,
  n: number,
  top: number,
  count: number,
  cs: Float64Array,
  ss: Float64Array,
): void {
  for (let t = 0; t < count; t++) {
    const c = cs[t];
    const s = ss[t];
    const ri = (top - t) * n;
    const rj = ri + n;
    for (let k = 0; k < n; k++) {
      const wh = W[rj + k];
      const wi = W[ri + k];
      W[rj + k] = s * wi + c * wh;
      W[ri + k] = c * wi - s * wh;
    }
  }
}

/**
 * Implicit QL on the tridiagonal (d, e): eigenvalues in d. The rotations of each step go to `onStep`
 * (to rotate the eigenvectors), after the step's scalar work, which they do not affect.
 */
export function tql2(n: number, d: Float64Array, e: Float64Array, onStep?: RotationSink): void {
  const cs = onStep ? new Float64Array(n) : null;
  const ss = onStep ? new Float64Array(n) : null;
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  const maxIter = 60 * n + 100;
  let iterations = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      do {
        if (++iterations > maxIter) throw new InternalError("eigh: the QL iteration did not converge");
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        let count = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (cs && ss) {
            cs[count] = c;
            ss[count] = s;
            count++;
          }
        }
        if (onStep && cs && ss) onStep(m - 1, count, cs, ss);
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
