/**
 * The human report for a terminal: verdict first, then findings worst first, then one compact
 * block per metric section. Pure: the caller decides colour and width (from the TTY, NO_COLOR, ...).
 */
import { Chalk, type ChalkInstance } from "chalk";
import { type ChartRow, histogramChart, isotropicCounts, sparkline } from "./charts.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import type { Finding, Report, Severity, Verdict } from "./types.js";

export interface TerminalOptions {
  color: boolean;
  /** Widest line, in characters (default 80). */
  width?: number;
}

/** Width of the section-name column when names sit left of their content. */
const LABEL_WIDTH = 12;
/** Below this width a section's name goes on its own line and content is indented by 2. */
const INLINE_LABEL_MIN_WIDTH = 50;
/** Text rows per histogram column (8 levels each). */
const CHART_HEIGHT = 2;
const SEP = " · ";

const SEVERITY_RANK: Record<Severity, number> = { fail: 0, warn: 1, info: 2 };

/** Findings ordered fail, warn, info; the registry order is kept within a severity. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

/** "2 fail, 1 warn" (zero counts left out); "no findings" when there are none. */
export function findingCounts(findings: Finding[]): string {
  const parts = (["fail", "warn", "info"] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${formatCount(n)} ${s}`);
  return parts.length > 0 ? parts.join(", ") : "no findings";
}

/** "2,000 × 64 float32 (npy)", with the column or npz member when there is one, and a dataset's file count. */
export function describeShape(report: Report): string {
  const { input } = report;
  const where: string[] = [input.format];
  if (input.files) where.push(`${formatCount(input.files.length)} file${input.files.length === 1 ? "" : "s"}`);
  if (input.column !== null) where.push(`column ${input.column}`);
  if (input.key !== null) where.push(`key ${input.key}`);
  return `${formatCount(input.rows)} × ${formatCount(input.dims)} ${input.dtype} (${where.join(", ")})`;
}

export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const width = Math.max(20, Math.floor(opts.width ?? 80));
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const style = makeStyle(chalk);
  const inline = width >= INLINE_LABEL_MIN_WIDTH;
  const indent = inline ? LABEL_WIDTH : 2;
  const body = width - indent;

  const blocks: string[][] = [
    verdictLines(report, width, style),
    findingsLines(report, width, style),
    section("Integrity", integrityLines(report, body), inline, style),
    section("Norms", normsLines(report, body, style), inline, style),
    section("Cosine", cosineLines(report, body, style), inline, style),
    section("Uniformity", uniformityLines(report, body), inline, style),
  ];
  if (report.alignment !== null) blocks.push(section("Alignment", alignmentLines(report, body), inline, style));
  blocks.push(section("Spectrum", spectrumLines(report, body, style), inline, style));

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

function integrityLines(report: Report, width: number): string[] {
  const g = report.integrity;
  const parts: string[] = [];
  if (g.validRows === g.rows) parts.push(`${formatCount(g.rows)} rows, all valid`);
  else {
    parts.push(`${formatCount(g.rows)} rows`);
    parts.push(`${formatCount(g.validRows)} valid (${formatPercent(g.rows > 0 ? g.validRows / g.rows : 0)})`);
  }
  const counted: [number, string][] = [
    [g.nullRows, "null"],
    [g.nanRows, "NaN"],
    [g.infRows, "Inf"],
    [g.zeroRows, "zero"],
  ];
  for (const [n, what] of counted) if (n > 0) parts.push(`${formatCount(n)} ${what}`);
  if (g.duplicateRows > 0) {
    const noun = g.duplicateRows === 1 ? "duplicate" : "duplicates";
    parts.push(`${formatCount(g.duplicateRows)} ${noun} (${formatPercent(g.duplicateShare)})`);
  }
  return flow(parts, width);
}

/** Below this relative spread the norms are one value up to rounding: no histogram of noise. */
const FLAT_NORMS_CV = 1e-6;

function normsLines(report: Report, width: number, style: Style): string[] {
  const n = report.norms;
  if (n.cv < FLAT_NORMS_CV) {
    const all = Math.abs(n.mean - 1) < 1e-6 ? "all norms 1 (unit rows)" : `all norms ${formatNumber(n.mean)}`;
    return flow([all, `max − min ${formatNumber(n.max - n.min)}`, `cv ${formatNumber(n.cv)}`], width);
  }
  const stats = [
    `min ${formatNumber(n.min)}`,
    `p1 ${formatNumber(n.p1)}`,
    `p50 ${formatNumber(n.p50)}`,
    `p99 ${formatNumber(n.p99)}`,
    `max ${formatNumber(n.max)}`,
    `mean ${formatNumber(n.mean)} ± ${formatNumber(n.std)}`,
    `cv ${formatNumber(n.cv)}`,
  ];
  const chart = histogramChart({
    series: [{ label: "", counts: n.histogram.counts }],
    edges: n.histogram.edges,
    columns: width,
    height: CHART_HEIGHT,
  });
  return [...flow(stats, width), ...chartLines(chart, style)];
}

function cosineLines(report: Report, width: number, style: Style): string[] {
  const c = report.cosine;
  const stats = [
    `mean ${formatNumber(c.mean)} ± ${formatNumber(c.std)}`,
    `p5 ${formatNumber(c.p5)}`,
    `p50 ${formatNumber(c.p50)}`,
    `p95 ${formatNumber(c.p95)}`,
    `${formatCount(c.sampledPairs)} pairs of ${formatCount(report.sample.rows)} sampled rows (seed ${report.sample.seed})`,
    `exact mean over all pairs ${formatNumber(c.meanExact)}`,
    `mean-vector norm ${formatNumber(c.meanVectorNorm)}`,
    `isotropic: random directions, N(0, 1/${formatCount(report.input.dims)}), std ${formatNumber(c.isotropicStd)}`,
  ];
  return [...flow(stats, width), ...chartLines(cosineChart(report, width), style)];
}

/** Sampled cosines over [−1, 1] above the counts expected for random directions, N(0, 1/d). */
export function cosineChart(report: Report, width: number, height = CHART_HEIGHT): ChartRow[] {
  const c = report.cosine;
  const { edges, counts } = c.histogram;
  const short = width - "isotropic".length - 2 < Math.min(counts.length, 20);
  const names = short ? ["obs", "iso"] : ["observed", "isotropic"];
  // Expected counts below half a pair round to an empty column, as an observed zero would.
  const expected = isotropicCounts(edges, c.sampledPairs, c.isotropicStd).map(Math.round);
  return histogramChart({
    series: [
      { label: names[0], counts },
      { label: names[1], counts: expected },
    ],
    edges,
    columns: width - (Math.max(...names.map((l) => l.length)) + 2),
    height,
    ticks: [edges[0], 0, edges[edges.length - 1]].filter((v, i, all) => all.indexOf(v) === i),
  });
}

function chartLines(rows: ChartRow[], style: Style): string[] {
  const labelWidth = rows.some((r) => r.label !== "") ? Math.max(...rows.map((r) => r.label.length)) + 2 : 0;
  return rows.map((r) => {
    const text = r.series < 0 ? style.dim(r.text) : style.bars(r.series, r.text);
    return (labelWidth > 0 ? r.label.padEnd(labelWidth) : "") + text;
  });
}

function uniformityLines(report: Report, width: number): string[] {
  const u = report.uniformity;
  return flow(
    [
      `${formatNumber(u.value)} (t = ${formatNumber(u.t)}; -4 = spread over the sphere, 0 = collapsed)`,
      `${formatCount(u.sampledPairs)} pairs`,
    ],
    width,
  );
}

function alignmentLines(report: Report, width: number): string[] {
  const a = report.alignment!;
  return flow(
    [
      `${formatNumber(a.value)} (alpha ${formatNumber(a.alpha)}; 0 = pairs coincide, 4 = opposite)`,
      `mean cosine ${formatNumber(a.meanCosine)}`,
      `${formatCount(a.pairs)} pairs${report.input.pairs ? ` with ${report.input.pairs}` : report.input.pairColumn ? ` with column ${report.input.pairColumn}` : ""}`,
    ],
    width,
  );
}

function spectrumLines(report: Report, width: number, style: Style): string[] {
  const s = report.spectrum;
  const shown = s.explainedVarianceRatio.slice(0, Math.max(1, width));
  const lines: string[] = [];
  if (shown.length > 0) {
    lines.push(style.bars(0, sparkline(shown)));
    lines.push(style.dim(spectrumAxis(shown.length)));
    if (shown.length < report.input.dims) {
      lines.push(style.dim(`(first ${shown.length} of ${formatCount(report.input.dims)} components)`));
    }
  }
  const stats = [
    `dominant ${formatPercent(s.dominantShare)}`,
    `top-10 ${formatPercent(s.top10Share)}`,
    `effective rank ${formatNumber(s.effectiveRank)} of ${formatCount(report.input.dims)} (${formatPercent(s.effectiveRankRatio)})`,
    `participation ratio ${formatNumber(s.participationRatio)}`,
    `dims for 90/95/99% ${s.dims90}/${s.dims95}/${s.dims99}`,
    `IsoScore ${formatNumber(s.isoScore)}`,
  ];
  return [...lines, ...flow(stats, width)];
}

/** "component 1 … k" under the variance sparkline. */
export function spectrumAxis(components: number): string {
  const left = "1";
  const right = String(components);
  const middle = "share of variance per component";
  const gap = components - left.length - right.length;
  if (gap >= middle.length + 2) {
    const before = Math.floor((gap - middle.length) / 2);
    return left + " ".repeat(before) + middle + " ".repeat(gap - middle.length - before) + right;
  }
  return gap >= 1 ? left + " ".repeat(gap) + right : "";
}

/**
 * Joins segments with " · ", starting a new line when the next would pass `width`; a segment
 * longer than `width` is word-wrapped on its own lines.
 */
export function flow(segments: string[], width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const segment of segments) {
    const candidate = current === "" ? segment : current + SEP + segment;
    if ([...candidate].length <= width) {
      current = candidate;
      continue;
    }
    if (current !== "") lines.push(current);
    if ([...segment].length <= width) current = segment;
    else {
      const wrapped = wrapWords(segment, width);
      lines.push(...wrapped.slice(0, -1));
      current = wrapped[wrapped.length - 1] ?? "";
    }
  }
  if (current !== "") lines.push(current);
  return lines;
}

/** Greedy word wrap; a word longer than `width` is split. */
export function wrapWords(text: string, width: number): string[] {
  width = Math.max(1, width);
  const lines: string[] = [];
  let current: string[] = [];
  // A `code span` (with any punctuation glued to it) is one word, so commands stay copy-pasteable.
  for (const word of text.match(/\S*`[^`]*`\S*|\S+/g) ?? []) {
    let chars = [...word];
    const currentLength = [...current.join("")].length;
    if (currentLength === 0 && chars.length <= width) {
      current = chars;
      continue;
    }
    if (currentLength > 0 && currentLength + 1 + chars.length <= width) {
      current.push(" ", ...chars);
      continue;
    }
    if (currentLength > 0) lines.push(current.join(""));
    while (chars.length > width) {
      lines.push(chars.slice(0, width).join(""));
      chars = chars.slice(width);
    }
    current = chars;
  }
  if (current.length > 0) lines.push(current.join(""));
  return lines.length > 0 ? lines : [""];
}
