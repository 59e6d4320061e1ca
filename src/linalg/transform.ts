/**
 * Reference kernels for the fitted transforms of `fix` (src/repair): the two products a transform
 * needs, over float64 row blocks. Each output row depends on its
 * input row alone, with the same order of operations whatever the block holds, so the output is
 * bit-identical for any chunking.
 */

/**
 * y = (x − m) P for every row: x is n × din, m has din values, and P is given transposed, Pt is
 * dout × din row-major (Pt[j] = column j of P). NumPy: (x - m) @ Pt.T.
 * Register-blocked 4 rows × 4 columns: 16 running sums over contiguous rows of the centred x and
 * of Pt. Every y[i][j] is summed over k in increasing order whatever the block, so each output
 * row is bit-identical for any chunking.
 */
export function centredProduct(
  x: Float64Array,
  n: number,
  din: number,
  m: Float64Array,
  Pt: Float64Array,
  dout: number,
): Float64Array {
  const y = new Float64Array(n * dout);
  const c = new Float64Array(n * din);
  for (let i = 0; i < n; i++) {
    const b = i * din;
    for (let k = 0; k < din; k++) c[b + k] = x[b + k] - m[k];
  }
  const n4 = n - (n % 4);
  const d4 = dout - (dout % 4);
  for (let i = 0; i < n4; i += 4) {
    const r0 = i * din;
    const r1 = r0 + din;
    const r2 = r1 + din;
    const r3 = r2 + din;
    for (let j = 0; j < d4; j += 4) {
      const q0 = j * din;
      const q1 = q0 + din;
      const q2 = q1 + din;
      const q3 = q2 + din;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0;
      let s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      let s20 = 0,
        s21 = 0,
        s22 = 0,
        s23 = 0;
      let s30 = 0,
        s31 = 0,
        s32 = 0,
        s33 = 0;
      for (let k = 0; k < din; k++) {
        const a0 = c[r0 + k];
        const a1 = c[r1 + k];
        const a2 = c[r2 + k];
        const a3 = c[r3 + k];
        const p0 = Pt[q0 + k];
        const p1 = Pt[q1 + k];
        const p2 = Pt[q2 + k];
        const p3 = Pt[q3 + k];
        s00 += a0 * p0;
        s01 += a0 * p1;
        s02 += a0 * p2;
        s03 += a0 * p3;
        s10 += a1 * p0;
        s11 += a1 * p1;
        s12 += a1 * p2;
        s13 += a1 * p3;
        s20 += a2 * p0;
        s21 += a2 * p1;
        s22 += a2 * p2;
        s23 += a2 * p3;
        s30 += a3 * p0;
        s31 += a3 * p1;
        s32 += a3 * p2;
        s33 += a3 * p3;
      }
      const y0 = i * dout + j;
      const y1 = y0 + dout;
      const y2 = y1 + dout;
      const y3 = y2 + dout;
      y[y0] = s00;
      y[y0 + 1] = s01;
      y[y0 + 2] = s02;
      y[y0 + 3] = s03;
      y[y1] = s10;
      y[y1 + 1] = s11;
      y[y1 + 2] = s12;
      y[y1 + 3] = s13;
      y[y2] = s20;
      y[y2 + 1] = s21;
      y[y2 + 2] = s22;
      y[y2 + 3] = s23;
      y[y3] = s30;
      y[y3 + 1] = s31;
      y[y3 + 2] = s32;
      y[y3 + 3] = s33;
    }
  }
  // Edges: the rows and columns outside the 4 × 4 blocks, one sum at a time (same k order).
  for (let i = 0; i < n; i++) {
    const j0 = i < n4 ? d4 : 0;
    const r = i * din;
    for (let j = j0; j < dout; j++) {
      const q = j * din;
      let s = 0;
      for (let k = 0; k < din; k++) s += c[r + k] * Pt[q + k];
      y[i * dout + j] = s;
    }
  }
  return y;
}

/** Pt = Pᵀ for P (rows × cols, row-major). */
export function transposed(P: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = P[i * cols + j];
  return t;
}

/**
 * y = (x − m) − Σ_i ((x − m)·u_i) u_i for every row, with U (D × d) orthonormal rows: the
 * projection off span(U), in n·d·2D operations instead of n·d².
 * NumPy: z = x - m; z - (z @ U.T) @ U.
 */
export function centredDeflate(
  x: Float64Array,
  n: number,
  d: number,
  m: Float64Array,
  U: Float64Array,
  D: number,
): Float64Array {
  const y = new Float64Array(n * d);
  const coef = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let k = 0; k < d; k++) y[b + k] = x[b + k] - m[k];
    for (let t = 0; t < D; t++) {
      let s = 0;
      const ub = t * d;
      for (let k = 0; k < d; k++) s += y[b + k] * U[ub + k];
      coef[t] = s;
    }
    for (let t = 0; t < D; t++) {
      const s = coef[t];
      const ub = t * d;
      for (let k = 0; k < d; k++) y[b + k] -= s * U[ub + k];
    }
  }
  return y;
}

/** Pᵀ A P for symmetric d × d A and d × k P (row-major): the covariance after y = (x − m)P. */
export function congruence(A: Float64Array, d: number, P: Float64Array, k: number): Float64Array {
  // T = A P (d × k), then Pᵀ T.
  const T = new Float64Array(d * k);
  for (let i = 0; i < d; i++) {
    const tb = i * k;
    for (let l = 0; l < d; l++) {
      const a = A[i * d + l];
      if (a === 0) continue;
      const pb = l * k;
      for (let j = 0; j < k; j++) T[tb + j] += a * P[pb + j];
    }
  }
  const out = new Float64Array(k * k);
  for (let l = 0; l < d; l++) {
    const pb = l * k;
    const tb = l * k;
    for (let i = 0; i < k; i++) {
      const p = P[pb + i];
      if (p === 0) continue;
      const ob = i * k;
      for (let j = 0; j < k; j++) out[ob + j] += p * T[tb + j];
    }
  }
  // Exact symmetry, so eigh sees a symmetric matrix.
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const v = 0.5 * (out[i * k + j] + out[j * k + i]);
      out[i * k + j] = v;
      out[j * k + i] = v;
    }
  }
  return out;
}
