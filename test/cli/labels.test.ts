import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { runCli } from "./helpers.js";

// The labels through the command line: the per-group table in every format, a gate line on the
// labels section, the map coloured by label, and bad label files as one line with exit 3.

const DIR = "fixtures/labels";
const tmp = mkdtempSync(join(tmpdir(), "embcheck-cli-labels-"));
const base = ["--near-dup", "0", "--threads", "0"];

describe("embcheck with labels", () => {
  test("report shows the per-group table in the terminal and in Markdown, and JSON carries labels", async () => {
    const args = ["report", `${DIR}/topics.npy`, "--labels", `${DIR}/topics-labels.txt`, ...base];
    const term = await runCli(args);
    expect(term.code).toBe(0);
    expect(term.stdout).toMatch(/Labels\s+4 groups/);
    expect(term.stdout).toMatch(/sports\s+260\s+43.33%/);
    const md = await runCli([...args, "--format", "md"]);
    expect(md.stdout).toContain("### Labels");
    expect(md.stdout).toMatch(/\| space \| 40 \|/);
    const json = JSON.parse((await runCli([...args, "--format", "json"])).stdout);
    expect(json.labels.groups).toBe(4);
    const validate = new Ajv({ strict: true }).compile(JSON.parse(readFileSync("schema/report.schema.json", "utf8")));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.labels.perGroup.map((g: { label: string }) => g.label)).toEqual([
      "sports",
      "cooking",
      "finance",
      "space",
    ]);
  });

  test("check gates on a label rule set with --threshold (exit 1), and passes without it", async () => {
    const args = ["check", `${DIR}/topics.npy`, "--labels", `${DIR}/topics-labels.npy`, "--threads", "0"];
    expect((await runCli(args)).code).toBe(0);
    const gated = await runCli([...args, "--threshold", "label-knn-accuracy=0.9"]);
    expect(gated.code).toBe(1);
    expect(gated.stdout).toContain("label-knn-accuracy");
  });

  test("the HTML page has the group table and colours the map by label", async () => {
    const out = join(tmp, "r.html");
    const r = await runCli([
      "report",
      `${DIR}/digits.npy`,
      "--labels",
      `${DIR}/digits-labels.npy`,
      "--format",
      "html",
      "--projection",
      "pca",
      "-o",
      out,
      ...base,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain('<section id="labels"><h2>Label groups</h2>');
    // each dot's tooltip names its label (the map's colorBy is "label")
    expect(html).toMatch(/label 7/);
  });

  test("a label file of another length is one line naming both counts, exit 3", async () => {
    const f = join(tmp, "short.txt");
    writeFileSync(f, "a\n".repeat(10));
    const r = await runCli(["report", `${DIR}/topics.npy`, "--labels", f, ...base]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("has 10 labels but the input has 600 rows");
  });
});
