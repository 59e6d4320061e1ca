/** `embcheck fix INPUT... --pipeline STEPS -o OUT`: repair embeddings (a file or a dataset), show before/after, save the fit. */
import { type Command, Option } from "commander";
import { computeMetrics } from "../detect/metrics.js";
import { NEAR_DUP_TAU, type NearDuplicateMetrics, nearDuplicatePasses } from "../detect/neardup.js";
import { InputError, UsageError } from "../errors.js";
import { openInput } from "../io/dataset.js";
import { type InputSpec, resolveInputs } from "../io/inputs.js";
import { isSeekable } from "../io/target.js";
import type { OpenOptions, SourceInfo } from "../io/types.js";
import { checkOutputPath, writeFileAtomic } from "../io/write.js";
import { openWriter, outputFormat } from "../io/writers/open.js";
import { checkNotExisting, removeLiveTempFiles } from "../io/writers/sink.js";
import { asStored } from "../io/writers/stored.js";
import type { OutputDtype, OutputFormat, VectorWriter } from "../io/writers/types.js";
import type { Kernels } from "../linalg/backend.js";
import type { Precision, Profile } from "../profile/profile.js";
import { choosePipeline } from "../repair/auto.js";
import { RowLedger } from "../repair/ledger.js";
import { Pipeline } from "../repair/pipeline.js";
import { type FixSummary, renderFixJson, renderFixText, summarize } from "../repair/render.js";
import { MIN_KNN_KEPT, profileInput, type RunInput, type RunResult, runFix } from "../repair/run.js";
import { transformToJson } from "../repair/serialize.js";
import { formatPipeline } from "../repair/spec.js";
import { buildReport } from "../report/build.js";
import { renderFixHtml } from "../report/html.js";
import { projectSample } from "../report/map.js";
import { VERSION } from "../version.js";
import { type CliIO, type CommandContext, EXIT } from "./context.js";
import { addReadOptions } from "./input.js";

export interface OutputFlags {
  output: string;
  to?: string;
  dtype: OutputDtype;
  force?: boolean;
  format: "terminal" | "json";
  sample: number;
  seed: number;
  exactRows?: number;
  column?: string;
  key?: string;
  chunkRows?: number;
  threads?: number;
  precision?: Precision;
}

interface FixFlags extends OutputFlags {
  pipeline?: string;
  auto?: boolean;
  saveTransform?: string;
  html?: string;
  minKept: number;
  rows?: string;
}

/** Options shared by fix and apply: output, dtype, input selection, the table's format. */
export function addOutputOptions(cmd: Command): Command {
  cmd
    .requiredOption(
      "-o, --output <file>",
      'where to write the vectors (.npy, .npz, .arrow, .feather, .arrows; "-" = stdout)',
    )
    .addOption(
      new Option("--to <format>", "format on stdout with -o - (or on a device or FIFO)").choices(["npy", "arrow"]),
    )
    .addOption(new Option("--dtype <dtype>", "output element type").choices(["float32", "float16"]).default("float32"))
    .option("--force", "overwrite an existing output file")
    .addOption(
      new Option("-f, --format <format>", "the before/after table: terminal or json")
        .choices(["terminal", "json"])
        .default("terminal"),
    );
  return addReadOptions(cmd, "the output");
}

const EXAMPLES = `
Steps (comma-separated, applied in order):
  l2             unit rows                      center        subtract the mean
  pca[:K]        top K components (K=256)       pca:0.99      smallest K keeping 99 % of the variance
  whiten[:K]     BERT-whitening (Su 2021)       zca           ZCA whitening
  abtt[:D]       all-but-the-top (Mu 2018), D = round(d/100)
  drop-invalid   drop null/NaN/Inf/zero rows    dedup         drop exact duplicate rows (first kept)
  dedup-near[:τ] drop rows at cosine ≥ τ (0.98) to a kept earlier row (first kept; two more passes)

Examples:
  $ embcheck fix docs.npy --pipeline center,pca:256 -o docs-256.npy --save-transform t.json
  $ embcheck apply t.json queries.npy -o queries-256.npy      the same fit on new vectors
  $ embcheck fix table.arrow --pipeline abtt:1,l2 -o fixed.arrow   other columns carried through
  $ embcheck fix x.npy --auto -o fixed.npy                    a pipeline chosen from the findings
  $ embcheck fix x.npy --pipeline abtt,l2 -o y.npy --html fix.html   the before/after page
  $ embcheck fix x.npy --pipeline l2 -o - --to arrow | embcheck report -
  $ embcheck fix shards/ --pipeline center,pca:256 -o all-256.npy   a dataset in, one output (all rows)

Exit codes: 0 written · 1 refused: the repair keeps fewer than --min-kept of the neighbours (nothing
written) · 2 usage error · 3 unreadable input or internal error.
Output: written to a temporary file and renamed at the end; never over the input; an existing file
only with --force; a device or FIFO is written in place. Several inputs, a directory or a glob are
one dataset (files sorted by path). Passes over the input: docs/fix.md.`;

function parseShare(v: string): number {
  const x = Number(v);
  if (!(x >= 0 && x <= 1)) throw new UsageError(`--min-kept ${v}: give a share in [0, 1]`);
  return x;
}

export function inputOf(spec: InputSpec, flags: OutputFlags, ctx: CommandContext): RunInput {
  const { io } = ctx;
  const file = spec.label;
  // fix's and apply's passes (repair/run.ts) copy what they keep and read one chunk ahead at most;
  // a dataset keeps each chunk's Arrow rows so the writer can carry the other columns through
  const opts: OpenOptions = { column: flags.column, key: flags.key, chunkRows: flags.chunkRows, reuseBuffers: true };
  // an Arrow output carries the other columns of an Arrow input through: only the writing pass decodes them
  const format = outputFormat(flags.output, flags.to);
  const carry = format === "arrow" || format === "arrow-stream";
  const input: RunInput = {
    open: (o) => openInput(spec, carry && o?.forWriting ? { ...opts, carryColumns: true } : opts, io.stdin),
    label: file,
    sampleSize: flags.sample,
    seed: flags.seed,
    exactRows: flags.exactRows,
    kernels: ctx.kernels(flags.threads),
    precision: flags.precision,
    asWritten: asStored(flags.dtype),
  };
  if (io.stderr.isTTY) {
    // One line on a TTY stderr, redrawn at most 5 times a second; cleared by clearProgress.
    let last = 0;
    input.onRows = (pass, rows) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      io.stderr.write(
        `\r\x1b[2Kpass ${pass} · ${rows.toLocaleString("en-US")} rows of ${file === "-" ? "stdin" : file}`,
      );
    };
  }
  return input;
}

/** Clears the progress line (if one was drawn). */
export function clearProgress(io: CliIO): void {
  if (io.stderr.isTTY) io.stderr.write("\r\x1b[2K");
}

/** Checks -o (and --save-transform) before any work; returns the output format. */
export function checkOutputs(inputs: readonly string[], flags: OutputFlags, extra: string[] = []): OutputFormat {
  const format = outputFormat(flags.output, flags.to);
  if (flags.output !== "-") {
    checkOutputPath(flags.output, [...inputs, ...extra]);
    checkNotExisting(flags.output, Boolean(flags.force));
    if (format === "npz" && !isSeekable(flags.output)) {
      throw new UsageError(`NPZ output needs a regular file; ${flags.output} is not one (use --to npy or --to arrow)`);
    }
  }
  return format;
}

/** A text output of fix needs a file: stdout carries the table (or the vectors, with -o -). */
export function refuseStdout(path: string | undefined, flag: string): void {
  if (path === "-") throw new UsageError(`${flag} needs a file name; stdout carries the before/after table`);
}

/** True when the input is a dataset that mixes Arrow with other formats, so Arrow output carries no other columns. */
export function droppedColumns(info: SourceInfo, format: OutputFormat): boolean {
  const arrow = (f: string) => f === "arrow" || f === "arrow-stream";
  if (!info.files || !arrow(format)) return false;
  return info.files.some((f) => arrow(f.format)) && !info.files.every((f) => arrow(f.format));
}

export function writerFactory(flags: OutputFlags, format: OutputFormat, io: CliIO) {
  return (info: SourceInfo, rows: number | null, dims: number): Promise<VectorWriter> =>
    openWriter(flags.output, {
      format,
      dtype: flags.dtype,
      cols: dims,
      rows,
      force: flags.force,
      stdout: io.stdout,
      column: info.column ?? "embedding",
    });
}

/**
 * Runs `fn` with SIGINT/SIGTERM/SIGHUP handlers that remove the temporary output files before the
 * process ends (the writers' own cleanup cannot run when a signal kills the process).
 */
export async function removingTempFilesOnSignal<T>(fn: () => Promise<T>): Promise<T> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  const handler = (sig: NodeJS.Signals) => {
    removeLiveTempFiles();
    process.exit(codes[sig] ?? 1);
  };
  for (const s of signals) process.on(s, handler);
  try {
    return await fn();
  } finally {
    for (const s of signals) process.off(s, handler);
  }
}

/** Prints the table: to stdout, or to stderr when stdout carries the vectors. */
export function printSummary(s: FixSummary, flags: OutputFlags, io: CliIO): void {
  clearProgress(io);
  const text = flags.format === "json" ? renderFixJson(s) : renderFixText(s);
  (flags.output === "-" ? io.stderr : io.stdout).write(text);
}

/**
 * The before/after page: the reports of the input and of the output, and PCA maps of the input's
 * row sample before and after the row-wise steps (the same rows on both sides; cheap: a
 * 50-component PCA of at most 2,000 rows).
 */
async function fixHtml(
  result: RunResult,
  pipeline: Pipeline,
  file: string,
  flags: FixFlags,
  format: OutputFormat,
): Promise<string> {
  const opts = { toolVersion: VERSION };
  const before = buildReport(result.before, result.info, opts);
  if (!result.after) {
    throw new InputError(
      `the output has fewer than 2 valid rows, so it has no report; nothing written to ${flags.html}`,
      { file },
      "check the pipeline's filters",
    );
  }
  const outInfo: SourceInfo = {
    path: flags.output,
    format,
    column: result.info.column,
    key: null,
    dtype: flags.dtype,
    dims: pipeline.dimsOut,
    rows: result.rowsOut,
    totalBytes: null,
  };
  const after = buildReport(result.after, outInfo, opts);
  const { values, indices } = result.profile.sample.rowsByIndex();
  const mapOpts = { projection: "pca" as const, seed: flags.seed };
  const beforeMap = indices.length >= 2 ? projectSample(values, indices, result.profile.dims, mapOpts) : null;
  const mapped = pipeline.mapRows({ rows: indices.length, cols: result.profile.dims, data: values });
  const afterMap = indices.length >= 2 ? projectSample(mapped.data, indices, mapped.cols, mapOpts) : null;
  return renderFixHtml(before, after, {
    beforeMap,
    afterMap,
    beforeEigenvalues: result.before.eigenvalues,
    afterEigenvalues: result.after.eigenvalues,
    summary: `${pipeline.toString()} → ${flags.output === "-" ? "stdout" : flags.output}`,
  });
}

/** The report's near-duplicate passes over the input (two more passes), for --auto. */
async function inputNearDuplicates(
  input: RunInput,
  profile: Profile,
): Promise<{ metrics: NearDuplicateMetrics; passes: number }> {
  let passes = 0;
  const open = async () => {
    passes++;
    const source = await input.open();
    return { chunks: source, close: () => source.close() };
  };
  const kernels = input.kernels as Kernels;
  const metrics = await nearDuplicatePasses(open, profile.dims, profile.validRows, kernels, NEAR_DUP_TAU, profile.seed);
  return { metrics, passes };
}

export function registerFix(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("fix")
    .description("repair embeddings with a pipeline of steps, write them, and show what changed")
    .argument(
      "<inputs...>",
      "a .npy, .npz, Parquet, Arrow IPC file or stream (a file: fix reads it more than once); several, a directory or a glob: one dataset",
    )
    .option("-p, --pipeline <steps>", "comma-separated steps, e.g. center,pca:256 (see below)")
    .option("--auto", "choose the pipeline from the report's findings (the reasons are printed)")
    .option("--save-transform <file>", "save the fitted transform as JSON, for embcheck apply")
    .option("--html <file>", "also write the before/after HTML page (self-contained; maps by PCA)")
    .option(
      "--rows <file>",
      "also write JSON listing the null, NaN, Inf, zero and duplicate rows (indices) and the input rows each output row came from",
    )
    .option(
      "--min-kept <share>",
      "refuse (exit 1, nothing written) a repair keeping less than this share of the sampled rows' 10 nearest neighbours; 0 = accept any",
      parseShare,
      MIN_KNN_KEPT,
    );
  addOutputOptions(cmd)
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], flags: FixFlags) => {
      const { io } = ctx;
      if (flags.pipeline === undefined && !flags.auto) throw new UsageError("give --pipeline STEPS or --auto");
      if (flags.pipeline !== undefined && flags.auto) throw new UsageError("give --pipeline or --auto, not both");
      refuseStdout(flags.saveTransform, "--save-transform");
      refuseStdout(flags.html, "--html");
      const spec = await resolveInputs(inputs);
      const file = spec.label;
      if (file === "-") {
        throw new UsageError(
          "fix reads its input more than once (fit, then apply), so it needs a file, not stdin; or pipe into embcheck apply T.json -",
        );
      }
      if (flags.saveTransform !== undefined && flags.saveTransform === flags.output) {
        throw new UsageError("--save-transform and -o name the same file");
      }
      const format = checkOutputs(spec.files, flags, flags.saveTransform ? [flags.saveTransform] : []);
      if (flags.saveTransform !== undefined) {
        checkOutputPath(flags.saveTransform, spec.files, "--save-transform");
        checkNotExisting(flags.saveTransform, Boolean(flags.force));
      }
      if (flags.html !== undefined) {
        if (flags.html === flags.output || flags.html === flags.saveTransform) {
          throw new UsageError(
            `--html names the same file as ${flags.html === flags.output ? "-o" : "--save-transform"}`,
          );
        }
        checkOutputPath(flags.html, spec.files, "--html");
        checkNotExisting(flags.html, Boolean(flags.force));
      }
      refuseStdout(flags.rows, "--rows");
      if (flags.rows !== undefined) {
        if ([flags.output, flags.saveTransform, flags.html].includes(flags.rows)) {
          throw new UsageError("--rows names the same file as another output");
        }
        checkOutputPath(flags.rows, spec.files, "--rows");
        checkNotExisting(flags.rows, Boolean(flags.force));
      }
      // Parsed before any pass, so a bad step is a usage error at once.
      if (flags.pipeline !== undefined) new Pipeline(flags.pipeline);
      const input = inputOf(spec, flags, ctx);
      let steps = flags.pipeline;
      let reasons: string[] | null = null;
      let first: Profile | undefined;
      let autoPasses = 0;
      if (flags.auto) {
        const { info, profile } = await profileInput(input);
        first = profile;
        const near = await inputNearDuplicates(input, profile);
        autoPasses = near.passes;
        const nearDuplicates = near.metrics;
        const metrics = computeMetrics(profile, false, { file, kernels: input.kernels, nearDuplicates });
        const report = buildReport(metrics, info, { toolVersion: VERSION });
        const choice = choosePipeline(report.findings, info.dims, metrics.spectrum.signalDims, nearDuplicates);
        reasons = choice.reasons;
        if (choice.steps.length === 0) {
          io.stderr.write(
            `embcheck fix --auto: nothing to repair in ${file} (no finding calls for a step); nothing written\n`,
          );
          ctx.setExit(EXIT.ok);
          return;
        }
        steps = formatPipeline(choice.steps);
      }
      const pipeline = new Pipeline(steps as string);
      const needRowCount = !pipeline.keepsRows && format === "npy" && !isSeekable(flags.output);
      const ledger = flags.rows !== undefined ? new RowLedger() : undefined;
      const result = await removingTempFilesOnSignal(() =>
        runFix(input, pipeline, writerFactory(flags, format, io), {
          needRowCount,
          profile: first,
          minKept: flags.minKept,
          ledger,
        }),
      );
      result.passes += autoPasses;
      if (flags.saveTransform !== undefined) {
        await writeFileAtomic(flags.saveTransform, `${JSON.stringify(transformToJson(pipeline, VERSION), null, 1)}\n`);
      }
      if (droppedColumns(result.info, format)) {
        io.stderr.write(
          "embcheck fix: the inputs are not all Arrow, so the output holds the embedding column only (no other columns carried through)\n",
        );
      }
      printSummary(
        summarize(result, {
          command: "fix",
          toolVersion: VERSION,
          output: { path: flags.output, format, dtype: flags.dtype },
          pipeline: pipeline.toString(),
          transform: flags.saveTransform ?? null,
          autoReasons: reasons,
        }),
        flags,
        io,
      );
      if (ledger && flags.rows !== undefined) {
        await writeFileAtomic(flags.rows, `${JSON.stringify(ledger.toJSON(file, flags.output))}\n`);
      }
      // After the table, so a page that cannot be made (no valid output rows) still shows it.
      if (flags.html !== undefined) {
        await writeFileAtomic(flags.html, await fixHtml(result, pipeline, file, flags, format));
      }
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}
