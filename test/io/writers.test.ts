/**
 * Round trips through every writer (.npy, .npz, .arrow, .arrows; float32 and float16), read back
 * by our readers; Arrow columns carried through; atomic writes. The committed files under
 * fixtures/repair/written/ were read once by pyarrow, polars and NumPy
 * (fixtures/scripts/make_repair_reference.py --read-written → fixtures/repair/written.json); the
 * writers must still produce them byte for byte. Regenerate: UPDATE_FIXTURES=1 npx vitest run test/io/writers.test.ts
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { tableFromIPC } from "apache-arrow";
import { afterAll, describe, expect, test } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import { halfToFloat } from "../../src/io/half.js";
import { openEmbeddings } from "../../src/io/open.js";
import { floatToHalf } from "../../src/io/writers/half.js";
import { crc32Combine } from "../../src/io/writers/npz.js";
import { openWriter, outputFormat } from "../../src/io/writers/open.js";
import type { OutputDtype, OutputFormat } from "../../src/io/writers/types.js";
import { Pipeline } from "../../src/repair/pipeline.js";
import { runFix } from "../../src/repair/run.js";
import { loadMatrix } from "../repair/helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "embcheck-writers-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const WRITTEN = "fixtures/repair/written";
const UPDATE = process.env.UPDATE_FIXTURES === "1";

/** fix IN --pipeline P -o OUT through the library, with the writer the CLI would pick. */
async function fixTo(input: string, pipeline: string, out: string, dtype: OutputDtype = "float32", chunkRows?: number) {
  const format = outputFormat(out);
  const p = new Pipeline(pipeline);
  // float64 covariance: the committed files were written from it (the exact path)
  // the writing pass carries the other columns of an Arrow input through (as the CLI asks for an Arrow output)
  const run = {
    open: (o?: { forWriting?: boolean }) => openEmbeddings(input, { chunkRows, carryColumns: o?.forWriting }),
    sampleSize: 64,
    precision: "float64" as const,
  };
  await runFix(run, p, (info, rows, dims) =>
    openWriter(out, { format, dtype, cols: dims, rows, column: info.column ?? "embedding" }),
  );
  return p;
}

async function readBack(path: string) {
  return loadMatrix(path);
}

const FORMATS: [string, OutputFormat][] = [
  ["npy", "npy"],
  ["npz", "npz"],
  ["arrow", "arrow"],
  ["feather", "arrow"],
  ["arrows", "arrow-stream"],
];

describe.each(FORMATS)(".%s", (ext) => {
  test.each(["float32", "float16"] as OutputDtype[])("round-trips %s through our reader", async (dtype) => {
    const out = join(TMP, `rt-${dtype}.${ext}`);
    const p = await fixTo("fixtures/scenarios/healthy.npy", "center,pca:5", out, dtype);
    const want = p.transform((await loadMatrix("fixtures/scenarios/healthy.npy")).matrix);
    const got = await readBack(out);
    expect([got.matrix.rows, got.matrix.cols]).toEqual([1500, 5]);
    for (let i = 0; i < want.data.length; i++) {
      const w = dtype === "float16" ? halfToFloat(floatToHalf(want.data[i])) : Math.fround(want.data[i]);
      expect(got.matrix.data[i]).toBe(w);
    }
  });

  test("writes the rows a filter keeps, with the count in the header", async () => {
    const out = join(TMP, `filtered.${ext}`);
    await fixTo("fixtures/scenarios/dirty.npy", "drop-invalid,dedup", out, "float32", 100);
    const got = await readBack(out);
    expect(got.matrix.rows).toBe(964); // NumPy: fixtures/repair/reference.json
  });
});

describe("Arrow output of Arrow input", () => {
  test("carries every other column through and keeps the embedding column's name and null rows", async () => {
    const out = join(TMP, "table.arrow");
    await fixTo("fixtures/repair/table.arrow", "l2", out);
    const src = tableFromIPC(readFileSync("fixtures/repair/table.arrow"));
    const t = tableFromIPC(readFileSync(out));
    expect(t.schema.fields.map((f) => f.name)).toEqual(["id", "text", "embedding", "tags"]);
    expect(String(t.schema.fields[2].type)).toBe("FixedSizeList[6]<Float32>");
    expect(t.getChild("id")?.toArray()).toEqual(src.getChild("id")?.toArray());
    expect(t.getChild("text")?.toJSON()).toEqual(src.getChild("text")?.toJSON());
    expect(JSON.stringify(t.getChild("tags")?.toJSON())).toBe(JSON.stringify(src.getChild("tags")?.toJSON()));
    expect(t.getChild("embedding")?.nullCount).toBe(2);
  });

  test("carries the columns of an Arrow stream input (float16 lists with nulls) into an Arrow file", async () => {
    const out = join(TMP, "from-stream.arrow");
    await fixTo(`${WRITTEN}/table-l2.arrows`, "drop-invalid,center", out);
    const t = tableFromIPC(readFileSync(out));
    expect(String(t.schema.fields[2].type)).toBe("FixedSizeList[6]<Float32>");
    const ids = Array.from(t.getChild("id")?.toArray() as BigInt64Array, Number);
    expect(ids).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14].map((i) => 100 + i));
    expect(t.getChild("tags")?.get(2)?.toJSON()).toEqual([]);
    expect(t.getChild("tags")?.get(4)?.toJSON()).toEqual(["t5", "t5"]);
  });

  test("drops the other columns' values of dropped rows too", async () => {
    const out = join(TMP, "table-dropped.arrows");
    await fixTo("fixtures/repair/table.arrow", "drop-invalid,dedup,l2", out, "float32", 4);
    const t = tableFromIPC(readFileSync(out));
    // rows 2 and 9 are null, row 11 repeats row 4
    const kept = [0, 1, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14];
    expect(Array.from(t.getChild("id")?.toArray() as BigInt64Array, Number)).toEqual(kept.map((i) => 100 + i));
    expect(t.getChild("text")?.toJSON()).toEqual(kept.map((i) => (i === 5 ? null : `row ${i}`)));
  });
});

describe("the committed outputs pyarrow, polars and NumPy read", () => {
  const CASES: [string, string, string, OutputDtype][] = [
    ["table-l2.arrow", "fixtures/repair/table.arrow", "drop-invalid,l2", "float32"],
    ["table-l2.arrows", "fixtures/repair/table.arrow", "l2", "float16"],
    ["healthy-pca4.npy", "fixtures/scenarios/healthy.npy", "pca:4", "float32"],
    ["dirty-dedup-f16.npz", "fixtures/scenarios/dirty.npy", "drop-invalid,dedup,l2,pca:3", "float16"],
    ["healthy-pca3.arrow", "fixtures/scenarios/healthy.npy", "pca:3", "float32"],
  ];
  const READ = existsSync("fixtures/repair/written.json")
    ? (JSON.parse(readFileSync("fixtures/repair/written.json", "utf8")) as Record<string, Record<string, unknown>>)
    : {};

  test.each(CASES)("%s is written byte for byte as committed", async (name, input, pipeline, dtype) => {
    const out = join(TMP, name);
    await fixTo(input, pipeline, out, dtype);
    if (UPDATE) {
      mkdirSync(WRITTEN, { recursive: true });
      writeFileSync(join(WRITTEN, name), readFileSync(out));
    }
    expect(readFileSync(out).equals(readFileSync(join(WRITTEN, name)))).toBe(true);
  });

  test.each(CASES)("%s reads in Python as in our reader", async (name) => {
    const r = READ[name] as {
      values: (number[] | number[][] | null)[];
      shape?: number[];
      rows?: number;
      polars?: { shape: number[] };
    };
    expect(r).toBeDefined();
    const got = await readBack(join(WRITTEN, name));
    const values = r.values;
    expect(values.length).toBe(got.matrix.rows);
    const d = got.matrix.cols;
    values.forEach((row, i) => {
      if (row === null) {
        expect(got.nulls?.[i]).toBe(1);
        return;
      }
      expect((row as number[]).length).toBe(d);
      expect(Array.from(got.matrix.data.subarray(i * d, (i + 1) * d))).toEqual(row);
    });
    if (r.polars) expect(r.polars.shape[0]).toBe(got.matrix.rows);
  });

  test("pyarrow sees the carried-through columns and a FixedSizeList<float> embedding", () => {
    const r = READ["table-l2.arrow"] as { schema: string[]; ids: number[]; polars: { embeddingDtype: string } };
    expect(r.schema).toEqual([
      "id: int64",
      "text: string",
      "embedding: fixed_size_list<item: float>[6]",
      "tags: list<item: string>",
    ]);
    expect(r.ids).toEqual([100, 101, 103, 104, 105, 106, 107, 108, 110, 111, 112, 113, 114]);
    expect(r.polars.embeddingDtype).toBe("Array(Float32, shape=(6,))");
  });
});

describe("safety", () => {
  test("an existing output is refused without force and replaced with it", async () => {
    const out = join(TMP, "exists.npy");
    writeFileSync(out, "keep me");
    await expect(openWriter(out, { format: "npy", dtype: "float32", cols: 2, rows: 1 })).rejects.toThrow(UsageError);
    expect(readFileSync(out, "utf8")).toBe("keep me");
    const w = await openWriter(out, { format: "npy", dtype: "float32", cols: 2, rows: 1, force: true });
    await w.write({ matrix: { rows: 1, cols: 2, data: new Float64Array([1, 2]) } });
    await w.close();
    expect((await readBack(out)).matrix.data).toEqual(new Float32Array([1, 2]));
  });

  test("a run that fails half-way leaves neither the output nor a temporary file", async () => {
    const dir = mkdtempSync(join(TMP, "fail-"));
    const out = join(dir, "out.arrow");
    let calls = 0;
    const failing = {
      open: async () => {
        const src = await openEmbeddings("fixtures/scenarios/healthy.npy", { chunkRows: 100 });
        const it = src[Symbol.asyncIterator].bind(src);
        return Object.assign(src, {
          [Symbol.asyncIterator]: async function* () {
            for await (const c of { [Symbol.asyncIterator]: it }) {
              if (++calls > 20) throw new InputError("disk on fire", { file: "healthy.npy", row: c.rowOffset });
              yield c;
            }
          },
        });
      },
    };
    await expect(
      runFix(failing, new Pipeline("center"), (_i, rows, dims) =>
        openWriter(out, { format: "arrow", dtype: "float32", cols: dims, rows }),
      ),
    ).rejects.toThrow("disk on fire");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a slow pipe holds back the writer: each write waits until the pipe has drained", async () => {
    const { Writable } = await import("node:stream");
    const { StreamSink } = await import("../../src/io/writers/sink.js");
    let received = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        received += chunk.length;
        setTimeout(done, 2);
      },
    });
    const sink = new StreamSink(slow);
    const most: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sink.write(new Uint8Array(4096));
      most.push(slow.writableLength);
    }
    await sink.finish();
    // Never more than one write's bytes are waiting in the stream's buffer.
    expect(Math.max(...most)).toBe(0);
    await new Promise((r) => slow.end(r));
    expect(received).toBe(20 * 4096);
  });

  test("npy on a pipe without a row count is refused up front", async () => {
    const { PassThrough } = await import("node:stream");
    await expect(
      openWriter("-", { format: "npy", dtype: "float32", cols: 2, rows: null, stdout: new PassThrough() }),
    ).rejects.toThrow(/row count/);
  });

  test("the output format comes from the extension, or from --to for stdout", () => {
    expect(outputFormat("a.feather")).toBe("arrow");
    expect(outputFormat("-", "arrow")).toBe("arrow-stream");
    expect(() => outputFormat("a.parquet")).toThrow(UsageError);
    expect(() => outputFormat("-")).toThrow(/--to/);
  });
});

test("float16 encoding rounds half to even and saturates to ±Inf", () => {
  expect(floatToHalf(1)).toBe(0x3c00);
  expect(floatToHalf(65504)).toBe(0x7bff);
  expect(floatToHalf(65520)).toBe(0x7c00);
  expect(floatToHalf(-2)).toBe(0xc000);
  expect(floatToHalf(2 ** -24)).toBe(1);
  expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
  expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
});

test("crc32Combine equals the CRC of the concatenation", () => {
  const a = Buffer.from("embcheck writes npz ");
  const b = Buffer.alloc(100_003, 7);
  expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])));
});
