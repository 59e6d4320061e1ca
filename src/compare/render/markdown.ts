/** The comparison as Markdown (a pull-request comment): verdict, findings, blocks, the metrics table. Pure. */
import { findingCounts } from "../../report/summary.js";
import { codeSpan, escapeText, table } from "../../text/markdown.js";
import type { CompareResult } from "../types.js";
import { blocks, deltaTone, num, signed } from "./lines.js";

const ICON = { pass: "✅", warn: "⚠️", fail: "❌" } as const;

export function renderCompareMarkdown(r: CompareResult): string {
  const out: string[] = [
    `## ${ICON[r.verdict]} embcheck compare: ${r.verdict.toUpperCase()}`,
    "",
    `${escapeText(findingCounts(r.findings))} · A ${codeSpan(r.a.input.path)} (${r.a.input.rows} × ${r.a.input.dims}) · B ${codeSpan(r.b.input.path)} (${r.b.input.rows} × ${r.b.input.dims})`,
    "",
  ];
  if (r.findings.length > 0) {
    out.push(
      ...table(
        ["severity", "finding", "value", "line"],
        r.findings.map((f) => [
          f.severity,
          `${escapeText(f.message)} (${codeSpan(f.id)})`,
          num(f.value),
          f.threshold === null ? "" : num(f.threshold),
        ]),
      ),
      "",
    );
  }
  for (const b of blocks(r)) {
    out.push(`### ${b.title}`, "", ...b.lines.map((l) => `- ${escapeText(l.replace(/\s{2,}/g, " "))}`), "");
  }
  if (r.metrics.length > 0) {
    const mark = { worse: " 🔺", better: " ✔", none: "" };
    out.push(
      "### Metrics",
      "",
      ...table(
        ["metric", "A", "B", "B − A"],
        r.metrics.map((m) => [
          codeSpan(m.metric),
          m.a === null ? "–" : num(m.a),
          m.b === null ? "–" : num(m.b),
          signed(m.delta) + mark[deltaTone(m)],
        ]),
        ["left", "right", "right", "right"],
      ),
      "",
    );
  }
  return `${out.join("\n")}\n`;
}
