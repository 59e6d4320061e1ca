/**
 * The labels section's estimators as pure functions (METRICS.md § labels), each checked against
 * scikit-learn or NumPy given the same inputs (fixtures/scripts/make_labels_reference.py).
 *
 * The sample-based ones read the sampled pairs' cosines (np.triu_indices order, float64, clipped
 * to [−1, 1], as Shared.pairCosines gives them) and one group code per sampled row.
 */
import type { Label } from "../io/types.js";
import { TopK } from "../linalg/neighbours.js";
import { mulberry32 } from "../linalg/random.js";

/**
 * The order of labels: numbers ascending, then text by UTF-16 code units, then null, then the
 * pooled group — np.unique's order for an all-integer or all-text label array (the order
 * scikit-learn's `classes_` takes, and so the tie order of its kNN vote; NumPy compares text by
 * code point, which differs from code units only above U+FFFF).
 */
export function compareLabels(a: Label, b: Label, aPooled = false, bPooled = false): number {
  if (aPooled !== bPooled) return aPooled ? 1 : -1;
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : 1;
}

/** Position of the pair (i, j), i < j, in np.triu_indices(m, 1) order. */
export const pairIndex = (i: number, j: number, m: number): number => i * m - (i * (i + 1)) / 2 + (j - i - 1);

/**
 * Mean silhouette coefficient with cosine distance 1 − cos, as
 * sklearn.metrics.silhouette_score(X, labels, metric="cosine"): for row i in cluster A,
 * a = mean distance to the other rows of A, b = the smallest mean distance to the rows of another
 * cluster, s = (b − a)/max(a, b), s = 0 for a row alone in its cluster (and 0/0 → 0, nan_to_num).
 * `codes`: cluster 0 … c − 1 per row; null unless 2 ≤ c ≤ m − 1 (scikit-learn raises there).
 */
export function silhouetteCosine(cosines: Float64Array, codes: Int32Array, c: number): number | null {
  const m = codes.length;
  if (c < 2 || c > m - 1) return null;
  const sums = new Float64Array(m * c);
  const sizes = new Float64Array(c);
  for (let i = 0; i < m; i++) sizes[codes[i]]++;
  // row i's distances summed per cluster in column order j = 0 … m − 1, as np.bincount does
  for (let i = 0; i < m; i++) {
    const ci = codes[i];
    for (let j = i + 1; j < m; j++) {
      const dist = 1 - cosines[pairIndex(i, j, m)];
      sums[i * c + codes[j]] += dist;
      sums[j * c + ci] += dist;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i++) {
    const ci = codes[i];
    const own = sizes[ci] - 1;
    if (own === 0) continue; // s = 0
    const a = sums[i * c + ci] / own;
    let b = Number.POSITIVE_INFINITY;
    for (let g = 0; g < c; g++) {
      if (g === ci || sizes[g] === 0) continue;
      const v = sums[i * c + g] / sizes[g];
      if (v < b) b = v;
    }
    const top = Math.max(a, b);
    total += top > 0 ? (b - a) / top : 0;
  }
  return total / m;
}

/** Each row's k nearest other rows by cosine (ties to the lower row), m × k positions. */
export function sampleNeighbours(cosines: Float64Array, m: number, k: number): Int32Array {
  const top = new TopK(m, k);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const v = cosines[pairIndex(i, j, m)];
      if (v >= top.worst[i]) top.offer(i, v, j);
      if (v >= top.worst[j]) top.offer(j, v, i);
    }
  }
  return top.ids;
}

export interface KnnLabelStats {
  /** Mean over rows of the share of its k neighbours with its label. */
  agreement: number;
  /** Leave-one-out accuracy of the k-NN majority vote (ties to the smallest code). */
  accuracy: number;
}

/**
 * kNN label agreement and the leave-one-out accuracy of scikit-learn's
 * KNeighborsClassifier(n_neighbors=k, metric="cosine") (uniform weights): row i is predicted from
 * the labels of its k nearest other rows, the most frequent winning and a tie going to the smallest
 * class in `classes_` order (codes are given in that order). `ids`: m × k neighbour positions.
 */
export function knnLabelStats(ids: Int32Array, codes: Int32Array, c: number, k: number): KnnLabelStats {
  const m = codes.length;
  const votes = new Int32Array(c);
  let agree = 0;
  let correct = 0;
  for (let i = 0; i < m; i++) {
    votes.fill(0);
    let same = 0;
    let got = 0;
    for (let t = 0; t < k; t++) {
      const j = ids[i * k + t];
      if (j < 0) continue;
      got++;
      votes[codes[j]]++;
      if (codes[j] === codes[i]) same++;
    }
    if (got === 0) continue;
    agree += same / got;
    let best = 0;
    for (let g = 1; g < c; g++) if (votes[g] > votes[best]) best = g;
    if (best === codes[i]) correct++;
  }
  return { agreement: agree / m, accuracy: correct / m };
}

/** A seeded Fisher–Yates shuffle of the codes (mulberry32): the random-label baseline. */
export function permuted(codes: Int32Array, seed: number): Int32Array {
  const out = Int32Array.from(codes);
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** exp of the Shannon entropy of λ/Σλ (Roy & Vetterli 2007), negatives clipped to 0; NaN when Σλ = 0. */
export function effectiveRankOf(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Math.max(0, values[i]);
  if (!(total > 0)) return Number.NaN;
  let h = 0;
  for (let i = 0; i < values.length; i++) {
    const p = Math.max(0, values[i]) / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/**
 * The nonzero eigenvalues of the population covariance (1/m) of m rows (m × d, float64): those
 * of the m × m Gram matrix of the centred rows over m when m ≤ d (the same nonzero spectrum),
 * else of the d × d covariance. NumPy: np.linalg.eigvalsh(np.cov(X.T, bias=True)).
 */
export function groupCovarianceValues(
  rows: Float64Array,
  m: number,
  d: number,
  eigh: (a: Float64Array, n: number) => Float64Array,
): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) mean[j] += rows[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= m;
  const c = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) c[i * d + j] = rows[i * d + j] - mean[j];
  const n = Math.min(m, d);
  const a = new Float64Array(n * n);
  if (m <= d) {
    for (let i = 0; i < m; i++) {
      for (let k = i; k < m; k++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += c[i * d + j] * c[k * d + j];
        a[i * m + k] = s / m;
        a[k * m + i] = s / m;
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < d; p++) {
        const v = c[i * d + p];
        for (let q = p; q < d; q++) a[p * d + q] += v * c[i * d + q];
      }
    }
    for (let p = 0; p < d; p++) {
      for (let q = p; q < d; q++) {
        a[p * d + q] /= m;
        a[q * d + p] = a[p * d + q];
      }
    }
  }
  return eigh(a, n);
}
