/**
 * Markdown snapshots of `embcheck check` runs (as test/cli/snapshots.test.ts does for `report`):
 * the command, its output with colour off, and the exit code. Regenerate with
 * `UPDATE_SNAPSHOTS=1 npx vitest run test/cli/check-snapshots.test.ts` and read the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type CliResult, ROOT, runCli } from "./helpers.js";

const SNAPSHOTS = join(ROOT, "test", "cli", "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const S = "fixtures/scenarios";

const CASES: { name: string; args: string[] }[] = [
  { name: "check-healthy", args: ["check", `${S}/healthy.npy`] },
  { name: "check-collapsed", args: ["check", `${S}/collapsed.npy`] },
  { name: "check-healthy-junit", args: ["check", `${S}/healthy.npy`, "--format", "junit"] },
  { name: "check-collapsed-junit", args: ["check", `${S}/collapsed.npy`, "--format", "junit"] },
  {
    name: "check-several",
    args: ["check", `${S}/healthy.npy`, `${S}/skewed-norms.npy`, `${S}/dirty.npy`, "fixtures/npy/bad/bad_magic.npy"],
  },
  { name: "check-fail-on-warn", args: ["check", `${S}/skewed-norms.npy`, "--fail-on", "warn"] },
  {
    name: "check-baseline-markdown",
    args: [
      "check",
      `${S}/anisotropic.npy`,
      "--baseline",
      "fixtures/gate/healthy.baseline.json",
      "--format",
      "markdown",
    ],
  },
  { name: "check-github", args: ["check", `${S}/collapsed.npy`, `${S}/unit.npy`, "--format", "github"] },
  { name: "check-unknown-metric", args: ["check", `${S}/healthy.npy`, "--threshold", "cosine.mean=0.5"] },
  { name: "check-help", args: ["check", "--help"] },
];

function block(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const f = "`".repeat(Math.max(3, longest + 1));
  return `${f}\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}${f}\n`;
}

function renderSnapshot(args: string[], result: CliResult): string {
  const parts = [`# embcheck ${args.join(" ")}\n`, block(result.stdout)];
  if (result.stderr !== "") parts.push(`stderr:\n\n${block(result.stderr)}`);
  parts.push(`Exit code: ${result.code}\n`);
  return parts.join("\n");
}

describe("embcheck check snapshots", () => {
  for (const { name, args } of CASES) {
    test(`embcheck ${args.join(" ")} prints what snapshots/${name}.md holds`, async () => {
      const actual = renderSnapshot(args, await runCli(args));
      const file = join(SNAPSHOTS, `${name}.md`);
      if (UPDATE) {
        writeFileSync(file, actual);
        return;
      }
      expect(existsSync(file), `missing ${file}; run with UPDATE_SNAPSHOTS=1 to create it`).toBe(true);
      expect(actual).toBe(readFileSync(file, "utf8"));
    });
  }

  test("every check-*.md snapshot belongs to a case", () => {
    const names = new Set(CASES.map((c) => `${c.name}.md`));
    const stale = readdirSync(SNAPSHOTS).filter((f) => f.startsWith("check-") && f.endsWith(".md") && !names.has(f));
    expect(stale).toEqual([]);
  });
});
