/**
 * `embcheck check` end to end, in process: the fixture table (finding codes and exit codes),
 * threshold precedence through real files and flags, baselines saved by `report` and compared by
 * `check`, the output files, and $GITHUB_STEP_SUMMARY.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { GateResult } from "../../src/gate/gate.js";
import { parseXml } from "../gate/xml.js";
import { ROOT, runCli } from "./helpers.js";

const S = "fixtures/scenarios";
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "embcheck-check-"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function checkJson(args: string[], env: Record<string, string> = {}) {
  const r = await runCli(["check", ...args, "--format", "json"], { env });
  const result = r.stdout === "" ? null : (JSON.parse(r.stdout) as GateResult);
  return { ...r, result, codes: result?.files.map((f) => f.findings.map((x) => x.id)) ?? [] };
}

describe("the fixture table: finding codes and exit codes", () => {
  test.each([
    [["healthy.npy"], [[]], 0],
    [["anisotropic.npy"], [["anisotropy", "poor-uniformity"]], 1],
    [["collapsed.npy"], [["collapse", "dominant-direction"]], 1],
    [["dirty.npy"], [["nan-rows", "inf-rows", "zero-rows", "duplicate-rows"]], 1],
    [["skewed-norms.npy"], [["norm-spread"]], 0],
    [["skewed-norms.npy", "--fail-on", "warn"], [["norm-spread"]], 1],
    [["unit.npy", "--fail-on", "warn"], [["unit-norm"]], 0],
    [["healthy.npy", "collapsed.npy"], [[], ["collapse", "dominant-direction"]], 1],
  ])("check %j → %j, exit %i", async (args, codes, exit) => {
    const files = args.filter((a) => a.endsWith(".npy")).map((a) => `${S}/${a}`);
    const r = await checkJson([...files, ...args.filter((a) => !a.endsWith(".npy"))]);
    expect(r.code, r.stderr).toBe(exit);
    expect(r.codes).toEqual(codes);
    expect(r.result!.exitCode).toBe(exit);
    expect(r.result!.passed).toBe(exit === 0);
  });

  test("an unreadable file exits 3, with one line on stderr, and the other files are still judged", async () => {
    const r = await checkJson([`${S}/collapsed.npy`, "fixtures/npy/bad/bad_magic.npy", `${S}/healthy.npy`]);
    expect(r.code).toBe(3);
    expect(r.result!.files.map((f) => f.status)).toEqual(["failed", "error", "passed"]);
    expect(r.result!.files[1].error).toMatch(/^fixtures\/npy\/bad\/bad_magic.npy: not a recognised format/);
    expect(r.stderr).toMatch(/^embcheck: fixtures\/npy\/bad\/bad_magic.npy: not a recognised format[^\n]*\n$/);
    expect(r.result!.summary).toEqual({ files: 3, passed: 1, failed: 1, errors: 1 });
  });

  test("a missing file alone exits 3", async () => {
    const r = await runCli(["check", "fixtures/no-such.npy"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("ERROR fixtures/no-such.npy");
  });

  test.each([
    [["check"], /missing required argument 'files'/],
    [["check", `${S}/healthy.npy`, "--fail-on", "error"], /Allowed choices are warn, fail/],
    [["check", `${S}/healthy.npy`, "--format", "xml"], /Allowed choices are terminal, json/],
    [["check", `${S}/healthy.npy`, "--profile", "loose"], /Allowed choices are default, unit-vectors, strict, lenient/],
    [
      ["check", `${S}/healthy.npy`, "--threshold", "cosine.mean=0.5"],
      /unknown metric "cosine.mean"; valid: .*cosine.meanExact \(anisotropy\)/,
    ],
    [["check", `${S}/healthy.npy`, "--threshold", "anisotropy=lots"], /cannot read "lots"/],
    [["check", `${S}/healthy.npy`, "--tolerance", "rank=25%"], /unknown baseline metric "rank"/],
    [
      ["check", `${S}/healthy.npy`, "--config", "fixtures/gate/none.json"],
      /--config fixtures\/gate\/none.json: no such file/,
    ],
    [
      ["check", `${S}/healthy.npy`, "--config", "fixtures/gate/bad/unknown-metric.config.json"],
      /unknown key "cosine.meanExct" in thresholds/,
    ],
    [["check", `${S}/healthy.npy`, `${S}/unit.npy`, "--pairs", `${S}/unit.npy`], /--pairs pairs the rows of one input/],
    [["check", "-", "-"], /stdin \("-"\) can be read only once/],
    [["check", `${S}/healthy.npy`, "-o", `${S}/healthy.npy`], /refusing to write over the input/],
    [["check", `${S}/healthy.npy`, "--bogus"], /unknown option '--bogus'/],
  ])("%j is a usage error: exit 2, one line, nothing on stdout", async (args, message) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^embcheck: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
  });

  test("standard input is checked like a file; its annotations name no file", async () => {
    const stdin = readFileSync(join(ROOT, S, "collapsed.npy"));
    const r = await runCli(["check", "-", "--format", "github"], { stdin });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error title=embcheck collapse \(spectrum\.effectiveRankRatio\)::/);
  });

  test("positive pairs add the alignment checks", async () => {
    const r = await checkJson([`${S}/queries.npy`, "--pairs", `${S}/docs-shuffled.npy`]);
    expect(r.code).toBe(1);
    expect(r.codes[0]).toEqual(["nan-rows", "alignment-no-better-than-random", "poor-alignment"]);
    // only the label rules are skipped (no --labels)
    expect(r.result!.files[0].checks.filter((c) => c.status === "skipped").map((c) => c.id)).toEqual([
      "label-imbalance",
      "label-dominant",
      "label-tiny-group",
      "label-collapsed-group",
      "label-silhouette",
      "label-knn-accuracy",
    ]);
  });
});

describe("threshold precedence through files and flags: defaults < profile < config file < command line", () => {
  // skewed-norms has norms.cv = 1.176: a warn by default (warn line 0.3, no fail line).
  const SKEWED = `${S}/skewed-norms.npy`;
  const CONFIG = "fixtures/gate/precedence.config.json"; // strict, then norms.cv fail 2
  const normSpread = (r: Awaited<ReturnType<typeof checkJson>>) =>
    r.result!.files[0].findings.find((f) => f.id === "norm-spread")?.severity ?? "none";

  test("defaults: a warning, exit 0", async () => {
    const r = await checkJson([SKEWED]);
    expect([r.code, normSpread(r)]).toEqual([0, "warn"]);
  });

  test("profile strict (fail line 0.5): a failure, exit 1", async () => {
    const r = await checkJson([SKEWED, "--profile", "strict"]);
    expect([r.code, normSpread(r)]).toEqual([1, "fail"]);
    expect(r.result!.thresholds.find((t) => t.id === "norm-spread")!.source).toEqual({
      warn: "profile strict",
      fail: "profile strict",
    });
  });

  test("the config file over its profile (fail line 2): back to a warning", async () => {
    const r = await checkJson([SKEWED, "--config", CONFIG]);
    expect([r.code, normSpread(r)]).toEqual([0, "warn"]);
    expect(r.result!.thresholds.find((t) => t.id === "norm-spread")).toMatchObject({
      warn: 0.2,
      fail: 2,
      source: { warn: "profile strict", fail: `config ${CONFIG}` },
    });
  });

  test("the command line over the config file: fail line 1 fails again; off silences the rule", async () => {
    const fail = await checkJson([SKEWED, "--config", CONFIG, "--threshold", "norms.cv=1"]);
    expect([fail.code, normSpread(fail)]).toEqual([1, "fail"]);
    const off = await checkJson([SKEWED, "--config", CONFIG, "--threshold", "norm-spread=off"]);
    expect([off.code, normSpread(off)]).toEqual([0, "none"]);
  });

  test("embcheck.config.json in the working directory is found, and --no-config ignores it", async () => {
    const dir = join(tmp, "cwd-config");
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    writeFileSync(join(dir, "embcheck.config.json"), JSON.stringify({ thresholds: { "norms.cv": 1 } }));
    const before = process.cwd();
    process.chdir(dir);
    try {
      const file = join(ROOT, SKEWED);
      const found = await checkJson([file]);
      expect([found.code, normSpread(found), found.result!.config]).toEqual([1, "fail", "embcheck.config.json"]);
      const ignored = await checkJson([file, "--no-config"]);
      expect([ignored.code, normSpread(ignored), ignored.result!.config]).toEqual([0, "warn", null]);
    } finally {
      process.chdir(before);
    }
  });
});

describe("baselines: report --save-baseline, then check --baseline", () => {
  let base: string;

  beforeAll(async () => {
    base = join(tmp, "healthy.baseline.json");
    const r = await runCli(["report", `${S}/healthy.npy`, "--save-baseline", base]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS/); // the report itself is still printed
  });

  test("the saved baseline is small JSON with a schema and the key metrics", () => {
    const b = JSON.parse(readFileSync(base, "utf8"));
    expect(b.schema).toBe("embcheck/baseline@1");
    expect(b.input).toMatchObject({ rows: 1500, dims: 64 });
    expect(Object.keys(b.metrics)).toContain("spectrum.effectiveRank");
    expect(readFileSync(base, "utf8").length).toBeLessThan(1000);
  });

  test("the unchanged set passes", async () => {
    const r = await checkJson([`${S}/healthy.npy`, "--baseline", base]);
    expect(r.code).toBe(0);
    const baselineChecks = r.result!.files[0].checks.filter((c) => c.kind === "baseline");
    expect(baselineChecks.map((c) => c.status)).toEqual([
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "pass",
      "skipped",
    ]);
  });

  test.each([
    ["collapsed", ["uniformity.value", "spectrum.effectiveRank", "spectrum.dominantShare"]],
    // Its spectrum stays healthy (the common vector is centred away): rank 36.6 of 48 vs 46.8 of 64.
    ["anisotropic", ["cosine.meanExact", "uniformity.value"]],
    ["skewed-norms", ["norms.cv", "spectrum.effectiveRank"]],
  ])("%s.npy against healthy.npy's baseline regresses on %j", async (name, metrics) => {
    const r = await checkJson([`${S}/${name}.npy`, "--baseline", base]);
    expect(r.code).toBe(1);
    const regressed = r.result!.files[0].findings.filter((f) => f.id === "baseline-regression");
    expect(regressed.map((f) => f.metric)).toEqual(metrics);
    expect(regressed.every((f) => f.severity === "fail")).toBe(true);
  });

  test("skewed-norms fails on the baseline alone: without it the same run only warns", async () => {
    expect((await checkJson([`${S}/skewed-norms.npy`])).code).toBe(0);
    expect((await checkJson([`${S}/skewed-norms.npy`, "--baseline", base])).code).toBe(1);
  });

  test("--tolerance loosens a comparison; off skips it", async () => {
    const r = await checkJson([
      `${S}/skewed-norms.npy`,
      "--baseline",
      base,
      "--tolerance",
      "norms.cv=off",
      "--tolerance",
      "spectrum.effectiveRank=50%",
    ]);
    expect(r.code).toBe(0);
  });

  test("a config file's baseline is read relative to the config file", async () => {
    const r = await checkJson([`${S}/healthy.npy`, "--config", "fixtures/gate/full.config.json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.result!.baseline).toBe("fixtures/gate/healthy.baseline.json");
    expect(r.result!.failOn).toBe("warn");
    expect(r.result!.profile).toBe("unit-vectors");
  });

  test("a missing or foreign baseline file exits 3 naming it", async () => {
    const missing = await runCli(["check", `${S}/healthy.npy`, "--baseline", "fixtures/gate/none.json"]);
    expect([missing.code, missing.stderr]).toEqual([
      3,
      "embcheck: fixtures/gate/none.json: no such baseline file; save one with `embcheck report FILE --save-baseline BASE.json`\n",
    ]);
    const old = await runCli(["check", `${S}/healthy.npy`, "--baseline", "fixtures/gate/bad/old-schema.baseline.json"]);
    expect(old.code).toBe(3);
    expect(old.stderr).toMatch(/old-schema.baseline.json: schema is "embcheck\/baseline@0"/);
  });

  test("--save-baseline never writes over the input or the -o file", async () => {
    const r = await runCli(["report", `${S}/healthy.npy`, "--save-baseline", `${S}/healthy.npy`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write over the input .*--save-baseline/);
    const out = join(tmp, "same.json");
    const both = await runCli(["report", `${S}/healthy.npy`, "-o", out, "--save-baseline", out]);
    expect(both.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("output files and the GitHub step summary", () => {
  test("-o writes the format to a file and prints the terminal summary", async () => {
    const out = join(tmp, "junit.xml");
    const r = await runCli(["check", `${S}/collapsed.npy`, "--format", "junit", "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL {2}fixtures\/scenarios\/collapsed.npy/);
    const root = parseXml(readFileSync(out, "utf8"));
    // 20 gated rules: the 2 alignment and 6 label rules skipped without pairs and labels
    expect(root.attrs).toMatchObject({ tests: "20", failures: "1", skipped: "8" });
  });

  test("with GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file", async () => {
    const summary = join(tmp, "step-summary.md");
    writeFileSync(summary, "earlier step\n");
    const env = { GITHUB_STEP_SUMMARY: summary };
    const a = await runCli(["check", `${S}/healthy.npy`, "--format", "github"], { env });
    const b = await runCli(["check", `${S}/collapsed.npy`], { env });
    expect([a.code, b.code]).toEqual([0, 1]);
    const text = readFileSync(summary, "utf8");
    expect(text.startsWith("earlier step\n## ✅ embcheck check: passed\n")).toBe(true);
    expect(text).toContain("\n## ❌ embcheck check: failed\n");
    expect(text).toContain(
      "| ❌ | `fixtures/scenarios/collapsed.npy` | 1,200 × 48 float32 (npy) | fail | 1 fail, 1 warn |",
    );
  });

  test("an unwritable GITHUB_STEP_SUMMARY is told on stderr and does not change the exit code", async () => {
    const r = await runCli(["check", `${S}/healthy.npy`], {
      env: { GITHUB_STEP_SUMMARY: join(tmp, "no/such/dir.md") },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^embcheck: cannot append to GITHUB_STEP_SUMMARY .* \(ENOENT\)\n$/);
  });
});
