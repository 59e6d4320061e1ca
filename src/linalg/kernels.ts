/**
 * Reference kernels: plain TypeScript over flat typed arrays, float64 accumulation.
 * These are the oracle every faster backend must match. Each states the NumPy it equals.
 */
import type { FloatArray } from "./matrix.js";

/**
 * out[i] = ‖x_i‖₂ for each of `rows` rows of length `cols`, accumulated in float64.
 * NumPy: np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))
 */
export function rowNorms(data: FloatArray, rows: number, cols: number, out: Float64Array): Float64Array {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const base = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[base + j];
      s += v * v;
    }
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Σ_j a[ao + j] · b[bo + j] for j < n, in float64. NumPy: a @ b */
export function dot(a: FloatArray, ao: number, b: FloatArray, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[ao + j] * b[bo + j];
    s1 += a[ao + j + 1] * b[bo + j + 1];
    s2 += a[ao + j + 2] * b[bo + j + 2];
    s3 += a[ao + j + 3] * b[bo + j + 3];
  }
  for (; j < n; j++) s0 += a[ao + j] * b[bo + j];
  return s0 + s1 + s2 + s3;
}

/** out (cols × rows) = transpose of x (rows × cols). NumPy: x.T.copy() */
export function transpose(x: FloatArray, rows: number, cols: number, out: Float64Array): Float64Array {
  const TB = 32;
  for (let i0 = 0; i0 < rows; i0 += TB) {
    const i1 = Math.min(rows, i0 + TB);
    for (let j0 = 0; j0 < cols; j0 += TB) {
      const j1 = Math.min(cols, j0 + TB);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[i * cols + j];
      }
    }
  }
  return out;
}

/**
 * Gram of the columns of a transposed block: C[i·d + j] += Σ_r yt[i·k + r] · yt[j·k + r] for i ≤ j
 * (upper triangle only; call `symmetrize` when done). `yt` is d × k (a chunk transposed).
 * NumPy: C += np.triu(Y.T @ Y) with Y = yt.T.
 * Register-blocked 4×4 over (i, j), streaming over r in panels that stay in L1.
 */
export function syrkUpperT(yt: Float64Array, d: number, k: number, C: Float64Array): void {
  const KB = 256;
  for (let r0 = 0; r0 < k; r0 += KB) {
    const r1 = Math.min(k, r0 + KB);
    let i = 0;
    for (; i + 3 < d; i += 4) {
      const a0 = i * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      let j = i;
      for (; j + 3 < d; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0;
        let c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0;
        let c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        for (let r = r0; r < r1; r++) {
          const x0 = yt[a0 + r],
            x1 = yt[a1 + r],
            x2 = yt[a2 + r],
            x3 = yt[a3 + r];
          const y0 = yt[b0 + r],
            y1 = yt[b1 + r],
            y2 = yt[b2 + r],
            y3 = yt[b3 + r];
          c00 += x0 * y0;
          c01 += x0 * y1;
          c02 += x0 * y2;
          c03 += x0 * y3;
          c10 += x1 * y0;
          c11 += x1 * y1;
          c12 += x1 * y2;
          c13 += x1 * y3;
          c20 += x2 * y0;
          c21 += x2 * y1;
          c22 += x2 * y2;
          c23 += x2 * y3;
          c30 += x3 * y0;
          c31 += x3 * y1;
          c32 += x3 * y2;
          c33 += x3 * y3;
        }
        let o = i * d + j;
        if (j === i) {
          // diagonal block: only its upper triangle, so nothing below the diagonal is touched
          C[o] += c00;
          C[o + 1] += c01;
          C[o + 2] += c02;
          C[o + 3] += c03;
          o += d;
          C[o + 1] += c11;
          C[o + 2] += c12;
          C[o + 3] += c13;
          o += d;
          C[o + 2] += c22;
          C[o + 3] += c23;
          o += d;
          C[o + 3] += c33;
          continue;
        }
        C[o] += c00;
        C[o + 1] += c01;
        C[o + 2] += c02;
        C[o + 3] += c03;
        o += d;
        C[o] += c10;
        C[o + 1] += c11;
        C[o + 2] += c12;
        C[o + 3] += c13;
        o += d;
        C[o] += c20;
        C[o + 1] += c21;
        C[o + 2] += c22;
        C[o + 3] += c23;
        o += d;
        C[o] += c30;
        C[o + 1] += c31;
        C[o + 2] += c32;
        C[o + 3] += c33;
      }
      for (; j < d; j++) {
        const b = j * k;
        let c0 = 0,
          c1 = 0,
          c2 = 0,
          c3 = 0;
        for (let r = r0; r < r1; r++) {
          const y = yt[b + r];
          c0 += yt[a0 + r] * y;
          c1 += yt[a1 + r] * y;
          c2 += yt[a2 + r] * y;
          c3 += yt[a3 + r] * y;
        }
        C[i * d + j] += c0;
        C[(i + 1) * d + j] += c1;
        C[(i + 2) * d + j] += c2;
        C[(i + 3) * d + j] += c3;
      }
    }
    for (; i < d; i++) {
      for (let j = i; j < d; j++) {
        let s = 0;
        for (let r = r0; r < r1; r++) s += yt[i * k + r] * yt[j * k + r];
        C[i * d + j] += s;
      }
    }
  }
}

/** Copies the upper triangle of the d × d matrix C onto its lower triangle. */
export function symmetrize(C: Float64Array, d: number): Float64Array {
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) C[j * d + i] = C[i * d + j];
  return C;
}

/**
 * Every pairwise dot product i < j of the m rows of U (m × d), written in np.triu_indices(m, 1)
 * order: out[i·m − i(i+1)/2 + (j − i − 1)] = U_i · U_j. NumPy: (U @ U.T)[np.triu_indices(m, 1)]
 * Register-blocked 4×4 over (i, j); rows of 4 + 4 × d doubles stay in L2 for d ≤ 4096.
 */
export function pairDotsUpper(U: Float64Array, m: number, d: number, out: Float64Array): Float64Array {
  const at = (i: number, j: number) => i * m - (i * (i + 1)) / 2 + (j - i - 1);
  let i = 0;
  for (; i + 3 < m; i += 4) {
    const a0 = i * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    let j = i + 4;
    // the 4 × 4 diagonal block: the 6 pairs inside it
    for (let p = 0; p < 4; p++)
      for (let q = p + 1; q < 4; q++) out[at(i + p, i + q)] = dot(U, (i + p) * d, U, (i + q) * d, d);
    for (; j + 3 < m; j += 4) {
      const b0 = j * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let r = 0; r < d; r++) {
        const x0 = U[a0 + r],
          x1 = U[a1 + r],
          x2 = U[a2 + r],
          x3 = U[a3 + r];
        const y0 = U[b0 + r],
          y1 = U[b1 + r],
          y2 = U[b2 + r],
          y3 = U[b3 + r];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3;
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      let o = at(i, j);
      out[o] = c00;
      out[o + 1] = c01;
      out[o + 2] = c02;
      out[o + 3] = c03;
      o = at(i + 1, j);
      out[o] = c10;
      out[o + 1] = c11;
      out[o + 2] = c12;
      out[o + 3] = c13;
      o = at(i + 2, j);
      out[o] = c20;
      out[o + 1] = c21;
      out[o + 2] = c22;
      out[o + 3] = c23;
      o = at(i + 3, j);
      out[o] = c30;
      out[o + 1] = c31;
      out[o + 2] = c32;
      out[o + 3] = c33;
    }
    for (; j < m; j++) for (let p = 0; p < 4; p++) out[at(i + p, j)] = dot(U, (i + p) * d, U, j * d, d);
  }
  for (; i < m; i++) for (let j = i + 1; j < m; j++) out[at(i, j)] = dot(U, i * d, U, j * d, d);
  return out;
}
