/** Pieces the step kinds share: the eigendecomposition of a fit, and row-block helpers. */
import { InputError } from "../../errors.js";
import type { Kernels } from "../../linalg/backend.js";
import { covarianceEigen } from "../../linalg/lowrank.js";
import { type Rows, selectRows } from "../rows.js";
import type { Stats } from "./types.js";

/**
 * Eigenvalues (negatives from round-off clipped to 0) and the top eigenvectors of the covariance:
 * at least `need(values)` of them (default: all d). The covariance of n rows has rank ≤ n − 1, so
 * for n ≪ d the low-rank solve (src/linalg/lowrank.ts) gives the top n + 7; a step needing more
 * takes the full d × d solve.
 */
export function topEigen(
  stats: Stats,
  kernels: Kernels,
  need: (values: Float64Array) => number = () => stats.d,
): { values: Float64Array; vectors: Float64Array } {
  let e = covarianceEigen(stats.cov, stats.d, stats.n - 1, kernels, { vectors: true });
  let values = e.values.map((v) => Math.max(0, v));
  if (need(values) > e.count) {
    e = covarianceEigen(stats.cov, stats.d, stats.n - 1, kernels, { vectors: true, needAll: true });
    values = e.values.map((v) => Math.max(0, v));
  }
  return { values, vectors: e.vectors as Float64Array };
}

/** A fitted step needs at least 2 valid rows. */
export function needRows(kind: string, stats: Stats): void {
  if (stats.n < 2) {
    throw new InputError(
      `cannot fit "${kind}": only ${stats.n} valid row${stats.n === 1 ? "" : "s"} reach it`,
      {},
      "fitting needs at least 2 finite, non-zero rows",
    );
  }
}

export function subtractMean(x: Float64Array, n: number, d: number, m: Float64Array): Float64Array {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k] - m[k];
  return y;
}

/** Applies `f` to the non-null rows; null rows stay null (zeros) at the new width. */
export function mapNonNull(rows: Rows, dout: number, f: (x: Float64Array, n: number) => Float64Array): Rows {
  const { n, d, nulls } = rows;
  if (!nulls) return { n, d: dout, data: f(rows.data, n), nulls: null, index: rows.index };
  let k = 0;
  for (let i = 0; i < n; i++) if (!nulls[i]) k++;
  const x = new Float64Array(k * d);
  for (let i = 0, o = 0; i < n; i++) if (!nulls[i]) x.set(rows.data.subarray(i * d, i * d + d), d * o++);
  const y = f(x, k);
  const out = new Float64Array(n * dout);
  for (let i = 0, o = 0; i < n; i++) if (!nulls[i]) out.set(y.subarray(o * dout, ++o * dout), i * dout);
  return { n, d: dout, data: out, nulls, index: rows.index };
}

/** The d × d identity. */
export function identity(d: number): Float64Array {
  const P = new Float64Array(d * d);
  for (let i = 0; i < d; i++) P[i * d + i] = 1;
  return P;
}

/** Whether the row is valid in METRICS.md's sense: not null, every value finite, not all zero. */
export function isValidRow(data: Float64Array, base: number, d: number): boolean {
  let nonzero = false;
  for (let k = 0; k < d; k++) {
    const v = data[base + k];
    if (v - v !== 0) return false; // NaN or ±Inf
    if (v !== 0) nonzero = true;
  }
  return nonzero;
}

export { selectRows };
