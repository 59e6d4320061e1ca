import { describe, expect, test } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import { Pipeline, transformFromJson } from "../../src/repair/pipeline.js";
import {
  decodeFloat64,
  encodeFloat64,
  TRANSFORM_KIND,
  TRANSFORM_SCHEMA_VERSION,
  transformToJson,
} from "../../src/repair/serialize.js";
import { formatPipeline, parsePipeline } from "../../src/repair/spec.js";
import { VERSION } from "../../src/version.js";
import { loadMatrix } from "./helpers.js";

describe("parsePipeline", () => {
  test("reads steps with and without arguments, in order", () => {
    expect(parsePipeline("center, pca:256,l2")).toEqual([{ kind: "center" }, { kind: "pca", k: 256 }, { kind: "l2" }]);
    expect(parsePipeline("pca:0.99,whiten:8,abtt:3,zca,dedup,drop-invalid")).toEqual([
      { kind: "pca", share: 0.99 },
      { kind: "whiten", k: 8 },
      { kind: "abtt", k: 3 },
      { kind: "zca" },
      { kind: "dedup" },
      { kind: "drop-invalid" },
    ]);
  });

  test("formats back to the same text", () => {
    expect(formatPipeline(parsePipeline("center,pca:0.9,abtt,l2"))).toBe("center,pca:0.9,abtt,l2");
  });

  test.each(["", "foo", "pca:0", "pca:-3", "pca:1.5", "l2:3", "abtt:x", "pca:3:4", "whiten:"])(
    "refuses %j with a UsageError",
    (text) => {
      expect(() => parsePipeline(text)).toThrow(UsageError);
    },
  );
});

describe("saved transforms", () => {
  test("encode float64 arrays exactly, NaN and −0 included", () => {
    const a = new Float64Array([Math.PI, -0, Number.NaN, 1e-310, -Number.MAX_VALUE]);
    const back = decodeFloat64(JSON.parse(JSON.stringify(encodeFloat64(a, [5]))), "x", [5]);
    expect(Buffer.from(back.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  test("carry kind, schema version, tool version, the pipeline and the dimensions", async () => {
    const { matrix } = await loadMatrix("fixtures/scenarios/healthy.npy");
    const p = await new Pipeline("center,pca:8,l2").fitMatrix(matrix);
    const j = transformToJson(p, VERSION);
    expect(j.kind).toBe(TRANSFORM_KIND);
    expect(j.schemaVersion).toBe(TRANSFORM_SCHEMA_VERSION);
    expect(j.tool).toEqual({ name: "embcheck", version: VERSION });
    expect(j.pipeline).toBe("center,pca:8,l2");
    expect([j.dimsIn, j.dimsOut]).toEqual([64, 8]);
    expect(j.steps.map((s) => s.kind)).toEqual(["center", "pca", "l2"]);
  });

  test("loading refuses another kind, another schema version, and wrong shapes", async () => {
    const { matrix } = await loadMatrix("fixtures/scenarios/healthy.npy");
    const j = transformToJson(await new Pipeline("pca:4").fitMatrix(matrix), VERSION);
    expect(() => transformFromJson({ ...j, kind: "sklearn/pca" })).toThrow(/"kind"/);
    expect(() => transformFromJson({ ...j, schemaVersion: 2 })).toThrow(/schema version 2/);
    const bad = JSON.parse(JSON.stringify(j));
    bad.steps[0].components.shape = [4, 63];
    expect(() => transformFromJson(bad)).toThrow(InputError);
    expect(() => transformFromJson(null)).toThrow(InputError);
  });

  test("refuses vectors of another dimension with a clear message", async () => {
    const { matrix } = await loadMatrix("fixtures/scenarios/healthy.npy");
    const p = transformFromJson(transformToJson(await new Pipeline("pca:4").fitMatrix(matrix), VERSION));
    const other = { rows: 1, cols: 32, data: new Float32Array(32).fill(1) };
    expect(() => p.transform(other)).toThrow("fitted on 64-dim vectors but the input has 32 dims");
  });
});
