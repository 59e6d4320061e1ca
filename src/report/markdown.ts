/**
 * The report as GitHub-flavoured Markdown for a pull-request comment: verdict heading, findings
 * table, then the key metrics per section inside a collapsed block. Pure.
 */
import { type ChartRow, histogramChart, sparkline } from "./charts.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import { cosineChart, describeShape, findingCounts, sortFindings, spectrumAxis } from "./terminal.js";
import type { Report, Severity, Verdict } from "./types.js";

/** Width of the charts inside code blocks. */
const CHART_WIDTH = 72;
const CHART_HEIGHT = 2;

const VERDICT_MARK: Record<Verdict, string> = { pass: "✅", warn: "⚠️", fail: "❌" };
const SEVERITY_MARK: Record<Severity, string> = { fail: "❌", warn: "⚠️", info: "ℹ️" };

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`## ${VERDICT_MARK[report.verdict]} embcheck: ${report.verdict.toUpperCase()}`, "");
  out.push(
    `${codeSpan(report.input.path)} · ${escapeText(describeShape(report))} · ${escapeText(findingCounts(report.findings))}`,
    "",
  );

  const findings = sortFindings(report.findings);
  if (findings.length > 0) {
    out.push(
      ...table(
        ["Severity", "Finding", "Value", "Threshold", "Hint"],
        findings.map((f) => [
          `${SEVERITY_MARK[f.severity]} ${f.severity}`,
          `${inlineText(f.message)} (${codeSpan(f.id)})`,
          `${codeSpan(f.metric)} = ${formatNumber(f.value)}`,
          f.threshold === null ? "—" : formatNumber(f.threshold),
          f.hint === "" ? "—" : inlineText(f.hint),
        ]),
        ["left", "left", "left", "right", "left"],
      ),
      "",
    );
  }

  out.push("<details>", "<summary>Metrics</summary>", "");
  out.push(...integritySection(report), ...normsSection(report), ...cosineSection(report));
  out.push(...uniformitySection(report), ...spectrumSection(report));
  out.push("</details>");
  return `${out.join("\n")}\n`;
}

function integritySection(report: Report): string[] {
  const g = report.integrity;
  return [
    "### Integrity",
    "",
    ...table(
      ["rows", "valid", "null", "NaN", "Inf", "zero", "duplicates"],
      [
        [
          formatCount(g.rows),
          `${formatCount(g.validRows)} (${formatPercent(g.rows > 0 ? g.validRows / g.rows : 0)})`,
          formatCount(g.nullRows),
          formatCount(g.nanRows),
          formatCount(g.infRows),
          formatCount(g.zeroRows),
          `${formatCount(g.duplicateRows)} (${formatPercent(g.duplicateShare)})`,
        ],
      ],
    ),
    "",
  ];
}

function normsSection(report: Report): string[] {
  const n = report.norms;
  const chart = histogramChart({
    series: [{ label: "", counts: n.histogram.counts }],
    edges: n.histogram.edges,
    columns: CHART_WIDTH,
    height: CHART_HEIGHT,
  });
  return [
    "### Norms",
    "",
    ...table(
      ["min", "p1", "p50", "p99", "max", "mean", "std", "cv"],
      [[n.min, n.p1, n.p50, n.p99, n.max, n.mean, n.std, n.cv].map(formatNumber)],
    ),
    "",
    ...codeBlock(chartText(chart)),
    "",
  ];
}

function cosineSection(report: Report): string[] {
  const c = report.cosine;
  return [
    "### Cosine between random pairs",
    "",
    ...table(
      ["pairs", "mean", "std", "p5", "p50", "p95", "exact mean (all pairs)", "mean-vector norm"],
      [
        [
          formatCount(c.sampledPairs),
          ...[c.mean, c.std, c.p5, c.p50, c.p95, c.meanExact, c.meanVectorNorm].map(formatNumber),
        ],
      ],
    ),
    "",
    `Histogram over [-1, 1]; *isotropic* is what random directions would give, N(0, 1/${formatCount(report.input.dims)}).`,
    "",
    ...codeBlock(chartText(cosineChart(report, CHART_WIDTH, CHART_HEIGHT))),
    "",
  ];
}

function uniformitySection(report: Report): string[] {
  const u = report.uniformity;
  const a = report.alignment;
  const headers = ["uniformity", "t", "pairs"];
  const row = [formatNumber(u.value), formatNumber(u.t), formatCount(u.sampledPairs)];
  if (a !== null) {
    headers.push("alignment", "alpha", "mean cosine", "positive pairs");
    row.push(formatNumber(a.value), formatNumber(a.alpha), formatNumber(a.meanCosine), formatCount(a.pairs));
  }
  return [a === null ? "### Uniformity" : "### Uniformity and alignment", "", ...table(headers, [row]), ""];
}

function spectrumSection(report: Report): string[] {
  const s = report.spectrum;
  const shown = s.explainedVarianceRatio.slice(0, CHART_WIDTH);
  const chart = shown.length > 0 ? codeBlock([sparkline(shown), spectrumAxis(shown.length)]) : [];
  return [
    "### Spectrum",
    "",
    ...table(
      ["dominant", "top-10", "effective rank", "participation ratio", "dims 90/95/99%", "IsoScore"],
      [
        [
          formatPercent(s.dominantShare),
          formatPercent(s.top10Share),
          `${formatNumber(s.effectiveRank)} of ${formatCount(report.input.dims)} (${formatPercent(s.effectiveRankRatio)})`,
          formatNumber(s.participationRatio),
          `${s.dims90} / ${s.dims95} / ${s.dims99}`,
          formatNumber(s.isoScore),
        ],
      ],
    ),
    "",
    ...chart,
    ...(chart.length > 0 ? [""] : []),
  ];
}

type Align = "left" | "right";

/** A GFM table; cells must already be escaped (escapeCell is applied to headers). */
function table(headers: string[], rows: string[][], align?: Align[]): string[] {
  const rule = headers.map((_, i) => ((align?.[i] ?? "right") === "right" ? "---:" : "---"));
  return [
    `| ${headers.map((h) => escapeCell(escapeText(h))).join(" | ")} |`,
    `| ${rule.join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(" | ")} |`),
  ];
}

/** Pipes end a table cell even inside code spans, so GFM wants them escaped everywhere; newlines become <br>. */
export function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** Backslash-escapes the characters that would start emphasis, code, links or HTML. */
export function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>]/g, (c) => `\\${c}`);
}

/** Text whose `code spans` stay code while everything around them is escaped. */
export function inlineText(text: string): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) {
    parts.push(escapeText(text.slice(last, m.index)), m[0]);
    last = m.index + m[0].length;
  }
  parts.push(escapeText(text.slice(last)));
  return parts.join("");
}

/** Inline code that survives backticks in its content (CommonMark: a longer fence, padded). */
export function codeSpan(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text.replace(/\r?\n/g, " ")}${pad}${fence}`;
}

function chartText(rows: ChartRow[]): string[] {
  const labelWidth = rows.some((r) => r.label !== "") ? Math.max(...rows.map((r) => r.label.length)) + 2 : 0;
  return rows.map((r) => ((labelWidth > 0 ? r.label.padEnd(labelWidth) : "") + r.text).trimEnd());
}

function codeBlock(lines: string[]): string[] {
  return ["```text", ...lines.map((l) => l.trimEnd()), "```"];
}
