/**
 * fix and apply, end to end, over an injected input (re-openable) and writer: pass 1 profiles the
 * input (the "before"), the pipeline is fitted (extra passes as pipeline.ts says), and the apply
 * pass streams every chunk through the transform into the writer and into a second Profile (the
 * "after"). The writer is aborted on any error, so no partial output remains.
 */
import { computeMetrics, type Metrics } from "../detect/metrics.js";
import { QualityError } from "../errors.js";
import type { Chunk, EmbeddingSource, SourceInfo } from "../io/types.js";
import type { OutBlock, VectorWriter } from "../io/writers/types.js";
import type { Kernels } from "../linalg/backend.js";
import { KNN_K, knnOverlap } from "../linalg/knn.js";
import type { FloatArray } from "../linalg/matrix.js";
import { referenceKernels } from "../linalg/reference.js";
import { BlockFeeder } from "../profile/blocks.js";
import { type Precision, Profile } from "../profile/profile.js";
import { readAhead } from "../profile/readAhead.js";
import { profileChunks } from "../profile/run.js";
import type { RowLedger } from "./ledger.js";
import type { Pipeline } from "./pipeline.js";

export interface RunInput {
  /** Opens the input afresh (called once per pass); `forWriting` for the pass whose rows a writer gets. */
  open(o?: { forWriting?: boolean }): Promise<EmbeddingSource>;
  sampleSize?: number;
  seed?: number;
  /** The row budget of the profiles (Profile: exactRows). */
  exactRows?: number;
  /** The input's name in errors. */
  label?: string;
  /**
   * The kernels of the profiles, metrics, fit and projections (default: the reference kernels).
   * The output and the report are identical for any thread count.
   */
  kernels?: Kernels;
  /** Covariance arithmetic of the profiles (default "mixed"; see Profile). */
  precision?: Precision;
  /** Called with the rows read so far in the current pass. */
  onRows?: (pass: number, rows: number) => void;
  /**
   * The values as the writer stores them (rounded to the output dtype): the "after" profile, the
   * table and the HTML page measure these, not the float64 values before rounding. Default: as given.
   */
  asWritten?: (data: FloatArray) => FloatArray;
}

/** The five numbers of the before/after table (null when fewer than 2 valid rows are left). */
export interface KeyMetrics {
  rows: number;
  dims: number;
  meanCosine: number | null;
  uniformity: number | null;
  effectiveRank: number | null;
  dominantShare: number | null;
  normsCv: number | null;
}

export interface RunResult {
  info: SourceInfo;
  /** Passes over the input, the apply pass included. */
  passes: number;
  before: Metrics;
  /** Null when the output has fewer than 2 valid rows. */
  after: Metrics | null;
  beforeKey: KeyMetrics;
  afterKey: KeyMetrics;
  /** Mean kNN@k overlap on the sample, before vs after. */
  knnOverlap: number;
  knnK: number;
  knnRows: number;
  rowsOut: number;
  /** The profile of the input (its row sample: for the maps of the HTML page). */
  profile: Profile;
}

export function keyMetrics(m: Metrics): KeyMetrics {
  return {
    rows: m.integrity.rows,
    dims: m.dims,
    meanCosine: m.cosine.meanExact,
    uniformity: m.uniformity.value,
    effectiveRank: m.spectrum.effectiveRank,
    dominantShare: m.spectrum.dominantShare,
    normsCv: m.norms.cv,
  };
}

async function* readAll(input: RunInput, pass: number): AsyncGenerator<Chunk> {
  const source = await input.open();
  try {
    let rows = 0;
    for await (const chunk of source) {
      rows += chunk.matrix.rows;
      input.onRows?.(pass, rows);
      yield chunk;
    }
  } finally {
    await source.close();
  }
}

/** The kernels of a run (the reference unless the input names others). */
const kernelsOf = (input: RunInput): Kernels => (input.kernels ??= referenceKernels());

/** Pass 1: the profile of the raw input, and what its header said. */
export async function profileInput(
  input: RunInput,
  check?: (info: SourceInfo) => void,
): Promise<{ info: SourceInfo; profile: Profile }> {
  const source = await input.open();
  try {
    check?.(source.info);
    const profile = await profileChunks(source, {
      dims: source.info.dims,
      sampleSize: input.sampleSize,
      seed: input.seed,
      exactRows: input.exactRows,
      kernels: kernelsOf(input),
      precision: input.precision,
      onChunk: (rows) => input.onRows?.(1, rows),
    });
    return { info: source.info, profile };
  } finally {
    await source.close();
  }
}

/** Counts the rows the pipeline keeps (one more pass; only for NPY on a pipe with filters). */
export async function countRows(input: RunInput, pipeline: Pipeline, pass: number): Promise<number> {
  const map = pipeline.stream();
  let n = 0;
  for await (const chunk of readAll(input, pass)) n += map(chunk).matrix.rows;
  return n;
}

export interface ApplyResult {
  before: Profile | null;
  after: Profile;
  rowsOut: number;
  info: SourceInfo;
}

/**
 * The apply pass: every chunk through the fitted pipeline into `writer` and an "after" Profile;
 * with `profileBefore`, the raw chunks also feed a "before" Profile (apply has no pass 1).
 */
export async function applyPass(
  input: RunInput,
  pipeline: Pipeline,
  writer: (info: SourceInfo) => Promise<VectorWriter>,
  pass: number,
  profileBefore: boolean,
  ledger?: RowLedger,
): Promise<ApplyResult> {
  const source = await input.open({ forWriting: true });
  let w: VectorWriter | null = null;
  // the previous block's write: it overlaps this block's work and is awaited before the next write
  let writing: Promise<void> | null = null;
  try {
    const info = source.info;
    w = await writer(info);
    const map = pipeline.stream();
    const opts = {
      sampleSize: input.sampleSize,
      seed: input.seed,
      exactRows: input.exactRows,
      kernels: kernelsOf(input),
      precision: input.precision,
    };
    const after = new Profile({ dims: pipeline.dimsOut, ...opts });
    const before = profileBefore ? new Profile({ dims: info.dims, ...opts }) : null;
    const beforeFeed = before ? new BlockFeeder(before) : null;
    const afterFeed = new BlockFeeder(after);
    let rowsIn = 0;
    let rowsOut = 0;
    let chunks = 0;
    const fast32 = pipeline.float32Mapper();
    // the fast path's output arrays, used in turn: a block is done with once its write resolved
    const outs = [new Float32Array(0), new Float32Array(0)];
    // reading the next chunk overlaps transforming, writing and profiling this one
    for await (const chunk of readAhead(source)) {
      beforeFeed?.push(chunk);
      ledger?.add(chunk);
      const x = chunk.matrix.data;
      const n = chunk.matrix.rows;
      const f32 = fast32 && x instanceof Float32Array && !chunk.nulls ? x : null;
      const at = chunks++ & 1;
      if (f32 && outs[at].length !== n * pipeline.dimsOut) outs[at] = new Float32Array(n * pipeline.dimsOut);
      const t =
        fast32 && f32
          ? {
              matrix: { rows: n, cols: pipeline.dimsOut, data: fast32(f32, n, outs[at]) },
              index: Int32Array.from({ length: n }, (_, i) => i),
              nulls: undefined,
            }
          : map(chunk);
      ledger?.keep(chunk, t.index);
      const block: OutBlock = { matrix: t.matrix };
      if (t.nulls) block.nulls = t.nulls;
      if (chunk.arrow) block.arrow = { ...chunk.arrow, index: t.index };
      if (t.matrix.rows > 0) {
        const written = input.asWritten ? { ...t.matrix, data: input.asWritten(t.matrix.data) } : t.matrix;
        const c: Chunk = { matrix: written, rowOffset: rowsOut };
        if (t.nulls) c.nulls = t.nulls;
        afterFeed.push(c);
      }
      if (writing) await writing;
      writing = w.write(block);
      writing.catch(() => {}); // a failed write surfaces at the await before the next one
      rowsOut += t.matrix.rows;
      rowsIn += chunk.matrix.rows;
      input.onRows?.(pass, rowsIn);
    }
    if (writing) await writing;
    beforeFeed?.flush();
    afterFeed.flush();
    const done = w;
    w = null;
    await done.close();
    return { before, after, rowsOut, info };
  } catch (e) {
    await writing?.catch(() => {});
    await w?.abort().catch(() => {});
    throw e;
  } finally {
    await source.close();
  }
}

/** kNN overlap on the before profile's sample: raw rows vs the same rows through the pipeline. */
export function sampleKnnOverlap(
  before: Profile,
  pipeline: Pipeline,
  kernels: Kernels,
  k = KNN_K,
): { overlap: number; rows: number } {
  const { indices, values } = before.sample.rowsByIndex();
  const m = indices.length;
  const mapped = pipeline.mapRows({ rows: m, cols: before.dims, data: values });
  return { overlap: knnOverlap(values, before.dims, mapped.data, mapped.cols, m, k, kernels), rows: m };
}

export interface FixOptions {
  /** Called when a pass starts (1 = profile, then fit passes, then the apply pass). */
  onPass?: (pass: number, what: string) => void;
  /** Extra row-count pass before writing (NPY on a pipe when filters drop rows). */
  needRowCount?: boolean;
  /** Pass 1's profile, when the caller already took it (--auto); made with the same sample and seed. */
  profile?: Profile;
  /** Fed the apply pass's chunks and kept rows (`--rows`). */
  ledger?: RowLedger;
  /**
   * The least kNN overlap (cost) accepted, checked on the sample after the fit and before anything
   * is written: below it runFix throws QualityError (exit 1) and writes nothing. Default
   * MIN_KNN_KEPT; 0 accepts any cost.
   */
  minKept?: number;
}

/**
 * A repair that keeps fewer than 5 % of each row's 10 nearest neighbours has scrambled the
 * neighbourhoods (chance is k/(m − 1): 0.24 % at 4,096 sampled rows), whatever else it improved.
 */
export const MIN_KNN_KEPT = 0.05;

/**
 * `embcheck fix`: profile, fit, apply. `writer(info, rows)` is called once the output width and
 * (when known) the row count are.
 */
export async function runFix(
  input: RunInput,
  pipeline: Pipeline,
  writer: (info: SourceInfo, rows: number | null, dims: number) => Promise<VectorWriter>,
  opts: FixOptions = {},
): Promise<RunResult> {
  opts.onPass?.(1, "profile");
  const check = (info: { dims: number }) => pipeline.checkDims(info.dims, input.label);
  if (opts.profile) check(opts.profile);
  const p1 = opts.profile ?? (await profileInput(input, check)).profile;
  // Measured before anything is written: an input with fewer than 2 valid rows fails here.
  const kernels = kernelsOf(input);
  const before = computeMetrics(p1, false, { file: input.label, kernels });
  let fitPasses = 1;
  await pipeline.fit(() => readAll(input, ++fitPasses), {
    profile: p1,
    kernels,
    precision: input.precision,
    seed: input.seed,
    onPass: (pass, why) => opts.onPass?.(pass, why),
  });
  if (pipeline.needsPrepare) opts.ledger?.nearDuplicates(pipeline.nearDuplicateDrops);
  const knn = sampleKnnOverlap(p1, pipeline, kernels);
  const minKept = opts.minKept ?? MIN_KNN_KEPT;
  if (knn.rows >= 2 && knn.overlap < minKept) throw costTooHigh(knn.overlap, knn.rows, minKept, pipeline, before);
  let passes = pipeline.passes;
  let rows: number | null = pipeline.keepsRows ? p1.rows : null;
  if (rows === null && opts.needRowCount) {
    passes++;
    opts.onPass?.(passes, "count the rows kept");
    rows = await countRows(input, pipeline, passes);
  }
  passes++;
  opts.onPass?.(passes, "apply");
  const applied = await applyPass(
    input,
    pipeline,
    (info) => writer(info, rows, pipeline.dimsOut),
    passes,
    false,
    opts.ledger,
  );
  return finish(p1, before, applied, pipeline, passes, kernels, knn);
}

function costTooHigh(overlap: number, rows: number, floor: number, pipeline: Pipeline, before: Metrics): QualityError {
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  const chance = KNN_K / Math.max(1, rows - 1);
  const signal = before.spectrum.signalDims;
  return new QualityError(
    `${pipeline.toString()} would keep ${pct(overlap)} of each sampled row's ${KNN_K} nearest neighbours (chance: ${pct(chance)}; floor ${pct(floor)}): refused, nothing written; the input has ${signal} direction${signal === 1 ? "" : "s"} above the noise floor — a step that removes them (abtt:D with D ≥ ${signal}) leaves noise only; try center,pca:0.99, or --min-kept 0 to write it anyway`,
  );
}

/** `embcheck apply`: one pass, the before and after profiles both taken on the way. */
export async function runApply(
  input: RunInput,
  pipeline: Pipeline,
  writer: (info: SourceInfo, rows: number | null, dims: number) => Promise<VectorWriter>,
): Promise<RunResult> {
  const kernels = kernelsOf(input);
  pipeline.withKernels(kernels);
  // dedup-near finds the near-duplicates of this input first (two passes: a file, not stdin)
  let passes = 0;
  if (pipeline.needsPrepare) {
    await pipeline.prepare(() => readAll(input, passes + 1), {
      kernels,
      seed: input.seed,
      onPass: (pass) => {
        passes = pass;
      },
    });
  }
  passes++;
  const applied = await applyPass(
    input,
    pipeline,
    (info) => writer(info, pipeline.keepsRows ? info.rows : null, pipeline.dimsOut),
    passes,
    true,
  );
  const p1 = applied.before as Profile;
  const before = computeMetrics(p1, false, { file: applied.info.path, kernels });
  return finish(p1, before, applied, pipeline, passes, kernels);
}

function finish(
  p1: Profile,
  before: Metrics,
  applied: ApplyResult,
  pipeline: Pipeline,
  passes: number,
  kernels: Kernels,
  knn = sampleKnnOverlap(p1, pipeline, kernels),
): RunResult {
  const after = applied.after.validRows >= 2 ? computeMetrics(applied.after, false, { kernels }) : null;
  const afterKey: KeyMetrics = after
    ? keyMetrics(after)
    : {
        rows: 0,
        dims: pipeline.dimsOut,
        meanCosine: null,
        uniformity: null,
        effectiveRank: null,
        dominantShare: null,
        normsCv: null,
      };
  afterKey.rows = applied.rowsOut;
  return {
    info: applied.info,
    passes,
    before,
    after,
    beforeKey: keyMetrics(before),
    afterKey,
    knnOverlap: knn.overlap,
    knnK: KNN_K,
    knnRows: knn.rows,
    rowsOut: applied.rowsOut,
    profile: p1,
  };
}
