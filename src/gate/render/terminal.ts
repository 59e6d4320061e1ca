/**
 * The gate's concise human summary: per file the verdict line and its findings (the terminal
 * report's style, without the metric blocks), then one line for the whole gate. Pure.
 */
import { Chalk } from "chalk";
import type { Finding } from "../../detect/types.js";
import { findingCounts } from "../../report/summary.js";
import { formatCount } from "../../text/format.js";
import { flow, wrapWords } from "../../text/layout.js";
import { type FileResult, failsGate, type GateResult } from "../gate.js";

export interface GateTerminalOptions {
  color: boolean;
  width?: number;
}

const TAG_WIDTH = 6;

export function renderGateTerminal(result: GateResult, opts: GateTerminalOptions): string {
  const width = Math.max(40, Math.floor(opts.width ?? 80));
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const paint: Record<string, (s: string) => string> = {
    fail: chalk.red.bold,
    error: chalk.red.bold,
    warn: chalk.yellow.bold,
    info: chalk.blue.bold,
    pass: chalk.green.bold,
  };
  const blocks = result.files.map((f) => fileLines(f, result, width, paint, chalk).join("\n"));
  blocks.push(summaryLine(result, paint));
  return `${blocks.map((b) => b.trimEnd()).join("\n\n")}\n`;
}

function fileLines(
  f: FileResult,
  result: GateResult,
  width: number,
  paint: Record<string, (s: string) => string>,
  chalk: InstanceType<typeof Chalk>,
): string[] {
  const pad = " ".repeat(TAG_WIDTH);
  if (f.status === "error") {
    const lines = [`${paint.error("ERROR")} ${f.path}`];
    const error = f.error ?? "";
    const text = error.startsWith(`${f.path}: `) ? error.slice(f.path.length + 2) : error;
    for (const l of wrapWords(text, width - TAG_WIDTH)) lines.push(pad + l);
    return lines;
  }
  const judged = f.checks.filter((c) => c.status !== "skipped");
  const passed = judged.filter((c) => c.status === "pass").length;
  const segments = [
    f.path,
    f.shape ?? "",
    findingCounts(f.findings),
    `${formatCount(passed)} of ${formatCount(judged.length)} checks passed`,
  ];
  if (f.verdict === "warn" && f.status === "failed") segments.push("fails at --fail-on warn");
  const tag = f.verdict!.toUpperCase();
  const head = flow(segments, width - TAG_WIDTH).map(
    (l, i) => (i === 0 ? paint[f.verdict!](tag.padEnd(TAG_WIDTH)) : pad) + l,
  );
  const lines = [...head];
  for (const finding of f.findings) lines.push(...findingLines(finding, result, width, paint, chalk));
  return lines;
}

function findingLines(
  f: Finding,
  result: GateResult,
  width: number,
  paint: Record<string, (s: string) => string>,
  chalk: InstanceType<typeof Chalk>,
): string[] {
  const indent = 8;
  const text = width - indent;
  const pad = " ".repeat(indent);
  const lines: string[] = [];
  const label = f.severity.toUpperCase();
  wrapWords(f.message, text).forEach((l, i) => {
    lines.push(i === 0 ? `  ${paint[f.severity](label.padEnd(4))}  ${l}` : pad + l);
  });
  if (f.severity === "info") return lines;
  for (const l of flow([f.id, f.metric], text)) lines.push(pad + chalk.dim(l));
  if (failsGate(f.severity, result.failOn) && f.hint !== "") {
    wrapWords(f.hint, text - 2).forEach((l, i) => {
      lines.push(pad + chalk.cyan(i === 0 ? `→ ${l}` : `  ${l}`));
    });
  }
  return lines;
}

/** "gate failed: 1 of 3 files failed, 1 unreadable (fail-on fail, profile default)". */
export function summaryText(result: GateResult): string {
  const { files, failed, errors } = result.summary;
  const parts: string[] = [];
  if (failed > 0)
    parts.push(files === 1 ? "1 file failed" : `${formatCount(failed)} of ${formatCount(files)} files failed`);
  if (errors > 0) parts.push(`${formatCount(errors)} unreadable`);
  if (parts.length === 0) parts.push(files === 1 ? "1 file passed" : `all ${formatCount(files)} files passed`);
  const context = [`fail-on ${result.failOn}`, `profile ${result.profile}`];
  if (result.config) context.push(`config ${result.config}`);
  if (result.baseline) context.push(`baseline ${result.baseline}`);
  return `gate ${result.passed ? "passed" : "failed"}: ${parts.join(", ")} (${context.join(", ")})`;
}

function summaryLine(result: GateResult, paint: Record<string, (s: string) => string>): string {
  const text = summaryText(result);
  const colon = text.indexOf(":");
  return paint[result.passed ? "pass" : "fail"](text.slice(0, colon)) + text.slice(colon);
}
