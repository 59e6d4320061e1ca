/**
 * What a repair costs the neighbourhoods: for each sampled row, the share of its k nearest
 * neighbours by cosine (among the other sampled rows) that are still among its k nearest after
 * the transform; the mean over rows. 1 = every neighbourhood kept, ≈ k/m = random.
 * NumPy: C = U @ U.T with U the unit rows, np.fill_diagonal(C, -inf), argsort(-C)[:, :k] (ties to
 * the lower index), then mean(|A_i ∩ B_i| / k).
 */
import type { Kernels } from "./backend.js";
import { knnGraph } from "./neighbours.js";

export const KNN_K = 10;

/**
 * Indices of each row's k nearest other rows by cosine (row-major m × k; zero rows have cosine 0),
 * from the kernels' exact kNN search (neighbours.ts; ties to the lower index).
 */
export function nearestByCosine(x: Float64Array, m: number, d: number, k: number, kernels: Kernels): Int32Array {
  return knnGraph(kernels, x, m, d, k, "cosine").ids;
}

/** Mean share of each row's k nearest neighbours kept from `before` (m × d1) to `after` (m × d2). */
export function knnOverlap(
  before: Float64Array,
  d1: number,
  after: Float64Array,
  d2: number,
  m: number,
  k: number,
  kernels: Kernels,
): number {
  const kk = Math.min(k, m - 1);
  if (kk < 1) return 1;
  const a = nearestByCosine(before, m, d1, kk, kernels);
  const b = nearestByCosine(after, m, d2, kk, kernels);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const set = new Set(a.subarray(i * kk, i * kk + kk));
    let hit = 0;
    for (let t = 0; t < kk; t++) if (set.has(b[i * kk + t])) hit++;
    total += hit / kk;
  }
  return total / m;
}
