/** The input options every command that reads embeddings shares, and the analysis they drive. */
import { type Command, Option } from "commander";
import { type AnalyzeOptions, analyze } from "../api.js";
import { UsageError } from "../errors.js";
import { type InputSpec, inputBytes } from "../io/inputs.js";
import { MAX_GROUPS_LIMIT } from "../profile/labels.js";
import { DEFAULT_EXACT_ROWS, DEFAULT_SAMPLE_SIZE, PRECISIONS, type Precision } from "../profile/profile.js";
import { type CommandContext, intOption } from "./context.js";
import { progressLine } from "./progress.js";

/** The input options shared by every command that reads embeddings. */
export interface InputFlags {
  sample: number;
  seed: number;
  column?: string;
  key?: string;
  pairs?: string;
  pairColumn?: string;
  chunkRows?: number;
  threads?: number;
  precision?: Precision;
  labels?: string;
  labelColumn?: string;
  maxGroups?: number;
  exactRows?: number;
}

/**
 * The options every command that reads embeddings shares: the sample, the input selection, the
 * kernels' threads. `what` words --threads' help for the command ("the result", "the output").
 */
export function addReadOptions(cmd: Command, what = "the result"): Command {
  return cmd
    .option(
      "--sample <n>",
      "rows sampled for the pairwise statistics",
      intOption("--sample", 2, 100_000),
      DEFAULT_SAMPLE_SIZE,
    )
    .option("--seed <n>", "seed of the row sample", intOption("--seed", 0, 0xffffffff), 0)
    .option(
      "--exact-rows <n>",
      `row budget: up to n valid rows, norm percentiles and duplicates are exact; above it they are estimated from sketches, marked ≈ (default ${DEFAULT_EXACT_ROWS}, about 50 MB)`,
      intOption("--exact-rows", 0, Number.MAX_SAFE_INTEGER),
    )
    .option(
      "--column <name>",
      "Arrow, Parquet: the embedding column (default: embedding, embeddings, vector, or the only list column)",
    )
    .option("--key <name>", "npz: the array to read (default: embeddings, or the only 2-D array)")
    .option(
      "--threads <n>",
      `threads for the heavy kernels (default: EMBCHECK_THREADS or all cores; 0 = plain TypeScript kernels); ${what} is the same for any n ≥ 1`,
      intOption("--threads", 0, 256),
    )
    .addOption(
      new Option(
        "--precision <p>",
        "covariance arithmetic: mixed (float32 products summed in float32 over 128-row blocks, float64 across; eigenvalues within 7.8e-6·trace, ~1e-9 seen) or float64 (NumPy's float64 numbers to ~1e-12; about 2× slower covariance)",
      )
        .choices(PRECISIONS)
        .default("mixed"),
    )
    .addOption(
      new Option("--chunk-rows <n>", "rows per chunk (testing)")
        .argParser(intOption("--chunk-rows", 1, 1 << 24))
        .hideHelp(),
    );
}

/** addReadOptions plus positive pairs (--pairs, --pair-column) and labels, for the commands that measure. */
export function addInputOptions(cmd: Command): Command {
  return addLabelOptions(
    addReadOptions(cmd)
      .option(
        "--pairs <file>",
        "positive partners: row i of this file (or directory, or quoted glob) pairs with row i of the input",
      )
      .option("--pair-column <name>", "Arrow, Parquet: a second list column holding each row's positive partner"),
  );
}

/** --labels, --label-column, --max-groups (src/io/labels.ts, the labels section). */
export function addLabelOptions(cmd: Command): Command {
  return cmd
    .option(
      "--labels <file>",
      "a label per row (class, language, source): a 1-D .npy of integers or strings, a text file with one label a line, or a CSV file with --label-column",
    )
    .option(
      "--label-column <name>",
      "the CSV column of --labels; without --labels, a scalar column of the Arrow or Parquet input holding the labels",
    )
    .option(
      "--max-groups <n>",
      "label groups tracked exactly (the rest are pooled into one)",
      intOption("--max-groups", 1, MAX_GROUPS_LIMIT),
    );
}

/** The analysis options of the label flags. */
export function labelOptions(flags: Pick<InputFlags, "labels" | "labelColumn" | "maxGroups">): Partial<AnalyzeOptions> {
  return {
    ...(flags.labels !== undefined ? { labels: flags.labels } : {}),
    ...(flags.labelColumn !== undefined ? { labelColumn: flags.labelColumn } : {}),
    ...(flags.maxGroups !== undefined ? { maxGroups: flags.maxGroups } : {}),
  };
}

/** Runs pass 1 and the metrics for `file`, with a progress line on a TTY stderr. */
export async function analyzeForCli(
  file: string | InputSpec,
  flags: InputFlags,
  ctx: CommandContext,
  extra: Partial<AnalyzeOptions> = {},
) {
  const { io } = ctx;
  if (flags.pairs && flags.pairColumn) throw new UsageError("give --pairs or --pair-column, not both");
  const label = typeof file === "string" ? file : file.label;
  const progress = progressLine(io.stderr, label === "-" ? "stdin" : label, Boolean(io.stderr.isTTY));
  try {
    return await analyze(file, {
      sampleSize: flags.sample,
      seed: flags.seed,
      column: flags.column,
      key: flags.key,
      pairs: flags.pairs,
      pairColumn: flags.pairColumn,
      chunkRows: flags.chunkRows,
      kernels: ctx.kernels(flags.threads, await inputBytes(file)),
      precision: flags.precision,
      exactRows: flags.exactRows,
      stdin: io.stdin,
      onProgress: (p) => progress.update(p),
      ...labelOptions(flags),
      ...extra,
    });
  } finally {
    progress.done();
  }
}
