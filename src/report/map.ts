/**
 * A 2-D map of the row sample, for the HTML report and the terminal plot: the rows are centred,
 * projected on their top principal components (at most `pcaDims`, via our eigh), then laid out by
 * UMAP (umap-js, McInnes et al. 2018) or, with projection "pca", shown on the first two
 * components. Pure and deterministic: the rows kept and every random choice of UMAP follow from
 * `seed` (umap-js takes an injected `random`; nothing here calls Math.random).
 */
import { createRequire } from "node:module";
import type { UMAP } from "umap-js";
import { UsageError } from "../errors.js";
import { eigh } from "../linalg/eigh.js";
import { rowPriority } from "../linalg/hash.js";
import { symmetrize, syrkUpperT, transpose } from "../linalg/kernels.js";
import { knnGraph, referenceKnnSearch } from "../linalg/neighbours.js";
import { mulberry32 } from "../linalg/random.js";

export { mulberry32 };

export type Projection = "umap" | "pca";

export interface MapOptions {
  /** "umap" (default) or "pca" (the first two principal components; fast). */
  projection?: Projection;
  /** Rows laid out at most (default 2000): the `maxRows` sample rows of smallest priority. */
  maxRows?: number;
  /** Principal components kept before UMAP (default 50). */
  pcaDims?: number;
  /** Seed of the row subset and of UMAP (default 0). */
  seed?: number;
  /** UMAP epochs (default 100: about 3.5 s of CPU for 2,000 rows; the layout has settled by then). */
  epochs?: number;
  /** UMAP neighbours (default 15). */
  neighbors?: number;
}

export interface SampleMap {
  /** The projection drawn: "pca" also when UMAP was asked for but there are too few rows. */
  projection: Projection;
  /** Global row index of each point, ascending. */
  indices: Float64Array;
  x: Float64Array;
  y: Float64Array;
  /** Rows in the sample before the cap. */
  sampleRows: number;
  /** Principal components the layout was computed from. */
  components: number;
  seed: number;
  /** Optional per-point annotations filled in by the caller (the CLI reads them from Arrow columns). */
  ids?: (string | null)[];
  colorBy?: { name: string; values: (string | number | null)[] };
}

export const DEFAULT_MAP_ROWS = 2000;
const DEFAULT_PCA_DIMS = 50;
const DEFAULT_EPOCHS = 100;
/** Above this many dimensions the components come from a randomized range finder, not a d × d eigh. */
const EXACT_PCA_MAX_DIMS = 512;
/** Fewer rows than this: UMAP has no neighbourhoods worth drawing, fall back to PCA. */
const MIN_UMAP_ROWS = 16;

/**
 * umap-js (CommonJS) is required on the first UMAP map, not at start-up: every command imports
 * this module, few draw a UMAP (issue 19). Synchronous, so projectSample stays synchronous.
 */
let umapClass: typeof UMAP | undefined;
function loadUmap(): typeof UMAP {
  umapClass ??= (createRequire(import.meta.url)("umap-js") as typeof import("umap-js")).UMAP;
  return umapClass;
}

/**
 * The map of `rows` sample rows (values: rows × dims, float64, row-major; indices: their global
 * row indices, ascending), as returned by `profile.sample.rowsByIndex()`.
 */
export function projectSample(
  values: Float64Array,
  indices: Float64Array,
  dims: number,
  opts: MapOptions = {},
): SampleMap {
  const projection = opts.projection ?? "umap";
  if (projection !== "umap" && projection !== "pca") {
    throw new UsageError(`projection must be "umap" or "pca", got "${projection}"`);
  }
  const seed = opts.seed ?? 0;
  const maxRows = Math.max(2, Math.floor(opts.maxRows ?? DEFAULT_MAP_ROWS));
  const sampleRows = indices.length;
  const keep = subsetByPriority(indices, maxRows, seed);
  const n = keep.length;
  const X = new Float64Array(n * dims);
  const kept = new Float64Array(n);
  keep.forEach((r, i) => {
    kept[i] = indices[r];
    X.set(values.subarray(r * dims, (r + 1) * dims), i * dims);
  });
  const k = Math.max(0, Math.min(opts.pcaDims ?? DEFAULT_PCA_DIMS, dims, n - 1));
  const scores = principalScores(X, n, dims, k, { seed });
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let used: Projection = projection;
  if (projection === "umap" && n >= MIN_UMAP_ROWS && k >= 2) {
    const data: number[][] = [];
    for (let i = 0; i < n; i++) data.push(Array.from(scores.subarray(i * k, (i + 1) * k)));
    const neighbors = Math.min(opts.neighbors ?? 15, n - 1);
    const umap = new (loadUmap())({
      nComponents: 2,
      nNeighbors: neighbors,
      minDist: 0.1,
      nEpochs: opts.epochs ?? DEFAULT_EPOCHS,
      random: mulberry32(seed ^ 0x5eed),
    });
    // Exact neighbours instead of umap-js's approximate NN-descent: for a few thousand rows the
    // brute force is faster, and exact.
    const knn = exactKnn(scores, n, k, neighbors);
    umap.setPrecomputedKNN(knn.indices, knn.distances);
    const out = umap.fit(data);
    for (let i = 0; i < n; i++) {
      x[i] = out[i][0];
      y[i] = out[i][1];
    }
  } else {
    used = "pca";
    for (let i = 0; i < n; i++) {
      x[i] = k > 0 ? scores[i * k] : 0;
      y[i] = k > 1 ? scores[i * k + 1] : 0;
    }
  }
  return { projection: used, indices: kept, x, y, sampleRows, components: k, seed };
}

/**
 * The `k` nearest rows of each row of S (n × dims), itself first (distance 0), by Euclidean
 * distance; ties go to the lower index. The layout umap-js expects (as Python umap's
 * nearest_neighbors: knn_indices[:, 0] is the point itself).
 * NumPy: D = cdist(S, S); idx = np.argsort(D, axis=1, kind="stable")[:, :k]
 */
export function exactKnn(
  S: Float64Array,
  n: number,
  dims: number,
  k: number,
): { indices: number[][]; distances: number[][] } {
  // The row itself first, then the others from the one kNN search (float64 here: no kernels).
  const others = Math.max(0, Math.min(k, n) - 1);
  const g = knnGraph({ knnSearch: referenceKnnSearch }, S, n, dims, others, "l2");
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    indices.push([i, ...g.ids.subarray(i * others, (i + 1) * others)]);
    distances.push([0, ...Array.from(g.scores.subarray(i * others, (i + 1) * others), Math.sqrt)]);
  }
  return { indices, distances };
}

/**
 * Positions (into `indices`) of the `max` rows of smallest (rowPriority(seed, index), index), in
 * ascending index order: the rows a sample of size `max` would have kept, so a capped map shows a
 * uniform subset of the sample, the same one every run.
 */
export function subsetByPriority(indices: Float64Array, max: number, seed: number): number[] {
  const all = Array.from({ length: indices.length }, (_, i) => i);
  if (indices.length <= max) return all;
  const pr = all.map((i) => rowPriority(seed, indices[i]));
  return all
    .sort((a, b) => pr[a] - pr[b] || indices[a] - indices[b])
    .slice(0, max)
    .sort((a, b) => a - b);
}

/**
 * Scores of the n rows of X (n × d) on the top k principal components of the centred rows:
 * an n × k row-major matrix, column j having variance λ_j (descending). Exact (covariance and
 * eigh) for d ≤ 512 (or method "exact"); above (or method "randomized"), a randomized range finder with power iterations (Halko, Martinsson
 * & Tropp 2011, algorithms 4.4 and 5.1) whose small eigenproblem is solved by eigh.
 * NumPy: Xc = X − X.mean(0); U, s, Vt = np.linalg.svd(Xc, full_matrices=False); (U * s)[:, :k]
 * (up to the sign of each column).
 */
export function principalScores(
  X: Float64Array,
  n: number,
  d: number,
  k: number,
  opts: { seed?: number; method?: "auto" | "exact" | "randomized" } = {},
): Float64Array {
  const out = new Float64Array(n * k);
  if (k === 0 || n === 0) return out;
  const Xc = centred(X, n, d);
  const method = opts.method ?? "auto";
  if (method === "exact" || (method === "auto" && d <= EXACT_PCA_MAX_DIMS)) {
    const C = new Float64Array(d * d);
    syrkUpperT(transpose(Xc, n, d, new Float64Array(d * n)), d, n, C);
    const V = eigh(symmetrize(C, d), d, { vectors: true }).vectors as Float64Array;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += Xc[i * d + c] * V[j * d + c];
        out[i * k + j] = s;
      }
    }
    return out;
  }
  return randomizedScores(Xc, n, d, k, opts.seed ?? 0);
}

function centred(X: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += X[i * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  const Xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) Xc[i * d + c] = X[i * d + c] - mean[c];
  return Xc;
}

/** Halko et al.: Q = orth((Xc Xcᵀ)^q Xc Ω), B = Qᵀ Xc, scores = Q · eigvecs(B Bᵀ) · s. */
function randomizedScores(Xc: Float64Array, n: number, d: number, k: number, seed: number): Float64Array {
  const l = Math.min(n, d, k + 10);
  const power = 2;
  const rand = mulberry32(seed ^ 0x9ca);
  // Ω: d × l standard normal (Box–Muller), stored column-major as l rows of length d.
  const omega = new Float64Array(l * d);
  for (let i = 0; i < omega.length; i++) {
    const u = 1 - rand();
    omega[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  // Q is kept as l columns of length n (column-major), B as l rows of length d.
  let Q = multiplyRows(Xc, n, d, omega, l); // Xc Ω
  orthonormalize(Q, n, l);
  for (let it = 0; it < power; it++) {
    const Z = multiplyTransposed(Xc, n, d, Q, l); // Xcᵀ Q: l columns of length d
    orthonormalize(Z, d, l);
    Q = multiplyRows(Xc, n, d, Z, l);
    orthonormalize(Q, n, l);
  }
  const B = multiplyTransposed(Xc, n, d, Q, l); // row a of B = (Xcᵀ q_a)ᵀ
  const G = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += B[a * d + c] * B[b * d + c];
      G[a * l + b] = s;
      G[b * l + a] = s;
    }
  }
  // B Bᵀ = W Λ Wᵀ ⇒ Xc ≈ Q B has left singular vectors Q W and singular values √λ:
  // scores = Q W √Λ = Q (Wᵀ)ᵀ √Λ.
  const { values, vectors } = eigh(G, l, { vectors: true });
  const W = vectors as Float64Array;
  const out = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const s = Math.sqrt(Math.max(0, values[j]));
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let a = 0; a < l; a++) v += Q[a * n + i] * W[j * l + a];
      out[i * k + j] = v * s;
    }
  }
  return out;
}

/** Xc (n × d) times M (l columns of length d): l columns of length n. */
function multiplyRows(Xc: Float64Array, n: number, d: number, M: Float64Array, l: number): Float64Array {
  const out = new Float64Array(l * n);
  for (let a = 0; a < l; a++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += Xc[i * d + c] * M[a * d + c];
      out[a * n + i] = s;
    }
  }
  return out;
}

/** Xcᵀ (d × n) times Q (l columns of length n): l columns of length d. */
function multiplyTransposed(Xc: Float64Array, n: number, d: number, Q: Float64Array, l: number): Float64Array {
  const out = new Float64Array(l * d);
  for (let a = 0; a < l; a++) {
    const o = a * d;
    for (let i = 0; i < n; i++) {
      const q = Q[a * n + i];
      if (q === 0) continue;
      for (let c = 0; c < d; c++) out[o + c] += q * Xc[i * d + c];
    }
  }
  return out;
}

/** Modified Gram–Schmidt, twice (“twice is enough”), on l columns of length m stored contiguously. */
function orthonormalize(M: Float64Array, m: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < l; a++) {
      const ao = a * m;
      for (let b = 0; b < a; b++) {
        const bo = b * m;
        let s = 0;
        for (let i = 0; i < m; i++) s += M[ao + i] * M[bo + i];
        for (let i = 0; i < m; i++) M[ao + i] -= s * M[bo + i];
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += M[ao + i] * M[ao + i];
      norm = Math.sqrt(norm);
      const inv = norm > 0 ? 1 / norm : 0;
      for (let i = 0; i < m; i++) M[ao + i] *= inv;
    }
  }
}
