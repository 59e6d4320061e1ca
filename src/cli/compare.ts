/** `embcheck compare A B`: drift between two sets, the same rows embedded twice (--paired), leakage (--leakage). */
import { type Command, Option } from "commander";
import { compare } from "../api-compare.js";
import { renderCompareMarkdown } from "../compare/render/markdown.js";
import { renderCompareTerminal } from "../compare/render/terminal.js";
import { COMPARE_RULES, compareRule } from "../compare/rules.js";
import type { CompareResult } from "../compare/types.js";
import type { Overrides, Thresholds } from "../detect/rules.js";
import { UsageError } from "../errors.js";
import { failsGate } from "../gate/gate.js";
import type { FailOn } from "../gate/settings.js";
import { parseThresholdSpec } from "../gate/thresholds.js";
import { resolveInputs } from "../io/inputs.js";
import { checkOutputPath } from "../io/write.js";
import { type CommandContext, EXIT, wantColor } from "./context.js";
import { addReadOptions, type InputFlags } from "./input.js";
import { writeTextOutput } from "./output.js";

interface CompareFlags extends Omit<InputFlags, "pairs" | "pairColumn"> {
  format: "terminal" | "json" | "md" | "markdown";
  output?: string;
  paired?: boolean;
  leakage?: boolean;
  leakageThreshold?: number;
  threshold?: string[];
  failOn?: FailOn;
  color: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const EXAMPLES = `
Examples:
  $ embcheck compare reference.npy current.npy          drift: exact centroid/Fréchet, sampled MMD², classifier AUC
  $ embcheck compare old-model.npy new-model.npy --paired   same rows, two models: CKA, neighbourhood agreement
  $ embcheck compare train.parquet test.parquet --leakage   test rows copied (or nearly) from train
  $ embcheck compare ref.profile cur.npy --format json -o drift.json
  $ embcheck compare ref.npy cur.npy --threshold drift-classifier=0.6 --threshold drift-mmd=off

A is the reference (or train), B the current set (or test). Both accept what \`report\` accepts:
files, datasets (several paths, a directory, a quoted glob), Parquet/Arrow/npz, profile files
(drift only: --paired and --leakage read the rows again).
Rules and their default lines (sources in docs/compare.md): ${COMPARE_RULES.map((r) => `${r.id} (${r.metric})`).join(", ")}.
Exit codes: 0 no finding fails · 1 a finding fails (--fail-on warn: or warns) · 2 usage error · 3 unreadable input.`;

function cosineLine(v: string): number {
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || x <= 0 || x > 1) {
    throw new UsageError(`--leakage-threshold: expected a cosine in (0, 1], got "${v}"`);
  }
  return x;
}

/** `--threshold KEY=SPEC` for the compare rules (KEY a rule id or its metric path). */
export function parseCompareThreshold(arg: string): [string, Partial<Thresholds>] {
  const eq = arg.indexOf("=");
  const where = `--threshold ${arg}`;
  if (eq <= 0) throw new UsageError(`${where}: expected RULE=SPEC, e.g. drift-classifier=0.6`);
  const key = arg.slice(0, eq).trim();
  const rule = compareRule(key);
  if (!rule) {
    throw new UsageError(
      `${where}: unknown rule "${key}"; valid: ${COMPARE_RULES.map((r) => `${r.id} (${r.metric})`).join(", ")}`,
    );
  }
  return [rule.id, parseThresholdSpec(rule as never, arg.slice(eq + 1), where)];
}

export function renderComparison(r: CompareResult, format: string, color: boolean, width: number): string {
  if (format === "json") return `${JSON.stringify(r, null, 2)}\n`;
  if (format === "md" || format === "markdown") return renderCompareMarkdown(r);
  return renderCompareTerminal(r, { color, width });
}

export function registerCompare(program: Command, ctx: CommandContext): Command {
  const cmd = program
    .command("compare")
    .description("compare two embedding sets: drift, the same rows from two models (--paired), train/test leakage")
    .argument("<a>", "the reference (or train) set: a file, a directory or quoted glob, or a profile file")
    .argument("<b>", "the current (or test) set")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["terminal", "json", "md", "markdown"])
        .default("terminal"),
    )
    .option("-o, --output <file>", 'write to a file (atomically) instead of stdout; "-" = stdout')
    .option("--paired", "row i of A and row i of B are the same item (dims may differ): CKA, neighbour agreement")
    .option("--leakage", "A = train, B = test: test rows that are exact or near copies of train rows")
    .option(
      "--leakage-threshold <cos>",
      "with --leakage: cosine at or above which a train row is a near copy (default 0.98)",
      cosineLine,
    )
    .option(
      "--threshold <rule=spec>",
      'override a rule\'s line (repeatable): "0.6", "warn:0.5,fail:0.7", "off"',
      collect,
    )
    .addOption(
      new Option("--fail-on <level>", "lowest severity that exits 1 (default: fail)").choices(["warn", "fail"]),
    );
  addReadOptions(cmd)
    .option("--no-color", "no colours (also NO_COLOR=1, or when stdout is not a terminal)")
    .addHelpText("after", EXAMPLES)
    .action(async (a: string, b: string, flags: CompareFlags) => {
      const { io } = ctx;
      const thresholds: Overrides = {};
      for (const arg of flags.threshold ?? []) {
        const [id, t] = parseCompareThreshold(arg);
        thresholds[id] = { ...thresholds[id], ...t };
      }
      const A = await resolveInputs(a);
      const B = await resolveInputs(b);
      const toStdout = flags.output === undefined || flags.output === "-";
      if (flags.output !== undefined) checkOutputPath(flags.output, [...A.files, ...B.files]);
      if (flags.leakageThreshold !== undefined && !flags.leakage) {
        throw new UsageError("--leakage-threshold sets the near-copy line of --leakage; add --leakage");
      }
      if (A.files.includes("-") && B.files.includes("-")) throw new UsageError("only one of A and B can be stdin");
      const result = await compare(A, B, {
        sampleSize: flags.sample,
        seed: flags.seed,
        exactRows: flags.exactRows,
        column: flags.column,
        key: flags.key,
        chunkRows: flags.chunkRows,
        precision: flags.precision,
        kernels: ctx.kernels(flags.threads),
        stdin: io.stdin,
        paired: flags.paired,
        leakage: flags.leakage,
        leakageThreshold: flags.leakageThreshold,
        thresholds,
      });
      const text = renderComparison(
        result,
        flags.format,
        wantColor(io, flags.color, !toStdout),
        Math.min(100, io.stdout.columns ?? 80),
      );
      await writeTextOutput(flags.output ?? "-", text, io);
      const failOn = flags.failOn ?? "fail";
      ctx.setExit(result.findings.some((f) => failsGate(f.severity, failOn)) ? EXIT.gate : EXIT.ok);
    });
  return cmd;
}
