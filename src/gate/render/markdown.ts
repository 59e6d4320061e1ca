/**
 * The gate as GitHub-flavoured Markdown, for a pull-request comment or $GITHUB_STEP_SUMMARY: the
 * verdict, one table row per file, then per file its findings and baseline comparisons. Pure.
 */
import { findingCounts } from "../../report/summary.js";
import { formatNumber } from "../../text/format.js";
import { codeSpan, escapeCell, escapeText, inlineText } from "../../text/markdown.js";
import { toleranceText } from "../baseline.js";
import { type FileResult, failsGate, type GateResult } from "../gate.js";
import { summaryText } from "./terminal.js";

const MARK = { passed: "✅", failed: "❌", error: "💥" } as const;
const SEVERITY_MARK = { fail: "❌", warn: "⚠️", info: "ℹ️" } as const;

function row(cells: string[]): string {
  return `| ${cells.map(escapeCell).join(" | ")} |`;
}

export function renderGateMarkdown(result: GateResult): string {
  const out: string[] = [];
  out.push(`## ${result.passed ? "✅" : "❌"} embcheck check: ${result.passed ? "passed" : "failed"}`, "");
  out.push(escapeText(summaryText(result)), "");
  out.push(row(["", "File", "Shape", "Verdict", "Findings"]), "| --- | --- | --- | --- | --- |");
  for (const f of result.files) {
    out.push(
      row([
        MARK[f.status],
        codeSpan(f.path),
        f.shape === null ? "—" : escapeText(f.shape),
        f.verdict ?? "unreadable",
        f.status === "error" ? escapeText(f.error ?? "") : escapeText(findingCounts(f.findings)),
      ]),
    );
  }
  out.push("");
  for (const f of result.files) out.push(...fileSection(f, result));
  return `${out.join("\n").trimEnd()}\n`;
}

function fileSection(f: FileResult, result: GateResult): string[] {
  if (f.status === "error" || (f.findings.length === 0 && !f.checks.some((c) => c.kind === "baseline"))) return [];
  const out = [`### ${MARK[f.status]} ${codeSpan(f.path)}`, ""];
  if (f.findings.length > 0) {
    out.push(row(["Severity", "Finding", "Value", "Threshold", "Hint"]), "| --- | --- | ---: | ---: | --- |");
    for (const x of f.findings) {
      const gate = failsGate(x.severity, result.failOn) ? " (fails the gate)" : "";
      out.push(
        row([
          `${SEVERITY_MARK[x.severity]} ${x.severity}${gate}`,
          `${inlineText(x.message)} (${codeSpan(x.id)})`,
          `${codeSpan(x.metric)} = ${formatNumber(x.value)}`,
          x.threshold === null ? "—" : formatNumber(x.threshold),
          x.severity === "info" ? "—" : inlineText(x.hint),
        ]),
      );
    }
    out.push("");
  }
  const base = f.checks.filter((c) => c.kind === "baseline");
  if (base.length > 0) {
    out.push(
      `Baseline ${codeSpan(result.baseline ?? "")}:`,
      "",
      row(["Metric", "Baseline", "Now", "Limit", "Tolerance", "Result"]),
      "| --- | ---: | ---: | ---: | --- | --- |",
    );
    for (const c of base) {
      const n = (v: number | null | undefined) => (v === null || v === undefined ? "—" : formatNumber(v));
      const status = c.status === "fail" ? "❌ regressed" : c.status === "pass" ? "✅ ok" : `skipped: ${c.reason}`;
      out.push(
        row([
          codeSpan(c.metric),
          n(c.baseline),
          n(c.value),
          `${c.fail === null ? "—" : `${c.direction === "above" ? "≤" : "≥"} ${n(c.fail)}`}`,
          c.tolerance ? toleranceText(c.tolerance) : "off",
          status,
        ]),
      );
    }
    out.push("");
  }
  return out;
}
