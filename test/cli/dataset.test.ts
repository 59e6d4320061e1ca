/**
 * Datasets on the command line: `report`, `check --dataset`, `fix`, `apply` and `plot` with several
 * paths, a directory or a glob read as ONE matrix, against the concatenated file
 * (fixtures/dataset/, written by fixtures/scripts/make_dataset_fixtures.py from one NumPy array).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableFromIPC } from "apache-arrow";
import { afterAll, describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import { sampleMapForCli } from "../../src/cli/plot.js";
import { resolveInputs } from "../../src/io/inputs.js";
import { runCli } from "./helpers.js";

const D = "fixtures/dataset";
const SHARDS = `${D}/shards`;
const FILES = readdirSync(SHARDS)
  .filter((f) => !f.endsWith(".txt"))
  .map((f) => `${SHARDS}/${f}`);

const TMP = mkdtempSync(join(tmpdir(), "embcheck-dataset-cli-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;
const out = (ext: string) => join(TMP, `out-${++n}.${ext}`);

/** The JSON report without `input` and `timing`: what must not depend on how the rows are stored. */
async function reportBody(args: string[]): Promise<{ body: string; input: Record<string, unknown> }> {
  const r = await runCli(["report", ...args, "--format", "json", "--sample", "64"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(1 - 1);
  const { input, timing: _t, ...rest } = JSON.parse(r.stdout);
  return { body: JSON.stringify(rest), input };
}

describe("report on a dataset", () => {
  test("the shards give the concatenated file's report JSON, in any argument order, as a directory or a glob", async () => {
    const whole = await reportBody([`${D}/all.npy`]);
    const dir = await reportBody([SHARDS]);
    expect(dir.body).toBe(whole.body);
    expect((await reportBody([...FILES].reverse())).body).toBe(whole.body);
    expect((await reportBody([`${SHARDS}/*.np*`, `${SHARDS}/*.arrow*`])).body).toBe(whole.body);
    expect((await reportBody([SHARDS, "--chunk-rows", "100"])).body).toBe(
      (await reportBody([`${D}/all.npy`, "--chunk-rows", "100"])).body,
    );
    expect(dir.input).toEqual({
      path: SHARDS,
      format: "mixed",
      column: "embedding",
      key: null,
      pairs: null,
      pairColumn: null,
      dtype: "float32",
      rows: 1200,
      dims: 16,
      files: [
        { path: FILES[0], format: "npy", rows: 317, dtype: "float32" },
        { path: FILES[1], format: "arrow", rows: 583, dtype: "float32" },
        { path: FILES[2], format: "arrow-stream", rows: 113, dtype: "float32" },
        { path: FILES[3], format: "npy", rows: 187, dtype: "float32" },
      ],
    });
  });

  test("the terminal report says how many files the dataset has", async () => {
    const r = await runCli(["report", SHARDS, "--sample", "64"]);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      `FAIL  1 fail, 1 warn · ${SHARDS}`,
      "      1,200 × 16 float32 (mixed, 4 files, column embedding)",
    ]);
  });

  test("a file of other dims: one line naming it and both dims, exit 3, no output file", async () => {
    const o = out("json");
    const r = await runCli(["report", `${D}/other-dims`, "-o", o]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `embcheck: ${D}/other-dims/b.npy: 8 dims, but ${D}/other-dims/a.npy (the dataset's first file) has 16; every file of a dataset needs vectors of the same width (one model); leave this file out or check it on its own\n`,
    );
    expect(r.stdout).toBe("");
    expect(existsSync(o)).toBe(false);
  });

  test("a glob that matches nothing: one line, exit 3 (like a missing file), no output file", async () => {
    const o = out("json");
    const r = await runCli(["report", `${D}/*.parquet`, "-o", o]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `embcheck: ${D}/*.parquet: the pattern matches no file; check the pattern (relative to the working directory; ** reaches into subdirectories)\n`,
    );
    expect(existsSync(o)).toBe(false);
  });

  test("stdin with files is a usage error: one line, exit 2, no output file", async () => {
    const o = out("json");
    for (const args of [
      ["report", "-", SHARDS, "-o", o],
      ["plot", SHARDS, "-"],
      ["check", "--dataset", "-", SHARDS, "-o", o],
      ["fix", SHARDS, "-", "--pipeline", "l2", "-o", out("npy")],
    ]) {
      const r = await runCli(args, { stdin: readFileSync(`${D}/all.npy`) });
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toBe('embcheck: stdin ("-") cannot be combined with other inputs; give files, or one "-"\n');
      expect(r.stdout).toBe("");
    }
    expect(readdirSync(TMP).filter((f) => f.startsWith("out-"))).toEqual([]);
  });
});

describe("check on a dataset", () => {
  test("judges each file by default, and all of them as one with --dataset", async () => {
    const each = await runCli(["check", SHARDS, "--format", "json", "--sample", "64"]);
    expect(JSON.parse(each.stdout).files.map((f: { path: string }) => f.path)).toEqual(FILES);
    const one = await runCli(["check", "--dataset", SHARDS, "--format", "json", "--sample", "64"]);
    const whole = await runCli(["check", `${D}/all.npy`, "--format", "json", "--sample", "64"]);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(whole.stdout);
    expect(a.files.length).toBe(1);
    expect(a.files[0].path).toBe(SHARDS);
    expect({ ...a.files[0], path: "", shape: "" }).toEqual({ ...b.files[0], path: "", shape: "" });
    expect(one.code).toBe(whole.code);
    expect(one.code).toBe(1); // the NaN row fails the gate
  });

  test("--pairs with a dataset: the pairs may be a dataset too (same total rows)", async () => {
    const r = await runCli(["check", "--dataset", SHARDS, "--pairs", `${D}/all.npy`, "--format", "json"]);
    const s = await runCli(["check", `${D}/all.npy`, "--pairs", SHARDS, "--format", "json"]);
    const checks = (x: string) =>
      JSON.parse(x).files[0].checks.filter((c: { metric: string }) => c.metric.startsWith("alignment"));
    expect(checks(r.stdout).length).toBeGreaterThan(0);
    expect(checks(r.stdout)).toEqual(checks(s.stdout));
    const bad = await runCli(["check", "--dataset", SHARDS, "--pairs", `${D}/mixed/a.npy`, "--format", "json"]);
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout).files[0].error).toMatch(
      /^fixtures\/dataset\/mixed\/a.npy: the pairs file ends after 600 rows but the input has more/,
    );
  });
});

describe("fix on a dataset", () => {
  test("writes one output with every row, the same bytes as fix on the concatenated file", async () => {
    for (const pipeline of ["drop-invalid,center,pca:8", "drop-invalid,l2,abtt:1"]) {
      const a = out("npy");
      const b = out("npy");
      const ra = await runCli(["fix", `${D}/all.npy`, "--pipeline", pipeline, "-o", a, "--sample", "64"]);
      const rb = await runCli(["fix", ...[...FILES].reverse(), "--pipeline", pipeline, "-o", b, "--sample", "64"]);
      expect(ra.code).toBe(0);
      expect(rb.code).toBe(0);
      expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
      expect(rb.stdout.replace(/^embcheck fix: .*\n/, "")).toBe(ra.stdout.replace(/^embcheck fix: .*\n/, ""));
    }
  });

  test("carries the other columns of an all-Arrow dataset through, in order", async () => {
    const o = out("arrow");
    const r = await runCli(["fix", `${D}/arrow`, "--pipeline", "l2", "-o", o]);
    expect(r.code).toBe(0);
    const t = tableFromIPC(readFileSync(o));
    expect(t.schema.fields.map((f) => f.name)).toEqual(["id", "embedding", "word"]);
    expect(t.numRows).toBe(1200);
    expect(Array.from(t.getChild("id") ?? [], Number)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect(t.getChild("word")?.get(1199)).toBe("w1199");
  });

  test("a dataset mixing Arrow and NPY writes the embedding column only, and says so", async () => {
    const o = out("arrow");
    const r = await runCli(["fix", SHARDS, "--pipeline", "drop-invalid,l2", "-o", o]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "embcheck fix: the inputs are not all Arrow, so the output holds the embedding column only (no other columns carried through)\n",
    );
    expect(tableFromIPC(readFileSync(o)).schema.fields.map((f) => f.name)).toEqual(["embedding"]);
  });

  test("Arrow files with other columns: one line naming both files, exit 3, no output file", async () => {
    const o = out("arrow");
    const r = await runCli(["fix", `${D}/arrow-other-schema`, "--pipeline", "l2", "-o", o]);
    expect(r.code).toBe(3);
    expect(r.stderr.split("\n").length).toBe(2);
    expect(r.stderr).toContain(`${D}/arrow-other-schema/part-1.arrow: its columns (id: Int64, embedding: (embedding))`);
    expect(existsSync(o)).toBe(false);
    expect(readdirSync(TMP).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("a shard of other dims: exit 3 and no output file; the output is never one of the inputs", async () => {
    const o = out("npy");
    const r = await runCli(["fix", `${D}/other-dims`, "--pipeline", "l2", "-o", o]);
    expect(r.code).toBe(3);
    expect(existsSync(o)).toBe(false);
    const over = await runCli(["fix", `${D}/mixed/*.npy`, "--pipeline", "l2", "-o", `${D}/mixed/b.npy`, "--force"]);
    expect(over.code).toBe(2);
    expect(over.stderr).toBe(`embcheck: refusing to write over the input ${D}/mixed/b.npy; choose another -o path\n`);
  });

  test("apply takes a dataset too: the same bytes as on the concatenated file", async () => {
    const t = join(TMP, "t.json");
    const fitted = await runCli([
      "fix",
      `${D}/all.npy`,
      "--pipeline",
      "drop-invalid,center,pca:4",
      "-o",
      out("npy"),
      "--save-transform",
      t,
    ]);
    expect(fitted.code).toBe(0);
    const a = out("npy");
    const b = out("npy");
    expect((await runCli(["apply", t, `${D}/all.npy`, "-o", a])).code).toBe(0);
    expect((await runCli(["apply", t, SHARDS, "-o", b])).code).toBe(0);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
  });
});

describe("plot on a dataset", () => {
  test("draws the concatenated file's map, with ids from each Arrow file at its global rows", async () => {
    const whole = await runCli(["plot", `${D}/all.npy`, "--projection", "pca", "--sample", "64"]);
    const parts = await runCli(["plot", SHARDS, "--projection", "pca", "--sample", "64"]);
    expect(parts.code).toBe(0);
    expect(parts.stdout).toBe(whole.stdout);

    const flags = { projection: "pca" as const, seed: 0 };
    const spec = await resolveInputs(`${D}/arrow`);
    const analysis = await analyze(spec, { sampleSize: 64 });
    const map = await sampleMapForCli(spec.label, analysis, flags);
    expect(map.ids).toEqual(Array.from(map.indices, (i) => String(i)));
    const colored = await sampleMapForCli(spec.label, analysis, { ...flags, colorBy: "word" });
    expect(colored.colorBy?.values).toEqual(Array.from(map.indices, (i) => `w${i}`));
  });

  test("--color-by on a dataset with a non-Arrow file is a usage error naming it", async () => {
    const r = await runCli(["report", SHARDS, "--format", "html", "--color-by", "word", "-o", out("html")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`embcheck: --color-by needs an Arrow input with a column "word"; ${FILES[0]} is npy\n`);
  });
});
