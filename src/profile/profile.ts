/**
 * The Profile: everything pass 1 learns about an input, in memory independent of the row count
 * except for one float64 norm and one 8-byte hash per valid row (exact percentiles and exact
 * duplicate counts; about 24 bytes a row with the hash set's slack).
 * Mergeable: merge(profile(A), profile(B)) equals profile(A + B) exactly for counts, the unit-row
 * sum and the duplicate set; up to float64 rounding for the mean and covariance (Chan et al.'s
 * pairwise update); by construction for the sample (bottom-k on a hash of the global row index).
 */
import { InputError, UsageError } from "../errors.js";
import type { Chunk } from "../io/types.js";
import { symmetrize, syrkUpperT } from "../linalg/kernels.js";
import type { FloatArray } from "../linalg/matrix.js";
import { type FastKernels, fastKernels } from "../linalg/wasm/fast.js";
import { rowHash, rowPriority } from "./hash.js";
import { HashSet64 } from "./hashset.js";
import { BottomKSample } from "./sample.js";

export interface ProfileOptions {
  dims: number;
  /** Sample size S (default 4096). */
  sampleSize?: number;
  /** Seed for the sample, 0 ≤ seed < 2^32 (default 0). */
  seed?: number;
  /**
   * Threads for the covariance kernel (default: EMBCHECK_THREADS or every core); 0 = the plain
   * TypeScript reference kernel. Results do not depend on it beyond float64 summation order
   * between the reference and the fast kernel (identical for any thread count ≥ 1).
   */
  threads?: number;
  /**
   * Arithmetic of the covariance (the spectrum's input). "mixed" (default): float32 products
   * summed in float32 over blocks of 128 rows, float64 across blocks — every eigenvalue within
   * 7.8e-6 · trace of the float64 one (bound in assembly/kernels.ts; about 1e-9 observed), twice
   * as fast. "float64": float64 products and sums, NumPy's float64 numbers to ~1e-12. Without the
   * fast kernels (threads 0) both run the float64 reference, which is within the bound too.
   */
  precision?: Precision;
}

export type Precision = "mixed" | "float64";
export const PRECISIONS: readonly Precision[] = ["mixed", "float64"];
export const DEFAULT_SAMPLE_SIZE = 4096;

/** Row classes, in the order METRICS.md counts them. */
const VALID = 0;
const NAN = 1;
const INF = 2;
const ZERO = 3;

export class Profile {
  readonly dims: number;
  readonly sampleSize: number;
  readonly seed: number;
  /** The covariance arithmetic of this profile ("mixed" once any merged part was mixed). */
  precision: Precision;

  rows = 0;
  nullRows = 0;
  nanRows = 0;
  infRows = 0;
  zeroRows = 0;
  validRows = 0;

  /** Distinct valid rows by 64-bit hash of their bits. */
  readonly distinct = new HashSet64();
  /** ‖x_i‖ of every valid row, in input order. */
  private normBuf = new Float64Array(1024);
  /** Σ u_i over valid rows. */
  readonly unitSum: Float64Array;
  /**
   * The first valid row, fixed once seen: moments are kept for z = x − origin, so a mean that is
   * large against the spread (a common direction, a 1e6 offset) never sits in a running sum.
   */
  private origin: Float64Array | null = null;
  /** Mean of z = x − origin over the valid rows (Chan's running mean). */
  private meanRel: Float64Array;
  /** Σ (x_i − mean)(x_i − mean)ᵀ, upper triangle maintained. */
  readonly m2: Float64Array;
  readonly sample: BottomKSample;

  alignPairs = 0;
  alignSqSum = 0;
  alignCosSum = 0;

  private scratch: Float64Array = new Float64Array(0);
  private chunkM2: Float64Array;
  private chunkMean: Float64Array;
  private readonly fast: FastKernels | null;

  constructor(opts: ProfileOptions) {
    const d = opts.dims;
    if (!Number.isInteger(d) || d < 1) throw new UsageError(`dims must be a positive integer, got ${d}`);
    const seed = opts.seed ?? 0;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new UsageError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
    if (!Number.isInteger(sampleSize) || sampleSize < 2) {
      throw new UsageError(`sample size must be an integer ≥ 2, got ${sampleSize}`);
    }
    this.dims = d;
    this.seed = seed;
    this.sampleSize = sampleSize;
    const precision = opts.precision ?? "mixed";
    if (!PRECISIONS.includes(precision)) {
      throw new UsageError(`precision must be one of ${PRECISIONS.join(", ")}, got ${String(precision)}`);
    }
    this.fast = opts.threads === 0 ? null : fastKernels(opts.threads);
    // without the fast kernels the covariance is the float64 reference whatever was asked
    this.precision = this.fast ? precision : "float64";
    this.unitSum = new Float64Array(d);
    this.meanRel = new Float64Array(d);
    this.m2 = new Float64Array(d * d);
    this.chunkM2 = new Float64Array(0);
    this.chunkMean = new Float64Array(d);
    this.sample = new BottomKSample(sampleSize, d);
  }

  /** The norms of the valid rows (a view; do not keep across add()). */
  norms(): Float64Array {
    return this.normBuf.subarray(0, this.validRows);
  }

  get duplicateRows(): number {
    return this.validRows - this.distinct.size;
  }

  /** Eats one chunk. Chunks may come in any size; rowOffset must be the global row index. */
  add(chunk: Chunk): this {
    const m = chunk.matrix;
    const d = this.dims;
    if (m.cols !== d) throw new InputError(`chunk has ${m.cols} columns, expected ${d}`, { row: chunk.rowOffset });
    if (this.fast && m.rows > 0 && this.fast.fitsChunk(m.rows, d, m.data.BYTES_PER_ELEMENT)) {
      return this.addFast(chunk, this.fast);
    }
    const data = m.data;
    const n = m.rows;
    const wordsPerValue = data.BYTES_PER_ELEMENT / 4;
    const words = new Uint32Array(data.buffer, data.byteOffset, n * d * wordsPerValue);
    const validIdx = new Int32Array(n);
    let k = 0;
    this.rows += n;
    this.ensureNorms(this.validRows + n);
    for (let r = 0; r < n; r++) {
      if (chunk.nulls?.[r]) {
        this.nullRows++;
        continue;
      }
      const base = r * d;
      const [cls, sumsq] = classify(data, base, d);
      if (cls === NAN) this.nanRows++;
      else if (cls === INF) this.infRows++;
      else if (cls === ZERO) this.zeroRows++;
      else {
        const norm = Math.sqrt(sumsq);
        this.normBuf[this.validRows++] = norm;
        const [ha, hb] = rowHash(words, base * wordsPerValue, (base + d) * wordsPerValue);
        this.distinct.add(ha, hb);
        const us = this.unitSum;
        for (let j = 0; j < d; j++) us[j] += data[base + j] / norm;
        const gi = chunk.rowOffset + r;
        const p = rowPriority(this.seed, gi);
        if (this.sample.accepts(p, gi)) this.sample.offer(p, gi, data, base);
        validIdx[k++] = r;
        if (chunk.pair) this.addPair(data, base, norm, chunk.pair.matrix.data, chunk.pair.nulls?.[r] === 1);
      }
    }
    if (k > 0) this.addCovariance(data, validIdx, k);
    return this;
  }

  /**
   * add() on the fast kernels: class, sum of squares and hash of every row, the unit-row sum and
   * the centred scatter are computed in WebAssembly (rows and columns split across threads); the
   * per-row bookkeeping (counts, norms, duplicate set, sample, pairs) stays here. Every number is
   * the same float64 operation sequence as the reference path except the scatter's summation order.
   */
  private addFast(chunk: Chunk, fast: FastKernels): this {
    const data = chunk.matrix.data;
    const n = chunk.matrix.rows;
    const d = this.dims;
    const v = fast.loadChunk(data, n, d);
    fast.scanRows();
    let k = 0;
    this.rows += n;
    this.ensureNorms(this.validRows + n);
    for (let r = 0; r < n; r++) {
      if (chunk.nulls?.[r]) {
        this.nullRows++;
        continue;
      }
      const cls = v.cls[r];
      if (cls === NAN) this.nanRows++;
      else if (cls === INF) this.infRows++;
      else if (cls === ZERO) this.zeroRows++;
      else {
        const norm = Math.sqrt(v.sumsq[r]);
        this.normBuf[this.validRows++] = norm;
        this.distinct.add(v.ha[r], v.hb[r]);
        const gi = chunk.rowOffset + r;
        const p = rowPriority(this.seed, gi);
        const base = r * d;
        if (this.sample.accepts(p, gi)) this.sample.offer(p, gi, data, base);
        v.idx[k] = r;
        v.norms[k] = norm;
        k++;
        if (chunk.pair) this.addPair(data, base, norm, chunk.pair.matrix.data, chunk.pair.nulls?.[r] === 1);
      }
    }
    if (k === 0) return this;
    const before = this.validRows - k;
    if (!this.origin) this.origin = Float64Array.from(data.subarray(v.idx[0] * d, v.idx[0] * d + d));
    const cm = this.chunkMean;
    // the chunk's scatter and Chan's merge term go into m2 in one pass (as mergeMoments would), the
    // unit-row sums in the same read of the rows
    const w = (before * k) / (before + k);
    fast.covarianceChunk(k, this.origin, this.meanRel, cm, this.m2, this.precision === "mixed", w, this.unitSum);
    this.advanceMean(before, cm, k);
    return this;
  }

  private addPair(x: FloatArray, base: number, xnorm: number, y: FloatArray, isNull: boolean): void {
    if (isNull) return;
    const d = this.dims;
    const [cls, sumsq] = classify(y, base, d);
    if (cls !== VALID) return;
    const ynorm = Math.sqrt(sumsq);
    let sq = 0;
    let cos = 0;
    for (let j = 0; j < d; j++) {
      const u = x[base + j] / xnorm;
      const v = y[base + j] / ynorm;
      const diff = u - v;
      sq += diff * diff;
      cos += u * v;
    }
    this.alignPairs++;
    this.alignSqSum += sq;
    this.alignCosSum += cos;
  }

  /** Mean of the valid rows: origin + mean(x − origin). */
  get mean(): Float64Array {
    const m = new Float64Array(this.dims);
    if (this.origin) for (let j = 0; j < this.dims; j++) m[j] = this.origin[j] + this.meanRel[j];
    return m;
  }

  /**
   * Chan, Golub & LeVeque (1979) pairwise update: the chunk's centred scatter merged into the
   * running one. Rows are shifted by the origin and the running mean before summing:
   * y = (x − origin) − meanRel − cm with cm = mean((x − origin) − meanRel), so every sum is over
   * values of the spread's size and keeps its digits.
   */
  private addCovariance(data: FloatArray, validIdx: Int32Array, k: number): void {
    const d = this.dims;
    const before = this.validRows - k;
    if (!this.origin) this.origin = Float64Array.from(data.subarray(validIdx[0] * d, validIdx[0] * d + d));
    const origin = this.origin;
    const rel = this.meanRel;
    const cm = this.chunkMean.fill(0);
    if (this.chunkM2.length !== d * d) this.chunkM2 = new Float64Array(d * d);
    const c = this.chunkM2.fill(0);
    const fast = this.fast;
    if (fast) {
      // the same centred values as below, written straight into the kernel's packed panels
      const p = fast.packBuffer(k, d);
      for (let i = 0; i < k; i++) {
        const base = validIdx[i] * d;
        for (let j = 0; j < d; j++) {
          const z = data[base + j] - origin[j] - rel[j];
          p[((j >> 2) * k + i) * 4 + (j & 3)] = z;
          cm[j] += z;
        }
      }
      for (let j = 0; j < d; j++) cm[j] /= k;
      for (let j = 0; j < d; j++) {
        const pb = (j >> 2) * k * 4 + (j & 3);
        const mj = cm[j];
        for (let i = 0; i < k; i++) p[pb + i * 4] -= mj;
      }
      fast.syrkPacked(k, d, c);
      this.mergeMoments(before, cm, c, k);
      return;
    }
    if (this.scratch.length < d * k) this.scratch = new Float64Array(d * k);
    const yt = this.scratch;
    for (let i = 0; i < k; i++) {
      const base = validIdx[i] * d;
      for (let j = 0; j < d; j++) {
        const z = data[base + j] - origin[j] - rel[j];
        yt[j * k + i] = z;
        cm[j] += z;
      }
    }
    for (let j = 0; j < d; j++) cm[j] /= k;
    for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) yt[j * k + i] -= cm[j];
    syrkUpperT(yt, d, k, c);
    this.mergeMoments(before, cm, c, k);
  }

  /**
   * Merges another set's moments (count nb, scatter m2b, and δ = its mean minus this running mean)
   * into this profile's; `na` is this profile's count before.
   */
  private mergeMoments(na: number, delta: Float64Array, m2b: Float64Array, nb: number): void {
    const d = this.dims;
    const m2 = this.m2;
    const total = na + nb;
    const w = (na * nb) / total;
    for (let i = 0; i < d; i++) {
      const di = delta[i] * w;
      for (let j = i; j < d; j++) m2[i * d + j] += m2b[i * d + j] + di * delta[j];
    }
    this.advanceMean(na, delta, nb);
  }

  /** The running mean after merging nb rows whose mean is `delta` from it (na rows before). */
  private advanceMean(na: number, delta: Float64Array, nb: number): void {
    const rel = this.meanRel;
    const f = nb / (na + nb);
    for (let j = 0; j < this.dims; j++) rel[j] += delta[j] * f;
  }

  /** Folds another profile of the same dims, sample size and seed into this one. */
  merge(other: Profile): this {
    if (other.dims !== this.dims) throw new UsageError(`cannot merge profiles of ${other.dims} and ${this.dims} dims`);
    if (other.seed !== this.seed || other.sampleSize !== this.sampleSize) {
      throw new UsageError("cannot merge profiles made with different --seed or --sample");
    }
    const na = this.validRows;
    if (other.precision === "mixed") this.precision = "mixed";
    this.rows += other.rows;
    this.nullRows += other.nullRows;
    this.nanRows += other.nanRows;
    this.infRows += other.infRows;
    this.zeroRows += other.zeroRows;
    this.ensureNorms(na + other.validRows);
    this.normBuf.set(other.norms(), na);
    this.validRows += other.validRows;
    other.distinct.forEach((a, b) => {
      this.distinct.add(a, b);
    });
    for (let j = 0; j < this.dims; j++) this.unitSum[j] += other.unitSum[j];
    if (other.validRows > 0 && other.origin) {
      if (!this.origin) this.origin = Float64Array.from(other.origin);
      const delta = new Float64Array(this.dims);
      for (let j = 0; j < this.dims; j++) {
        delta[j] = other.origin[j] - this.origin[j] + other.meanRel[j] - this.meanRel[j];
      }
      this.mergeMoments(na, delta, other.m2, other.validRows);
    }
    this.sample.mergeFrom(other.sample);
    this.alignPairs += other.alignPairs;
    this.alignSqSum += other.alignSqSum;
    this.alignCosSum += other.alignCosSum;
    return this;
  }

  /** The population covariance (1/n) of the valid rows, full d × d. */
  covariance(): Float64Array {
    const d = this.dims;
    const c = new Float64Array(d * d);
    const n = this.validRows;
    if (n === 0) return c;
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) c[i * d + j] = this.m2[i * d + j] / n;
    return symmetrize(c, d);
  }

  private ensureNorms(n: number): void {
    if (n <= this.normBuf.length) return;
    let cap = this.normBuf.length;
    while (cap < n) cap *= 2;
    const next = new Float64Array(cap);
    next.set(this.normBuf.subarray(0, this.validRows));
    this.normBuf = next;
  }
}

/** Class of the row at data[base .. base + d) and its float64 sum of squares. */
function classify(data: FloatArray, base: number, d: number): [number, number] {
  let sumsq = 0;
  let nan = false;
  let inf = false;
  let nonzero = false;
  for (let j = 0; j < d; j++) {
    const v = data[base + j];
    sumsq += v * v;
    if (v !== 0) {
      nonzero = true;
      if (Number.isNaN(v)) nan = true;
      else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) inf = true;
    }
  }
  if (nan) return [NAN, sumsq];
  if (inf) return [INF, sumsq];
  if (!nonzero) return [ZERO, sumsq];
  return [VALID, sumsq];
}
