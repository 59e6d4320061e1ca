/**
 * A repair pipeline as an estimator (scikit-learn's contract): the constructor stores the steps as
 * given; `fit` computes the fitted state from profile statistics; `transform` before `fit` throws
 * NotFittedError; `toJSON`/`Pipeline.fromJSON` save and load the fitted state exactly.
 *
 * Passes over the input (each one a stream over chunks, memory O(d² + chunk)):
 * - the first profile (the caller's pass 1, which also gives the "before" report);
 * - one more profile pass for each fitted step that follows an `l2`, a `dedup` (unless pass 1
 *   saw no duplicate) or a `drop-invalid` placed after some other step: these change the rows in
 *   ways with no closed form, so the statistics of their output are measured by streaming the
 *   input through the pipeline so far. Affine steps (center, pca, whiten, zca, abtt) need no
 *   pass: μ' = (μ − m)P, Σ' = PᵀΣP. A `drop-invalid` right after a measured point needs none
 *   either: the profile's statistics are already over the valid rows only;
 * - two passes for each `dedup-near` (signatures, then exact verification: src/detect/neardup.ts)
 *   over the input through the steps before it; the second only when there are candidates;
 * - the apply pass that writes the output.
 */
import { keepFirstDrops, type NearDupChunk, type NearDupDrop, verifiedNearDuplicatePairs } from "../detect/neardup.js";
import { InputError, NotFittedError, UsageError } from "../errors.js";
import type { Chunk } from "../io/types.js";
import type { Kernels } from "../linalg/backend.js";
import type { Matrix } from "../linalg/matrix.js";
import { referenceKernels } from "../linalg/reference.js";
import { type Precision, Profile } from "../profile/profile.js";
import { profileChunks } from "../profile/run.js";
import { VERSION } from "../version.js";
import { type Rows, rowsOfChunk } from "./rows.js";
import { decodeTransform, type TransformJson, transformToJson } from "./serialize.js";
import { formatPipeline, parsePipeline } from "./spec.js";
import {
  affineMatrix,
  type CompiledStep,
  compileStep,
  DEFAULT_PCA_K,
  dataPasses,
  dimsOut,
  FAST_MIN_DIMS,
  type FittedStep,
  fitStep,
  isFilter,
  isFitted,
  propagate,
  type Stats,
  type StepSpec,
} from "./steps/index.js";

/** Re-reads the input from the start (each call a fresh iteration). */
export type ChunkSource = () => AsyncIterable<Chunk> | Promise<AsyncIterable<Chunk>>;

export interface FitOptions {
  /** The profile of the input (pass 1), when the caller already has it; else fit takes one. */
  profile?: Profile;
  /** Called once per extra pass, with the number of the pass (2, 3, ...). */
  onPass?: (pass: number, why: string) => void;
  /**
   * The kernels of the fit's eigendecompositions and extra profile passes and of every later
   * transform (as withKernels). Default: the pipeline's (the reference unless withKernels was called).
   */
  kernels?: Kernels;
  /**
   * Covariance arithmetic of the profiles fit takes itself (default "mixed"; see Profile). A
   * given `profile` keeps its own.
   */
  precision?: Precision;
  /** Seed of the near-duplicate hyperplanes (dedup-near; report uses the profile's seed). Default 0. */
  seed?: number;
}

/** What the transform of one chunk yields. */
export interface TransformedChunk {
  /** n × dims (float64). */
  matrix: Matrix<Float64Array>;
  nulls?: Uint8Array;
  /** Row i of the output is row index[i] of the input chunk. */
  index: Int32Array;
  /** Whether every input row was kept, in order. */
  allKept: boolean;
}

export function statsOf(p: Profile): Stats {
  return { d: p.dims, n: p.validRows, mean: p.mean, cov: p.covariance() };
}

export class Pipeline {
  /** The steps as given. */
  readonly steps: readonly StepSpec[];
  private fitted: FittedStep[] | null = null;
  private dimsIn_ = 0;
  private compiled: CompiledStep[] | null = null;
  private kernels_: Kernels | null = null;
  private reference_: Kernels | null = null;
  /** Input passes the last fit took, the first profile included (the apply pass is not counted). */
  passes = 0;

  constructor(steps: string | readonly StepSpec[]) {
    this.steps = typeof steps === "string" ? parsePipeline(steps) : steps.map((s) => ({ ...s }));
    if (this.steps.length === 0) throw new UsageError("empty pipeline");
  }

  /**
   * Refuses, before any pass, steps that ask for more dims than reach them (scikit-learn's PCA
   * raises for n_components > n_features the same way): `pca:K` or `whiten:K` with K > d, `abtt:D`
   * with D ≥ d. A bare `pca` (256) is capped at d, as documented. `file` names the input.
   */
  checkDims(dims: number, file?: string): void {
    let d: number | null = dims;
    const where = file ? ` of ${file}` : "";
    for (const s of this.steps) {
      if (d === null) return; // after pca:SHARE the width is known only once fitted
      if ((s.kind === "pca" || s.kind === "whiten") && s.k !== undefined && s.k > d) {
        throw new UsageError(
          `${s.kind}:${s.k} asks for ${s.k} components, but the ${d}-dim vectors${where} have only ${d}; use ${s.kind}:${d} or less${s.kind === "pca" ? " (or pca:0.99)" : ""}`,
        );
      }
      if (s.kind === "abtt" && s.k !== undefined && s.k >= d) {
        throw new UsageError(`abtt:${s.k} would remove every direction of the ${d}-dim vectors${where}; use D < ${d}`);
      }
      if (s.kind === "pca") d = s.share !== undefined ? null : Math.min(s.k ?? DEFAULT_PCA_K, d);
      else if (s.kind === "whiten") d = Math.min(s.k ?? d, d);
    }
  }

  /**
   * Chooses the kernels of fit and transform (default: the reference kernels, float64). With the
   * WebAssembly kernels the projections of pca, whiten, zca and abtt use float32 products on inputs
   * of FAST_MIN_DIMS dims or more (Kernels.centredProduct states the bound); the output is identical
   * for any thread count.
   */
  withKernels(kernels: Kernels): this {
    if (kernels !== this.kernels_) this.compiled = null;
    this.kernels_ = kernels;
    return this;
  }

  /** The kernels of fit and transform. */
  get kernels(): Kernels {
    this.kernels_ ??= this.reference();
    return this.kernels_;
  }

  private reference(): Kernels {
    this.reference_ ??= referenceKernels();
    return this.reference_;
  }

  /** The kernels of the products of a step with `dimsIn` inputs (FAST_MIN_DIMS: steps/index.ts). */
  private productKernels(dimsIn: number): Kernels {
    return dimsIn >= FAST_MIN_DIMS ? this.kernels : this.reference();
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** The fitted steps (plain data); throws NotFittedError before fit. */
  get fittedSteps(): readonly FittedStep[] {
    if (!this.fitted) throw new NotFittedError("this pipeline is not fitted yet; call fit() first");
    return this.fitted;
  }

  get dimsIn(): number {
    this.fittedSteps;
    return this.dimsIn_;
  }

  get dimsOut(): number {
    const steps = this.fittedSteps;
    let d = this.dimsIn_;
    for (const s of steps) d = dimsOut(s, d);
    return d;
  }

  toString(): string {
    return formatPipeline(this.steps);
  }

  /** Whether every step is row-wise (no filter), so the output has the input's row count. */
  get keepsRows(): boolean {
    return !this.steps.some((s) => isFilter(s.kind));
  }

  /**
   * Fits every step from streamed statistics. `source()` is called once per pass beyond the first
   * profile (see the header for how many); memory stays O(d² + chunk).
   */
  async fit(source: ChunkSource, opts: FitOptions = {}): Promise<this> {
    if (opts.kernels) this.withKernels(opts.kernels);
    const kernels = this.kernels;
    let profile = opts.profile;
    let passes = 1;
    if (!profile) profile = await profileOf(source, null, 0, kernels, opts.precision);
    const d = profile.dims;
    const fitted: FittedStep[] = [];
    // Statistics at the current position: `measured` when a profile pass saw exactly these rows,
    // `stats` when they follow analytically from an affine step; neither when unknown.
    let measured: Profile | null = profile;
    let stats: Stats | null = null;
    const later = (i: number) => this.steps.slice(i + 1).some((s) => isFitted(s.kind));
    let dims = d;
    for (let i = 0; i < this.steps.length; i++) {
      const spec = this.steps[i];
      let step: FittedStep;
      if (isFitted(spec.kind)) {
        if (!stats) {
          if (!measured) {
            passes++;
            opts.onPass?.(passes, `statistics after ${formatPipeline(this.steps.slice(0, i))}`);
            measured = await profileOf(
              source,
              this.compileAll(fitted, d),
              dims,
              kernels,
              opts.precision ?? profile.precision,
            );
          }
          stats = statsOf(measured);
        }
        step = fitStep(spec, stats, kernels);
        measured = null;
        stats = later(i) ? propagate(stats, step) : null;
      } else {
        step = fitStep(spec, { d: dims, n: 0, mean: new Float64Array(0), cov: new Float64Array(0) }, kernels);
        if (dataPasses(spec.kind) > 0) {
          step = await this.resolveStep(step, fitted, d, dims, source, kernels, opts.seed ?? 0, (why) => {
            passes++;
            opts.onPass?.(passes, why);
          });
        }
        // The profile's statistics are over valid rows only, so drop-invalid right after a measured
        // point changes nothing; neither does dedup when that profile saw no duplicate, nor a
        // dedup-near that drops no row.
        const unchanged =
          measured !== null &&
          (spec.kind === "drop-invalid" ||
            (spec.kind === "dedup" && measured.duplicateRows === 0) ||
            (step.kind === "dedup-near" && step.drops?.length === 0));
        if (!unchanged) {
          measured = null;
          stats = null;
        }
      }
      fitted.push(step);
      dims = dimsOut(step, dims);
    }
    this.fitted = fitted;
    this.dimsIn_ = d;
    this.compiled = null;
    this.passes = passes;
    return this;
  }

  /**
   * The state of a data-dependent step (dedup-near) for the input `source` streams: the near-duplicate
   * passes over that input through the steps before it (`prior`, fitted). `onPass` is told of each
   * pass the engine takes (the second only when there are candidates).
   */
  private async resolveStep(
    step: FittedStep,
    prior: readonly FittedStep[],
    dimsIn: number,
    dims: number,
    source: ChunkSource,
    kernels: Kernels,
    seed: number,
    onPass: (why: string) => void,
  ): Promise<FittedStep> {
    if (step.kind !== "dedup-near") return step;
    const fns = this.compileAll(prior, dimsIn).map((c) => c.open());
    const at =
      prior.length === 0 ? "the input" : `the input through ${formatPipeline(this.steps.slice(0, prior.length))}`;
    let opened = 0;
    const open = async () => {
      onPass(`near-duplicates of ${at} (${opened++ === 0 ? "signatures" : "verification"})`);
      return { chunks: withIds(await source(), fns, dimsIn), close: async () => {} };
    };
    const pairs = await verifiedNearDuplicatePairs(open, dims, kernels, step.tau, seed);
    return { ...step, drops: keepFirstDrops(pairs) };
  }

  /**
   * Runs the passes of the data-dependent steps (dedup-near) for a new input, as `embcheck apply`
   * does before mapping it: a loaded or fitted transform knows only the near-duplicates of the input
   * it was fitted on. Two passes per such step (see FitOptions.seed; default 0).
   */
  async prepare(source: ChunkSource, opts: Pick<FitOptions, "kernels" | "onPass" | "seed"> = {}): Promise<this> {
    if (opts.kernels) this.withKernels(opts.kernels);
    const fitted = [...this.fittedSteps];
    let passes = 0;
    let dims = this.dimsIn_;
    for (let i = 0; i < fitted.length; i++) {
      if (dataPasses(fitted[i].kind) > 0) {
        fitted[i] = await this.resolveStep(
          { ...fitted[i], drops: null } as FittedStep,
          fitted.slice(0, i),
          this.dimsIn_,
          dims,
          source,
          this.kernels,
          opts.seed ?? 0,
          (why) => opts.onPass?.(++passes, why),
        );
      }
      dims = dimsOut(fitted[i], dims);
    }
    this.fitted = fitted;
    this.compiled = null;
    return this;
  }

  /** Whether some step must see the input before it maps it (dedup-near: see prepare). */
  get needsPrepare(): boolean {
    return this.steps.some((s) => dataPasses(s.kind) > 0);
  }

  /** The rows the dedup-near steps drop (input rows, ascending within each step), once resolved. */
  get nearDuplicateDrops(): readonly NearDupDrop[] {
    const out: NearDupDrop[] = [];
    for (const s of this.fittedSteps) if (s.kind === "dedup-near" && s.drops) out.push(...s.drops);
    return out;
  }

  /** fit() on an in-memory matrix (one chunk), for tests and small data. */
  fitMatrix(m: Matrix, nulls?: Uint8Array): Promise<this> {
    return this.fit(() => once(m, nulls));
  }

  private compile(): CompiledStep[] {
    if (!this.compiled) this.compiled = this.compileAll(this.fittedSteps, this.dimsIn_);
    return this.compiled;
  }

  private compileAll(fitted: readonly FittedStep[], d: number): CompiledStep[] {
    const out: CompiledStep[] = [];
    let dims = d;
    for (const s of fitted) {
      const c = compileStep(s, dims, this.productKernels(dims));
      out.push(c);
      dims = c.dimsOut;
    }
    return out;
  }

  /**
   * A stateful mapper for one stream of chunks, in order (dedup remembers the rows it has seen
   * across chunks). The input chunks are never modified.
   */
  stream(): (chunk: Chunk) => TransformedChunk {
    if (this.fittedSteps.some((s) => s.kind === "dedup-near" && !s.drops)) {
      throw new UsageError(
        "dedup-near needs the near-duplicates of the input it maps: call pipeline.prepare(source) first (embcheck apply does)",
      );
    }
    const steps = this.compile();
    const d = this.dimsIn_;
    const fns = steps.map((s) => s.open());
    return (chunk) => {
      if (chunk.matrix.cols !== d) {
        throw new InputError(
          `the transform was fitted on ${d}-dim vectors but the input has ${chunk.matrix.cols} dims`,
        );
      }
      let rows: Rows = rowsOfChunk(chunk);
      for (const f of fns) rows = f(rows, chunk.rowOffset);
      const out: TransformedChunk = {
        matrix: { rows: rows.n, cols: rows.d, data: rows.data },
        index: rows.index,
        allKept: rows.n === chunk.matrix.rows,
      };
      if (rows.nulls) out.nulls = rows.nulls;
      return out;
    };
  }

  /**
   * A float32 → float32 mapper for the common pipelines — centres (`center` steps) followed by at
   * most one pca, whiten or zca — on inputs of FAST_MIN_DIMS dims or more with the fast kernels:
   * the centring (one composed mean) and the product X·W both run in WebAssembly on the chunk's
   * float32 values, with no float64 copy of the chunk. Output: the compiled path's numbers up to the
   * float64 rounding of the composed mean (then the same float32 products); null when the pipeline
   * is not of this shape. For rows without nulls; every row is kept, in order. The result goes into
   * `out` when given (n × dimsOut values), else into a new array.
   */
  float32Mapper(): ((x: Float32Array, n: number, out?: Float32Array) => Float32Array) | null {
    const f32 = this.kernels.float32;
    const steps = this.fittedSteps;
    const d = this.dimsIn_;
    if (!f32 || d < FAST_MIN_DIMS || steps.length === 0) return null;
    const mean = new Float64Array(d);
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      const last = i === steps.length - 1;
      if (s.kind !== "center" && !(last && (s.kind === "pca" || s.kind === "whiten" || s.kind === "zca"))) return null;
      for (let j = 0; j < d; j++) mean[j] += s.mean[j];
    }
    const lastStep = steps[steps.length - 1];
    if (lastStep.kind === "center") return (x, n, out) => f32.centre(x, n, d, mean, out);
    const aff = affineMatrix(lastStep);
    if (!aff) return null;
    const W = this.kernels.prepareProduct(aff.P, d, aff.dout);
    return (x, n, out) => f32.project(x, n, W, mean, out);
  }

  /** Transforms a whole matrix (one stream of one chunk). */
  transform(m: Matrix, nulls?: Uint8Array): Matrix<Float64Array> {
    const chunk: Chunk = { matrix: m, rowOffset: 0 };
    if (nulls) chunk.nulls = nulls;
    return this.stream()(chunk).matrix;
  }

  /** The row-wise steps only (filters skipped): where each given row lands. For kNN cost. */
  mapRows(m: Matrix): Matrix<Float64Array> {
    const steps = this.compile().filter((s) => !isFilter(s.step.kind));
    let rows = rowsOfChunk({ matrix: m, rowOffset: 0 });
    for (const s of steps) rows = s.open()(rows, 0);
    return { rows: rows.n, cols: rows.d, data: rows.data };
  }

  async fitTransform(m: Matrix): Promise<Matrix<Float64Array>> {
    await this.fitMatrix(m);
    return this.transform(m);
  }

  /** The saved transform (serialize.ts): JSON.stringify(pipeline) writes it. */
  toJSON(): TransformJson {
    return transformToJson(this, VERSION);
  }

  /** Loads a saved transform; checks its kind, schema version and shapes. */
  static fromJSON(json: unknown): Pipeline {
    return transformFromJson(json);
  }

  /** Restores fitted state (used by fromJSON). */
  static fromFitted(steps: readonly StepSpec[], fitted: FittedStep[], dimsIn: number): Pipeline {
    const p = new Pipeline(steps);
    p.fitted = fitted;
    p.dimsIn_ = dimsIn;
    return p;
  }
}

async function* once(m: Matrix, nulls?: Uint8Array): AsyncGenerator<Chunk> {
  const c: Chunk = { matrix: m, rowOffset: 0 };
  if (nulls) c.nulls = nulls;
  yield c;
}

/** Loads a saved transform (serialize.ts): checks its kind, schema version and shapes. */
export function transformFromJson(json: unknown): Pipeline {
  const t = decodeTransform(json);
  return Pipeline.fromFitted(t.steps, [...t.fittedSteps], t.dimsIn);
}

/** Streams the input through `steps` (all when null: the raw input) into a small Profile. */
async function profileOf(
  source: ChunkSource,
  steps: CompiledStep[] | null,
  dims: number,
  kernels: Kernels,
  precision: Precision | undefined,
): Promise<Profile> {
  const chunks = await source();
  let width = dims;
  if (!steps) {
    // the raw input: its width comes from the first chunk
    const it = chunks[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) return new Profile({ dims: Math.max(1, dims), sampleSize: 2, kernels, precision });
    width = first.value.matrix.cols;
    return profileChunks(prepend(first.value, it), { dims: width, sampleSize: 2, kernels, precision });
  }
  const fns = steps.map((s) => s.open());
  return profileChunks(mapped(chunks, fns), { dims: width, sampleSize: 2, kernels, precision });
}

async function* prepend(first: Chunk, rest: AsyncIterator<Chunk>): AsyncGenerator<Chunk> {
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

type RowMap = (rows: Rows, rowOffset: number) => Rows;

/** The input through `fns`, each row with its input row id (for the near-duplicate passes). */
async function* withIds(chunks: AsyncIterable<Chunk>, fns: RowMap[], dimsIn: number): AsyncGenerator<NearDupChunk> {
  for await (const chunk of chunks) {
    if (chunk.matrix.cols !== dimsIn) {
      throw new InputError(
        `the transform was fitted on ${dimsIn}-dim vectors but the input has ${chunk.matrix.cols} dims`,
      );
    }
    let rows = rowsOfChunk(chunk);
    for (const f of fns) rows = f(rows, chunk.rowOffset);
    const rowIds = new Float64Array(rows.n);
    for (let i = 0; i < rows.n; i++) rowIds[i] = chunk.rowOffset + rows.index[i];
    const c: NearDupChunk = { matrix: { rows: rows.n, cols: rows.d, data: rows.data }, rowOffset: 0, rowIds };
    if (rows.nulls) c.nulls = rows.nulls;
    yield c;
  }
}

async function* mapped(chunks: AsyncIterable<Chunk>, fns: RowMap[]): AsyncGenerator<Chunk> {
  for await (const chunk of chunks) {
    let rows = rowsOfChunk(chunk);
    for (const f of fns) rows = f(rows, chunk.rowOffset);
    const c: Chunk = { matrix: { rows: rows.n, cols: rows.d, data: rows.data }, rowOffset: 0 };
    if (rows.nulls) c.nulls = rows.nulls;
    yield c;
  }
}
