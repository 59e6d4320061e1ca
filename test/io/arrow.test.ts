import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openArrowFile, openArrowStream } from "../../src/io/arrow.js";
import { openNpyFile } from "../../src/io/npy.js";
import type { Chunk, EmbeddingSource, OpenOptions } from "../../src/io/types.js";

const DIR = fileURLToPath(new URL("../../fixtures/arrow/", import.meta.url));
const fixture = (name: string) => path.join(DIR, name);

interface Expected {
  format: "arrow" | "arrow-stream";
  writer: string;
  column: string;
  dtype: "float16" | "float32" | "float64";
  rows: number;
  dims: number;
  batches: number | null;
  compression: string | null;
  nullRows: number[];
  nanAt: [number, number][];
  rowSums: (number | null)[];
  rows_exact: Record<string, (number | null)[]>;
  pairColumn?: string;
  pairNullRows?: number[];
  pairRowSums?: (number | null)[];
  pairRowsExact?: Record<string, (number | null)[]>;
  /** The .npy beside it holding the same values (null rows as zeros, null values as NaN). */
  npy?: string;
}

const expected: Record<string, Expected> = JSON.parse(fs.readFileSync(fixture("expected.json"), "utf8"));
const names = Object.keys(expected).sort();

function optsFor(name: string, extra: OpenOptions = {}): OpenOptions {
  const e = expected[name];
  return e.pairColumn ? { column: e.column, pairColumn: e.pairColumn, ...extra } : extra;
}

/** Opens a fixture the way the CLI would: files by path, `.arrows` as a byte stream. */
function open(name: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  const p = fixture(name);
  return name.endsWith(".arrows") ? openArrowStream(fs.createReadStream(p), name, opts) : openArrowFile(p, opts);
}

async function collect(src: EmbeddingSource): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  try {
    for await (const c of src) chunks.push(c);
  } finally {
    await src.close();
  }
  return chunks;
}

interface Side {
  rows: Float64Array[];
  nulls: number[];
  arrays: string[];
}

/** Flattens the chunks (or their pair side) into rows, null indices and array types. */
function flatten(chunks: Chunk[], pair = false): Side {
  const out: Side = { rows: [], nulls: [], arrays: [] };
  for (const c of chunks) {
    const side = pair ? c.pair : { matrix: c.matrix, nulls: c.nulls };
    if (!side) throw new Error("missing pair");
    const { matrix, nulls } = side;
    out.arrays.push(matrix.data.constructor.name);
    if (nulls) {
      expect(nulls.length).toBe(matrix.rows);
      expect(nulls.some((v) => v === 1)).toBe(true);
    }
    for (let r = 0; r < matrix.rows; r++) {
      out.rows.push(Float64Array.from(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols)));
      if (nulls?.[r] === 1) out.nulls.push(c.rowOffset + r);
    }
  }
  return out;
}

function checkSide(
  side: Side,
  e: Expected,
  sums: (number | null)[],
  exact: Record<string, (number | null)[]>,
  nulls: number[],
) {
  expect(side.rows.length).toBe(e.rows);
  expect(side.nulls).toEqual(nulls);
  for (const a of side.arrays) expect(a).toBe(e.dtype === "float64" ? "Float64Array" : "Float32Array");
  for (const r of nulls) expect(Array.from(side.rows[r]).every((v) => v === 0)).toBe(true);
  side.rows.forEach((row, i) => {
    expect(row.length).toBe(e.dims);
    let sum = 0;
    let mag = 0;
    for (const v of row) {
      sum += v;
      mag += Math.abs(v);
    }
    const want = sums[i];
    if (want === null) expect(sum).toBeNaN();
    else expect(Math.abs(sum - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, mag));
  });
  for (const [k, want] of Object.entries(exact)) {
    const got = Array.from(side.rows[Number(k)]);
    expect(got.map((v) => (Number.isNaN(v) ? null : v))).toEqual(want);
  }
}

function checkAll(name: string, chunks: Chunk[], chunkRows?: number) {
  const e = expected[name];
  let next = 0;
  for (const c of chunks) {
    expect(c.rowOffset).toBe(next);
    expect(c.matrix.cols).toBe(e.dims);
    expect(c.matrix.data.length).toBe(c.matrix.rows * c.matrix.cols);
    if (chunkRows !== undefined) expect(c.matrix.rows).toBeLessThanOrEqual(chunkRows);
    next += c.matrix.rows;
  }
  checkSide(flatten(chunks), e, e.rowSums, e.rows_exact, e.nullRows);
  if (e.pairColumn) {
    checkSide(flatten(chunks, true), e, e.pairRowSums!, e.pairRowsExact!, e.pairNullRows!);
  } else {
    for (const c of chunks) expect(c.pair).toBeUndefined();
  }
}

/** Opens, reads, and returns the InputError the reader threw (fails if it threw nothing or something else). */
async function inputErrorOf(opening: () => Promise<EmbeddingSource>): Promise<InputError> {
  try {
    const src = await opening();
    await collect(src);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("expected an InputError");
}

async function* bytesOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

describe("Arrow readers on the fixtures", () => {
  it("has fixtures from both writers, in both formats, with every dtype, list kind and codec", () => {
    const all = Object.values(expected);
    expect(new Set(all.map((e) => e.writer))).toEqual(new Set(["pyarrow", "polars"]));
    expect(new Set(all.map((e) => e.format))).toEqual(new Set(["arrow", "arrow-stream"]));
    expect(new Set(all.map((e) => e.dtype))).toEqual(new Set(["float16", "float32", "float64"]));
    expect(new Set(all.map((e) => e.compression))).toEqual(new Set([null, "lz4", "zstd"]));
    expect(all.some((e) => (e.batches ?? 0) > 1)).toBe(true);
  });

  for (const name of names) {
    const e = expected[name];

    it(`reads ${name} (${e.writer}, ${e.dtype}, ${e.compression ?? "uncompressed"}) with the expected shape, values and nulls`, async () => {
      const src = await open(name, optsFor(name));
      expect(src.info.format).toBe(e.format);
      expect(src.info.column).toBe(e.column);
      expect(src.info.dtype).toBe(e.dtype);
      expect(src.info.dims).toBe(e.dims);
      expect(src.info.key).toBeNull();
      expect(src.info.path).toBe(name.endsWith(".arrows") ? name : fixture(name));
      if (e.format === "arrow") {
        expect(src.info.rows).toBe(e.rows);
        expect(src.info.totalBytes).toBe(fs.statSync(fixture(name)).size);
      } else {
        expect(src.info.rows).toBeNull();
      }
      const chunks = await collect(src);
      checkAll(name, chunks);
      expect(src.bytesRead()).toBeGreaterThan(0);
      expect(src.bytesRead()).toBeLessThanOrEqual(fs.statSync(fixture(name)).size);
    });

    it(`reads ${name} in chunks of at most 3 rows with consecutive global row offsets`, async () => {
      const chunks = await collect(await open(name, optsFor(name, { chunkRows: 3 })));
      expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(e.rows / 3));
      checkAll(name, chunks, 3);
    });
  }

  it("reads a file batch by batch: after the first chunk only part of the file has been read", async () => {
    const src = await openArrowFile(fixture("polars_lz4.arrow"));
    const size = fs.statSync(fixture("polars_lz4.arrow")).size;
    const it = src[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    expect(src.bytesRead()).toBeGreaterThan(0);
    expect(src.bytesRead()).toBeLessThan(size);
    await it.return?.();
    await src.close();
  });

  it("reads a stream-format file through openArrowFile, batch by batch from the file handle", async () => {
    const src = await openArrowFile(fixture("list_f16_zstd.arrows"));
    expect(src.info.format).toBe("arrow-stream");
    expect(src.info.rows).toBeNull();
    checkAll("list_f16_zstd.arrows", await collect(src));
  });

  it("reads a file-format input handed to openArrowStream (as when a .arrow file is piped to stdin)", async () => {
    const src = await openArrowStream(fs.createReadStream(fixture("list_f64_zstd.arrow")), "-");
    expect(src.info.format).toBe("arrow");
    expect(src.info.path).toBe("-");
    checkAll("list_f64_zstd.arrow", await collect(src));
  });

  it("reads a stream delivered one byte at a time", async () => {
    const buf = fs.readFileSync(fixture("fsl_f64_lz4.arrows"));
    const parts = Array.from(buf, (b) => Uint8Array.of(b));
    const src = await openArrowStream(bytesOf(...parts), "bytes");
    checkAll("fsl_f64_lz4.arrows", await collect(src));
    expect(src.bytesRead()).toBe(buf.length);
  });

  it("picks the column named embedding without --column", async () => {
    const src = await openArrowFile(fixture("fsl_f32.arrow"));
    expect(src.info.column).toBe("embedding");
    await src.close();
  });

  it("reads the pair column as the embedding column when asked, with its own nulls", async () => {
    const src = await openArrowFile(fixture("pair.arrow"), { column: "doc" });
    expect(src.info.column).toBe("doc");
    const side = flatten(await collect(src));
    expect(side.nulls).toEqual(expected["pair.arrow"].pairNullRows);
  });

  it("marks null child values inside a non-null list as NaN", async () => {
    const side = flatten(await collect(await open("largelist_f32.arrow")));
    const [[r, c]] = expected["largelist_f32.arrow"].nanAt;
    expect(side.rows[r][c]).toBeNaN();
    expect(side.rows.flatMap((row) => Array.from(row)).filter(Number.isNaN).length).toBe(1);
  });

  it("leaves chunk.nulls out of chunks that have no null row", async () => {
    const chunks = await collect(await open("fsl_f32.arrow", { chunkRows: 2 }));
    const withNulls = chunks.filter((c) => c.nulls).map((c) => c.rowOffset);
    expect(withNulls).toEqual([2, 11]); // batches of 7, 5, 8 rows; null rows 3 and 11
  });

  it("closes idempotently, before, during and after reading", async () => {
    const a = await open("fsl_f32.arrow");
    await a.close();
    await a.close();
    const b = await open("fsl_f32.arrows", { chunkRows: 4 });
    for await (const _ of b) break;
    await b.close();
    await b.close();
    const c = await open("polars_lz4.arrow");
    await collect(c);
    await c.close();
  });
});

describe("Arrow record batches larger than the chunk size", () => {
  const big = names.filter((n) => expected[n].npy);

  it("has a one-batch fixture for every codec, from both writers, in files and streams", () => {
    const all = big.map((n) => expected[n]);
    expect(new Set(all.map((e) => e.compression))).toEqual(new Set([null, "lz4", "zstd"]));
    expect(new Set(all.map((e) => e.writer))).toEqual(new Set(["pyarrow", "polars"]));
    expect(new Set(all.map((e) => e.format))).toEqual(new Set(["arrow", "arrow-stream"]));
    for (const e of all) expect(e.batches).toBe(1);
  });

  for (const name of big) {
    const e = expected[name];
    for (const chunkRows of [100, 7]) {
      it(`reads ${name} (${e.writer}, ${e.compression ?? "uncompressed"}) in chunks of ${chunkRows} rows, every value equal to the .npy bit for bit`, async () => {
        const npy = await collect(await openNpyFile(fixture(e.npy as string)));
        const want = npy.flatMap((c) => Array.from(c.matrix.data));
        // the file by path, and the same bytes as a pipe (stdin) for stream-format fixtures
        const sources = [await open(name, optsFor(name, { chunkRows }))];
        if (name.endsWith(".arrows")) {
          sources.push(
            await openArrowStream(
              fs.createReadStream(fixture(name), { highWaterMark: 4096 }),
              "-",
              optsFor(name, { chunkRows }),
            ),
          );
        }
        for (const src of sources) {
          const chunks = await collect(src);
          expect(chunks.length).toBe(Math.ceil(e.rows / chunkRows));
          for (const c of chunks) expect(c.matrix.rows).toBeLessThanOrEqual(chunkRows);
          const got = chunks.flatMap((c) => Array.from(c.matrix.data));
          expect(got.length).toBe(want.length);
          // Object.is: NaN equals NaN, and -0 must stay -0
          const firstDiff = got.findIndex((v, i) => !Object.is(v, want[i]));
          expect(firstDiff).toBe(-1);
          checkAll(name, chunks, chunkRows);
        }
      });
    }
  }
});

describe("Arrow codec errors inside a record batch", () => {
  it("reports a corrupt LZ4 block in the embedding values as one InputError naming the batch and a byte offset", async () => {
    const buf = fs.readFileSync(fixture("polars_lz4.arrow"));
    // the values of the embedding column are the largest LZ4 frame of the first batch
    const frames: number[] = [];
    for (let at = buf.indexOf(LZ4_MAGIC); at >= 0; at = buf.indexOf(LZ4_MAGIC, at + 1)) frames.push(at);
    const sizes = frames.map((f, i) => (frames[i + 1] ?? buf.length) - f);
    const values = frames[sizes.indexOf(Math.max(...sizes))];
    buf[values + 200] ^= 0x55;
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-")), "corrupt.arrow");
    fs.writeFileSync(tmp, buf);
    const err = await inputErrorOf(() => openArrowFile(tmp));
    expect(err.message).toMatch(
      new RegExp(
        `^${tmp}: cannot read record batch \\d: the values buffer of column "embedding": LZ4 block checksum mismatch \\(at byte \\d+\\)`,
      ),
    );
    expect(err.where.byteOffset).toBeGreaterThan(values);
    expect(err.message.split("\n").length).toBe(1);
  });

  it("does not decode a column report does not need: a corrupt id column still reads", async () => {
    const buf = fs.readFileSync(fixture("polars_lz4.arrow"));
    const first = buf.indexOf(LZ4_MAGIC); // the first frame is a buffer of the id column
    buf[first + 12] ^= 0x55;
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-")), "corrupt-id.arrow");
    fs.writeFileSync(tmp, buf);
    checkAll("polars_lz4.arrow", await collect(await openArrowFile(tmp)));
  });
});

const LZ4_MAGIC = Buffer.from([0x04, 0x22, 0x4d, 0x18]);

describe("Arrow readers on bad input", () => {
  it("rejects a truncated Arrow file, naming the file and the missing footer", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("truncated.arrow")));
    expect(err.message).toContain(`${fixture("truncated.arrow")}: truncated Arrow file`);
    expect(err.where.byteOffset).toBe(fs.statSync(fixture("truncated.arrow")).size);
  });

  it("rejects a truncated Arrow stream", async () => {
    const err = await inputErrorOf(() => open("truncated.arrows"));
    expect(err.message).toContain("truncated.arrows: ");
    expect(err.message).toMatch(/truncated/);
  });

  it("rejects a stream cut at any 4-byte boundary or in between", async () => {
    const buf = fs.readFileSync(fixture("fsl_f32.arrows"));
    for (let cut = 0; cut < buf.length; cut += cut % 4 === 0 ? 1 : 3) {
      const err = await inputErrorOf(() => openArrowStream(bytesOf(buf.subarray(0, cut)), `cut-${cut}`));
      expect(err.message).toContain(`cut-${cut}: `);
    }
  });

  it("rejects a stream-format file that ends without the end-of-stream marker", async () => {
    const buf = fs.readFileSync(fixture("fsl_f32.arrows"));
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-")), "short.arrows");
    fs.writeFileSync(tmp, buf.subarray(0, buf.length - 8));
    const err = await inputErrorOf(() => openArrowFile(tmp));
    expect(err.message).toContain(`${tmp}: truncated Arrow stream`);
  });

  it("rejects a file that is not Arrow at all", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("garbage.arrow")));
    expect(err.message).toContain(`${fixture("garbage.arrow")}: not an Arrow IPC file`);
    expect(err.where.byteOffset).toBe(0);
  });

  it("rejects a byte stream that is not Arrow at all", async () => {
    const err = await inputErrorOf(() => open("garbage.arrows"));
    expect(err.message).toContain("garbage.arrows: not an Arrow IPC stream");
    const text = await inputErrorOf(() => openArrowStream(fs.createReadStream(fixture("garbage.arrow")), "-"));
    expect(text.message).toContain("-: not an Arrow IPC stream");
  });

  it("rejects an empty stream and an empty file", async () => {
    const err = await inputErrorOf(() => openArrowStream(bytesOf(), "-"));
    expect(err.message).toContain("-: empty input");
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-")), "empty.arrow");
    fs.writeFileSync(tmp, "");
    const file = await inputErrorOf(() => openArrowFile(tmp));
    expect(file.message).toContain(`${tmp}: empty file`);
  });

  it("rejects a path that cannot be opened", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("does-not-exist.arrow")));
    expect(err.message).toContain(`${fixture("does-not-exist.arrow")}: cannot open`);
  });

  it("rejects a table with zero rows", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("zero_rows.arrow")));
    expect(err.message).toContain("zero_rows.arrow: the Arrow input has no rows");
  });

  it("rejects a table with zero columns", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("zero_cols.arrow")));
    expect(err.message).toContain("zero_cols.arrow: the Arrow input has no columns");
  });

  it("rejects a table without a list column, listing its columns", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("no_list.arrow")));
    expect(err.message).toContain(
      "no_list.arrow: no list column to read embeddings from (columns: id (Utf8), x (Float64))",
    );
  });

  it("rejects a list of integers", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("int_list.arrow")));
    expect(err.message).toContain(
      'int_list.arrow: column "embedding" is FixedSizeList[3]<Int32>, not a list of float16/float32/float64',
    );
    expect(err.where.column).toBe("embedding");
  });

  it("rejects a List column whose rows are all null, since its dimension is unknown", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("all_null_list.arrow")));
    expect(err.message).toContain("all_null_list.arrow: every row of the embedding column is null");
  });

  it("rejects a ragged List, naming the global row and the column, in files and streams", async () => {
    for (const name of ["ragged.arrow", "ragged.arrows"]) {
      for (const chunkRows of [undefined, 3]) {
        const err = await inputErrorOf(() => open(name, { chunkRows }));
        expect(err.message).toContain(`${name}: ragged list: the row has 3 values, but the first non-null row has 4`);
        expect(err.where).toMatchObject({ row: 13, column: "embedding" });
      }
    }
  });

  it("rejects two candidate list columns as ambiguous and tells to pass --column NAME", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("pair.arrow")));
    expect(err.message).toContain("pair.arrow: several list columns could hold the embeddings: query, doc, doc_short");
    expect(err.message).toContain("pass --column NAME");
  });

  it("rejects a --column that does not exist, listing the list columns", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("pair.arrow"), { column: "nope" }));
    expect(err.message).toContain('pair.arrow: no column named "nope"');
    expect(err.message).toContain("list columns: query (FixedSizeList[6]<Float32>), doc (List<Float32>)");
  });

  it("rejects a --column that is not a list of floats", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("pair.arrow"), { column: "id" }));
    expect(err.message).toContain('pair.arrow: column "id" is Utf8, not a list of float16/float32/float64');
  });

  it("rejects a pair column of another width", async () => {
    const err = await inputErrorOf(() =>
      openArrowFile(fixture("pair.arrow"), { column: "query", pairColumn: "doc_short" }),
    );
    expect(err.message).toContain('pair.arrow: pair column "doc_short" has 5 dims but "query" has 6');
  });

  it("rejects a List pair row whose length differs from the embedding width, naming the global row", async () => {
    for (const chunkRows of [undefined, 4]) {
      const err = await inputErrorOf(() =>
        openArrowFile(fixture("pair_ragged.arrow"), { column: "query", pairColumn: "doc", chunkRows }),
      );
      expect(err.message).toBe(
        `${fixture("pair_ragged.arrow")}: the pair row has 3 values, but "query" has 4 dims (at row 13, column "doc"); every vector must have the same length`,
      );
    }
  });

  it("reads the embedding column beside a column type apache-arrow cannot decode, which it never decodes", async () => {
    const src = await openArrowFile(fixture("unsupported_type.arrow"));
    const chunks = await collect(src);
    expect(chunks.map((c) => Array.from(c.matrix.data))).toEqual([[1, 1, 1, 1]]);
  });

  it("refuses to carry a column apache-arrow cannot decode through, saying which type", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("unsupported_type.arrow"), { carryColumns: true }));
    expect(err.message).toContain(
      "unsupported_type.arrow: cannot read the Arrow schema to carry the other columns through",
    );
  });

  it("rejects a missing pair column", async () => {
    const err = await inputErrorOf(() => openArrowFile(fixture("pair.arrow"), { column: "query", pairColumn: "nope" }));
    expect(err.message).toContain('pair.arrow: no column named "nope"');
    expect(err.message).toContain("--pair-column NAME");
  });
});
