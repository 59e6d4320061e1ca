/**
 * What a repair costs the neighbourhoods: for each sampled row, the share of its k nearest
 * neighbours by cosine (among the other sampled rows) that are still among its k nearest after
 * the transform; the mean over rows. 1 = every neighbourhood kept, ≈ k/m = random.
 * NumPy: C = U @ U.T with U the unit rows, np.fill_diagonal(C, -inf), argsort(-C)[:, :k] (ties to
 * the lower index), then mean(|A_i ∩ B_i| / k).
 */
import type { Kernels } from "./backend.js";

export const KNN_K = 10;

/**
 * Indices of each row's k nearest rows by cosine (row-major m × k); zero rows have cosine 0.
 * The pair dot products come from `kernels` (float64; the fast backend's summation order differs
 * from the reference by rounding only, the same for any thread count).
 */
export function nearestByCosine(x: Float64Array, m: number, d: number, k: number, kernels: Kernels): Int32Array {
  const u = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    const norm = Math.sqrt(s);
    if (norm > 0 && Number.isFinite(norm)) for (let j = 0; j < d; j++) u[i * d + j] = x[i * d + j] / norm;
  }
  const out0 = new Float64Array((m * (m - 1)) / 2);
  const dots = kernels.pairDotsUpper(u, m, d, out0);
  const at = (i: number, j: number) =>
    i < j ? dots[i * m - (i * (i + 1)) / 2 + (j - i - 1)] : dots[j * m - (j * (j + 1)) / 2 + (i - j - 1)];
  const out = new Int32Array(m * k);
  const bestV = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    let size = 0;
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      const v = at(i, j);
      // Insert keeping (value desc, index asc); j rises, so an equal value goes after.
      if (size === k && !(v > bestV[k - 1])) continue;
      let p = size < k ? size++ : k - 1;
      while (p > 0 && v > bestV[p - 1]) {
        bestV[p] = bestV[p - 1];
        bestI[p] = bestI[p - 1];
        p--;
      }
      bestV[p] = v;
      bestI[p] = j;
    }
    out.set(bestI.subarray(0, k), i * k);
  }
  return out;
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
