/**
 * JUnit XML for CI test reporters: one <testsuite> per file, one <testcase> per check (every gated
 * rule, then every baseline metric). A check that fails the gate carries a <failure> whose message
 * holds the value and the threshold; a warning that does not fail it is told in <system-out>; a rule
 * that does not apply is <skipped>; an unreadable file is one testcase with an <error>. Pure.
 */
import { formatNumber } from "../../text/format.js";
import { toleranceText } from "../baseline.js";
import { type FileResult, failsGate, type GateCheck, type GateResult } from "../gate.js";

/** Escapes text for XML content and attribute values; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join("");

/** "spectrum.effectiveRankRatio = 0.05865, fail threshold < 0.1". */
export function checkSummary(c: GateCheck): string {
  const value = c.value === null ? "not measured" : formatNumber(c.value);
  const side = c.direction === "above" ? "≥" : "<";
  const level = c.status === "warn" ? "warn" : "fail";
  const line = c.status === "warn" ? c.warn : c.fail;
  let text = `${c.metric} = ${value}`;
  if (c.kind === "baseline") {
    const bound = c.direction === "above" ? ">" : "<";
    text += `, fail threshold ${bound} ${formatNumber(line!)} (baseline ${formatNumber(c.baseline!)}, tolerance ${toleranceText(c.tolerance!)})`;
  } else if (line !== null) text += `, ${level} threshold ${side} ${formatNumber(line)}`;
  return text;
}

function testcase(f: FileResult, c: GateCheck, result: GateResult, hint: string | undefined): string[] {
  const name = c.kind === "baseline" ? `${c.id} (${c.metric})` : `${c.id} (${c.metric})`;
  const open = `    <testcase${attrs({ name, classname: f.path })}`;
  if (c.status === "skipped")
    return [`${open}>`, `      <skipped${attrs({ message: c.reason ?? "skipped" })}/>`, "    </testcase>"];
  if (c.status === "pass") return [`${open}/>`];
  const body = [c.message ?? "", hint ? `→ ${hint}` : ""].filter((s) => s !== "").join("\n");
  if (failsGate(c.status, result.failOn)) {
    return [
      `${open}>`,
      `      <failure${attrs({ message: checkSummary(c), type: c.status })}>${xmlEscape(body)}</failure>`,
      "    </testcase>",
    ];
  }
  return [
    `${open}>`,
    `      <system-out>${xmlEscape(`WARN ${checkSummary(c)}: ${body}`)}</system-out>`,
    "    </testcase>",
  ];
}

function suite(f: FileResult, result: GateResult): string[] {
  if (f.status === "error") {
    return [
      `  <testsuite${attrs({ name: f.path, tests: 1, failures: 0, errors: 1, skipped: 0 })}>`,
      `    <testcase${attrs({ name: "read", classname: f.path })}>`,
      `      <error${attrs({ message: f.error ?? "unreadable", type: "InputError" })}/>`,
      "    </testcase>",
      "  </testsuite>",
    ];
  }
  const failures = f.checks.filter((c) => c.status !== "skipped" && failsGate(c.status, result.failOn)).length;
  const skipped = f.checks.filter((c) => c.status === "skipped").length;
  const lines = [
    `  <testsuite${attrs({ name: f.path, tests: f.checks.length, failures, errors: 0, skipped })}>`,
    "    <properties>",
    `      <property${attrs({ name: "verdict", value: f.verdict ?? "" })}/>`,
    `      <property${attrs({ name: "shape", value: f.shape ?? "" })}/>`,
    `      <property${attrs({ name: "fail-on", value: result.failOn })}/>`,
    `      <property${attrs({ name: "profile", value: result.profile })}/>`,
    "    </properties>",
  ];
  for (const c of f.checks) {
    const finding = f.findings.find((x) => x.id === c.id && x.metric === c.metric);
    lines.push(...testcase(f, c, result, finding?.hint));
  }
  const info = f.findings.filter((x) => x.severity === "info");
  if (info.length > 0) {
    lines.push(`    <system-out>${xmlEscape(info.map((x) => `INFO ${x.id}: ${x.message}`).join("\n"))}</system-out>`);
  }
  lines.push("  </testsuite>");
  return lines;
}

export function renderGateJunit(result: GateResult): string {
  const suites = result.files;
  const sum = (k: "tests" | "failures" | "errors" | "skipped") =>
    suites.reduce((n, f) => {
      if (f.status === "error") return n + (k === "tests" || k === "errors" ? 1 : 0);
      if (k === "tests") return n + f.checks.length;
      if (k === "skipped") return n + f.checks.filter((c) => c.status === "skipped").length;
      if (k === "failures") {
        return n + f.checks.filter((c) => c.status !== "skipped" && failsGate(c.status, result.failOn)).length;
      }
      return n;
    }, 0);
  const head = `<testsuites${attrs({ name: "embcheck check", tests: sum("tests"), failures: sum("failures"), errors: sum("errors"), skipped: sum("skipped") })}>`;
  const body = suites.flatMap((f) => suite(f, result));
  return ['<?xml version="1.0" encoding="UTF-8"?>', head, ...body, "</testsuites>", ""].join("\n");
}
