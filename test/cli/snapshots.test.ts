/**
 * Markdown snapshots of whole CLI runs: the command, its output with colour off, and the exit code
 * (after arethetypeswrong's cli/test/snapshots.test.ts). A changed report shows up as a readable
 * diff of one file. Regenerate with `UPDATE_SNAPSHOTS=1 npx vitest run test/cli/snapshots.test.ts`
 * and read the diff before committing it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type CliResult, ROOT, roundNumbers, runCli, zeroTimings } from "./helpers.js";

const SNAPSHOTS = join(ROOT, "test", "cli", "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";

const GLOVE = "fixtures/sample/glove-6b-100d-top3000.npy";
const SCENARIOS = "fixtures/scenarios";

interface Case {
  /** Snapshot file name, without `.md`. */
  name: string;
  args: string[];
  /** Rewrites the output before it is stored, for parts that vary between runs. */
  normalize?: (stdout: string) => string;
}

/** The scenarios that are reported on their own, in the terminal format. */
const SCENARIO_FILES = [
  "healthy",
  "healthy-f64",
  "unit",
  "anisotropic",
  "collapsed",
  "dominant-direction",
  "skewed-norms",
  "dirty",
  "queries",
  "docs-aligned",
  "docs-shuffled",
];

const CASES: Case[] = [
  { name: "report-glove", args: ["report", GLOVE] },
  { name: "report-glove-md", args: ["report", GLOVE, "--format", "md"] },
  ...SCENARIO_FILES.map((s) => ({ name: `report-${s}`, args: ["report", `${SCENARIOS}/${s}.npy`] })),
  // The parameters of fixtures/reference/large-sample.json: a sample smaller than the file.
  {
    name: "report-large-sample",
    args: ["report", `${SCENARIOS}/large-sample.npy`, "--sample", "256", "--seed", "7"],
  },
  {
    name: "report-pairs-aligned",
    args: ["report", `${SCENARIOS}/queries.npy`, "--pairs", `${SCENARIOS}/docs-aligned.npy`],
  },
  {
    name: "report-pairs-shuffled",
    args: ["report", `${SCENARIOS}/queries.npy`, "--pairs", `${SCENARIOS}/docs-shuffled.npy`],
  },
  {
    name: "report-healthy-json",
    args: ["report", `${SCENARIOS}/healthy.npy`, "--format", "json"],
    normalize: (json: string) => roundNumbers(zeroTimings(json)),
  },
  { name: "report-help", args: ["report", "--help"] },
];

/** A code fence longer than any run of backticks in `text` (the md report holds ```text blocks). */
function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return "`".repeat(Math.max(3, longest + 1));
}

function block(text: string): string {
  const f = fence(text);
  return `${f}\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${f}\n`;
}

function renderSnapshot(args: string[], result: CliResult): string {
  const parts = [`# embcheck ${args.join(" ")}\n`, block(result.stdout)];
  if (result.stderr !== "") parts.push(`stderr:\n\n${block(result.stderr)}`);
  parts.push(`Exit code: ${result.code}\n`);
  return parts.join("\n");
}

describe("CLI snapshots", () => {
  for (const { name, args, normalize } of CASES) {
    test(`embcheck ${args.join(" ")} prints what snapshots/${name}.md holds`, async () => {
      const result = await runCli(args);
      if (normalize) result.stdout = normalize(result.stdout);
      const actual = renderSnapshot(args, result);
      const file = join(SNAPSHOTS, `${name}.md`);
      if (UPDATE) {
        mkdirSync(SNAPSHOTS, { recursive: true });
        writeFileSync(file, actual);
        return;
      }
      expect(existsSync(file), `missing ${file}; run with UPDATE_SNAPSHOTS=1 to create it`).toBe(true);
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }

  test("every scenario fixture has a snapshot", () => {
    const covered = new Set(CASES.flatMap((c) => c.args.filter((a) => a.startsWith(`${SCENARIOS}/`))));
    const fixtures = readdirSync(join(ROOT, SCENARIOS))
      .filter((f) => f.endsWith(".npy"))
      .map((f) => `${SCENARIOS}/${f}`);
    expect(fixtures.filter((f) => !covered.has(f))).toEqual([]);
  });

  test("every snapshot file belongs to a case", () => {
    const names = new Set(CASES.map((c) => `${c.name}.md`));
    // check-*.md belong to test/cli/check-snapshots.test.ts, plot-*.md to test/report/braille-cli.test.ts,
    // fix-*.md to test/cli/fix.test.ts;
    // each runs the same stale check on its own.
    const own = (f: string) => f.startsWith("check-") || f.startsWith("plot-") || f.startsWith("fix-");
    const stale = readdirSync(SNAPSHOTS).filter((f) => f.endsWith(".md") && !own(f) && !names.has(f));
    expect(stale).toEqual([]);
  });
});

describe("embcheck --version", () => {
  test("prints the version of package.json and exits 0", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result).toEqual({ stdout: `${pkg.version}\n`, stderr: "", code: 0 });
    }
  });
});
