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
import { type GatedRuleId, RULES } from "./detect/registry.js";
import type { Overrides } from "./detect/rules.js";
import { UsageError } from "./errors.js";
import { type GateFilesOptions, gateFiles } from "./gate/check.js";
import type { GateResult } from "./gate/gate.js";
import { openInput } from "./io/dataset.js";
import { type InputSpec, resolveInputs } from "./io/inputs.js";
import { withPairs } from "./io/pairs.js";
import { isProfileFile, readProfileBytes } from "./io/profileFile.js";
import { inputRows, openRowRange } from "./io/rowRange.js";
import type { Chunk, EmbeddingSource, OpenOptions, SourceInfo } from "./io/types.js";
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
async function withKernels<T>(opts: AnalyzeOptions, fn: (kernels: Kernels) => Promise<T>): Promise<T> {
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

async function profileWith(
  path: string | string[] | InputSpec,
  opts: AnalyzeOptions,
  kernels: Kernels,
): Promise<{ info: SourceInfo; profile: Profile }> {
  const source = opts.shard ? await openShard(path, opts, opts.shard) : await openInput(path, opts, opts.stdin);
  let pairs: EmbeddingSource | undefined;
  try {
    if (opts.pairs) pairs = await openInput(opts.pairs, {}, opts.stdin);
    const paired: AsyncIterable<Chunk> = pairs ? withPairs(source, pairs) : source;
    const chunks = opts.rowOffset && !opts.shard ? shifted(paired, opts.rowOffset) : paired;
    const p = await profileChunks(chunks, {
      dims: source.info.dims,
      sampleSize: opts.sampleSize,
      seed: opts.seed,
      kernels,
      precision: opts.precision,
      onChunk: (rows) => opts.onProgress?.({ rows, bytesRead: source.bytesRead(), totalBytes: source.info.totalBytes }),
    });
    return { info: source.info, profile: p };
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
  const t0 = performance.now();
  const saved = await profileFileOf(path);
  if (saved && (opts.pairs !== undefined || opts.pairColumn !== undefined)) {
    throw new UsageError(`${saved} is a profile: its pairs were measured when it was made (embcheck profile --pairs)`);
  }
  const { info, profile: p } = saved ? await profileFromFile(saved, kernels) : await profileWith(path, opts, kernels);
  const read = (performance.now() - t0) / 1000;
  const hasPairs = opts.pairs !== undefined || opts.pairColumn !== undefined || (saved !== null && p.alignPairs > 0);
  const metrics = computeMetrics(p, hasPairs, { file: info.path, now: () => performance.now(), kernels });
  const evaluations = evaluate(RULES, metrics, opts.thresholds);
  const r = buildReport(metrics, info, {
    toolVersion: VERSION,
    evaluations,
    timing: { read },
    pairs: await pairsLabel(opts.pairs),
    pairColumn: opts.pairColumn,
  });
  return { info, profile: p, metrics, evaluations, report: r };
}

/** The report of `path` (METRICS.md, schema embcheck/report@1). */
export async function report(path: string | string[] | InputSpec, opts: AnalyzeOptions = {}): Promise<Report> {
  return (await analyze(path, opts)).report;
}

export interface CheckOptions extends GateFilesOptions {
  /** Options of the analysis pass (sample, seed, column, ...); thresholds come from settings. */
  analyze?: Omit<AnalyzeOptions, "thresholds">;
  /** Replaces analyze() (the CLI adds its progress line). */
  analyzer?: (file: string | InputSpec, opts: AnalyzeOptions) => Promise<Analysis>;
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

async function profileFromFile(path: string, kernels: Kernels): Promise<{ info: SourceInfo; profile: Profile }> {
  const { profile, header } = await loadProfile(path, kernels);
  return { info: profileInfo(path, header), profile };
}

async function* shifted(chunks: AsyncIterable<Chunk>, offset: number): AsyncGenerator<Chunk> {
  for await (const c of chunks) yield { ...c, rowOffset: c.rowOffset + offset };
}
