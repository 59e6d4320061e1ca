/** `embcheck report INPUT...`: measure an embedding file (or a dataset of files) and show its health. */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.js";
import { baselineOf, renderBaseline } from "../gate/baseline.js";
import { DATASET_EXTENSIONS, resolveInputs } from "../io/inputs.js";
import { checkOutputPath } from "../io/write.js";
import { RowLedger } from "../repair/ledger.js";
import { renderBrailleMap } from "../report/braille.js";
import { renderJson } from "../report/json.js";
import { renderMarkdown } from "../report/markdown.js";
import { renderTerminal } from "../report/terminal.js";
import type { Report } from "../report/types.js";
import { type CliIO, type CommandContext, EXIT, intOption, wantColor } from "./context.js";
import { addInputOptions, analyzeForCli, type InputFlags } from "./input.js";
import { checkOneStdout, writeTextOutput } from "./output.js";
import { checkMapFlags, type MapFlags, PROJECTION_OPTION, sampleMapForCli } from "./plot.js";

interface ReportFlags extends InputFlags, MapFlags {
  format: "terminal" | "json" | "md" | "html";
  output?: string;
  /** --save-baseline: the key metrics for `embcheck check --baseline`. */
  saveBaseline?: string;
  color: boolean;
  map?: boolean;
  /** --neighbors-sample: rows for hubness, outliers and TwoNN. */
  neighborsSample?: number;
  /** --queries: sampled rows that query the partners (with pairs). */
  queries?: number;
  /** --near-dup: the cosine line of near-duplicates (0 = skip). */
  nearDup?: number;
  rows?: string;
}

const EXAMPLES = `
Examples:
  $ embcheck report vectors.npy                       verdict, findings and every metric
  $ embcheck report shards/                           a dataset: the directory's files as one matrix
  $ embcheck report 'data/train-*.arrow' a.npy        a quoted glob and a path, as one matrix
  $ embcheck report docs.arrow --column embedding     pick the embedding column of a table
  $ embcheck report q.npy --pairs d.npy               alignment of positive pairs (row i ↔ row i)
  $ embcheck report x.npz --key emb --format json -o report.json   (-o - = stdout)
  $ embcheck report x.npy --format md >> comment.md   a pull-request comment
  $ python make.py | embcheck report -                NPY or an Arrow IPC stream from stdin
  $ embcheck report good.npy --save-baseline base.json   key metrics for \`check --baseline\`
  $ embcheck report x.npy --format html -o report.html one self-contained page: charts and a UMAP map
  $ embcheck report docs.arrow --format html --color-by topic -o report.html
  $ embcheck report x.npy --map                       the terminal report, then the map in Braille

Several inputs, a directory or a glob are one dataset: files sorted by path, rows numbered on
from file to file, every file of the same dims. A directory counts its files ending in
${DATASET_EXTENSIONS.join(" ")} (a glob such as 'data/**/*.npy' reaches into
subdirectories).
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
  if (flags.format === "html" && (flags.output === undefined || flags.output === "-") && io.stdout.isTTY) {
    throw new UsageError("--format html writes a page, not terminal text: add -o report.html (or redirect stdout)");
  }
}

function floatLine(v: string): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || x < 0 || x > 1) {
    throw new UsageError(`--near-dup: expected a cosine between 0 and 1 (0 = skip), got "${v}"`);
  }
  return x;
}

export function registerReport(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("report")
    .description("measure an embedding file (or a dataset of several) and show its health")
    .argument(
      "<inputs...>",
      'a .npy, .npz, Parquet, Arrow IPC file or stream; several, a directory or a glob: one dataset; "-" reads NPY or an Arrow stream from stdin',
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["terminal", "json", "md", "html"])
        .default("terminal"),
    )
    .option(
      "-o, --output <file>",
      'write the report to a file (atomically; a device or FIFO in place) instead of stdout; "-" = stdout',
    )
    .option("--save-baseline <file>", "also save the key metrics as a baseline for `embcheck check --baseline`")
    .option(
      "--rows <file>",
      "also write JSON listing the null, NaN, Inf, zero and duplicate rows (indices, Arrow ids)",
    );
  addInputOptions(cmd)
    .option(
      "--neighbors-sample <n>",
      "sampled rows for hubness, outliers and intrinsic dimension (default: --sample; more grows the sample, the pair statistics keep --sample rows)",
      intOption("--neighbors-sample", 3, 50_000),
    )
    .option(
      "--queries <n>",
      "with --pairs/--pair-column: sampled rows whose own partner is searched among all partners (default 1000; 0 = skip)",
      intOption("--queries", 0, 50_000),
    )
    .option(
      "--near-dup <tau>",
      "near-duplicates over every row: rows with another at cosine ≥ tau (default 0.98; 0 = skip; two more passes)",
      floatLine,
    )
    .option("--map", "terminal format: draw the 2-D map of the sample after the report (html always has it)")
    .addOption(PROJECTION_OPTION())
    .option(
      "--color-by <name>",
      "html, Arrow input: colour the map by this column (e.g. a language); with --labels or --label-column the map is coloured by the labels",
    )
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addHelpText("after", EXAMPLES)
    .action(async (inputs: string[], flags: ReportFlags) => {
      const { io } = ctx;
      const input = await resolveInputs(inputs);
      const pairs = flags.pairs !== undefined ? await resolveInputs(flags.pairs) : undefined;
      const read = [...input.files, ...(pairs?.files ?? []), ...(flags.labels !== undefined ? [flags.labels] : [])];
      const toStdout = flags.output === undefined || flags.output === "-";
      checkOneStdout(
        { "--save-baseline": flags.saveBaseline, "--rows": flags.rows },
        toStdout ? "the report" : undefined,
      );
      if (flags.output !== undefined) checkOutputPath(flags.output, read);
      if (flags.saveBaseline !== undefined) {
        checkOutputPath(flags.saveBaseline, [...read, ...(flags.output ? [flags.output] : [])], "--save-baseline");
      }
      if (flags.rows !== undefined) {
        checkOutputPath(flags.rows, [...read, ...(flags.output ? [flags.output] : [])], "--rows");
      }
      checkHtmlFlags(flags, io);
      checkMapFlags(input.label, flags);
      const ledger = flags.rows !== undefined ? new RowLedger() : undefined;
      const analysis = await analyzeForCli(input, flags, ctx, {
        ...(pairs ? { pairs } : {}),
        neighboursSample: flags.neighborsSample,
        queries: flags.queries,
        nearDup: flags.nearDup,
        ...(ledger ? { rows: ledger } : {}),
      });
      const file = input.label;
      const { report } = analysis;
      let text: string;
      if (flags.format === "html") {
        const map = await sampleMapForCli(file, analysis, flags, io);
        // the HTML renderer and its charts load on this path only (issue 19, start-up)
        const { renderHtml } = await import("../report/html.js");
        text = await renderHtml(report, { map, eigenvalues: analysis.metrics.eigenvalues });
      } else {
        text = renderReport(report, flags.format, io, flags.color, !toStdout);
        if (flags.map) {
          const map = await sampleMapForCli(file, analysis, flags, io);
          const color = wantColor(io, flags.color, !toStdout);
          text += `\n${renderBrailleMap(map, { color, width: Math.min(100, io.stdout.columns ?? 80) })}`;
        }
      }
      if (flags.saveBaseline !== undefined)
        await writeTextOutput(flags.saveBaseline, renderBaseline(baselineOf(report)), io);
      if (ledger && flags.rows !== undefined) {
        await writeTextOutput(flags.rows, `${JSON.stringify(ledger.toJSON(file, null))}\n`, io);
      }
      await writeTextOutput(flags.output ?? "-", text, io);
      ctx.setExit(EXIT.ok);
    });
  return cmd;
}
