/**
 * The Profile: pass 1's accumulator. It holds the mergeable state (state.ts: plain numbers and
 * typed arrays, what a profile file stores) and the kernels that fill it; `add` eats one block of
 * rows through the kernels' row scan and scatter (src/linalg/backend.ts), the per-row bookkeeping
 * (counts, norms, duplicate set, sample, pairs) stays here.
 */
import { InputError, UsageError } from "../errors.js";
import type { Chunk, Label } from "../io/types.js";
import { type Kernels, ROW_INF, ROW_NAN, ROW_ZERO } from "../linalg/backend.js";
import { rowPriority } from "../linalg/hash.js";
import type { FloatArray } from "../linalg/matrix.js";
import { referenceKernels } from "../linalg/reference.js";
import type { HashSet64 } from "./hashset.js";
import { DEFAULT_MAX_GROUPS, emptyLabelState, groupOf, type LabelState, NodeBuilder, pushNode } from "./labels.js";
import { emptyMoments, type Moments, pushMoments } from "./moments.js";
import type { NormSketch } from "./normsketch.js";
import type { BottomKSample } from "./sample.js";
import { blockScale } from "./scale.js";
import { addRowHash, type DuplicateEstimate, duplicateEstimate, enforceBudget } from "./sketches.js";
import {
  addRange,
  covarianceOf,
  emptyState,
  ensureNorms,
  meanOf,
  mergeState,
  type Precision,
  type ProfileState,
  type ScaledCovariance,
  type StateOptions,
  scaledCovarianceOf,
  totalsOf,
} from "./state.js";
import { rowNorm } from "./stats.js";

export {
  DEFAULT_EXACT_ROWS,
  DEFAULT_SAMPLE_SIZE,
  PRECISIONS,
  type Precision,
  type ProfileState,
  type ScaledCovariance,
} from "./state.js";

export interface ProfileOptions extends StateOptions {
  /**
   * Arithmetic of the covariance (the spectrum's input). "mixed" (default): float32 products
   * summed in float32 over blocks of 128 rows, float64 across blocks — every eigenvalue within
   * 7.8e-6 · trace of the float64 one (bound in assembly/kernels.ts; about 1e-9 observed), twice
   * as fast. "float64": float64 products and sums, NumPy's float64 numbers to ~1e-12. Kernels
   * without mixed precision (the reference) run float64 whatever is asked.
   */
  precision?: Precision;
  /** The kernels that fill the state (default: the reference kernels). */
  kernels?: Kernels;
  /** The most bytes the d × d state may take (default MAX_STATE_BYTES; see covarianceStateBytes). */
  maxStateBytes?: number;
  /** Labelled rows: the most groups tracked, the rest pooled (default 1024; src/profile/labels.ts). */
  maxGroups?: number;
}

/**
 * The d × d state of a profile and its spectrum: the running scatter and the symmetric covariance
 * handed to the eigensolver, float64 each (16·d² bytes). A full eigensolve (n > d/4) adds one
 * more d × d matrix for the values, two for the vectors (a fit); the low-rank solve of n ≪ d adds
 * d·(n + 7) doubles (src/linalg/lowrank.ts).
 */
export const covarianceStateBytes = (d: number): number => 16 * d * d;

/** 8 GiB: d up to 23,170. */
export const MAX_STATE_BYTES = 8 * 2 ** 30;

const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

export class Profile {
  readonly state: ProfileState;
  private readonly kernels: Kernels;
  private readonly chunkMean: Float64Array;
  /** The folded moments, until the next add or merge. */
  private totals: Moments | null = null;

  /** A new, empty profile; or, with `state`, a Profile over that state (a loaded profile file). */
  constructor(opts: ProfileOptions, state?: ProfileState) {
    const kernels = opts.kernels ?? referenceKernels();
    const need = covarianceStateBytes(state?.dims ?? opts.dims);
    const limit = opts.maxStateBytes ?? MAX_STATE_BYTES;
    if (need > limit) {
      const d = state?.dims ?? opts.dims;
      throw new InputError(
        `${d.toLocaleString("en-US")} dims need ${gib(need)} for the d × d covariance (16·d² bytes), over the ${gib(limit)} limit (at most ${Math.floor(Math.sqrt(limit / 16)).toLocaleString("en-US")} dims)`,
        {},
        "project the vectors to fewer dims first (e.g. a random projection), or raise maxStateBytes in the library",
      );
    }
    if (!state) {
      state = emptyState(opts);
      // without mixed-precision kernels the covariance is float64 whatever was asked
      if (!kernels.mixedPrecision) state.precision = "float64";
    }
    this.state = state;
    this.kernels = kernels;
    this.chunkMean = new Float64Array(state.dims);
    this.maxGroups = opts.maxGroups ?? DEFAULT_MAX_GROUPS;
  }

  private readonly maxGroups: number;

  /** The labels' state, made with the first labelled chunk (null: no labels). */
  get labels(): LabelState | null {
    return this.state.labels ?? null;
  }

  /** A Profile over an existing state (a loaded profile file), to add to or merge into. */
  static fromState(state: ProfileState, kernels?: Kernels): Profile {
    return new Profile({ dims: state.dims, kernels }, state);
  }

  get dims(): number {
    return this.state.dims;
  }
  get sampleSize(): number {
    return this.state.sampleSize;
  }
  get seed(): number {
    return this.state.seed;
  }
  get precision(): Precision {
    return this.state.precision;
  }
  get rows(): number {
    return this.state.rows;
  }
  get nullRows(): number {
    return this.state.nullRows;
  }
  get nanRows(): number {
    return this.state.nanRows;
  }
  get infRows(): number {
    return this.state.infRows;
  }
  get zeroRows(): number {
    return this.state.zeroRows;
  }
  get validRows(): number {
    return this.state.validRows;
  }
  get distinct(): HashSet64 {
    return this.state.distinct;
  }
  /** Σ x/‖x‖ over the valid rows. */
  get unitSum(): Float64Array {
    return this.folded().unitSum;
  }
  /**
   * Σ (x − mean)(x − mean)ᵀ over the valid rows, upper triangle (d × d), in units of 2^(2·m2Scale)
   * (scale.ts: 0 unless an entry reaches 2^200).
   */
  get m2(): Float64Array {
    return this.folded().m2;
  }
  /** The power-of-two exponent of the moments: mean = (origin + meanRel)·2^e, m2 in units of 4^e. */
  get m2Scale(): number {
    return this.folded().scale;
  }
  get sample(): BottomKSample {
    return this.state.sample;
  }
  get alignPairs(): number {
    return this.state.alignPairs;
  }
  get alignSqSum(): number {
    return this.folded().alignSqSum;
  }
  get alignCosSum(): number {
    return this.folded().alignCosSum;
  }

  private folded(): Moments {
    this.totals ??= totalsOf(this.state);
    return this.totals;
  }

  /** The norms of the valid rows (a view; do not keep across add()); empty once sketched. */
  norms(): Float64Array {
    return this.state.norms.subarray(0, this.state.validRows);
  }

  /** The norms' sketch once validRows passed the row budget (then norms() is empty), else null. */
  get normSketch(): NormSketch | null {
    return this.state.normSketch;
  }

  /** Mean and population std of the norms from the merge tree (exact sums; what a sketch lacks). */
  normMeanStd(): { mean: number; std: number } {
    const t = this.folded();
    return { mean: t.normMean, std: t.n > 0 ? Math.sqrt(t.normM2 / t.n) : 0 };
  }

  /** Exact duplicate rows, or, above the row budget, the sample's estimate (duplicateEstimate). */
  get duplicateRows(): number {
    const e = this.duplicateEstimate;
    return e ? e.rows : this.state.validRows - this.state.distinct.size;
  }

  /** Null while the duplicates are exact (hashLevel 0). */
  get duplicateEstimate(): DuplicateEstimate | null {
    return duplicateEstimate(this.state);
  }

  /** Mean of the valid rows. */
  get mean(): Float64Array {
    return meanOf(this.state, this.folded());
  }

  /**
   * The population covariance (1/n) of the valid rows, full d × d. Its entries overflow to ±Inf
   * for entries beyond ~1.3e154 (float64 squares): scaledCovariance() stays finite.
   */
  covariance(): Float64Array {
    return covarianceOf(this.state, this.folded());
  }

  /** The covariance as C·2^log2 with C finite (log2 = 0, C = covariance(), for entries below 2^200). */
  scaledCovariance(): ScaledCovariance {
    return scaledCovarianceOf(this.state, this.folded());
  }

  /**
   * Eats one block of rows; rowOffset must be the global row index. Any block size works, but each
   * block is a leaf of the moments' merge tree (moments.ts), so callers that want the same bits for
   * any chunking or sharding feed blocks of blockRowsFor(d) rows at multiples of it (BlockFeeder).
   * The block is not kept.
   */
  add(chunk: Chunk): this {
    const m = chunk.matrix;
    const s = this.state;
    const d = s.dims;
    if (m.cols !== d) throw new InputError(`chunk has ${m.cols} columns, expected ${d}`, { row: chunk.rowOffset });
    const data = m.data;
    const n = m.rows;
    s.rows += n;
    if (n === 0) return this;
    this.totals = null;
    const node = emptyMoments(d, chunk.rowOffset, chunk.rowOffset + n);
    const scan = this.kernels.scanBlock(data, n, d);
    ensureNorms(s, s.validRows + n);
    const sample = s.sample;
    const labels = chunk.labels;
    if (labels) s.labels ??= emptyLabelState(d, s.blockRows, this.maxGroups);
    const lab = labels ? (s.labels as LabelState) : null;
    const groups = lab ? new NodeBuilder(d, chunk.rowOffset, chunk.rowOffset + n) : null;
    const sketch = s.normSketch;
    let k = 0;
    for (let r = 0; r < n; r++) {
      const gid = lab ? groupOf(lab, (labels as Label[])[r]) : -1;
      if (lab) lab.rows[gid]++;
      if (chunk.nulls?.[r]) {
        s.nullRows++;
        continue;
      }
      const cls = scan.cls[r];
      if (cls === ROW_NAN) s.nanRows++;
      else if (cls === ROW_INF) s.infRows++;
      else if (cls === ROW_ZERO) s.zeroRows++;
      else {
        const norm = rowNorm(scan.sumsq[r], data, r * d, d);
        if (sketch) sketch.add(norm);
        else s.norms[s.validRows] = norm;
        s.validRows++;
        addRowHash(s, scan.ha[r], scan.hb[r]);
        const gi = chunk.rowOffset + r;
        const p = rowPriority(s.seed, gi);
        const base = r * d;
        if (sample.accepts(p, gi)) {
          sample.offer(p, gi, data, base);
          lab?.sampled.set(gi, gid);
        }
        if (lab) {
          lab.valid[gid]++;
          groups?.addRow(gid, data, base, norm);
        }
        scan.idx[k] = r;
        scan.norms[k] = norm;
        k++;
        if (chunk.pair) this.addPair(node, data, base, norm, chunk.pair.matrix.data, chunk.pair.nulls?.[r] === 1);
      }
    }
    if (k > 0) {
      const e = blockScale(scan.sumsq, scan.idx, k, data, d);
      if (e === 0) {
        node.origin = Float64Array.from(data.subarray(scan.idx[0] * d, scan.idx[0] * d + d));
        // the block's scatter about its own mean (no merge term: w = 0) and its unit-row sums in one
        // read of the rows; the tree merges it with the others
        scan.scatter(k, node.origin, node.meanRel, this.chunkMean, node.m2, s.precision === "mixed", 0, node.unitSum);
      } else this.scaledScatter(node, data, scan.idx, scan.norms, k, e);
      node.meanRel.set(this.chunkMean);
      node.n = k;
      let sum = 0;
      for (let i = 0; i < k; i++) sum += scan.norms[i];
      const mean = sum / k;
      let m2 = 0;
      for (let i = 0; i < k; i++) m2 += (scan.norms[i] - mean) ** 2;
      node.normMean = mean;
      node.normM2 = m2;
    }
    pushMoments(s.moments, node, s.blockRows);
    if (lab && groups) pushNode(lab, groups.node());
    addRange(s, chunk.rowOffset, chunk.rowOffset + n, k);
    enforceBudget(s);
    return this;
  }

  /**
   * The scatter of a block with an entry ≥ 2^200 (scale.ts): its k valid rows (idx) times 2^-e
   * through the kernels' scatter, node.scale = e. The unit-row sums are scale-free: summed from
   * the rows as they are (the reference's loop), as a scaled tiny row's norm could underflow.
   */
  private scaledScatter(node: Moments, data: FloatArray, idx: Int32Array, norms: Float64Array, k: number, e: number) {
    const d = this.state.dims;
    const f = 2 ** -e;
    const rows = Int32Array.from(idx.subarray(0, k));
    const unitNorms = Float64Array.from(norms.subarray(0, k));
    const x = new Float64Array(k * d);
    for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) x[i * d + j] = data[rows[i] * d + j] * f;
    for (let i = 0; i < k; i++) {
      const base = rows[i] * d;
      for (let j = 0; j < d; j++) node.unitSum[j] += data[base + j] / unitNorms[i];
    }
    // a second scan (the first one's views may share the kernels' memory: read them above)
    const scan = this.kernels.scanBlock(x, k, d);
    for (let i = 0; i < k; i++) {
      scan.idx[i] = i;
      scan.norms[i] = 1;
    }
    node.origin = x.slice(0, d);
    node.scale = e;
    const ignored = new Float64Array(d);
    scan.scatter(k, node.origin, node.meanRel, this.chunkMean, node.m2, this.state.precision === "mixed", 0, ignored);
  }

  private addPair(node: Moments, x: FloatArray, base: number, xnorm: number, y: FloatArray, isNull: boolean): void {
    if (isNull) return;
    const d = this.state.dims;
    let sumsq = 0;
    let finite = true;
    let nonzero = false;
    for (let j = 0; j < d; j++) {
      const v = y[base + j];
      sumsq += v * v;
      if (v !== 0) {
        nonzero = true;
        if (!Number.isFinite(v)) finite = false;
      }
    }
    if (!finite || !nonzero) return;
    const ynorm = rowNorm(sumsq, y, base, d); // √sumsq unless it overflowed or underflowed
    let sq = 0;
    let cos = 0;
    for (let j = 0; j < d; j++) {
      const u = x[base + j] / xnorm;
      const v = y[base + j] / ynorm;
      const diff = u - v;
      sq += diff * diff;
      cos += u * v;
    }
    this.state.alignPairs++;
    node.alignSqSum += sq;
    node.alignCosSum += cos;
  }

  /**
   * Lowers the row budget to `exactRows` (a profile file reported with --exact-rows), sketching what
   * then passes it; a higher budget cannot bring back what a sketch dropped, so it is ignored.
   */
  lowerBudget(exactRows: number): this {
    if (!Number.isSafeInteger(exactRows) || exactRows < 0) {
      throw new UsageError(`the row budget (exactRows) must be an integer ≥ 0, got ${exactRows}`);
    }
    if (exactRows < this.state.exactRows) {
      this.state.exactRows = exactRows;
      enforceBudget(this.state);
    }
    return this;
  }

  /** Folds another profile (or state) of the same dims, sample size and seed into this one. */
  merge(other: Profile | ProfileState): this {
    mergeState(this.state, other instanceof Profile ? other.state : other);
    this.totals = null;
    return this;
  }
}
