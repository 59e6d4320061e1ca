/** `embcheck check FILE [FILE...]`: the CI gate (each file judged, or --dataset: all as one). Exit 0 passed, 1 gate failed, 2 usage, 3 unreadable input. */
import { statSync } from "node:fs";
import { appendFile, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Command, Option } from "commander";
import { checkFiles } from "../api.js";
import { driftChecks } from "../compare/gate.js";
import { DRIFT_RULES } from "../compare/rules.js";
import { sortFindings, verdictOf } from "../detect/findings.js";
import type { Overrides as RuleOverrides } from "../detect/rules.js";
import { InputError, UsageError } from "../errors.js";
import { type Baseline, parseBaseline, parseToleranceArg, type ToleranceOverrides } from "../gate/baseline.js";
import { CONFIG_FILE, type GateConfig, parseConfig } from "../gate/config.js";
import type { GateResult } from "../gate/gate.js";
import { profileNames } from "../gate/profiles.js";
import { renderGateGithub } from "../gate/render/github.js";
import { renderGateJson } from "../gate/render/json.js";
import { renderGateJunit } from "../gate/render/junit.js";
import { renderGateMarkdown } from "../gate/render/markdown.js";
import { renderGateTerminal } from "../gate/render/terminal.js";
import { type FailOn, resolveSettings } from "../gate/settings.js";
import { type Overrides, parseThresholdArg } from "../gate/thresholds.js";
import { type InputSpec, resolveEach, resolveInputs } from "../io/inputs.js";
import { checkOutputPath } from "../io/write.js";
import { parseCompareThreshold } from "./compare.js";
import { type CliIO, type CommandContext, wantColor } from "./context.js";
import { addInputOptions, analyzeForCli, type InputFlags } from "./input.js";
import { checkOneStdout, writeTextOutput } from "./output.js";

type Format = "terminal" | "json" | "junit" | "markdown" | "md" | "github";

interface CheckFlags extends InputFlags {
  format: Format;
  output?: string;
  junit?: string;
  failOn?: FailOn;
  profile?: string;
  /** A path, false for --no-config, undefined to look for embcheck.config.json. */
  config?: string | false;
  threshold?: string[];
  baseline?: string;
  tolerance?: string[];
  /** All inputs as one dataset (one result) instead of one result per file. */
  dataset?: boolean;
  /** --reference: gate on drift from this set (the drift rules of `compare`). */
  reference?: string;
  color: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const EXAMPLES = `
Examples:
  $ embcheck check vectors.npy                              gate on the default thresholds
  $ embcheck check a.npy b.arrow --fail-on warn             several files; a warning fails too
  $ embcheck check shards/ --dataset                        a directory's files judged as ONE matrix
  $ embcheck check 'data/*.parquet' --dataset --format json -o -   a quoted glob; JSON on stdout
  $ embcheck check v.npy --profile unit-vectors             a model that emits unit vectors
  $ embcheck check v.npy --threshold cosine.meanExact=0.7   fail line of one metric
  $ embcheck check v.npy --threshold anisotropy=warn:0.4,fail:0.6 --threshold norms.cv=off
  $ embcheck report good.npy --save-baseline base.json      then, after retraining:
  $ embcheck check new.npy --baseline base.json             fail on a regression against it
  $ embcheck check v.npy --format junit -o embcheck.xml     JUnit for the CI's test view
  $ embcheck check v.npy --format github --junit out.xml    annotations in the log, JUnit in a file
  $ embcheck check current.npy --reference reference.npy    also fail on drift (the rules of \`compare\`)
  $ embcheck check cur.npy --reference ref.profile --threshold drift-classifier=0.6

Thresholds: rule defaults < --profile < embcheck.config.json (or --config) < --threshold.
--threshold METRIC=SPEC, METRIC a metric path or rule id; SPEC "0.7" (the fail line),
"warn:0.5,fail:0.7", "warn:off", or "off" (rule disabled). --tolerance METRIC=SPEC for
baselines: "25%", "rel:0.25", "abs:0.1", "rel:0.5,abs:0.05" or "off".
Each file is judged on its own (a directory or glob: each of its files); --dataset judges all the
inputs as one matrix (files sorted by path, of the same dims). -o - writes the format to stdout.
With GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file.
Exit codes: 0 passed · 1 the gate failed · 2 usage error · 3 unreadable input or internal error.
Thresholds, profiles and formats: docs/check.md.`;

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
    if (code === "EISDIR") throw new UsageError(`${path} is a directory; give a file`);
    throw new UsageError(`${path}: cannot read (${code ?? String(e)})`);
  }
}

/** --config PATH, else embcheck.config.json in the working directory, unless --no-config. */
export async function loadConfig(flag: string | false | undefined): Promise<GateConfig | undefined> {
  if (flag === false) return undefined;
  if (flag !== undefined) {
    const text = await readText(flag);
    if (text === null) throw new UsageError(`--config ${flag}: no such file`);
    return parseConfig(text, flag);
  }
  if (!statSync(CONFIG_FILE, { throwIfNoEntry: false })?.isFile()) return undefined;
  return parseConfig((await readFile(CONFIG_FILE, "utf8")) as string, CONFIG_FILE);
}

/** The baseline file: --baseline, else the config's "baseline" (relative to the config file). */
export async function loadBaseline(
  flag: string | undefined,
  config: GateConfig | undefined,
): Promise<{ data: Baseline; file: string } | undefined> {
  const file = flag ?? (config?.baseline !== undefined ? join(dirname(config.file), config.baseline) : undefined);
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "no such baseline file" : `cannot read the baseline (${code ?? String(e)})`;
    throw new InputError(what, { file }, "save one with `embcheck report FILE --save-baseline BASE.json`");
  }
  return { data: parseBaseline(text, file), file };
}

export function renderGate(result: GateResult, format: Format, io: CliIO, color: boolean, toFile: boolean): string {
  switch (format) {
    case "json":
      return renderGateJson(result);
    case "junit":
      return renderGateJunit(result);
    case "markdown":
    case "md":
      return renderGateMarkdown(result);
    case "github":
      return renderGateGithub(result);
    default:
      return renderGateTerminal(result, {
        color: wantColor(io, color, toFile),
        width: Math.min(100, io.stdout.columns ?? 80),
      });
  }
}

export function registerCheck(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("check")
    .description("a CI gate: judge embedding files against thresholds (and a baseline); exit 1 when one fails")
    .argument(
      "<files...>",
      '.npy, .npz, Parquet, Arrow IPC files or streams, directories or globs; "-" reads NPY or an Arrow stream from stdin',
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["terminal", "json", "junit", "markdown", "md", "github"])
        .default("terminal"),
    )
    .option(
      "-o, --output <file>",
      'write the format to a file (atomically; a device or FIFO in place); stdout then gets the summary; "-" = stdout',
    )
    .option("--junit <file>", 'also write JUnit XML to a file, whatever the format ("-" = stdout, with -o FILE)')
    .option("--dataset", "judge all the inputs as ONE dataset (one matrix), not each file")
    .addOption(
      new Option("--fail-on <level>", "lowest severity that fails the gate (default: fail)").choices(["warn", "fail"]),
    )
    .addOption(new Option("--profile <name>", "built-in threshold profile").choices(profileNames()))
    .option("--config <file>", `config file (default: ${CONFIG_FILE} in the working directory, if present)`)
    .option("--no-config", `ignore ${CONFIG_FILE}`)
    .option("--threshold <metric=spec>", "override a threshold (repeatable)", collect)
    .option("--baseline <file>", "fail on regressions against a baseline saved by `report --save-baseline`")
    .option("--tolerance <metric=spec>", "override a baseline tolerance (repeatable)", collect)
    .option(
      "--reference <input>",
      "also gate on drift from this reference set (file, dataset or profile): the drift rules of `embcheck compare`",
    );
  addInputOptions(cmd)
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addHelpText("after", EXAMPLES)
    .action(async (files: string[], flags: CheckFlags) => {
      const { io } = ctx;
      const thresholds: Overrides = {};
      const driftLines: RuleOverrides = {};
      for (const arg of flags.threshold ?? []) {
        const key = arg.slice(0, Math.max(0, arg.indexOf("="))).trim();
        if (DRIFT_RULES.some((r) => r.id === key || r.metric === key)) {
          if (flags.reference === undefined) throw new UsageError(`--threshold ${arg}: a drift rule needs --reference`);
          const [id, t] = parseCompareThreshold(arg);
          driftLines[id] = { ...driftLines[id], ...t };
          continue;
        }
        const [id, t] = parseThresholdArg(arg);
        thresholds[id] = { ...thresholds[id], ...t };
      }
      const tolerances: ToleranceOverrides = {};
      for (const arg of flags.tolerance ?? []) {
        const [metric, t] = parseToleranceArg(arg);
        tolerances[metric] = t === null ? null : { ...tolerances[metric], ...t };
      }
      let judged: (string | InputSpec)[];
      let read: string[];
      if (flags.dataset) {
        const spec = await resolveInputs(files);
        judged = [spec];
        read = spec.files;
      } else {
        judged = await resolveEach(files);
        read = judged as string[];
      }
      if (flags.pairs !== undefined && judged.length > 1) {
        throw new UsageError(
          "--pairs pairs the rows of one input; give one FILE with it, or --dataset to judge the files as one (or use --pair-column)",
        );
      }
      if (flags.pairs && flags.pairColumn) throw new UsageError("give --pairs or --pair-column, not both");
      const pairs = flags.pairs !== undefined ? await resolveInputs(flags.pairs) : undefined;
      const inputs = [...read, ...(pairs?.files ?? [])];
      const mainToStdout = flags.output === undefined || flags.output === "-";
      checkOneStdout({ "--junit": flags.junit }, mainToStdout ? `the ${flags.format} output` : undefined);
      if (flags.output !== undefined) checkOutputPath(flags.output, inputs);
      if (flags.junit !== undefined) {
        checkOutputPath(flags.junit, [...inputs, ...(flags.output !== undefined ? [flags.output] : [])], "--junit");
      }

      const config = await loadConfig(flags.config);
      const settings = resolveSettings({
        profile: flags.profile,
        config,
        failOn: flags.failOn,
        thresholds,
        tolerances,
      });
      const baseline = await loadBaseline(flags.baseline, config);
      const reference =
        flags.reference !== undefined
          ? await analyzeForCli(await resolveInputs(flags.reference), flags, ctx, { nearDup: 0, queries: 0 })
          : undefined;

      const result = await checkFiles(judged, {
        settings,
        baseline,
        config: config?.file,
        analyzer: async (file, opts) => {
          const a = await analyzeForCli(file, flags, ctx, { thresholds: opts.thresholds, ...(pairs ? { pairs } : {}) });
          const base = baseline?.data.input;
          // said, not refused: the comparison still runs, but its numbers come from another space (issue 21)
          if (base && base.dims !== a.info.dims) {
            io.stderr.write(
              `embcheck check: note: the baseline ${baseline.file} was saved from ${base.dims}-dim vectors (${base.path}), but ${a.info.path} has ${a.info.dims} dims: its numbers are compared anyway, though they come from another space\n`,
            );
          }
          if (!reference) return a;
          if (reference.info.dims !== a.info.dims) {
            throw new UsageError(
              `--reference ${reference.info.path} has ${reference.info.dims} dims but ${a.info.path} has ${a.info.dims}: drift needs one model's vectors`,
            );
          }
          const drift = driftChecks(reference.profile.state, a.profile.state, driftLines, ctx.kernels(flags.threads));
          const findings = sortFindings([...a.report.findings, ...drift.findings]);
          return { ...a, report: { ...a.report, findings, verdict: verdictOf(findings) }, extraChecks: drift.checks };
        },
        // The terminal summary shows unreadable files itself; other formats get the line on stderr too.
        onInputError: (_file, e) => {
          if (flags.format !== "terminal" && mainToStdout) io.stderr.write(`embcheck: ${e.message}\n`);
        },
      });

      const text = renderGate(result, flags.format, io, flags.color, !mainToStdout);
      await writeTextOutput(flags.output ?? "-", text, io);
      if (!mainToStdout && flags.format !== "terminal" && flags.junit !== "-") {
        io.stdout.write(renderGate(result, "terminal", io, flags.color, false));
      }
      if (flags.junit !== undefined) await writeTextOutput(flags.junit, renderGateJunit(result), io);

      const summary = io.env.GITHUB_STEP_SUMMARY;
      if (summary) {
        try {
          await appendFile(summary, `${renderGateMarkdown(result)}\n`);
        } catch (e) {
          io.stderr.write(
            `embcheck: cannot append to GITHUB_STEP_SUMMARY ${summary} (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`,
          );
        }
      }
      ctx.setExit(result.exitCode);
    });
  return cmd;
}
