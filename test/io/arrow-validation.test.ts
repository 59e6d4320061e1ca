/**
 * Damaged Arrow inputs are refused before anything is allocated or handed to apache-arrow, with
 * one InputError line naming the file, the record batch, what is wrong and the byte offset. Each
 * case edits one field of a pyarrow-written fixture, found through the metadata's own layout.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
} from "apache-arrow";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { type Table as FbTable, FlatBuffer } from "../../src/io/arrow/flatbuffer.js";
import { decodeFooter } from "../../src/io/arrow/metadata.js";
import { openArrowFile, openArrowStream } from "../../src/io/arrow.js";
import type { EmbeddingSource } from "../../src/io/types.js";
import { runCli } from "../cli/helpers.js";

const DIR = fileURLToPath(new URL("../../fixtures/arrow/", import.meta.url));
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "embcheck-arrow-bad-"));

async function readAll(src: EmbeddingSource): Promise<number> {
  let rows = 0;
  try {
    for await (const c of src) rows += c.matrix.rows;
  } finally {
    await src.close();
  }
  return rows;
}

async function refusal(open: () => Promise<EmbeddingSource>): Promise<InputError> {
  try {
    await readAll(await open());
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message.split("\n")).toHaveLength(1);
    return e as InputError;
  }
  throw new Error("expected an InputError");
}

function write(name: string, bytes: Uint8Array): string {
  const p = path.join(TMP, name);
  fs.writeFileSync(p, bytes);
  return p;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

interface MessageAt {
  /** Where the message's flatbuffer starts in the file. */
  meta: number;
  /** Where the message (its 0xFFFFFFFF marker) starts. */
  start: number;
  root: FbTable;
  header: FbTable;
  bodyStart: number;
  bodyLength: number;
}

/** The message at `start` (continuation marker, length, flatbuffer), tables positioned in the file. */
function messageAt(buf: Uint8Array, start: number): MessageAt {
  const len = view(buf).getInt32(start + 4, true);
  const meta = start + 8;
  const fb = new FlatBuffer(buf.subarray(meta, meta + len));
  const root = fb.root();
  const header = root.table(2) as FbTable;
  const bodyLength = root.i64(3);
  return { meta, start, root, header, bodyStart: meta + len, bodyLength };
}

/** The record batch messages of an IPC file, from its footer. */
function fileBatches(buf: Uint8Array): MessageAt[] {
  const footerLen = view(buf).getInt32(buf.length - 10, true);
  const footer = decodeFooter(buf.subarray(buf.length - 10 - footerLen, buf.length - 10));
  return footer.recordBatches.map((b) => messageAt(buf, b.offset));
}

/** The messages of an IPC stream, in order (schema first). */
function streamMessages(buf: Uint8Array): MessageAt[] {
  const out: MessageAt[] = [];
  for (let at = 0; view(buf).getInt32(at + 4, true) !== 0; ) {
    const m = messageAt(buf, at);
    out.push(m);
    at = m.bodyStart + m.bodyLength;
  }
  return out;
}

const fixture = (name: string) => new Uint8Array(fs.readFileSync(path.join(DIR, name)));

describe("Arrow record batch headers that disagree with the data", () => {
  // fsl_f32.arrow: columns id (Utf8), label (Int64), embedding (FixedSizeList<float32>[8]); batches of 7, 7, 6 rows
  it("refuses a batch whose length differs from its columns' (a 7-row batch that says 3)", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[1];
    view(buf).setBigInt64(m.meta + m.header.offsetOf(0), 3n, true);
    const file = write("short-length.arrow", buf);
    const err = await refusal(() => openArrowFile(file));
    expect(err.message).toBe(
      `${file}: cannot read record batch 1: column "id" has 7 rows, but the record batch says 3 (at byte ${m.start}); the file is damaged or was not written by an Arrow writer; write it again`,
    );
  });

  it("refuses a batch that claims 280,375,465,082,887 rows at once, without allocating or working for them", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[0];
    buf[m.meta + m.header.offsetOf(0) + 5] = 0xff; // one byte of RecordBatch.length, as the fuzzer did
    const err = await refusal(() => openArrowFile(write("huge-length.arrow", buf)));
    expect(err.message).toContain(
      'cannot read record batch 0: column "id" has 7 rows, but the record batch says 280375465082887',
    );
  });

  it("refuses a buffer that lies outside the message body", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[2];
    const buffers = m.header.vector(2, 16) as { at: number; length: number };
    expect(buffers.length).toBe(8); // id: 3, label: 2, embedding: validity, value validity, values
    view(buf).setBigInt64(m.meta + buffers.at + 7 * 16, BigInt(m.bodyLength), true);
    const err = await refusal(() => openArrowFile(write("buffer-outside.arrow", buf)));
    expect(err.message).toMatch(
      new RegExp(
        `cannot read record batch 2: buffer 7 \\(offset ${m.bodyLength}, length \\d+\\) lies outside the ${m.bodyLength}-byte message body`,
      ),
    );
    expect(err.where.byteOffset).toBe(m.start);
  });

  it("refuses a field node whose null count exceeds its length, at the node's byte", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[0];
    const nodes = m.header.vector(1, 16) as { at: number };
    view(buf).setBigInt64(m.meta + nodes.at + 8, 99n, true);
    const err = await refusal(() => openArrowFile(write("null-count.arrow", buf)));
    expect(err.message).toContain("field node 0 has length 7 and null count 99");
    expect(err.where.byteOffset).toBe(m.meta + nodes.at);
  });

  it("refuses a future metadata version (V6) instead of guessing at it", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[0];
    view(buf).setInt16(m.meta + m.root.offsetOf(0), 5, true);
    const err = await refusal(() => openArrowFile(write("v6.arrow", buf)));
    expect(err.message).toContain(
      "cannot read record batch 0: metadata version V6 is newer than this reader knows (V4, V5)",
    );
  });

  it("refuses list offsets that go backwards, naming the column and the row", async () => {
    // largelist_f32.arrow: label (Int64: 2 buffers), emb_large (validity, offsets, value validity, values)
    const buf = fixture("largelist_f32.arrow");
    const m = fileBatches(buf)[0];
    const buffers = m.header.vector(2, 16) as { at: number };
    const offsetsAt = m.bodyStart + Number(view(buf).getBigInt64(m.meta + buffers.at + 3 * 16, true));
    view(buf).setBigInt64(offsetsAt + 3 * 8, 1n, true); // offsets[3] below offsets[2]
    const err = await refusal(() => openArrowFile(write("offsets-back.arrow", buf)));
    expect(err.message).toContain('cannot read record batch 0: list offsets of column "emb_large" decrease at row 2');
    expect(err.where.byteOffset).toBe(offsetsAt);
  });
});

describe("Arrow files whose footer or framing is damaged", () => {
  it("refuses a footer block that points past the data, and one whose body length disagrees with its message", async () => {
    const buf = fixture("fsl_f32.arrow");
    const footerLen = view(buf).getInt32(buf.length - 10, true);
    const footerAt = buf.length - 10 - footerLen;
    const root = new FlatBuffer(buf.subarray(footerAt, buf.length - 10)).root();
    const blocks = root.vector(3, 24) as { at: number };
    const past = Uint8Array.from(buf);
    view(past).setBigInt64(footerAt + blocks.at + 16, 1n << 40n, true); // bodyLength of block 0
    const err = await refusal(() => openArrowFile(write("block-past.arrow", past)));
    expect(err.message).toContain("the footer's record batch 0 block");
    expect(err.message).toContain("lies outside the file's");
    const other = Uint8Array.from(buf);
    view(other).setBigInt64(footerAt + blocks.at + 16, 8n, true);
    const err2 = await refusal(() => openArrowFile(write("block-body.arrow", other)));
    expect(err2.message).toMatch(
      /cannot read record batch 0: record batch 0's message says a \d+-byte body, its footer block 8/,
    );
  });

  it("refuses a schema whose fields vector claims more fields than the metadata could hold", async () => {
    const buf = fixture("fsl_f32.arrows");
    const schema = streamMessages(buf)[0];
    const fields = schema.header.vector(1, 4) as { at: number };
    view(buf).setUint32(schema.meta + fields.at - 4, 0x10000000, true);
    const err = await refusal(() => openArrowStream(fs.createReadStream(write("fields.arrows", buf)), "fields.arrows"));
    expect(err.message).toMatch(
      /^fields\.arrows: cannot read the Arrow stream: corrupt metadata: vector 1 of 268435456 elements at \d+/,
    );
    expect(err.where.byteOffset).toBeGreaterThanOrEqual(schema.meta);
  });

  it("refuses a metadata length over the limit or negative, before reading it", async () => {
    for (const [len, want] of [
      [0x7ffffff0, "message metadata length 2147483632 is over the 67108864-byte limit"],
      [-5, "message metadata length -5 is negative"],
    ] as const) {
      const buf = fixture("fsl_f32.arrows");
      const batch = streamMessages(buf)[1];
      view(buf).setInt32(batch.start + 4, len, true);
      const err = await refusal(() => openArrowStream(fs.createReadStream(write("meta-len.arrows", buf)), "-"));
      expect(err.message).toContain(want);
    }
  });

  it("refuses a second schema message in a stream (the message a fuzzer inserted twice)", async () => {
    const buf = fixture("fsl_f32.arrows");
    const schema = streamMessages(buf)[0];
    const head = buf.subarray(0, schema.bodyStart + schema.bodyLength);
    const doubled = new Uint8Array(buf.length + head.length);
    doubled.set(head, 0);
    doubled.set(buf, head.length);
    for (const open of [
      () => openArrowFile(write("two-schemas.arrows", doubled)),
      () => openArrowStream(fs.createReadStream(write("two-schemas.arrows", doubled)), "-"),
    ]) {
      const err = await refusal(open);
      expect(err.message).toContain("a second schema message in the stream");
      expect(err.where.byteOffset).toBe(head.length);
    }
  });

  it("refuses a body that runs past the end of the input, from a file and from a pipe", async () => {
    const buf = fixture("fsl_f32.arrows");
    const batch = streamMessages(buf)[2];
    view(buf).setBigInt64(batch.meta + batch.root.offsetOf(3), 1n << 33n, true);
    const file = write("body-past.arrows", buf);
    const fromFile = await refusal(() => openArrowFile(file));
    expect(fromFile.message).toContain("truncated Arrow data");
    const fromPipe = await refusal(() => openArrowStream(fs.createReadStream(file), "-"));
    expect(fromPipe.message).toContain("truncated Arrow data");
  });

  it("refuses buffers that overlap in a stream read from a pipe (it cannot go back)", async () => {
    const buf = fixture("fsl_f32.arrows");
    const batch = streamMessages(buf)[1];
    const buffers = batch.header.vector(2, 16) as { at: number };
    view(buf).setBigInt64(batch.meta + buffers.at + 7 * 16, 0n, true); // the values at offset 0, over the id's buffers
    const err = await refusal(() => openArrowStream(fs.createReadStream(write("overlap.arrows", buf)), "-"));
    expect(err.message).toContain(
      "cannot read record batch 0: buffers overlap, so the stream cannot be read front to back",
    );
  });

  it("refuses metadata nested deeper than 64 levels", async () => {
    let type: Struct | Int32 = new Int32();
    let data = makeData({ type: new Int32(), length: 1, data: Int32Array.of(1) });
    for (let i = 0; i < 70; i++) {
      type = new Struct([new Field("a", type)]);
      data = makeData({ type, length: 1, children: [data] }) as never;
    }
    const emb = makeData({
      type: new FixedSizeList(2, new Field("item", new Float32())),
      length: 1,
      child: makeData({ type: new Float32(), length: 2, data: Float32Array.of(1, 2) }),
    });
    const schema = new Schema([new Field("deep", type), new Field("embedding", emb.type)]);
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(schema.fields), length: 1, children: [data, emb] }),
    );
    const file = write("deep.arrow", tableToIPC(new Table(batch), "file"));
    const err = await refusal(() => openArrowFile(file));
    expect(err.message).toContain("the metadata nests deeper than 64 levels");
  });
});

describe("the CLI on a damaged Arrow file", () => {
  it("prints one line naming the file, the batch and the byte offset, exits 3 and writes no output", async () => {
    const buf = fixture("fsl_f32.arrow");
    const m = fileBatches(buf)[0];
    view(buf).setBigInt64(m.meta + m.header.offsetOf(0), 3n, true);
    const file = write("cli-bad.arrow", buf);
    const out = path.join(TMP, "out.json");
    const r = await runCli(["report", file, "--format", "json", "-o", out]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(
      `${file}: cannot read record batch 0: column "id" has 7 rows, but the record batch says 3 (at byte ${m.start})`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
