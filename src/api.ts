/**
 * The library's entry points, the same the CLI calls: open an input, run pass 1 into a Profile,
 * measure it and judge it; gate several files.
 *
 *   import { report } from "embcheck";
 *   const r = await report("vectors.arrow", { sampleSize: 4096, seed: 0 });
 *
 *   import { checkFiles, resolveSettings } from "embcheck";
 *   const result = await checkFiles(["a.npy"], { settings: resolveSettings({ profile: "strict" }) });
 *   process.exitCode = result.exitCode;
 */
import { createKernels } from "./backends.js";
import { type Evaluation, evaluate } from "./detect/evaluate.js";
import { computeMetrics, type Metrics } from "./detect/metrics.js";
import { NEAR_DUP_TAU, type NearDuplicateMetrics, nearDuplicatePasses } from "./detect/neardup.js";
import { type GatedRuleId, RULES } from "./detect/registry.js";
import { DEFAULT_QUERIES, type RetrievalMetrics, retrievalPass } from "./detect/retrieval.js";
import type { Overrides } from "./detect/rules.js";
import { InternalError, UsageError } from "./errors.js";
import { type GateFilesOptions, gateFiles } from "./gate/check.js";
import type { GateCheck, GateResult } from "./gate/gate.js";
import { openInput } from "./io/dataset.js";
import { type InputSpec, resolveInputs } from "./io/inputs.js";
import { type LabelSource, memoryLabels, openLabels, withLabels } from "./io/labels.js";
import { labelsFromColumn } from "./io/labels-column.js";
import { type MatrixInput, memorySource } from "./io/memory.js";
import { withPairs } from "./io/pairs.js";
import { isProfileFile, readProfileBytes } from "./io/profileFile.js";
import { inputRows, openRowRange } from "./io/rowRange.js";
import type { Chunk, EmbeddingSource, Label, OpenOptions, SourceInfo } from "./io/types.js";
import { writeFileAtomic } from "./io/write.js";
import type { Kernels } from "./linalg/backend.js";
import { blockRowsFor } from "./profile/blockRows.js";
import {
  type ProfileHeader,
  type ProfileSource,
  profileFromBytes,
  profileHeaderOf,
  profileToBytes,
} from "./profile/bytes.js";
import { type Precision, Profile } from "./profile/profile.js";
import { profileChunks } from "./profile/run.js";
import { type ShardSpec, shardRange } from "./profile/shard.js";
import { DEFAULT_SAMPLE_SIZE } from "./profile/state.js";
import type { RowLedger } from "./repair/ledger.js";
import { buildReport } from "./report/build.js";
import type { Report } from "./report/types.js";
import { VERSION } from "./version.js";

export interface Progress {
  rows: number;
  bytesRead: number;
  totalBytes: number | null;
}

export interface AnalyzeOptions extends OpenOptions {
  /** Sample size S for the pairwise statistics (default 4096). */
  sampleSize?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  /**
   * Rows of the sample the neighbourhood metrics (hubness, outliers, TwoNN) use; default the sample
   * size. Larger: the sample grows to hold them and the pair statistics keep `sampleSize` rows
   * (the rows a smaller sample keeps are a subset of a larger one's).
   */
  neighboursSample?: number;
  /**
   * With positive pairs: how many sampled rows query the partners in the retrieval pass (default
   * 1000, all of the sample when smaller; the sample grows to hold them); 0 skips the pass.
   */
  queries?: number;
  /**
   * Near-duplicates over the whole input at cosine ≥ this line (two more passes; default 0.98);
   * 0 skips them. Skipped for standard input.
   */
  nearDup?: number;
  /** A second input whose row i is the positive partner of row i (a file, or a dataset as for `path`). */
  pairs?: string | string[] | InputSpec;
  /** Per-rule threshold overrides, by gated rule id. */
  thresholds?: Overrides<GatedRuleId>;
  /**
   * Global index of this input's first row, when it is one shard of a larger set: the sample
   * depends on global indices, so shard profiles merge into the profile of the whole.
   */
  rowOffset?: number;
  /**
   * Profile only part `index` of `count` of the input (contiguous rows, cut on profile blocks;
   * src/profile/shard.ts), at its global row offset: the parts' profiles merge into the whole's.
   */
  shard?: ShardSpec;
  /** Standard input, for path "-" (the CLI passes process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  onProgress?: (p: Progress) => void;
  /**
   * Threads for the heavy kernels (covariance, sampled pairs, eigendecomposition): default every
   * core; 0 = the plain TypeScript reference kernels. The report is identical for any count ≥ 1.
   * Ignored when `kernels` is given.
   */
  threads?: number;
  /**
   * Kernels to run on (src/backends.ts createKernels), kept open for the caller; without them the
   * call makes its own from `threads` and closes them before it returns.
   */
  kernels?: Kernels;
  /** Covariance arithmetic: "mixed" (default, float32 products in blocks) or "float64" (see Profile). */
  precision?: Precision;
  /**
   * The row budget (default DEFAULT_EXACT_ROWS = 2^21): up to this many valid rows the norm
   * percentiles and the duplicates are exact; above it they come from sketches and the report
   * marks them (`norms.estimate`, `integrity.estimate`). For a profile file: lowers its budget.
   */
  exactRows?: number;
  /** Fed every raw chunk of the pass (`report --rows`): the null, NaN, Inf, zero and duplicate rows. */
  rows?: RowLedger;
  /**
   * A label per row (src/io/labels.ts): a .npy of integers or strings, a text file (one a line) or
   * a CSV file (with `labelColumn`). The labels section measures the groups.
   */
  labels?: string;
  /** The CSV column of `labels`; without `labels`, a scalar column of the (Arrow, Parquet) input itself. */
  labelColumn?: string;
  /** The most label groups tracked exactly; the rest are pooled (default 1024). */
  maxGroups?: number;
}

export interface Analysis {
  info: SourceInfo;
  profile: Profile;
  metrics: Metrics;
  /** Every applicable rule judged once: the report's findings and the gate's checks come from it. */
  evaluations: Evaluation[];
  report: Report;
}

/** Runs `fn` on the caller's kernels, or on kernels made (and closed) for this call. */
async function withKernels<T>(
  opts: Pick<AnalyzeOptions, "kernels" | "threads">,
  fn: (kernels: Kernels) => Promise<T>,
): Promise<T> {
  if (opts.kernels) return fn(opts.kernels);
  const kernels = createKernels({ threads: opts.threads });
  try {
    return await fn(kernels);
  } finally {
    await kernels.close();
  }
}

/**
 * Pass 1 over `path`: the mergeable Profile and what the header said. `path` is one file ("-" for
 * `opts.stdin`), or a dataset read as one matrix: several paths, a directory or a glob (src/io/inputs.ts;
 * or what its resolveInputs returned).
 */
export async function profile(
  path: string | string[] | InputSpec,
  opts: AnalyzeOptions = {},
): Promise<{ info: SourceInfo; profile: Profile }> {
  return withKernels(opts, (kernels) => profileWith(path, opts, kernels));
}

async function* tap(chunks: AsyncIterable<Chunk>, ledger: RowLedger): AsyncGenerator<Chunk> {
  for await (const c of chunks) {
    ledger.add(c);
    yield c;
  }
}

async function profileWith(
  path: string | string[] | InputSpec,
  opts: AnalyzeOptions,
  kernels: Kernels,
): Promise<{ info: SourceInfo; profile: Profile }> {
  // with a row ledger, Arrow chunks keep their record batch, for the ledger's id column; a label
  // column of the input comes with the batch too
  const carry = opts.rows !== undefined || (opts.labelColumn !== undefined && opts.labels === undefined);
  const readOpts = carry ? { ...opts, carryColumns: true } : opts;
  const labels = opts.labels !== undefined ? await openLabels(opts.labels, { column: opts.labelColumn }) : undefined;
  let source: EmbeddingSource | undefined;
  let pairs: EmbeddingSource | undefined;
  try {
    source = opts.shard ? await openShard(path, readOpts, opts.shard) : await openInput(path, readOpts, opts.stdin);
    if (opts.pairs) pairs = await openInput(opts.pairs, {}, opts.stdin);
    return await profileSource(source, pairs, opts, kernels, labels);
  } finally {
    await source?.close();
    await pairs?.close();
    await labels?.close();
  }
}

/** The chunks with their labels: from a label file, or from a column of the input. */
function labelled(
  chunks: AsyncIterable<Chunk>,
  source: EmbeddingSource,
  opts: Pick<AnalyzeOptions, "labelColumn" | "shard">,
  labels: LabelSource | undefined,
): AsyncIterable<Chunk> {
  if (labels) return withLabels(chunks, labels, opts.shard ? null : source.info.rows, opts.shard !== undefined);
  if (opts.labelColumn !== undefined) return labelsFromColumn(chunks, opts.labelColumn, source.info.path);
  return chunks;
}

/** Pass 1 over an opened source (and its positive partners). */
async function profileSource(
  source: EmbeddingSource,
  pairs: EmbeddingSource | undefined,
  opts: Omit<AnalyzeOptions, "pairs" | "labels">,
  kernels: Kernels,
  labels?: LabelSource,
): Promise<{ info: SourceInfo; profile: Profile }> {
  {
    const paired = labelled(pairs ? withPairs(source, pairs) : source, source, opts, labels);
    const shiftedChunks = opts.rowOffset && !opts.shard ? shifted(paired, opts.rowOffset) : paired;
    const chunks = opts.rows ? tap(shiftedChunks, opts.rows) : shiftedChunks;
    const p = await profileChunks(chunks, {
      dims: source.info.dims,
      sampleSize: Math.max(opts.sampleSize ?? DEFAULT_SAMPLE_SIZE, opts.neighboursSample ?? 0, opts.queries ?? 0),
      seed: opts.seed,
      kernels,
      precision: opts.precision,
      maxGroups: opts.maxGroups,
      exactRows: opts.exactRows,
      onChunk: (rows) => opts.onProgress?.({ rows, bytesRead: source.bytesRead(), totalBytes: source.info.totalBytes }),
    });
    return { info: source.info, profile: p };
  }
}

/** Standard input cannot be read twice: the extra passes skip it. */
const readsStdin = (x: string | string[] | InputSpec): boolean =>
  (typeof x === "string" ? [x] : Array.isArray(x) ? x : x.files).includes("-");

/**
 * How the passes after pass 1 (near-duplicates, retrieval) read the input again: a file or a
 * dataset is opened afresh; vectors in memory are wrapped again; standard input cannot be.
 */
interface Reread {
  can(withPairs: boolean): boolean;
  open(withPairs: boolean): Promise<{ source: EmbeddingSource; pairs?: EmbeddingSource }>;
}

const NO_REREAD: Reread = {
  can: () => false,
  open: () => Promise.reject(new InternalError("this input cannot be read again")),
};

function rereadFiles(path: string | string[] | InputSpec, opts: AnalyzeOptions): Reread {
  return {
    can: (withPairs) => !readsStdin(path) && !(withPairs && opts.pairs !== undefined && readsStdin(opts.pairs)),
    async open(withPairs) {
      const source = await openInput(path, opts, opts.stdin);
      if (!withPairs || opts.pairs === undefined) return { source };
      try {
        return { source, pairs: await openInput(opts.pairs, {}, opts.stdin) };
      } catch (e) {
        await source.close();
        throw e;
      }
    },
  };
}

/** The near-duplicate passes (src/detect/neardup.ts) over the input, read twice more. */
async function nearDuplicatesWith(
  reread: Reread,
  opts: Pick<AnalyzeOptions, "nearDup" | "queries">,
  p: Profile,
  kernels: Kernels,
): Promise<NearDuplicateMetrics | null> {
  const tau = opts.nearDup ?? NEAR_DUP_TAU;
  if (tau === 0 || !reread.can(false)) return null;
  // the row sample holds every valid row of a small input: the passes read it, not the file
  // again (the same rows, ids and float64 values, so the same result; issue 19, start-up)
  const open =
    p.sample.size === p.validRows
      ? async () => ({ chunks: sampleChunks(p), close: async () => {} })
      : async () => {
          const { source } = await reread.open(false);
          return { chunks: source, close: () => source.close() };
        };
  return nearDuplicatePasses(open, p.dims, p.validRows, kernels, tau, p.seed);
}

/** The row sample as chunks of consecutive global rows (the gaps are invalid rows: no chunk holds them). */
async function* sampleChunks(p: Profile): AsyncGenerator<Chunk> {
  const { indices, values } = p.sample.rowsByIndex();
  const d = p.dims;
  let start = 0;
  for (let i = 1; i <= indices.length; i++) {
    if (i < indices.length && indices[i] === indices[i - 1] + 1) continue;
    const rows = i - start;
    yield { matrix: { rows, cols: d, data: values.subarray(start * d, i * d) }, rowOffset: indices[start] };
    start = i;
  }
}

/**
 * The retrieval pass (src/detect/retrieval.ts): the first `opts.queries` sampled rows by priority
 * rank every partner row, read again from the inputs.
 */
async function retrievalWith(
  reread: Reread,
  opts: Pick<AnalyzeOptions, "nearDup" | "queries">,
  p: Profile,
  kernels: Kernels,
): Promise<RetrievalMetrics | null> {
  const want = opts.queries ?? DEFAULT_QUERIES;
  if (want === 0 || !reread.can(true)) return null;
  const { indices, values } = p.sample.rowsByIndex(want);
  const { source, pairs } = await reread.open(true);
  try {
    const chunks: AsyncIterable<Chunk> = pairs ? withPairs(source, pairs) : source;
    return await retrievalPass(chunks, { indices, values, m: indices.length }, p.dims, kernels);
  } finally {
    await source.close();
    await pairs?.close();
  }
}

/** Rows of part `shard` of the input (UsageError for stdin, --row-offset or --pairs with it). */
async function openShard(
  path: string | string[] | InputSpec,
  opts: AnalyzeOptions,
  shard: ShardSpec,
): Promise<EmbeddingSource> {
  if (opts.rowOffset)
    throw new UsageError("give --shard or --row-offset, not both (--shard sets the row offset itself)");
  if (opts.pairs)
    throw new UsageError(
      "--shard cannot cut a --pairs file alongside; use --pair-column, or --row-offset on pre-cut files",
    );
  const spec = typeof path === "string" || Array.isArray(path) ? await resolveInputs(path) : (path as InputSpec);
  if (spec.files.includes("-")) throw new UsageError("--shard needs files, not stdin");
  const { info, rows } = await inputRows(spec, opts);
  const [start, end] = shardRange(rows, blockRowsFor(info.dims), shard);
  return openRowRange(spec, info, start, end, opts);
}

/** What the report's input block says of a profile file read at `path`. */
function profileInfo(path: string, h: ProfileHeader): SourceInfo {
  const src = h.source ?? { path: "unknown", format: "unknown", dtype: "unknown" };
  return {
    path,
    format: "profile",
    column: null,
    key: null,
    dtype: (src.dtype === "unknown" ? "mixed" : src.dtype) as SourceInfo["dtype"],
    dims: h.dims,
    rows: h.rows,
    totalBytes: null,
    profile: { source: { ...src }, ranges: [...h.ranges], tool: h.tool.version },
  };
}

/** The one profile file `path` names, or null when it names something else. */
async function profileFileOf(path: string | string[] | InputSpec): Promise<string | null> {
  const one = typeof path === "string" ? path : Array.isArray(path) ? (path.length === 1 ? path[0] : null) : null;
  const file = one ?? (!Array.isArray(path) && typeof path !== "string" && !path.dataset ? path.files[0] : null);
  return file !== null && (await isProfileFile(file)) ? file : null;
}

/** Writes `profile` as a profile file (atomically); `source` says what it profiled. */
export async function saveProfile(profile: Profile, path: string, source: ProfileSource | null = null): Promise<void> {
  await writeFileAtomic(path, profileToBytes(profile.state, VERSION, source));
}

/** A profile file as a Profile (to merge into, or measure with analyzeProfile) and its header. */
export async function loadProfile(
  path: string,
  kernels?: Kernels,
): Promise<{ profile: Profile; header: ProfileHeader }> {
  const bytes = await readProfileBytes(path);
  const header = profileHeaderOf(bytes, path);
  const state = profileFromBytes(bytes, path);
  return { profile: Profile.fromState(state, kernels), header };
}

/** Profile, metrics and findings of `path`. */
export async function analyze(path: string | string[] | InputSpec, opts: AnalyzeOptions = {}): Promise<Analysis> {
  return withKernels(opts, (kernels) => analyzeWith(path, opts, kernels));
}

async function analyzeWith(
  path: string | string[] | InputSpec,
  opts: AnalyzeOptions,
  kernels: Kernels,
): Promise<Analysis> {
  const saved = await profileFileOf(path);
  if (saved) {
    if (opts.pairs !== undefined || opts.pairColumn !== undefined) {
      throw new UsageError(
        `${saved} is a profile: its pairs were measured when it was made (embcheck profile --pairs)`,
      );
    }
    if (opts.labels !== undefined || opts.labelColumn !== undefined) {
      throw new UsageError(
        `${saved} is a profile: its labels were measured when it was made (embcheck profile --labels)`,
      );
    }
    // a profile holds no vectors: the passes that read them again (near-duplicates, retrieval) are skipped
    return judge(() => profileFromFile(saved, kernels, opts.exactRows), opts, kernels, undefined, NO_REREAD, true);
  }
  return judge(
    () => profileWith(path, opts, kernels),
    opts,
    kernels,
    await pairsLabel(opts.pairs),
    rereadFiles(path, opts),
  );
}

/** Pass 1 by `run`, then metrics, findings and the report. */
async function judge(
  run: () => Promise<{ info: SourceInfo; profile: Profile }>,
  opts: Omit<AnalyzeOptions, "pairs" | "labels"> & { pairs?: unknown; labels?: unknown },
  kernels: Kernels,
  pairs: string | undefined,
  reread: Reread,
  fromProfile = false,
): Promise<Analysis> {
  const t0 = performance.now();
  const { info, profile: p } = await run();
  const read = (performance.now() - t0) / 1000;
  const hasPairs = opts.pairs !== undefined || opts.pairColumn !== undefined || (fromProfile && p.alignPairs > 0);
  const retrieval = hasPairs ? await retrievalWith(reread, opts, p, kernels) : null;
  const nearDuplicates = await nearDuplicatesWith(reread, opts, p, kernels);
  const metrics = computeMetrics(p, hasPairs, {
    retrieval,
    nearDuplicates,
    file: info.path,
    now: () => performance.now(),
    kernels,
    pairSample: opts.sampleSize ?? DEFAULT_SAMPLE_SIZE,
    neighboursSample: opts.neighboursSample,
  });
  const evaluations = evaluate(RULES, metrics, opts.thresholds);
  const r = buildReport(metrics, info, {
    toolVersion: VERSION,
    evaluations,
    timing: { read },
    pairs,
    pairColumn: opts.pairColumn,
  });
  return { info, profile: p, metrics, evaluations, report: r };
}

/** The report of `path` (METRICS.md, schema embcheck/report@1). */
export async function report(path: string | string[] | InputSpec, opts: AnalyzeOptions = {}): Promise<Report> {
  return (await analyze(path, opts)).report;
}

/** Options of reportMatrix / profileMatrix: those of a file, with the pairs in memory too. */
export interface MatrixOptions
  extends Omit<
    AnalyzeOptions,
    "pairs" | "stdin" | "key" | "column" | "pairColumn" | "carryColumns" | "reuseBuffers" | "labels" | "labelColumn"
  > {
  /** Positive partners: row i of this matrix pairs with row i of the input (same row count). */
  pairs?: MatrixInput;
  /** A label per row (same row count). */
  labels?: readonly Label[];
  /** The report's `input.path` (default "(memory)"). */
  label?: string;
}

/**
 * Pass 1 over vectors in memory: a flat array with its shape `{ data, rows, dims }`, an array of
 * rows, or an ndarray-like `{ data, shape, stride, offset }` (scijs ndarray, a transposed view too).
 * Float32Array data is read as float32 (as a float32 .npy of the same values), anything else as float64.
 */
export async function profileMatrix(
  input: MatrixInput,
  opts: MatrixOptions = {},
): Promise<{ info: SourceInfo; profile: Profile }> {
  return withKernels(opts, (kernels) => profileMatrixWith(input, opts, kernels));
}

function profileMatrixWith(input: MatrixInput, opts: MatrixOptions, kernels: Kernels) {
  const source = memorySource(input, opts.label, opts.chunkRows);
  const pairs = opts.pairs === undefined ? undefined : memorySource(opts.pairs, "(memory pairs)", opts.chunkRows);
  const { labels, ...rest } = opts;
  return profileSource(source, pairs, rest, kernels, labels ? memoryLabels(labels) : undefined);
}

/** Profile, metrics and findings of vectors in memory (see profileMatrix). */
export async function analyzeMatrix(input: MatrixInput, opts: MatrixOptions = {}): Promise<Analysis> {
  return withKernels(opts, (kernels) =>
    judge(() => profileMatrixWith(input, opts, kernels), opts, kernels, opts.pairs ? "(memory pairs)" : undefined, {
      can: () => true,
      open: async (withPairs) => ({
        source: memorySource(input, opts.label, opts.chunkRows),
        ...(withPairs && opts.pairs ? { pairs: memorySource(opts.pairs, "(memory pairs)", opts.chunkRows) } : {}),
      }),
    }),
  );
}

/**
 * The report of vectors in memory: the same numbers as `report` on a file of the same values
 * (`input.path` is `opts.label`, `input.format` "memory").
 *
 *   const r = await reportMatrix({ data: float32Array, rows: 1000, dims: 64 });
 *   const r = await reportMatrix([[0.1, 0.2], [0.3, 0.1]]);
 *   const r = await reportMatrix(ndarray(data, [n, d]));
 */
export async function reportMatrix(input: MatrixInput, opts: MatrixOptions = {}): Promise<Report> {
  return (await analyzeMatrix(input, opts)).report;
}

export interface CheckOptions extends GateFilesOptions {
  /** Options of the analysis pass (sample, seed, column, ...); thresholds come from settings. */
  analyze?: Omit<AnalyzeOptions, "thresholds">;
  /** Replaces analyze() (the CLI adds its progress line). */
  analyzer?: (
    file: string | InputSpec,
    opts: AnalyzeOptions,
  ) => Promise<Analysis & { extraChecks?: readonly GateCheck[] }>;
}

/** The gate over `files`: each analysed with the same single streaming pass as `report`, then judged. */
export async function checkFiles(files: readonly (string | InputSpec)[], opts: CheckOptions): Promise<GateResult> {
  const run = opts.analyzer ?? analyze;
  return gateFiles(files, (file, thresholds) => run(file, { ...opts.analyze, thresholds }), opts);
}

/** The report's `input.pairs`: the path, or a dataset's label. */
async function pairsLabel(pairs: AnalyzeOptions["pairs"]): Promise<string | undefined> {
  if (pairs === undefined || typeof pairs === "string") return pairs;
  return Array.isArray(pairs) ? (await resolveInputs(pairs)).label : (pairs as InputSpec).label;
}

async function profileFromFile(
  path: string,
  kernels: Kernels,
  exactRows?: number,
): Promise<{ info: SourceInfo; profile: Profile }> {
  const { profile, header } = await loadProfile(path, kernels);
  if (exactRows !== undefined) profile.lowerBudget(exactRows);
  return { info: profileInfo(path, header), profile };
}

async function* shifted(chunks: AsyncIterable<Chunk>, offset: number): AsyncGenerator<Chunk> {
  for await (const c of chunks) yield { ...c, rowOffset: c.rowOffset + offset };
}
