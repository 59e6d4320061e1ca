import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FileMetaData } from "hyparquet";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openEmbeddings } from "../../src/io/open.js";
import { openParquetFile } from "../../src/io/parquet.js";
import { decompress, lz4Block, snappyDecode } from "../../src/io/parquet-codecs.js";
import { readFooter } from "../../src/io/parquet-footer.js";
import { bitWidth, decodeHybrid } from "../../src/io/parquet-levels.js";
import { type ChunkRange, type DataPage, PageStream } from "../../src/io/parquet-pages.js";
import { chooseParquetColumn, topFields } from "../../src/io/parquet-schema.js";
import type { Chunk, EmbeddingSource, OpenOptions } from "../../src/io/types.js";

const DIR = fileURLToPath(new URL("../../fixtures/parquet/", import.meta.url));
const fixture = (name: string) => path.join(DIR, name);

interface Expected {
  writer: "pyarrow" | "polars" | "duckdb";
  column: string;
  dtype: "float16" | "float32" | "float64";
  rows: number;
  dims: number;
  nullRows: number[];
  nanAt: [number, number][];
  sha256: string;
  rowsExact: Record<string, (number | null)[]>;
  rowGroups: number;
  rowGroupRows: number[];
  codecs: string[];
  encodings: string[];
  pair?: { column: string; dtype: string; nullRows: number[]; sha256: string };
}

// Written by fixtures/scripts/make_parquet_fixtures.py; every reference value is NumPy's.
const expected: Record<string, Expected> = JSON.parse(fs.readFileSync(fixture("expected.json"), "utf8"));
const names = Object.keys(expected).sort();

const optsFor = (name: string, extra: OpenOptions = {}): OpenOptions => {
  const e = expected[name];
  return { column: e.column, ...(e.pair ? { pairColumn: e.pair.column } : {}), ...extra };
};

async function collect(src: EmbeddingSource): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  try {
    for await (const c of src) chunks.push(c);
  } finally {
    await src.close();
  }
  return chunks;
}

const bytesOf = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** sha256 of the chunks' values (or their pair side) concatenated, and the global null row indices. */
function digest(chunks: Chunk[], pair = false): { sha256: string; nulls: number[]; arrays: Set<string> } {
  const h = createHash("sha256");
  const nulls: number[] = [];
  const arrays = new Set<string>();
  for (const c of chunks) {
    const side = pair ? c.pair : c;
    if (!side) throw new Error("missing pair");
    h.update(bytesOf(side.matrix.data));
    arrays.add(side.matrix.data.constructor.name);
    if (side.nulls) {
      expect(side.nulls.length).toBe(side.matrix.rows);
      side.nulls.forEach((v, i) => {
        if (v === 1) nulls.push(c.rowOffset + i);
      });
    }
  }
  return { sha256: h.digest("hex"), nulls, arrays };
}

function rowOf(chunks: Chunk[], row: number): number[] {
  for (const c of chunks) {
    if (row < c.rowOffset + c.matrix.rows) {
      const i = row - c.rowOffset;
      return Array.from(c.matrix.data.subarray(i * c.matrix.cols, (i + 1) * c.matrix.cols));
    }
  }
  throw new Error(`no row ${row}`);
}

/** Every data page of the embedding column, as the page reader sees them. */
async function pagesOf(name: string): Promise<Omit<DataPage, "rep" | "def" | "values">[]> {
  const file = fixture(name);
  const fh = await fs.promises.open(file, "r");
  try {
    const { size } = await fh.stat();
    const footer = await readFooter(fh, size, name);
    const col = chooseParquetColumn(topFields(footer.meta, name), name, expected[name].column);
    const ranges: ChunkRange[] = footer.meta.row_groups.map((rg, i) => {
      const md = rg.columns[col.leaf].meta_data;
      if (!md) throw new Error("no metadata");
      const dict = Number(md.dictionary_page_offset ?? 0);
      const data = Number(md.data_page_offset);
      const start = dict > 0 && dict < data ? dict : data;
      return {
        rowGroup: i,
        start,
        length: Number(md.total_compressed_size),
        codec: md.codec,
        slots: Number(md.num_values),
        rows: Number(rg.num_rows),
      };
    });
    const stream = new PageStream(
      async (buf, length, position) => (await fh.read(buf, 0, length, position)).bytesRead,
      ranges,
      col,
      name,
    );
    const out: Omit<DataPage, "rep" | "def" | "values">[] = [];
    for (let p = await stream.next(); p; p = await stream.next()) {
      const { rep: _r, def: _d, values: _v, ...facts } = p;
      out.push(facts);
    }
    return out;
  } finally {
    await fh.close();
  }
}

async function inputErrorOf(opening: () => Promise<EmbeddingSource>): Promise<InputError> {
  try {
    await collect(await opening());
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error("expected an InputError");
}

describe("the Parquet fixtures", () => {
  it("come from pyarrow, polars and DuckDB with every codec, dtype and encoding the reader handles", async () => {
    const all = Object.values(expected);
    expect(new Set(all.map((e) => e.writer))).toEqual(new Set(["pyarrow", "polars", "duckdb"]));
    expect(new Set(all.map((e) => e.dtype))).toEqual(new Set(["float16", "float32", "float64"]));
    // pyarrow names the LZ4_RAW codec "LZ4"; the page reader below sees the codec the footer stores
    expect(new Set(all.flatMap((e) => e.codecs))).toEqual(new Set(["SNAPPY", "ZSTD", "GZIP", "LZ4", "UNCOMPRESSED"]));
    expect(all.some((e) => e.rowGroups >= 3)).toBe(true);
    const pages = await pagesOf("pa_fsl_f32_snappy.parquet");
    // several pages per row group, and dictionary pages followed by PLAIN ones in the same row group
    for (let g = 0; g < 4; g++) {
      const inGroup = pages.filter((p) => p.rowGroup === g);
      expect(inGroup.length).toBeGreaterThanOrEqual(3);
      expect(inGroup[0].encoding).toBe("RLE_DICTIONARY");
      expect(inGroup.at(-1)?.encoding).toBe("PLAIN");
    }
    expect(new Set((await pagesOf("pa_list_f64_zstd_v2.parquet")).map((p) => p.version))).toEqual(new Set([2]));
    expect(new Set((await pagesOf("pa_bss_none.parquet")).map((p) => p.encoding))).toEqual(
      new Set(["BYTE_STREAM_SPLIT"]),
    );
    expect(new Set((await pagesOf("pa_bss_f16.parquet")).map((p) => p.encoding))).toEqual(
      new Set(["BYTE_STREAM_SPLIT"]),
    );
    // float16 stays dictionary-encoded (at most 65536 distinct values)
    expect(new Set((await pagesOf("pa_large_f16_gzip.parquet")).map((p) => p.encoding))).toEqual(
      new Set(["RLE_DICTIONARY"]),
    );
  });
});

describe.each(names)("openParquetFile(%s)", (name) => {
  const e = expected[name];

  it("yields NumPy's values bit for bit, with the exact null rows and NaN for null elements", async () => {
    const src = await openParquetFile(fixture(name), optsFor(name));
    expect(src.info).toMatchObject({
      format: "parquet",
      column: e.column,
      key: null,
      dtype: e.dtype,
      dims: e.dims,
      rows: e.rows,
    });
    const chunks = await collect(src);
    const got = digest(chunks);
    expect(got.sha256).toBe(e.sha256);
    expect(got.nulls).toEqual(e.nullRows);
    expect(got.arrays).toEqual(new Set([e.dtype === "float64" ? "Float64Array" : "Float32Array"]));
    for (const [r, c] of e.nanAt) expect(rowOf(chunks, r)[c]).toBeNaN();
    for (const [r, want] of Object.entries(e.rowsExact)) {
      expect(rowOf(chunks, Number(r)).map((v) => (Number.isNaN(v) ? null : v))).toEqual(want);
    }
    expect(src.bytesRead()).toBe(src.info.totalBytes);
    if (e.pair) {
      const pair = digest(chunks, true);
      expect(pair.sha256).toBe(e.pair.sha256);
      expect(pair.nulls).toEqual(e.pair.nullRows);
    } else {
      for (const c of chunks) expect(c.pair).toBeUndefined();
    }
  });

  it.each([1, 7, 64, 1000, undefined])("gives the same values in chunks of at most %s rows", async (chunkRows) => {
    const chunks = await collect(await openParquetFile(fixture(name), optsFor(name, { chunkRows })));
    let next = 0;
    for (const [i, c] of chunks.entries()) {
      expect(c.rowOffset).toBe(next);
      expect(c.matrix.cols).toBe(e.dims);
      expect(c.matrix.data.length).toBe(c.matrix.rows * e.dims);
      if (chunkRows !== undefined && i < chunks.length - 1) expect(c.matrix.rows).toBe(chunkRows);
      next += c.matrix.rows;
    }
    expect(next).toBe(e.rows);
    expect(digest(chunks).sha256).toBe(e.sha256);
    expect(digest(chunks).nulls).toEqual(e.nullRows);
    if (e.pair) expect(digest(chunks, true).sha256).toBe(e.pair.sha256);
  });
});

describe("Parquet column rules", () => {
  it("chooses embedding, embeddings or vector without --column, and opens by content", async () => {
    for (const name of ["pa_fsl_f32_snappy.parquet", "pa_large_f16_gzip.parquet", "pa_list_f64_zstd_v2.parquet"]) {
      const src = await openEmbeddings(fixture(name));
      expect(src.info.column).toBe(expected[name].column);
      expect(digest(await collect(src)).sha256).toBe(expected[name].sha256);
    }
  });

  it("asks for --column when several list-of-float columns could be meant", async () => {
    const err = await inputErrorOf(() => openParquetFile(fixture("pa_pair.parquet")));
    expect(err.what).toBe("several list columns could hold the embeddings: query, doc, doc_short");
    expect(err.todo).toContain("--column");
  });

  it("names the usable list columns when the chosen column is not a list of floats", async () => {
    const err = await inputErrorOf(() => openParquetFile(fixture("pa_fsl_f32_snappy.parquet"), { column: "label" }));
    expect(err.what).toBe('column "label" is string, not a list of float16/float32/float64');
    expect(err.todo).toBe("list columns: embedding (list<float32>)");
    const missing = await inputErrorOf(() => openParquetFile(fixture("pa_pair.parquet"), { column: "nope" }));
    expect(missing.what).toBe('no column named "nope"');
    expect(missing.todo).toContain(
      "list columns: query (list<float32>), doc (list<float32>), doc_short (list<float32>)",
    );
  });

  it("reads a --pair-column as chunk.pair, and refuses one of another width naming the row", async () => {
    const err = await inputErrorOf(() =>
      openParquetFile(fixture("pa_pair.parquet"), { column: "query", pairColumn: "doc_short" }),
    );
    expect(err.what).toBe('the pair row has 5 values, but "query" has 6 dims');
    expect(err.where).toMatchObject({ row: 0, column: "doc_short" });
  });

  it("reads the levels of the legacy 2-level list and of a bare repeated field", () => {
    const meta = (schema: FileMetaData["schema"]) => ({ schema, row_groups: [] }) as unknown as FileMetaData;
    const twoLevel = meta([
      { name: "schema", num_children: 1 },
      { name: "emb", repetition_type: "OPTIONAL", num_children: 1, converted_type: "LIST" },
      { name: "array", repetition_type: "REPEATED", type: "FLOAT" },
    ]);
    expect(chooseParquetColumn(topFields(twoLevel, "f"), "f")).toMatchObject({
      name: "emb",
      path: ["emb", "array"],
      maxDef: 2,
      emptyDef: 1,
      elementDef: 2,
      nullableRows: true,
    });
    const bare = meta([
      { name: "schema", num_children: 1 },
      { name: "v", repetition_type: "REPEATED", type: "DOUBLE" },
    ]);
    expect(chooseParquetColumn(topFields(bare, "f"), "f")).toMatchObject({
      dtype: "float64",
      maxDef: 1,
      emptyDef: 0,
      elementDef: 1,
      nullableRows: false,
    });
    const spark = meta([
      { name: "spark_schema", num_children: 1 },
      { name: "embedding", repetition_type: "OPTIONAL", num_children: 1, logical_type: { type: "LIST" } },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", repetition_type: "OPTIONAL", type: "FLOAT" },
    ]);
    expect(chooseParquetColumn(topFields(spark, "f"), "f")).toMatchObject({ maxDef: 3, emptyDef: 1, elementDef: 2 });
    // a struct that holds a list is not a list column (as in Arrow)
    const struct = meta([
      { name: "schema", num_children: 1 },
      { name: "s", repetition_type: "OPTIONAL", num_children: 1 },
      { name: "v", repetition_type: "REPEATED", type: "FLOAT" },
    ]);
    expect(() => chooseParquetColumn(topFields(struct, "f"), "f")).toThrow(
      "no list column to read embeddings from (columns: s (struct))",
    );
  });
});

describe("Parquet bad input", () => {
  const bad = (n: string) => fixture(`bad/${n}`);
  const cases: [string, OpenOptions, RegExp, Record<string, unknown>][] = [
    [
      "ragged.parquet",
      {},
      /^ragged list: the row has 3 values, but the first non-null row has 4$/,
      { row: 13, column: "embedding" },
    ],
    ["empty_list.parquet", {}, /^ragged list: the row has 0 values/, { row: 20 }],
    ["no_list.parquet", {}, /^no list column to read embeddings from \(columns: id \(int64\), label \(string\)\)$/, {}],
    ["int_list.parquet", {}, /^no list-of-float column \(list columns: tokens \(list<int64>\)\)$/, {}],
    ["all_null.parquet", {}, /every row of the embedding column is null/, {}],
    ["brotli.parquet", {}, /^BROTLI compression is not supported$/, { column: "embedding" }],
    ["truncated_footer.parquet", {}, /^truncated Parquet file: .* does not end with it/, {}],
    ["footer_length.parquet", {}, /^corrupt Parquet footer length 2147483632/, {}],
    ["footer_garbage.parquet", {}, /^corrupt Parquet footer: its metadata cannot be decoded/, {}],
    ["truncated_page.parquet", {}, /^truncated page: it claims 8191 bytes but the column chunk has \d+ left$/, {}],
  ];
  it.each(cases)("%s is an InputError saying what and where", async (name, opts, what, where) => {
    const err = await inputErrorOf(() => openParquetFile(bad(name), opts));
    expect(err.what).toMatch(what);
    expect(err.where).toMatchObject({ file: bad(name), ...where });
  });
});

describe("Parquet codecs", () => {
  it("decodes snappy literals and overlapping copies (google/snappy format_description.txt)", () => {
    // "abcd" literal, then copy-1 of length 8 at offset 4 (overlapping: repeats "abcd"), then copy-2 len 5 off 12
    const block = Uint8Array.of(17, 0x0c, 0x61, 0x62, 0x63, 0x64, (4 << 2) | 1, 4, (4 << 2) | 2, 12, 0);
    const out = new Uint8Array(17);
    snappyDecode(block, out);
    expect(Buffer.from(out).toString("latin1")).toBe("abcdabcdabcdabcda");
    expect(() => snappyDecode(block.subarray(0, 9), new Uint8Array(17))).toThrow(/snappy/);
    expect(() => snappyDecode(Uint8Array.of(4, 0x00, 0x61, 0x05, 9), new Uint8Array(4))).toThrow(/copy outside/);
    // the block's own length must be the page header's, and its preamble at most 32 bits
    expect(() => snappyDecode(Uint8Array.of(5, 0x00, 0x61), new Uint8Array(4))).toThrow(/header says 4/);
    expect(() => snappyDecode(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 1), new Uint8Array(4))).toThrow(/preamble/);
  });

  const lz4 = Uint8Array.of(0x44, 0x61, 0x62, 0x63, 0x64, 4, 0, 0x10, 0x7a); // "abcd" + match 8 at 4, then "z"
  it("decodes an LZ4 block and refuses one that points before the output", () => {
    const out = new Uint8Array(13);
    expect(lz4Block(lz4, 0, lz4.length, out, 0)).toBe(13);
    expect(Buffer.from(out).toString("latin1")).toBe("abcdabcdabcdz");
    const bad = lz4.slice();
    bad[5] = 9;
    expect(() => lz4Block(bad, 0, bad.length, new Uint8Array(13), 0)).toThrow(/LZ4/);
  });

  it("decodes the LZ4 codec in Hadoop framing, and a bare block under it as Arrow does", () => {
    const framed = new Uint8Array(8 + lz4.length);
    new DataView(framed.buffer).setUint32(0, 13);
    new DataView(framed.buffer).setUint32(4, lz4.length);
    framed.set(lz4, 8);
    expect(Buffer.from(decompress("LZ4", framed, 13)).toString("latin1")).toBe("abcdabcdabcdz");
    expect(Buffer.from(decompress("LZ4", lz4, 13)).toString("latin1")).toBe("abcdabcdabcdz");
    expect(Buffer.from(decompress("LZ4_RAW", lz4, 13)).toString("latin1")).toBe("abcdabcdabcdz");
    expect(() => decompress("LZ4_RAW", lz4, 12)).toThrow(/LZ4/);
  });

  it("checks a ZSTD frame's declared content size against the page header (fzstd would cut or pad)", () => {
    // RFC 8878: magic, descriptor 0x20 (single segment, 1-byte content size) = 5, one raw last block of 5
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 5, 1 | (5 << 3), 0, 0, 0x68, 0x65, 0x6c, 0x6c, 0x6f);
    expect(Buffer.from(decompress("ZSTD", frame, 5)).toString("latin1")).toBe("hello");
    expect(() => decompress("ZSTD", frame, 4)).toThrow(/5 bytes, header says 4/);
    expect(() => decompress("ZSTD", frame, 6)).toThrow(/5 bytes, header says 6/);
    expect(() => decompress("ZSTD", frame.subarray(1), 5)).toThrow(/magic/);
  });

  it("refuses a stored page whose size differs from its header", () => {
    expect(() => decompress("UNCOMPRESSED", new Uint8Array(3), 4)).toThrow(/header says 4/);
  });
});

describe("the RLE / bit-packing hybrid", () => {
  it("decodes RLE runs and bit-packed groups of any width, counting the target value", () => {
    // RLE: 5 × 3 (width 2); bit-packed: one group of 8 values 0..7 (width 3, LSB first)
    const packed = [0, 1, 2, 3, 4, 5, 6, 7].reduce((acc, v, i) => acc + v * 2 ** (3 * i), 0);
    const bytes = Uint8Array.of(5 << 1, 3, (1 << 1) | 1, packed & 0xff, (packed >> 8) & 0xff, (packed >> 16) & 0xff);
    const out = new Uint8Array(13);
    expect(decodeHybrid(bytes.subarray(0, 2), 0, 2, 2, out, 5, 3)).toBe(5);
    expect(Array.from(out.subarray(0, 5))).toEqual([3, 3, 3, 3, 3]);
    const three = Uint8Array.of(5 << 1, 3, ...bytes.subarray(2));
    expect(decodeHybrid(three, 0, three.length, 3, out, 13, 3)).toBe(6);
    expect(Array.from(out)).toEqual([3, 3, 3, 3, 3, 0, 1, 2, 3, 4, 5, 6, 7]);
    // width 20 and 32 bit-packed values
    for (const width of [20, 32]) {
      const vals = [1, 2 ** width - 1, 12345, 0, 7, 2 ** (width - 1), 99, 2 ** width - 2];
      let big = 0n;
      vals.forEach((v, i) => {
        big |= BigInt(v) << BigInt(i * width);
      });
      const body = new Uint8Array(width + 1);
      body[0] = 3;
      for (let i = 0; i < width; i++) body[i + 1] = Number((big >> BigInt(8 * i)) & 0xffn);
      const got = new Uint32Array(8);
      decodeHybrid(body, 0, body.length, width, got, 8);
      expect(Array.from(got)).toEqual(vals);
    }
    expect(bitWidth(0)).toBe(0);
    expect(bitWidth(1)).toBe(1);
    expect(bitWidth(3)).toBe(2);
    expect(() => decodeHybrid(Uint8Array.of(10 << 1), 0, 1, 2, out, 10)).toThrow(/past the page/);
  });
});
