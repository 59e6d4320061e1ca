/**
 * The human report for a terminal: verdict first, then findings worst first, then one compact
 * block per metric section (each section's lines come from its registry entry). Pure: the caller
 * decides colour and width (from the TTY, NO_COLOR, ...).
 */
import { Chalk, type ChalkInstance } from "chalk";
import { sortFindings } from "../detect/findings.js";
import { DEFAULT_REGISTRY, type Registry } from "../detect/registry.js";
import type { TerminalKit } from "../detect/section.js";
import type { ReportHead, Severity, Verdict } from "../detect/types.js";
import type { ChartRow } from "../text/charts.js";
import { flow, wrapWords } from "../text/layout.js";
import { describeShape, findingCounts } from "./summary.js";
import type { Report } from "./types.js";

export interface TerminalOptions {
  color: boolean;
  /** Widest line, in characters (default 80). */
  width?: number;
  /** The sections to show (default: report@1's). */
  registry?: Registry;
}

/** Width of the section-name column when names sit left of their content. */
const LABEL_WIDTH = 12;
/** Below this width a section's name goes on its own line and content is indented by 2. */
const INLINE_LABEL_MIN_WIDTH = 50;
/** Text rows per histogram column (8 levels each). */
const CHART_HEIGHT = 2;

export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const width = Math.max(20, Math.floor(opts.width ?? 80));
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const style = makeStyle(chalk);
  const inline = width >= INLINE_LABEL_MIN_WIDTH;
  const indent = inline ? LABEL_WIDTH : 2;
  const kit: TerminalKit = {
    width: width - indent,
    chartHeight: CHART_HEIGHT,
    chart: (rows) => chartLines(rows, style),
    dim: style.dim,
    bars: style.bars,
  };

  const blocks: string[][] = [verdictLines(report, width, style), findingsLines(report, width, style)];
  const values = report as unknown as ReportHead & Record<string, unknown>;
  const registry: Registry = opts.registry ?? DEFAULT_REGISTRY;
  for (const s of registry.sections) {
    if (!s.terminal || values[s.key] === null) continue;
    blocks.push(section(s.terminal.title, s.terminal.lines(values, kit), inline, style));
  }

  return `${blocks.map((lines) => lines.map((l) => l.trimEnd()).join("\n")).join("\n\n")}\n`;
}

interface Style {
  verdict(v: Verdict, text: string): string;
  severity(s: Severity, text: string): string;
  heading(text: string): string;
  dim(text: string): string;
  hint(text: string): string;
  bars(series: number, text: string): string;
}

function makeStyle(chalk: ChalkInstance): Style {
  const bySeverity: Record<Severity | Verdict, ChalkInstance> = {
    fail: chalk.red.bold,
    warn: chalk.yellow.bold,
    info: chalk.blue.bold,
    pass: chalk.green.bold,
  };
  return {
    verdict: (v, text) => bySeverity[v](text),
    severity: (s, text) => bySeverity[s](text),
    heading: (text) => chalk.bold(text),
    dim: (text) => chalk.dim(text),
    hint: (text) => chalk.cyan(text),
    bars: (series, text) => (series === 0 ? chalk.cyan(text) : chalk.dim(text)),
  };
}

function verdictLines(report: Report, width: number, style: Style): string[] {
  const tag = report.verdict.toUpperCase();
  const head = `${tag}  `;
  // Counts first; the path is never cut (it must stay copy-pasteable): flow() wraps instead.
  const segments = [findingCounts(report.findings), report.input.path, describeShape(report)];
  const room = width - head.length;
  const lines = [...report.input.path].length > room ? segments : flow(segments, room);
  return lines.map(
    (line, i) => `${i === 0 ? `${style.verdict(report.verdict, tag)}  ` : " ".repeat(head.length)}${line}`,
  );
}

function findingsLines(report: Report, width: number, style: Style): string[] {
  const findings = sortFindings(report.findings);
  if (findings.length === 0) return [`${style.heading("Findings")}    none`];
  const lines = [style.heading("Findings")];
  const textIndent = 8;
  const textWidth = width - textIndent;
  const pad = " ".repeat(textIndent);
  for (const f of findings) {
    wrapWords(f.message, textWidth).forEach((line, i) => {
      lines.push(i === 0 ? `  ${style.severity(f.severity, f.severity.toUpperCase())}  ${line}` : pad + line);
    });
    // The message carries value and threshold; this line names what to configure.
    for (const line of flow([f.id, f.metric], textWidth)) lines.push(pad + style.dim(line));
    if (f.hint !== "") {
      wrapWords(f.hint, textWidth - 2).forEach((line, i) => {
        lines.push(pad + style.hint(i === 0 ? `→ ${line}` : `  ${line}`));
      });
    }
  }
  return lines;
}

function section(name: string, content: string[], inline: boolean, style: Style): string[] {
  if (!inline) return [style.heading(name), ...content.map((l) => `  ${l}`)];
  return content.map(
    (l, i) => (i === 0 ? style.heading(name) + " ".repeat(LABEL_WIDTH - name.length) : " ".repeat(LABEL_WIDTH)) + l,
  );
}

function chartLines(rows: ChartRow[], style: Style): string[] {
  const labelWidth = rows.some((r) => r.label !== "") ? Math.max(...rows.map((r) => r.label.length)) + 2 : 0;
  return rows.map((r) => {
    const text = r.series < 0 ? style.dim(r.text) : style.bars(r.series, r.text);
    return (labelWidth > 0 ? r.label.padEnd(labelWidth) : "") + text;
  });
}
