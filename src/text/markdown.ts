/** GitHub-flavoured Markdown building blocks: tables, code blocks, escaping. Pure. */
import type { ChartRow } from "./charts.js";

export type Align = "left" | "right";

/** A GFM table; cells must already be escaped (escapeCell is applied to headers). */
export function table(headers: string[], rows: string[][], align?: Align[]): string[] {
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

/** Chart rows as plain lines, labels padded to one column. */
export function chartText(rows: ChartRow[]): string[] {
  const labelWidth = rows.some((r) => r.label !== "") ? Math.max(...rows.map((r) => r.label.length)) + 2 : 0;
  return rows.map((r) => ((labelWidth > 0 ? r.label.padEnd(labelWidth) : "") + r.text).trimEnd());
}

export function codeBlock(lines: string[]): string[] {
  return ["```text", ...lines.map((l) => l.trimEnd()), "```"];
}
