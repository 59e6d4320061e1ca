/** `embcheck report FILE`: measure an embedding file and show its health. */
import { type Command, Option } from "commander";
import { type AnalyzeOptions, analyze } from "../api.js";
import { UsageError } from "../errors.js";
import { baselineOf, renderBaseline } from "../gate/baseline.js";
import { checkOutputPath, writeFileAtomic } from "../io/write.js";
import { DEFAULT_SAMPLE_SIZE, PRECISIONS, type Precision } from "../profile/profile.js";
import { renderBrailleMap } from "../report/braille.js";
import { renderHtml } from "../report/html.js";
import { renderJson } from "../report/json.js";
import { renderMarkdown } from "../report/markdown.js";
import { renderTerminal } from "../report/terminal.js";
import type { Report } from "../report/types.js";
import { type CliIO, type CommandContext, EXIT, intOption, wantColor } from "./context.js";
import { checkMapFlags, type MapFlags, PROJECTION_OPTION, sampleMapForCli } from "./plot.js";
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
      "--column <name>",
      "Arrow: the embedding column (default: embedding, embeddings, vector, or the only list column)",
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

/** addReadOptions plus positive pairs (--pairs, --pair-column), for the commands that measure. */
export function addInputOptions(cmd: Command): Command {
  return addReadOptions(cmd)
    .option("--pairs <file>", "positive partners: row i of this file pairs with row i of the input")
    .option("--pair-column <name>", "Arrow: a second list column holding each row's positive partner");
}

/** Runs pass 1 and the metrics for `file`, with a progress line on a TTY stderr. */
export async function analyzeForCli(file: string, flags: InputFlags, io: CliIO, extra: Partial<AnalyzeOptions> = {}) {
  if (flags.pairs && flags.pairColumn) throw new UsageError("give --pairs or --pair-column, not both");
  const progress = progressLine(io.stderr, file === "-" ? "stdin" : file, Boolean(io.stderr.isTTY));
  try {
    return await analyze(file, {
      sampleSize: flags.sample,
      seed: flags.seed,
      column: flags.column,
      key: flags.key,
      pairs: flags.pairs,
      pairColumn: flags.pairColumn,
      chunkRows: flags.chunkRows,
      threads: flags.threads,
      precision: flags.precision,
      stdin: io.stdin,
      onProgress: (p) => progress.update(p),
      ...extra,
    });
  } finally {
    progress.done();
  }
}

interface ReportFlags extends InputFlags, MapFlags {
  format: "terminal" | "json" | "md" | "html";
  output?: string;
  /** --save-baseline: the key metrics for `embcheck check --baseline`. */
  saveBaseline?: string;
  color: boolean;
  map?: boolean;
}

const EXAMPLES = `
Examples:
  $ embcheck report vectors.npy                       verdict, findings and every metric
  $ embcheck report docs.arrow --column embedding     pick the embedding column of a table
  $ embcheck report q.npy --pairs d.npy               alignment of positive pairs (row i ↔ row i)
  $ embcheck report x.npz --key emb --format json -o report.json
  $ embcheck report x.npy --format md >> comment.md   a pull-request comment
  $ python make.py | embcheck report -                NPY or an Arrow IPC stream from stdin
  $ embcheck report good.npy --save-baseline base.json   key metrics for \`check --baseline\`
  $ embcheck report x.npy --format html -o report.html one self-contained page: charts and a UMAP map
  $ embcheck report docs.arrow --format html --color-by topic -o report.html
  $ embcheck report x.npy --map                       the terminal report, then the map in Braille

Exit codes: 0 report written · 2 usage error · 3 unreadable input or internal error.
Metric definitions: docs/METRICS.md. Colour is off with NO_COLOR, --no-color or a non-TTY stdout.`;

export function renderReport(r: Report, format: string, io: CliIO, color: boolean, toFile: boolean): string {
  if (format === "json") return renderJson(r);
  if (format === "md") return renderMarkdown(r);
  return renderTerminal(r, { color: wantColor(io, color, toFile), width: Math.min(100, io.stdout.columns ?? 80) });
}

/** The map flags fit only some formats; HTML is a file, not something to print on a terminal. */
function checkHtmlFlags(flags: ReportFlags, io: CliIO): void {
  if (flags.map && flags.format !== "terminal") {
    throw new UsageError(
      `--map draws on the terminal report; the ${flags.format} format has no map${flags.format === "html" ? " flag (it always has the map)" : ""}`,
    );
  }
  if (flags.colorBy !== undefined && flags.format !== "html") {
    throw new UsageError("--color-by colours the map of --format html; add --format html -o report.html");
  }
  if (flags.format === "html" && flags.output === undefined && io.stdout.isTTY) {
    throw new UsageError("--format html writes a page, not terminal text: add -o report.html (or redirect stdout)");
  }
}

export function registerReport(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("report")
    .description("measure an embedding file and show its health")
    .argument("<file>", 'a .npy, .npz, Arrow IPC file or stream; "-" reads NPY or an Arrow stream from stdin')
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["terminal", "json", "md", "html"])
        .default("terminal"),
    )
    .option("-o, --output <file>", "write the report to a file (atomically) instead of stdout")
    .option("--save-baseline <file>", "also save the key metrics as a baseline for `embcheck check --baseline`");
  addInputOptions(cmd)
    .option("--map", "terminal format: draw the 2-D map of the sample after the report (html always has it)")
    .addOption(PROJECTION_OPTION())
    .option("--color-by <name>", "html, Arrow input: colour the map by this column (e.g. a label or language)")
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addHelpText("after", EXAMPLES)
    .action(async (file: string, flags: ReportFlags) => {
      const { io } = ctx;
      if (flags.output !== undefined) checkOutputPath(flags.output, [file, ...(flags.pairs ? [flags.pairs] : [])]);
      if (flags.saveBaseline !== undefined) {
        const taken = [
          file,
          ...(flags.pairs ? [flags.pairs] : []),
          ...(flags.output !== undefined ? [flags.output] : []),
        ];
        checkOutputPath(flags.saveBaseline, taken, "--save-baseline");
      }
      checkHtmlFlags(flags, io);
      checkMapFlags(file, flags);
      const analysis = await analyzeForCli(file, flags, io);
      const { report } = analysis;
      let text: string;
      if (flags.format === "html") {
        const map = await sampleMapForCli(file, analysis, flags, io);
        text = await renderHtml(report, { map, eigenvalues: analysis.metrics.eigenvalues });
      } else {
        text = renderReport(report, flags.format, io, flags.color, flags.output !== undefined);
        if (flags.map) {
          const map = await sampleMapForCli(file, analysis, flags, io);
          const color = wantColor(io, flags.color, flags.output !== undefined);
          text += `\n${renderBrailleMap(map, { color, width: Math.min(100, io.stdout.columns ?? 80) })}`;
        }
      }
      if (flags.saveBaseline !== undefined)
        await writeFileAtomic(flags.saveBaseline, renderBaseline(baselineOf(report)));
      if (flags.output !== undefined) await writeFileAtomic(flags.output, text);
      else io.stdout.write(text);
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}
