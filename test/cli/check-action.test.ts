/**
 * The composite action (action.yml): its inputs and the shell of its "embcheck check" step, run with
 * bash against a stand-in `embcheck` that records its arguments, so the step's argument building,
 * glob expansion and exit-code plumbing are tested without a GitHub runner.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "./helpers.js";

const ACTION = readFileSync(join(ROOT, "action.yml"), "utf8");
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "embcheck-action-"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** The `run: |` block of the step with the given id, dedented. */
function stepScript(id: string): string {
  const lines = ACTION.split("\n");
  const at = lines.findIndex((l) => l.trim() === `id: ${id}`);
  const run = lines.findIndex((l, i) => i > at && l.trim() === "run: |");
  const indent = lines[run].indexOf("run:") + 2;
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== "" && line.search(/\S/) < indent) break;
    body.push(line.slice(indent));
  }
  return body.join("\n");
}

interface StepRun {
  code: number;
  args: string[];
  output: string;
}

/** Runs the check step with these inputs; the stand-in embcheck exits `exit`. */
function runStep(inputs: Record<string, string>, exit = 0): StepRun {
  const dir = mkdtempSync(join(tmp, "run-"));
  const fake = join(dir, "fake-embcheck");
  writeFileSync(fake, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "${dir}/args"\nexit ${exit}\n`);
  chmodSync(fake, 0o755);
  mkdirSync(join(dir, "data"));
  for (const f of ["a.npy", "b.npy", "c.arrow"]) writeFileSync(join(dir, "data", f), "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    EMBCHECK: fake,
    GITHUB_OUTPUT: join(dir, "output"),
    INPUT_FILES: "",
    INPUT_FAIL_ON: "",
    INPUT_CONFIG: "",
    INPUT_PROFILE: "",
    INPUT_BASELINE: "",
    INPUT_THRESHOLDS: "",
    INPUT_FORMAT: "github",
    INPUT_JUNIT: "",
    ...inputs,
  };
  const r = spawnSync("bash", ["-c", stepScript("check")], { cwd: dir, env, encoding: "utf8" });
  let args: string[] = [];
  try {
    args = readFileSync(join(dir, "args"), "utf8").trimEnd().split("\n");
  } catch {}
  let output = "";
  try {
    output = readFileSync(join(dir, "output"), "utf8");
  } catch {}
  return { code: r.status ?? -1, args, output };
}

describe("action.yml", () => {
  test("is a composite action with the documented inputs and an exit-code output", () => {
    expect(ACTION).toMatch(/^runs:\n {2}using: composite$/m);
    const inputs = [
      ...ACTION.slice(ACTION.indexOf("inputs:"), ACTION.indexOf("outputs:")).matchAll(/^ {2}([\w-]+):$/gm),
    ].map((m) => m[1]);
    expect(inputs).toEqual([
      "files",
      "fail-on",
      "config",
      "profile",
      "baseline",
      "thresholds",
      "format",
      "junit",
      "version",
      "node-version",
      "working-directory",
    ]);
    expect(ACTION).toContain("exit-code:");
    // No input is pasted into a script: every ${{ inputs.* }} sits in a `with:`/`env:` value or a key.
    for (const line of ACTION.split("\n").filter((l) => l.includes("${{ inputs."))) {
      expect(line, line).toMatch(/^\s+[\w-]+: \$\{\{ inputs\.[\w-]+ \}\}$/);
    }
  });

  test("the check step's script is valid bash", () => {
    execFileSync("bash", ["-n", "-c", stepScript("check")]);
    execFileSync("bash", ["-n", "-c", stepScript("check").replace(/\$EMBCHECK/g, "true")]);
  });

  test("builds the embcheck command from the inputs, expanding globs in files", () => {
    const r = runStep({
      INPUT_FILES: "data/*.npy\ndata/c.arrow",
      INPUT_FAIL_ON: "warn",
      INPUT_CONFIG: "ci/embcheck.json",
      INPUT_PROFILE: "strict",
      INPUT_BASELINE: "base.json",
      INPUT_THRESHOLDS: "cosine.meanExact=0.7 norms.cv=off",
      INPUT_FORMAT: "markdown",
      INPUT_JUNIT: "out/embcheck.xml",
    });
    expect(r.code).toBe(0);
    expect(r.args).toEqual([
      "check",
      "data/a.npy",
      "data/b.npy",
      "data/c.arrow",
      "--format",
      "markdown",
      "--fail-on",
      "warn",
      "--config",
      "ci/embcheck.json",
      "--profile",
      "strict",
      "--baseline",
      "base.json",
      "--threshold",
      "cosine.meanExact=0.7",
      "--threshold",
      "norms.cv=off",
      "--junit",
      "out/embcheck.xml",
    ]);
    expect(r.output).toBe("exit-code=0\n");
  });

  test("leaves out the empty inputs", () => {
    expect(runStep({ INPUT_FILES: "data/a.npy" }).args).toEqual(["check", "data/a.npy", "--format", "github"]);
  });

  test.each([1, 2, 3])("passes embcheck's exit code %i through, and sets the exit-code output", (code) => {
    const r = runStep({ INPUT_FILES: "data/a.npy" }, code);
    expect([r.code, r.output]).toEqual([code, `exit-code=${code}\n`]);
  });

  test("an empty files input is an error before embcheck runs", () => {
    const r = runStep({ INPUT_FILES: "  " });
    expect([r.code, r.args, r.output]).toEqual([2, [], "exit-code=2\n"]);
  });
});
