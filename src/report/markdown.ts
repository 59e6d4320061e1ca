/**
 * The report as GitHub-flavoured Markdown for a pull-request comment: verdict heading, findings
 * table, then each section's key metrics (from its registry entry) inside a collapsed block. Pure.
 */
import { sortFindings } from "../detect/findings.js";
import { DEFAULT_REGISTRY, type Registry } from "../detect/registry.js";
import type { MarkdownKit } from "../detect/section.js";
import type { ReportHead, Severity, Verdict } from "../detect/types.js";
import { formatNumber } from "../text/format.js";
import { codeSpan, escapeText, inlineText, table } from "../text/markdown.js";
import { describeShape, findingCounts } from "./summary.js";
import type { Report } from "./types.js";

export interface MarkdownOptions {
  /** The sections to show (default: report@1's). */
  registry?: Registry;
}

/** The size of the charts inside code blocks. */
const KIT: MarkdownKit = { chartWidth: 72, chartHeight: 2 };

const VERDICT_MARK: Record<Verdict, string> = { pass: "✅", warn: "⚠️", fail: "❌" };
const SEVERITY_MARK: Record<Severity, string> = { fail: "❌", warn: "⚠️", info: "ℹ️" };

export function renderMarkdown(report: Report, opts: MarkdownOptions = {}): string {
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
  const values = report as unknown as ReportHead & Record<string, unknown>;
  const registry: Registry = opts.registry ?? DEFAULT_REGISTRY;
  for (const s of registry.sections) {
    if (s.markdown && values[s.key] !== null) out.push(...s.markdown(values, KIT));
  }
  out.push("</details>");
  return `${out.join("\n")}\n`;
}
