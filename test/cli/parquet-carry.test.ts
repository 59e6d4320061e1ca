/**
 * fix and apply on Parquet input with an Arrow output carry the other columns through
 * (src/io/parquet-carry.ts), as they do for Arrow input. The oracle is the fixture script
 * (fixtures/scripts/make_parquet_fixtures.py): `id` is arange(n) as int64 and `label` is
 * "doc-{i % 7}"; the repaired vectors must equal those of the same fix written as .npy.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Table, tableFromIPC } from "apache-arrow";
import { afterAll, describe, expect, test } from "vitest";
import { readNpyF32 } from "../helpers/npy.js";
import { runCli } from "./helpers.js";

const P = "fixtures/parquet";
const dir = mkdtempSync(join(tmpdir(), "embcheck-pqcarry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fixBoth(file: string, pipeline: string, extra: string[] = []) {
  const arrow = join(dir, `${pipeline.replace(/[^a-z0-9]/gi, "_")}-${file.replace(/\W/g, "_")}.arrow`);
  const npy = arrow.replace(/\.arrow$/, ".npy");
  const a = await runCli(["fix", `${P}/${file}`, "--pipeline", pipeline, "-o", arrow, ...extra]);
  expect(a.code, a.stderr).toBe(0);
  const b = await runCli(["fix", `${P}/${file}`, "--pipeline", pipeline, "-o", npy, ...extra]);
  expect(b.code, b.stderr).toBe(0);
  return { table: tableFromIPC(readFileSync(arrow)) as Table, npy: readNpyF32(npy) };
}

/** The embedding column of `table` as one row-major Float32Array (null rows as zeros). */
function vectors(table: Table, name: string, dims: number): Float32Array {
  const out = new Float32Array(table.numRows * dims);
  const col = table.getChild(name);
  for (let i = 0; i < table.numRows; i++) {
    const row = col?.get(i);
    if (row) out.set(row.toArray() as Float32Array, i * dims);
  }
  return out;
}

describe("fix on Parquet into Arrow carries the other columns", () => {
  test("several row groups, chunks of 77 rows: id and label row for row, vectors as the .npy output", async () => {
    // pa_fsl_f32_snappy: 1000 rows in row groups of 300, null rows 3, 400, 999
    const { table, npy } = await fixBoth("pa_fsl_f32_snappy.parquet", "l2", ["--chunk-rows", "77"]);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "label", "embedding"]);
    expect(table.numRows).toBe(1000);
    expect(Array.from(table.getChild("id")?.toArray() as BigInt64Array, Number)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    expect(table.getChild("label")?.toArray()).toEqual(Array.from({ length: 1000 }, (_, i) => `doc-${i % 7}`));
    expect(table.getChild("embedding")?.nullCount).toBe(3);
    expect(vectors(table, "embedding", 16)).toEqual(npy.data);
  });

  test("drop-invalid: the ids of the kept rows, in order (null and NaN rows gone)", async () => {
    const { table, npy } = await fixBoth("pa_fsl_f32_snappy.parquet", "drop-invalid,l2");
    // nulls 3, 400, 999 and NaN in rows 7 and 301 (the fixture script's `nulls` and `nans`)
    const gone = new Set([3, 7, 301, 400, 999]);
    const kept = Array.from({ length: 1000 }, (_, i) => i).filter((i) => !gone.has(i));
    expect(Array.from(table.getChild("id")?.toArray() as BigInt64Array, Number)).toEqual(kept);
    expect(table.getChild("label")?.toArray()).toEqual(kept.map((i) => `doc-${i % 7}`));
    expect(vectors(table, "embedding", 16)).toEqual(npy.data);
  });

  test("zstd data page v2 and gzip pages: the other columns decode through embcheck's codecs", async () => {
    const zstd = await fixBoth("pa_list_f64_zstd_v2.parquet", "l2");
    expect(zstd.table.schema.fields.map((f) => f.name)).toEqual(["vector", "id"]);
    expect(Array.from(zstd.table.getChild("id")?.toArray() as BigInt64Array, Number)).toEqual(
      Array.from({ length: 500 }, (_, i) => i),
    );
    const gzip = await fixBoth("pa_large_f16_gzip.parquet", "center");
    expect(gzip.table.schema.fields.map((f) => f.name)).toEqual(["embeddings", "label"]);
    expect(gzip.table.getChild("label")?.toArray()).toEqual(Array.from({ length: 400 }, (_, i) => `doc-${i % 7}`));
  });

  test("a nested column beside the embedding is refused in one line before any file is written", async () => {
    const out = join(dir, "nested.arrow");
    const r = await runCli(["fix", `${P}/pa_pair.parquet`, "--column", "query", "--pipeline", "l2", "-o", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^embcheck: [^\n]+\n$/);
    expect(r.stderr).toContain('column "doc" is nested');
    expect(() => readFileSync(out)).toThrow();
    // the same fix into .npy needs no carrying and succeeds
    const ok = await runCli([
      "fix",
      `${P}/pa_pair.parquet`,
      "--column",
      "query",
      "--pipeline",
      "l2",
      "-o",
      join(dir, "q.npy"),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
