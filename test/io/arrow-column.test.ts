import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Float64, Int64, Table, tableFromArrays, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import { readColumnValues } from "../../src/io/arrow-column.js";
import { makeClusters, writeClustersArrow } from "../browser/clusters.js";

describe("readColumnValues", () => {
  let dir: string;
  let file: string;
  const clusters = makeClusters(2500, 4, 5, 0, 3);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "embcheck-arrow-column-"));
    file = join(dir, "docs.arrow");
    writeClustersArrow(file, clusters, 700); // batches of 700: rows 0–699, 700–1399, ...
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("returns each requested column's values at the given rows, across record batches, in the order asked", async () => {
    const rows = [2499, 0, 699, 700, 1400, 1399, 5];
    const cols = await readColumnValues(file, rows, { required: ["topic"], optional: ["id", "nope"] });
    expect([...cols.keys()]).toEqual(["topic", "id"]);
    expect(cols.get("topic")).toEqual(rows.map((r) => clusters.topics[r]));
    expect(cols.get("id")).toEqual(rows.map((r) => clusters.ids[r]));
  });

  test("keeps numbers as numbers", async () => {
    const rows = Float64Array.from([3, 1000, 2000]);
    const cols = await readColumnValues(file, rows, { required: ["score"] });
    expect(cols.get("score")).toEqual([3, 1000, 2000].map((r) => clusters.scores[r]));
  });

  test("turns nulls into null and 64-bit integers into numbers when exact, text otherwise", async () => {
    const path = join(dir, "types.arrow");
    const big = 2n ** 60n + 1n;
    const t = new Table({
      n: vectorFromArray([1n, null, big], new Int64()),
      s: vectorFromArray(["a", null, "c"], new Utf8()),
      f: vectorFromArray([0.5, Number.NaN, null], new Float64()),
    });
    writeFileSync(path, tableToIPC(t, "file"));
    const cols = await readColumnValues(path, [0, 1, 2], { required: ["n", "s", "f"] });
    expect(cols.get("n")).toEqual([1, null, big.toString()]);
    expect(cols.get("s")).toEqual(["a", null, "c"]);
    expect(cols.get("f")).toEqual([0.5, null, null]);
  });

  test("reads an Arrow stream file too", async () => {
    const path = join(dir, "small.arrows");
    writeFileSync(path, tableToIPC(tableFromArrays({ label: ["x", "y", "z"] }), "stream"));
    const cols = await readColumnValues(path, [2, 0], { required: ["label"] });
    expect(cols.get("label")).toEqual(["z", "x"]);
  });

  test("names a missing column and lists the scalar columns there are", async () => {
    const err = await readColumnValues(file, [0], { required: ["lang"] }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${file}: no column named "lang" (at column "lang"); scalar columns: id, topic, score`);
  });

  test("refuses the embedding column itself: it is a list, not a scalar", async () => {
    const err = await readColumnValues(file, [0], { required: ["embedding"] }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('column "embedding" is FixedSizeList[4]<Float32>, not a scalar');
  });

  test("refuses stdin, which cannot be read twice", async () => {
    await expect(readColumnValues("-", [0], { required: ["x"] })).rejects.toBeInstanceOf(UsageError);
  });
});
