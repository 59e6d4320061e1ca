import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { type Analysis, analyze } from "../../src/api.js";
import { evaluate } from "../../src/detect/evaluate.js";
import { GATED_RULES, RULES } from "../../src/detect/registry.js";
import { baselineOf } from "../../src/gate/baseline.js";
import { errorFile, type GateResult, gateFile, gateResult } from "../../src/gate/gate.js";
import { annotation, renderGateGithub } from "../../src/gate/render/github.js";
import { renderGateJunit } from "../../src/gate/render/junit.js";
import { renderGateMarkdown } from "../../src/gate/render/markdown.js";
import { renderGateTerminal } from "../../src/gate/render/terminal.js";
import { resolveSettings } from "../../src/gate/settings.js";
import { ROOT } from "../cli/helpers.js";
import { parseXml, type XmlElement } from "./xml.js";

const SCENARIOS = ["healthy", "anisotropic", "collapsed", "dirty", "skewed-norms", "unit", "dominant-direction"];
const analyses: Record<string, Analysis> = {};

beforeAll(async () => {
  for (const s of SCENARIOS) analyses[s] = await analyze(join(ROOT, "fixtures/scenarios", `${s}.npy`));
});

/** Gate result over the named scenarios; paths shortened for readable assertions. */
function gate(names: string[], opts: Parameters<typeof resolveSettings>[0] = {}, withBaseline = false): GateResult {
  const settings = resolveSettings(opts);
  const baseline = withBaseline ? { data: baselineOf(analyses.healthy.report), file: "base.json" } : undefined;
  const files = names.map((n) => {
    const { report, evaluations } = analyses[n];
    const r = { ...report, input: { ...report.input, path: `${n}.npy` } };
    return gateFile(r, evaluations, settings, baseline);
  });
  return gateResult(files, settings, { config: null, baseline: baseline?.file ?? null });
}

describe("evaluate", () => {
  test("judges every applicable rule once: the report's findings are its warn/fail/info results, the other gated rules pass", () => {
    for (const s of SCENARIOS) {
      const { evaluations, report } = analyses[s];
      const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
      expect(
        sorted(evaluations.filter((e) => e.status !== "pass").map((e) => [e.rule.id, e.status, e.value, e.threshold])),
        s,
      ).toEqual(sorted(report.findings.map((f) => [f.id, f.severity, f.value, f.threshold])));
      // Alignment rules apply only with pairs, the 6 gated label rules only with labels.
      expect(evaluations.filter((e) => e.lines !== null).length, s).toBe(GATED_RULES.length - 8);
    }
  });

  test("scales the collapse lines by the attainable rank", () => {
    const e = evaluate(RULES, analyses.healthy.metrics).find((x) => x.rule.id === "collapse")!;
    expect(e.lines).toEqual({ warn: 0.15, fail: 0.1 }); // 1,500 rows ≥ 64 dims: factor 1
  });
});

describe("gateFile", () => {
  test.each([
    ["healthy", [], "passed"],
    ["anisotropic", ["anisotropy", "poor-uniformity"], "failed"],
    ["collapsed", ["collapse", "dominant-direction"], "failed"],
    ["dirty", ["nan-rows", "inf-rows", "zero-rows", "duplicate-rows"], "failed"],
    ["skewed-norms", ["norm-spread"], "passed"],
    ["unit", ["unit-norm"], "passed"],
    ["dominant-direction", ["dominant-direction"], "failed"],
  ])("%s: findings %j, gate %s at --fail-on fail", (name, codes, status) => {
    const f = gate([name]).files[0];
    expect(f.findings.map((x) => x.id)).toEqual(codes);
    expect(f.status).toBe(status);
  });

  test("--fail-on warn fails a set that has only warnings", () => {
    expect(gate(["skewed-norms"], { failOn: "warn" }).files[0].status).toBe("failed");
    expect(gate(["unit"], { failOn: "warn" }).files[0].status).toBe("passed"); // info never fails
  });

  test("a baseline from healthy.npy catches collapsed.npy's regressions; healthy.npy against itself passes", () => {
    const r = gate(["healthy", "collapsed"], {}, true);
    const regressed = (i: number) =>
      r.files[i].findings.filter((f) => f.id === "baseline-regression").map((f) => f.metric);
    expect(regressed(0)).toEqual([]);
    expect(r.files[0].status).toBe("passed");
    expect(regressed(1)).toEqual(["uniformity.value", "spectrum.effectiveRank", "spectrum.dominantShare"]);
  });

  test("a baseline regression fails even where the absolute floors pass", () => {
    // skewed-norms only warns on the floors (norm-spread), but its cv is 12× the baseline's.
    const f = gate(["skewed-norms"], {}, true).files[0];
    expect(f.findings.find((x) => x.id === "norm-spread")?.severity).toBe("warn");
    expect(f.findings.filter((x) => x.severity === "fail").map((x) => [x.id, x.metric])).toContainEqual([
      "baseline-regression",
      "norms.cv",
    ]);
    expect(f.status).toBe("failed");
  });

  test("the exit code is the worst over the files: error 3 > failed 1 > passed 0", () => {
    const settings = resolveSettings({});
    const { healthy, collapsed } = analyses;
    const pass = gateFile(healthy.report, healthy.evaluations, settings);
    const fail = gateFile(collapsed.report, collapsed.evaluations, settings);
    const err = errorFile("x.npy", "x.npy: bad");
    const code = (files: (typeof pass)[]) => gateResult(files, settings, { config: null, baseline: null }).exitCode;
    expect([code([pass]), code([pass, fail]), code([fail, err, pass]), code([])]).toEqual([0, 1, 3, 0]);
  });
});

const children = (el: XmlElement, name: string) => el.children.filter((c) => c.name === name);

describe("JUnit XML", () => {
  test("has one testsuite per file and one testcase per check; counts add up", () => {
    const r = gate(["healthy", "collapsed"], {}, true);
    r.files.push(errorFile("missing.npy", "missing.npy: no such file"));
    const root = parseXml(renderGateJunit(r));
    expect(root.name).toBe("testsuites");
    const suites = children(root, "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual(["healthy.npy", "collapsed.npy", "missing.npy"]);
    for (const s of suites.slice(0, 2)) {
      const cases = children(s, "testcase");
      // 20 gated rules (6 of them the labels') + 8 baseline metrics.
      expect(cases).toHaveLength(28);
      expect(Number(s.attrs.tests)).toBe(cases.length);
      const count = (n: string) => cases.filter((c) => children(c, n).length > 0).length;
      expect(Number(s.attrs.failures)).toBe(count("failure"));
      expect(Number(s.attrs.skipped)).toBe(count("skipped"));
      expect(new Set(cases.map((c) => c.attrs.name)).size).toBe(cases.length);
    }
    const total = (k: string) => suites.reduce((n, s) => n + Number(s.attrs[k]), 0);
    for (const k of ["tests", "failures", "errors", "skipped"]) expect(Number(root.attrs[k]), k).toBe(total(k));
    expect(root.attrs).toMatchObject({ tests: "57", failures: "4", errors: "1", skipped: "18" });
  });

  test("a failure carries the value and the threshold; a warning below --fail-on is only told", () => {
    const root = parseXml(renderGateJunit(gate(["collapsed"])));
    const cases = children(children(root, "testsuite")[0], "testcase");
    const collapse = cases.find((c) => c.attrs.name === "collapse (spectrum.effectiveRankRatio)")!;
    const failure = children(collapse, "failure")[0];
    expect(failure.attrs).toEqual({
      message: "spectrum.effectiveRankRatio = 0.05865, fail threshold < 0.1",
      type: "fail",
    });
    expect(failure.text).toMatch(/^the variance lives in a handful of directions.*\n→ post hoc repair/s);
    const dominant = cases.find((c) => c.attrs.name === "dominant-direction (spectrum.dominantShare)")!;
    expect(children(dominant, "failure")).toEqual([]);
    expect(children(dominant, "system-out")[0].text).toMatch(
      /^WARN spectrum.dominantShare = 0.4939, warn threshold ≥ 0.2/,
    );
    const alignment = cases.find((c) => c.attrs.name === "poor-alignment (alignment.value)")!;
    expect(children(alignment, "skipped")[0].attrs.message).toBe("does not apply: no positive pairs given");
  });

  test("at --fail-on warn the warning is a failure of type warn", () => {
    const root = parseXml(renderGateJunit(gate(["collapsed"], { failOn: "warn" })));
    const dominant = children(children(root, "testsuite")[0], "testcase").find((c) =>
      c.attrs.name.startsWith("dominant-direction"),
    )!;
    expect(children(dominant, "failure")[0].attrs.type).toBe("warn");
  });

  test("a baseline failure names the baseline value and the tolerance", () => {
    const root = parseXml(renderGateJunit(gate(["collapsed"], {}, true)));
    const rank = children(children(root, "testsuite")[0], "testcase").find(
      (c) => c.attrs.name === "baseline-regression (spectrum.effectiveRank)",
    )!;
    expect(children(rank, "failure")[0].attrs.message).toBe(
      "spectrum.effectiveRank = 2.815, fail threshold < 35.08 (baseline 46.77, tolerance 25% relative)",
    );
  });

  test("an unreadable file is one testcase with an error, and text that needs escaping survives", () => {
    const settings = resolveSettings({});
    const r = gateResult([errorFile('a&b<"c">.npy', 'a&b<"c">.npy: bad \u0001 bytes')], settings, {
      config: null,
      baseline: null,
    });
    const suite = children(parseXml(renderGateJunit(r)), "testsuite")[0];
    expect(suite.attrs).toMatchObject({ name: 'a&b<"c">.npy', tests: "1", errors: "1", failures: "0" });
    const error = children(children(suite, "testcase")[0], "error")[0];
    expect(error.attrs).toEqual({ message: 'a&b<"c">.npy: bad  bytes', type: "InputError" });
  });
});

describe("GitHub annotations", () => {
  test("one ::error / ::warning / ::notice line per finding, then the summary line", () => {
    const lines = renderGateGithub(gate(["collapsed", "unit"]))
      .trimEnd()
      .split("\n");
    expect(lines.map((l) => l.match(/^::\w+/)?.[0] ?? l)).toEqual([
      "::error",
      "::warning",
      "::notice",
      "embcheck: gate failed: 1 of 2 files failed (fail-on fail, profile default)",
    ]);
    expect(lines[0]).toMatch(
      /^::error file=collapsed\.npy,title=embcheck collapse \(spectrum\.effectiveRankRatio\)::the variance lives .* 5\.865%25 of the dims \(< 10%25\) \[spectrum\.effectiveRankRatio = 0\.05865\]%0A→ post hoc/,
    );
    for (const l of lines) expect(l).not.toContain("\r");
  });

  test("a warning that fails the gate is an ::error", () => {
    expect(renderGateGithub(gate(["skewed-norms"], { failOn: "warn" }))).toMatch(/^::error file=skewed-norms\.npy,/);
  });

  test("properties escape , and : ; messages escape %, CR and LF", () => {
    expect(annotation("warning", { file: "a,b:c.npy", title: "t" }, "50% done\r\nnext")).toBe(
      "::warning file=a%2Cb%3Ac.npy,title=t::50%25 done%0D%0Anext",
    );
  });
});

describe("Markdown and terminal summaries", () => {
  test("Markdown has the verdict, one row per file, findings and the baseline table", () => {
    const md = renderGateMarkdown(gate(["healthy", "collapsed"], {}, true));
    expect(md.split("\n")[0]).toBe("## ❌ embcheck check: failed");
    expect(md).toContain("| ✅ | `healthy.npy` | 1,500 × 64 float32 (npy) | pass | no findings |");
    expect(md).toContain("| ❌ | `collapsed.npy` | 1,200 × 48 float32 (npy) | fail | 4 fail, 1 warn |");
    expect(md).toContain("| `spectrum.effectiveRank` | 46.77 | 2.815 | ≥ 35.08 | 25% relative | ❌ regressed |");
  });

  test("the terminal summary ends with the gate's line, and has no colour codes when colour is off", () => {
    const text = renderGateTerminal(gate(["healthy", "collapsed"]), { color: false, width: 80 });
    expect(text).not.toContain("\x1b[");
    expect(text.trimEnd().split("\n").at(-1)).toBe("gate failed: 1 of 2 files failed (fail-on fail, profile default)");
    for (const line of text.split("\n")) expect([...line].length).toBeLessThanOrEqual(80);
  });
});
