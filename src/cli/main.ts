/**
 * The command line. The one error boundary: every typed error from the library is caught here and
 * mapped to an exit code (0 passed/report written, 1 gate failed, 2 usage, 3 unreadable input or
 * internal error). Only this folder reads `process`.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { analyze } from "../api.js";
import { EmbcheckError, InputError, UsageError } from "../errors.js";
import { refuseToOverwrite, writeFileAtomic } from "../io/write.js";
import { DEFAULT_SAMPLE_SIZE } from "../profile/profile.js";
import { renderJson } from "../report/json.js";
import { renderMarkdown } from "../report/markdown.js";
import { renderTerminal } from "../report/terminal.js";
import { VERSION } from "../version.js";
import { progressLine } from "./progress.js";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WriteStream;
  stdin: AsyncIterable<Uint8Array>;
  env: Record<string, string | undefined>;
}

export const EXIT = { ok: 0, gate: 1, usage: 2, input: 3 } as const;

function intOption(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} must be an integer, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be in [${min}, ${max}], got ${n}`);
    return n;
  };
}

interface ReportFlags {
  format: "terminal" | "json" | "md";
  output?: string;
  sample: number;
  seed: number;
  column?: string;
  key?: string;
  pairs?: string;
  pairColumn?: string;
  color: boolean;
  chunkRows?: number;
}

const REPORT_EXAMPLES = `
Examples:
  $ embcheck report vectors.npy                       verdict, findings and every metric
  $ embcheck report docs.arrow --column embedding     pick the embedding column of a table
  $ embcheck report q.npy --pairs d.npy               alignment of positive pairs (row i ↔ row i)
  $ embcheck report x.npz --key emb --format json -o report.json
  $ embcheck report x.npy --format md >> comment.md   a pull-request comment
  $ python make.py | embcheck report -                NPY or an Arrow IPC stream from stdin

Exit codes: 0 report written · 2 usage error · 3 unreadable input or internal error.
Metric definitions: docs/METRICS.md. Colour is off with NO_COLOR, --no-color or a non-TTY stdout.`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const write = (s: string) => io.stdout.write(s);
  const program = new Command()
    .name("embcheck")
    .description("Check embedding vectors: integrity, norms, anisotropy, uniformity, alignment, spectrum.")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (s) => write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(add --help for usage)");

  program
    .command("report")
    .description("measure an embedding file and show its health")
    .argument("<file>", 'a .npy, .npz, Arrow IPC file or stream; "-" reads NPY or an Arrow stream from stdin')
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["terminal", "json", "md"]).default("terminal"),
    )
    .option("-o, --output <file>", "write the report to a file (atomically) instead of stdout")
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
    .option("--pairs <file>", "positive partners: row i of this file pairs with row i of the input")
    .option("--pair-column <name>", "Arrow: a second list column holding each row's positive partner")
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addOption(
      new Option("--chunk-rows <n>", "rows per chunk (testing)")
        .argParser(intOption("--chunk-rows", 1, 1 << 24))
        .hideHelp(),
    )
    .addHelpText("after", REPORT_EXAMPLES)
    .action(async (file: string, flags: ReportFlags) => {
      exitCode = await runReport(file, flags, io);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    return handleError(e, io);
  }
}

async function runReport(file: string, flags: ReportFlags, io: CliIO): Promise<number> {
  if (flags.pairs && flags.pairColumn) throw new UsageError("give --pairs or --pair-column, not both");
  if (flags.output) refuseToOverwrite(flags.output, [file, ...(flags.pairs ? [flags.pairs] : [])]);
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  const progress = progressLine(io.stderr, file === "-" ? "stdin" : file, tty);
  let analysis: Awaited<ReturnType<typeof analyze>>;
  try {
    analysis = await analyze(file, {
      sampleSize: flags.sample,
      seed: flags.seed,
      column: flags.column,
      key: flags.key,
      pairs: flags.pairs,
      pairColumn: flags.pairColumn,
      chunkRows: flags.chunkRows,
      stdin: io.stdin,
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.done();
  }
  const r = analysis.report;
  let text: string;
  if (flags.format === "json") text = renderJson(r);
  else if (flags.format === "md") text = renderMarkdown(r);
  else {
    const color =
      flags.color && !flags.output && !io.env.NO_COLOR && (Boolean(io.stdout.isTTY) || Boolean(io.env.FORCE_COLOR));
    text = renderTerminal(r, { color, width: Math.min(100, io.stdout.columns ?? 80) });
  }
  if (flags.output) await writeFileAtomic(flags.output, text);
  else io.stdout.write(text);
  return EXIT.ok;
}

function handleError(e: unknown, io: CliIO): number {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") {
      return EXIT.ok;
    }
    return EXIT.usage; // commander already printed the message
  }
  if (e instanceof UsageError) {
    io.stderr.write(`embcheck: ${e.message}\n`);
    return EXIT.usage;
  }
  if (e instanceof InputError) {
    io.stderr.write(`embcheck: ${e.message}\n`);
    return EXIT.input;
  }
  if (e instanceof EmbcheckError) {
    io.stderr.write(`embcheck: internal error: ${e.message}\n`);
    return EXIT.input;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EPIPE") return EXIT.ok;
  if (err?.code === "ENOSPC" || err?.code === "EACCES" || err?.code === "EROFS" || err?.code === "ENOENT") {
    io.stderr.write(`embcheck: cannot write: ${err.message}\n`);
    return EXIT.input;
  }
  io.stderr.write(`embcheck: internal error (please report it): ${err?.stack ?? String(e)}\n`);
  return EXIT.input;
}
