/**
 * The one kernel interface. Every heavy loop of embcheck goes through a `Kernels` object, built
 * once at the entry point (the CLI command, or a library call: src/backends.ts) and passed down;
 * no module picks a backend itself. Two implementations:
 * - `referenceKernels()` (src/linalg/reference.ts): plain TypeScript, float64; the oracle.
 * - `wasmKernels(...)` (src/linalg/wasm/kernels.ts): WebAssembly SIMD on a worker pool sharing one
 *   memory; the same contracts, results equal to the reference up to the rounding stated per
 *   method (test/linalg/parity.test.ts runs both through one suite).
 * Results never depend on the thread count.
 */
import type { Eigen } from "./eigh.js";
import type { FloatArray } from "./matrix.js";
import type { KnnMetric, KnnOptions, KnnResult, KnnSearch } from "./neighbours.js";

export type BackendName = "reference" | "simd" | "relaxed-simd";

/** Row classes of a scan, in the order METRICS.md counts them. */
export const ROW_VALID = 0;
export const ROW_NAN = 1;
export const ROW_INF = 2;
export const ROW_ZERO = 3;

/**
 * One block of rows as the kernels scanned it (valid until the kernels' next call). `cls`, `sumsq`,
 * `ha`, `hb` are filled by the scan; the caller fills `idx` (the block rows it keeps, ascending)
 * and `norms` (their norms) for `scatter`.
 */
export interface BlockScan {
  readonly rows: number;
  /** Row class: ROW_VALID, ROW_NAN, ROW_INF or ROW_ZERO. */
  readonly cls: Int32Array;
  /** Float64 sum of squares of each row. */
  readonly sumsq: Float64Array;
  /** The two 32-bit halves of rowHash (src/linalg/hash.ts) of each row's bits. */
  readonly ha: Uint32Array;
  readonly hb: Uint32Array;
  readonly idx: Int32Array;
  readonly norms: Float64Array;
  /**
   * The centred scatter of the k rows idx[0..k) merged into the running scatter C (d × d, upper
   * triangle), as Chan, Golub & LeVeque (1979) merge two sets: with z = (x − origin) − rel and
   * cm = mean of z over the k rows (written to `cm`), C += Σ (z − cm)(z − cm)ᵀ + (w·cm)cmᵀ, where
   * w = n_a·k/(n_a + k) for the n_a rows merged before (w = 0: no merge term). Also
   * unitSum[j] += x[idx[i]][j] / norms[i] for i < k in order of i (the unit-row sums).
   * `mixed`: float32 products summed in float32 over blocks of 128 rows and in float64 across
   * (backends without it use float64; see Kernels.mixedPrecision); cm and the unit sums are float64
   * either way.
   */
  scatter(
    k: number,
    origin: Float64Array,
    rel: Float64Array,
    cm: Float64Array,
    C: Float64Array,
    mixed: boolean,
    w: number,
    unitSum: Float64Array,
  ): void;
}

/** A matrix P (d × k) prepared once by a backend for many products with it. */
export interface PreparedProduct {
  readonly d: number;
  readonly k: number;
}

/** Float32 in, float32 out, for the common fix pipelines on backends that have it. */
export interface Float32Ops {
  /** out = fl32(X − mu) (n × d; the difference in float64, rounded once). */
  centre(X: Float32Array, n: number, d: number, mu: Float64Array, out?: Float32Array): Float32Array;
  /** out (n × k) = fl32((X − mu)·P), the products in float32 (bound: Kernels.centredProduct). */
  project(X: Float32Array, n: number, W: PreparedProduct, mu: Float64Array, out?: Float32Array): Float32Array;
}

export interface Kernels {
  readonly name: BackendName;
  /** Threads the kernels run on (1 for the reference). */
  readonly threads: number;
  /** Whether scatter(mixed = true) really uses mixed precision (else float64 whatever is asked). */
  readonly mixedPrecision: boolean;

  /**
   * Scans `rows` rows of `d` values (row-major): class, float64 sum of squares and hash of each.
   * NumPy: np.isnan(x).any(1), ..., (x.astype(np.float64) ** 2).sum(1)
   */
  scanBlock(data: FloatArray, rows: number, d: number): BlockScan;

  /**
   * Every U_i · U_j, i < j, of the m rows of U (m × d), in np.triu_indices(m, 1) order.
   * NumPy: (U @ U.T)[np.triu_indices(m, 1)]. The fast backend sums in another order (float64).
   */
  pairDotsUpper(U: Float64Array, m: number, d: number, out: Float64Array): Float64Array;

  /**
   * Eigenvalues (descending) and optionally sign-canonical eigenvectors (rows) of the symmetric
   * n × n matrix `a` (not modified). NumPy: np.linalg.eigh(a) reversed.
   */
  eigh(a: Float64Array, n: number, opts?: { vectors?: boolean }): Eigen;

  /** P (d × k, row-major) prepared for centredProduct. */
  prepareProduct(P: Float64Array, d: number, k: number): PreparedProduct;

  /**
   * y (n × k, float64) = (x − m)·P for float64 rows x (n × d); m null = 0. The reference sums in
   * float64 (NumPy: (x - m) @ P). The fast backend rounds x − m to float32 and multiplies in
   * float32 within blocks of 64 terms summed in float64, then rounds each result to float32:
   * |y_c − exact_c| ≤ (γ₆₄ + 2u + 2⁻⁵³⌈d/64⌉)·Σ_j |z_j|·|P_jc| + u·|exact_c|, u = 2⁻²⁴.
   * Each output row depends on its input row alone (any chunking gives the same bits).
   */
  centredProduct(x: Float64Array, n: number, m: Float64Array | null, W: PreparedProduct): Float64Array;

  /**
   * An exact k-nearest-neighbour search of the nq queries (nq × d) against rows added in chunks
   * (contract: neighbours.ts). The reference scores in float64. The fast backend rounds rows to
   * float32 and scores with projectF32's float32 products (|score − exact| ≤ (γ₆₄ + 2⁻⁵³⌈d/64⌉)·
   * Σ_j |q_j·x_j| + 2⁻²⁴·|exact|; for unit rows about 4e-6), so neighbours whose scores are closer
   * than that may swap against the reference; identical scores always order by lower id.
   */
  knnSearch(queries: FloatArray, nq: number, d: number, opts: KnnOptions): KnnSearch;

  /**
   * Optional: the kNN graph of one set (neighbours.ts, knnGraph) with each unordered pair scored
   * once. The fast backend's scores are float32 dot products of the rows rounded to float32 (cosine:
   * of fl32(x/‖x‖)), the same bound as knnSearch's; absent, knnGraph uses knnSearch.
   */
  knnGraph?(x: FloatArray, n: number, d: number, k: number, metric: KnnMetric): KnnResult;

  /** The float32 operations, or null when the backend has none (the reference). */
  readonly float32: Float32Ops | null;

  /** Releases worker threads (safe to call twice). */
  close(): Promise<void>;
}
