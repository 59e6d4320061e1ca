/**
 * The WebAssembly backend: the Kernels interface (../backend.ts) on a pool of worker threads
 * sharing one WebAssembly.Memory (SIMD f64x2/f32x4; relaxed-SIMD fused multiply-add where the
 * engine has it). Built by the entry point (src/backends.ts), which compiles the module and starts
 * the pool; this file does no I/O. The reference backend stays the oracle
 * (test/linalg/parity.test.ts).
 */
import { InternalError } from "../../errors.js";
import type { BackendName, BlockScan, Float32Ops, Kernels, PreparedProduct } from "../backend.js";
import type { Eigen } from "../eigh.js";
import type { FloatArray } from "../matrix.js";
import { type KnnMetric, type KnnOptions, type KnnResult, type KnnSearch, selfSearchGraph } from "../neighbours.js";
import { referenceKernels } from "../reference.js";
import type { WasmMemory } from "./api.js";
import { ARENA, type JobPool, MAX_PAGES, PAGE, WasmContext } from "./context.js";
import { eighWasm } from "./eigh.js";
import { wasmKnnGraph, wasmKnnSearch } from "./knn.js";
import { pairDotsUpperWasm } from "./pairs.js";
import { centredProductWasm, centreF32, PackedW, projectF32 } from "./product.js";
import { fitsBlock, packBuffer, scanBlockWasm, syrkPacked, syrkUpperT } from "./scan.js";

export type WasmKind = Exclude<BackendName, "reference">;

export class WasmKernels implements Kernels {
  readonly name: WasmKind;
  readonly mixedPrecision = true;
  readonly float32: Float32Ops;
  private readonly ctx: WasmContext;
  /** For blocks too large for the 4 GiB memory. */
  private readonly fallback = referenceKernels();

  constructor(kind: WasmKind, memory: WasmMemory, pool: JobPool) {
    this.name = kind;
    this.ctx = new WasmContext(memory, pool);
    const ctx = this.ctx;
    this.float32 = {
      centre: (X, n, d, mu, out) => centreF32(ctx, X, n, d, mu, out),
      project: (X, n, W, mu, out) => projectF32(ctx, X, n, W.d, packed(W), W.k, mu, out),
    };
  }

  get threads(): number {
    return this.ctx.threads;
  }

  scanBlock(data: FloatArray, rows: number, d: number): BlockScan {
    if (rows === 0 || !fitsBlock(rows, d, data.BYTES_PER_ELEMENT)) return this.fallback.scanBlock(data, rows, d);
    return scanBlockWasm(this.ctx, data, rows, d);
  }

  pairDotsUpper(U: Float64Array, m: number, d: number, out: Float64Array): Float64Array {
    return pairDotsUpperWasm(this.ctx, U, m, d, out);
  }

  eigh(a: Float64Array, n: number, opts: { vectors?: boolean } = {}): Eigen {
    // n × n and its work vectors must fit the 4 GiB memory (beyond n ≈ 23,000: the reference)
    if (ARENA + n * n * 8 + 64 * n * 8 >= (MAX_PAGES - 1) * PAGE) return this.fallback.eigh(a, n, opts);
    return eighWasm(this.ctx, a, n, opts);
  }

  prepareProduct(P: Float64Array, d: number, k: number): PreparedProduct {
    return new PackedW(P, d, k);
  }

  centredProduct(x: Float64Array, n: number, m: Float64Array | null, W: PreparedProduct): Float64Array {
    return centredProductWasm(this.ctx, x, n, m, packed(W));
  }

  knnSearch(queries: FloatArray, nq: number, d: number, opts: KnnOptions): KnnSearch {
    return wasmKnnSearch(this.ctx, queries, nq, d, opts);
  }

  knnGraph(x: FloatArray, n: number, d: number, k: number, metric: KnnMetric): KnnResult {
    return wasmKnnGraph(this.ctx, x, n, d, k, metric) ?? selfSearchGraph(this, x, n, d, k, metric);
  }

  close(): Promise<void> {
    return this.ctx.pool.close();
  }

  // ---- the kernels alone, for the parity tests and bench/kernels.mjs

  /** Same contract as the reference syrkUpperT: yt is d × k (a chunk transposed). */
  syrkUpperT(yt: Float64Array, d: number, k: number, C: Float64Array): void {
    syrkUpperT(this.ctx, yt, d, k, C);
  }

  /** A packed-panel buffer for syrkPacked (see scan.ts, packBuffer). */
  packBuffer(k: number, d: number): Float64Array {
    return packBuffer(this.ctx, k, d);
  }

  syrkPacked(k: number, d: number, C: Float64Array): void {
    syrkPacked(this.ctx, k, d, C);
  }

  /** out (n × k) = fl32((X − mu)·W) (see product.ts). */
  projectF32(
    X: Float32Array,
    n: number,
    d: number,
    W: Float32Array | Float64Array | PackedW,
    k: number,
    mu?: Float64Array,
    out?: Float32Array,
  ): Float32Array {
    return projectF32(this.ctx, X, n, d, W, k, mu, out);
  }

  centreF32(X: Float32Array, n: number, d: number, mu: Float64Array, out?: Float32Array): Float32Array {
    return centreF32(this.ctx, X, n, d, mu, out);
  }
}

function packed(W: PreparedProduct): PackedW {
  if (!(W instanceof PackedW)) throw new InternalError("a product was prepared by another backend");
  return W;
}
