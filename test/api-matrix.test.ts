/**
 * reportMatrix / profileMatrix: vectors in memory get the report a file of the same values gets,
 * whichever way they are given (flat typed array + shape, array of rows, ndarray-like views of
 * the scijs `ndarray` layout, transposed and strided), with positive pairs in memory too; bad
 * shapes are one clear UsageError. The oracle is `report()` on the fixture .npy itself.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { openEmbeddings, profileMatrix, type Report, report, reportMatrix, UsageError } from "../src/index.js";
import { ROOT } from "./cli/helpers.js";

/** Every row of `path`, row-major, in the array type the reader gives (float32 for <f4, float64 for <f8). */
async function load(path: string): Promise<{ data: Float32Array | Float64Array; rows: number; dims: number }> {
  const src = await openEmbeddings(path);
  const parts: (Float32Array | Float64Array)[] = [];
  for await (const c of src) parts.push(c.matrix.data.slice(0, c.matrix.rows * c.matrix.cols));
  await src.close();
  const total = parts.reduce((a, p) => a + p.length, 0);
  const data = parts[0] instanceof Float64Array ? new Float64Array(total) : new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, rows: total / src.info.dims, dims: src.info.dims };
}

/** The report without what legitimately differs between a file and memory: where it came from, timings. */
function comparable(r: Report): unknown {
  const { timing: _t, input, ...rest } = r;
  const { path: _p, format: _f, pairs: _q, ...inp } = input;
  return { ...rest, input: inp };
}

const HEALTHY = "fixtures/scenarios/healthy.npy";

describe("reportMatrix on vectors in memory", () => {
  test("a Float32Array with rows and dims reports exactly what the float32 .npy of the same values reports", async () => {
    const m = await load(HEALTHY);
    expect(m.data).toBeInstanceOf(Float32Array);
    const [fromFile, fromMemory] = [await report(HEALTHY), await reportMatrix(m)];
    expect(fromMemory.input).toMatchObject({
      path: "(memory)",
      format: "memory",
      dtype: "float32",
      rows: 1500,
      dims: 64,
    });
    expect(comparable(fromMemory)).toEqual(comparable(fromFile));
    expect(JSON.stringify(comparable(fromMemory))).toBe(JSON.stringify(comparable(fromFile)));
  });

  test("an array of plain-number rows is read as float64 and matches the float64 .npy", async () => {
    const f64 = "fixtures/scenarios/healthy-f64.npy";
    const m = await load(f64);
    const rows = Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.dims, (i + 1) * m.dims)));
    const r = await reportMatrix(rows, { label: "rows" });
    expect(r.input).toMatchObject({ path: "rows", dtype: "float64", rows: m.rows, dims: m.dims });
    expect(comparable(r)).toEqual(comparable(await report(f64)));
  });

  test("an ndarray-like transposed view (column-major data, stride [1, n]) gives the same report", async () => {
    const m = await load(HEALTHY);
    const { rows: n, dims: d } = m;
    // As scijs ndarray(colMajor, [d, n]).transpose(1, 0) holds it: element (i, j) at j·n + i.
    const colMajor = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) colMajor[j * n + i] = m.data[i * d + j];
    const view = { data: colMajor, shape: [n, d], stride: [1, n], offset: 0 };
    expect(comparable(await reportMatrix(view))).toEqual(comparable(await report(HEALTHY)));
  });

  test("an ndarray-like strided view with an offset and padded rows (a slice of a wider array) gives the same report", async () => {
    const m = await load(HEALTHY);
    const { rows: n, dims: d } = m;
    const pad = 3;
    const offset = 5;
    const wide = new Float32Array(offset + n * (d + pad)).fill(Number.NaN);
    for (let i = 0; i < n; i++) wide.set(m.data.subarray(i * d, (i + 1) * d), offset + i * (d + pad));
    const view = { data: wide, shape: [n, d], stride: [d + pad, 1], offset };
    expect(comparable(await reportMatrix(view, { chunkRows: 100 }))).toEqual(comparable(await report(HEALTHY)));
  });

  test("positive pairs in memory give the alignment that --pairs FILE gives", async () => {
    const docs = "fixtures/scenarios/docs-aligned.npy";
    const queries = "fixtures/scenarios/queries.npy";
    const fromFiles = await report(docs, { pairs: queries });
    const fromMemory = await reportMatrix(await load(docs), { pairs: await load(queries) });
    expect(fromMemory.alignment).not.toBeNull();
    expect(fromMemory.alignment).toEqual(fromFiles.alignment);
    expect(comparable(fromMemory)).toEqual(comparable(fromFiles));
  });

  test("the report keeps the published report schema", async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schema", "report.schema.json"), "utf8"));
    const validate = new Ajv({ strict: true }).compile(schema);
    const r = await reportMatrix(await load(HEALTHY));
    expect(validate(JSON.parse(JSON.stringify(r))), JSON.stringify(validate.errors)).toBe(true);
  });

  test("profileMatrix returns the Profile of every row and what the source said", async () => {
    const m = await load(HEALTHY);
    const { info, profile } = await profileMatrix(m, { sampleSize: 100, seed: 3 });
    expect(info).toMatchObject({ format: "memory", rows: 1500, dims: 64, dtype: "float32" });
    expect(profile.rows).toBe(1500);
    expect(profile.dims).toBe(64);
  });
});

describe("reportMatrix rejects shapes that do not fit, with a UsageError naming the mismatch", () => {
  test.each([
    [
      "a flat array of the wrong length",
      { data: new Float32Array(10), rows: 3, dims: 4 },
      /3 × 4 needs 12 values, got 10/,
    ],
    [
      "ragged rows",
      [
        [1, 2, 3],
        [4, 5],
      ],
      /row 1 has 2 values, row 0 has 3/,
    ],
    ["an empty array of rows", [], /the array of rows is empty/],
    ["zero dims", { data: new Float32Array(0), rows: 0, dims: 0 }, /dims an integer ≥ 1/],
    ["a 3-D ndarray", { data: new Float32Array(8), shape: [2, 2, 2], stride: [4, 2, 1] }, /must be 2-D/],
    [
      "an ndarray view reaching past its data",
      { data: new Float32Array(8), shape: [3, 3], stride: [3, 1] },
      /reach index 8, outside its 8 values/,
    ],
    ["no data at all", { rows: 2, dims: 2 }, /give \{ data, rows, dims \}/],
  ])("%s", async (_what, input, message) => {
    const run = reportMatrix(input as never);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(reportMatrix(input as never)).rejects.toThrow(message);
  });
});
