/**
 * Parquet through the CLI: the report of a Parquet file equals the report of the .npy of the same
 * values, and bad Parquet input is one line on stderr with exit 3.
 */
import { describe, expect, test } from "vitest";
import { type CliResult, runCli, zeroTimings } from "./helpers.js";

const P = "fixtures/parquet";

function expectOneLineError(result: CliResult, mentions: string): void {
  expect(result.code, result.stderr).toBe(3);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toContain("    at ");
  expect(result.stderr).toMatch(/^embcheck: [^\n]+\n$/);
  expect(result.stderr).toContain(mentions);
}

describe("embcheck report on Parquet", () => {
  test("gives the same report as the .npy of the same values (all but input and timing)", async () => {
    // dirty.parquet: fixtures/scenarios/dirty.npy in 4 row groups of small pages (NaN, zero, duplicate rows)
    const parquet = await runCli(["report", `${P}/dirty.parquet`, "--format", "json"]);
    const npy = await runCli(["report", "fixtures/scenarios/dirty.npy", "--format", "json"]);
    expect(parquet.code).toBe(npy.code);
    const a = JSON.parse(zeroTimings(parquet.stdout));
    const b = JSON.parse(zeroTimings(npy.stdout));
    expect(a.input).toMatchObject({ format: "parquet", column: "embedding", rows: 1000, dims: 32, dtype: "float32" });
    expect(a.integrity).toEqual(b.integrity);
    expect(a.integrity).toMatchObject({ rows: 1000, nanRows: 4, infRows: 2, zeroRows: 5, duplicateRows: 25 });
    for (const k of ["input", "timing"]) {
      delete a[k];
      delete b[k];
    }
    expect(a).toEqual(b);
  });

  test("is the .npy's report at the same --chunk-rows too (chunks that cut across row groups and pages)", async () => {
    // the covariance's last bits depend on the chunking (mixed-precision blocks): compare like with like
    const args = ["--format", "json", "--chunk-rows", "37"];
    const a = JSON.parse(zeroTimings((await runCli(["report", `${P}/dirty.parquet`, ...args])).stdout));
    const b = JSON.parse(zeroTimings((await runCli(["report", "fixtures/scenarios/dirty.npy", ...args])).stdout));
    delete a.input;
    delete b.input;
    expect(a).toEqual(b);
  });

  test.each([
    [
      ["--column", "label"],
      "pa_fsl_f32_snappy.parquet",
      'column "label" is string, not a list of float16/float32/float64',
    ],
    [[], "bad/no_list.parquet", "no list column to read embeddings from"],
    [[], "bad/int_list.parquet", "no list-of-float column"],
    [[], "bad/truncated_footer.parquet", "does not end with it (no footer)"],
    [[], "bad/footer_length.parquet", "corrupt Parquet footer length"],
    [[], "bad/footer_garbage.parquet", "corrupt Parquet footer"],
    [[], "bad/truncated_page.parquet", "truncated page"],
    [
      [],
      "bad/ragged.parquet",
      'the row has 3 values, but the first non-null row has 4 (at row 13, column "embedding")',
    ],
  ])("report %j %s is one line and exit 3", async (extra, file, mentions) => {
    expectOneLineError(await runCli(["report", `${P}/${file}`, ...extra]), mentions);
  });

  test("a Parquet file piped on stdin is refused with a hint (it needs random access)", async () => {
    const { readFileSync } = await import("node:fs");
    const stdin = readFileSync(`${P}/pa_pair.parquet`);
    expectOneLineError(await runCli(["report", "-"], { stdin }), "need random access");
  });
});
