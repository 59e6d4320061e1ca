/**
 * The comparison on a terminal: verdict, findings, the drift/paired/leakage blocks, then the report
 * metrics of A and B side by side with each delta coloured by direction (red: worse, green: better),
 * in the style of the report (../../report/terminal.ts). Pure.
 */
import { Chalk, type ChalkInstance } from "chalk";
import type { Severity, Verdict } from "../../detect/types.js";
import { findingCounts } from "../../report/summary.js";
import { wrapWords } from "../../text/layout.js";
import type { CompareResult } from "../types.js";
import { blocks, deltaTone, num, signed } from "./lines.js";

const LABEL = 12;

const shape = (i: CompareResult["a"]["input"]) =>
  `${i.rows.toLocaleString("en-US")} × ${i.dims} ${i.dtype} (${i.format})`;

export function renderCompareTerminal(r: CompareResult, opts: { color: boolean; width?: number }): string {
  const width = Math.max(40, Math.floor(opts.width ?? 80));
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const tone: Record<Severity | Verdict, ChalkInstance> = {
    fail: chalk.red.bold,
    warn: chalk.yellow.bold,
    info: chalk.blue.bold,
    pass: chalk.green.bold,
  };
  const out: string[][] = [];
  const tag = r.verdict.toUpperCase();
  out.push([
    `${tone[r.verdict](tag)}  ${findingCounts(r.findings)}`,
    `${" ".repeat(tag.length + 2)}A ${r.a.input.path}  ${chalk.dim(shape(r.a.input))}`,
    `${" ".repeat(tag.length + 2)}B ${r.b.input.path}  ${chalk.dim(shape(r.b.input))}`,
  ]);
  if (r.findings.length === 0) out.push([`${chalk.bold("Findings")}    none`]);
  else {
    const lines = [chalk.bold("Findings")];
    for (const f of r.findings) {
      wrapWords(f.message, width - 8).forEach((line, i) => {
        lines.push(i === 0 ? `  ${tone[f.severity](f.severity.toUpperCase())}  ${line}` : `        ${line}`);
      });
      lines.push(`        ${chalk.dim(`${f.id}  ${f.metric}`)}`);
      wrapWords(f.hint, width - 10).forEach((line, i) => {
        lines.push(`        ${chalk.cyan(i === 0 ? `→ ${line}` : `  ${line}`)}`);
      });
    }
    out.push(lines);
  }
  for (const b of blocks(r)) {
    out.push(
      b.lines.flatMap((l, i) =>
        wrapWords(l, width - LABEL).map(
          (w, j) =>
            (i === 0 && j === 0 ? chalk.bold(b.title) + " ".repeat(LABEL - b.title.length) : " ".repeat(LABEL)) + w,
        ),
      ),
    );
  }
  const rows = r.metrics;
  if (rows.length > 0) {
    const mw = Math.max(...rows.map((m) => m.metric.length));
    const cell = (x: number | null) => (x === null ? "–" : num(x)).padStart(10);
    const lines = [chalk.dim(`${"".padEnd(mw)}  ${"A".padStart(10)}  ${"B".padStart(10)}  ${"B − A".padStart(10)}`)];
    for (const m of rows) {
      const t = deltaTone(m);
      const paint = t === "worse" ? chalk.red : t === "better" ? chalk.green : chalk.dim;
      lines.push(`${m.metric.padEnd(mw)}  ${cell(m.a)}  ${cell(m.b)}  ${paint(signed(m.delta).padStart(10))}`);
    }
    out.push(lines.map((l, i) => (i === 0 ? chalk.bold("Metrics") + " ".repeat(LABEL - 7) : " ".repeat(LABEL)) + l));
  }
  return `${out.map((lines) => lines.map((l) => l.trimEnd()).join("\n")).join("\n\n")}\n`;
}
