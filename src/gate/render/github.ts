/**
 * GitHub Actions workflow commands: one annotation per finding (`::error`, `::warning`, `::notice`),
 * then the gate's summary line. A warning that fails the gate (--fail-on warn) is an error.
 * Escaping follows the runner's rules (actions/toolkit, core/src/command.ts). Pure.
 */
import type { Finding } from "../../detect/types.js";
import { formatNumber } from "../../text/format.js";
import { failsGate, type GateResult } from "../gate.js";
import { summaryText } from "./terminal.js";

/** Message data: %, CR and LF are escaped. */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Property values: also ":" and ",". */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function annotation(
  level: "error" | "warning" | "notice",
  props: Record<string, string>,
  message: string,
): string {
  const p = Object.entries(props)
    .map(([k, v]) => `${k}=${escapeProperty(v)}`)
    .join(",");
  return `::${level}${p === "" ? "" : ` ${p}`}::${escapeData(message)}`;
}

function levelOf(f: Finding, result: GateResult): "error" | "warning" | "notice" {
  if (failsGate(f.severity, result.failOn)) return "error";
  return f.severity === "info" ? "notice" : "warning";
}

export function renderGateGithub(result: GateResult): string {
  const lines: string[] = [];
  for (const file of result.files) {
    // Standard input has no file in the repository to attach the annotation to.
    const at: Record<string, string> = file.path === "stdin" || file.path === "-" ? {} : { file: file.path };
    if (file.status === "error") {
      lines.push(annotation("error", { ...at, title: "embcheck: unreadable input" }, file.error ?? ""));
      continue;
    }
    for (const f of file.findings) {
      const value = `${f.metric} = ${formatNumber(f.value)}`;
      const message = f.severity === "info" ? f.message : `${f.message} [${value}]\n→ ${f.hint}`;
      lines.push(annotation(levelOf(f, result), { ...at, title: `embcheck ${f.id} (${f.metric})` }, message));
    }
  }
  lines.push(`embcheck: ${summaryText(result)}`);
  return `${lines.join("\n")}\n`;
}
