/**
 * `embcheck plot` as markdown snapshots in test/cli/snapshots/plot-*.md (the format of
 * test/cli/snapshots.test.ts: the command, its output with colour off, the exit code).
 * Regenerate with `UPDATE_SNAPSHOTS=1 npx vitest run test/report/braille-cli.test.ts` and read the diff.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { type CliResult, ROOT, runCli } from "../cli/helpers.js";

const SNAPSHOTS = join(ROOT, "test", "cli", "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const GLOVE = "fixtures/sample/glove-6b-100d-top3000.npy";

const CASES: { name: string; args: string[] }[] = [
  { name: "plot-glove", args: ["plot", GLOVE, "--sample", "800", "--width", "72", "--height", "18"] },
  { name: "plot-glove-pca", args: ["plot", GLOVE, "--projection", "pca", "--width", "72", "--height", "18"] },
  {
    name: "plot-healthy-report-map",
    args: ["report", "fixtures/scenarios/healthy.npy", "--map", "--projection", "pca"],
  },
  { name: "plot-bad-projection", args: ["plot", GLOVE, "--projection", "tsne"] },
  { name: "plot-help", args: ["plot", "--help"] },
];

function block(text: string): string {
  return `\`\`\`\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}\`\`\`\n`;
}

function renderSnapshot(args: string[], result: CliResult): string {
  const parts = [`# embcheck ${args.join(" ")}\n`, block(result.stdout)];
  if (result.stderr !== "") parts.push(`stderr:\n\n${block(result.stderr)}`);
  parts.push(`Exit code: ${result.code}\n`);
  return parts.join("\n");
}

describe("embcheck plot snapshots", () => {
  for (const { name, args } of CASES) {
    test(`embcheck ${args.join(" ")} prints what snapshots/${name}.md holds`, async () => {
      const actual = renderSnapshot(args, await runCli(args));
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

  test("every plot snapshot file belongs to a case", () => {
    const names = new Set(CASES.map((c) => `${c.name}.md`));
    const stale = readdirSync(SNAPSHOTS).filter((f) => f.startsWith("plot-") && f.endsWith(".md") && !names.has(f));
    expect(stale).toEqual([]);
  });
});
