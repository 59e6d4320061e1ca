/**
 * Reading a record batch far larger than the chunk size allocates nothing batch-sized: every
 * typed array the reader creates while it reads (chunks, read-ahead, LZ4 windows, ZSTD pieces,
 * validity and offsets) is recorded by replacing the global typed-array constructors, and the
 * largest must stay under a bound that is a fraction of the batch.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableToIPC } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { openArrowFile, openArrowStream } from "../../src/io/arrow.js";
import type { EmbeddingSource } from "../../src/io/types.js";

const DIR = fileURLToPath(new URL("../../fixtures/arrow/", import.meta.url));
const ROWS = 1_000_000;
const DIMS = 16;
const BATCH_BYTES = ROWS * DIMS * 4; // 64 MB of values in one record batch
const CHUNK_ROWS = 1000;
/** The read-ahead of a file region (4 MiB) plus a block: far below the batch. */
const BOUND = 5 << 20;

const KINDS = [Uint8Array, Uint16Array, Int32Array, Float32Array, Float64Array, BigInt64Array] as const;

/** Runs `read` with every `new TypedArray(length)` recorded; returns the largest in bytes. */
async function largestAllocation(read: () => Promise<void>): Promise<number> {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = KINDS.map((K) => [K.name, K] as const);
  let largest = 0;
  for (const K of KINDS) {
    const Base = K as unknown as new (...a: unknown[]) => ArrayBufferView;
    g[K.name] = class extends Base {
      constructor(...args: unknown[]) {
        super(...args);
        if (typeof args[0] === "number") largest = Math.max(largest, this.byteLength);
      }
    };
  }
  try {
    await read();
  } finally {
    for (const [name, K] of saved) g[name] = K;
  }
  return largest;
}

async function drain(src: EmbeddingSource): Promise<{ rows: number; first: number[]; last: number[] }> {
  let rows = 0;
  let first: number[] = [];
  let last: number[] = [];
  try {
    for await (const c of src) {
      expect(c.matrix.rows).toBeLessThanOrEqual(CHUNK_ROWS);
      if (rows === 0) first = Array.from(c.matrix.data.subarray(0, DIMS));
      last = Array.from(c.matrix.data.subarray((c.matrix.rows - 1) * DIMS));
      rows += c.matrix.rows;
    }
  } finally {
    await src.close();
  }
  return { rows, first, last };
}

// the fixtures' pattern: row i = pattern[i % 7], pattern[r][j] = (16 r + j − 50) / 8
const patternRow = (i: number) => Array.from({ length: DIMS }, (_, j) => ((i % 7) * DIMS + j - 50) / 8);

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-mem-"));
afterAll(() => fs.rmSync(TMP, { recursive: true, force: true }));

function uncompressedFile(): string {
  const values = new Float32Array(ROWS * DIMS);
  for (let i = 0; i < ROWS; i++) values.set(patternRow(i), i * DIMS);
  const type = new FixedSizeList(DIMS, new Field("item", new Float32()));
  const emb = makeData({
    type,
    length: ROWS,
    child: makeData({ type: new Float32(), length: ROWS * DIMS, data: values }),
  });
  const schema = new Schema([new Field("embedding", type)]);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: ROWS, children: [emb] }));
  const file = path.join(TMP, "huge.arrows");
  fs.writeFileSync(file, tableToIPC(new Table(batch), "stream"));
  return file;
}

describe("Arrow reading memory", () => {
  const cases: [string, () => Promise<EmbeddingSource>][] = [
    ["an LZ4 file", () => openArrowFile(path.join(DIR, "huge_lz4.arrow"), { chunkRows: CHUNK_ROWS })],
    ["a ZSTD stream from a file", () => openArrowFile(path.join(DIR, "huge_zstd.arrows"), { chunkRows: CHUNK_ROWS })],
    [
      "a ZSTD stream from a pipe",
      () => openArrowStream(fs.createReadStream(path.join(DIR, "huge_zstd.arrows")), "-", { chunkRows: CHUNK_ROWS }),
    ],
  ];
  let plain = "";
  cases.push(["an uncompressed stream from a file", () => openArrowFile(plain, { chunkRows: CHUNK_ROWS })]);
  cases.push([
    "an uncompressed stream from a pipe",
    () => openArrowStream(fs.createReadStream(plain), "-", { chunkRows: CHUNK_ROWS }),
  ]);

  for (const [what, open] of cases) {
    it(`reads a 64 MB record batch of ${what} in chunks, never allocating more than 5 MiB at once`, async () => {
      if (!plain) plain = uncompressedFile();
      let result = { rows: 0, first: [] as number[], last: [] as number[] };
      const largest = await largestAllocation(async () => {
        result = await drain(await open());
      });
      expect(result.rows).toBe(ROWS);
      expect(result.first).toEqual(patternRow(0));
      expect(result.last).toEqual(patternRow(ROWS - 1));
      expect(largest).toBeGreaterThan(0);
      expect(largest).toBeLessThanOrEqual(BOUND);
      expect(BATCH_BYTES / largest).toBeGreaterThan(12);
    }, 60_000);
  }
});
