/**
 * Opening and validating an Arrow input, as a BatchProvider for source.ts:
 * - an IPC file (Feather v2): magic at both ends, footer length and footer checked, every record
 *   batch block checked against the file (offsets, lengths, the message's own body length) and its
 *   header read for the row count; batches are then read at their footer offsets;
 * - an IPC stream, from a pipe or a file: messages in order (schema, dictionary batches, record
 *   batches, end-of-stream marker); an IPC file piped in is read as the stream it contains.
 */
import fs from "node:fs";
import type { Schema } from "apache-arrow";
import { InputError } from "../../errors.js";
import { endsWithArrowMagic, sniff } from "../sniff.js";
import type { InputFormat } from "../types.js";
import { readWholeBuffer } from "./buffers.js";
import { type Body, FileBytes, fileBody, StreamBytes, streamBody, Truncated } from "./bytes.js";
import { arrowSchemaOf, arrowSchemaOfFooter, type Carrier } from "./carry.js";
import { asInputError } from "./errors.js";
import { type Cursor, fileCursor, readBlockMessage, readMessage, rebased, streamCursor } from "./messages.js";
import { type ArrowSchema, BadMetadata, type Block, decodeFooter, type Message } from "./metadata.js";
import type { BatchProvider, BatchRef } from "./source.js";

const FORMATS = "embcheck reads Arrow IPC files (Feather v2) and streams, .npy and .npz";

const i32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);

/** Opens a path holding an Arrow IPC file or stream; the caller builds the source and releases on error. */
export async function openArrowPath(path: string): Promise<BatchProvider> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, "r");
  } catch (err) {
    throw new InputError(`cannot open: ${(err as Error).message}`, { file: path });
  }
  const release = () => fh.close().catch(() => {});
  try {
    const { size } = await fh.stat();
    const file = new FileBytes(fh, size);
    const head = await file.bytes(0, Math.min(8, size));
    const kind = sniff(head);
    if (kind === "arrow") return await fileProvider(file, path, release);
    if (kind === "arrow-stream") {
      const cur = fileCursor(file, 0);
      return await streamProvider(cur, path, "arrow-stream", {
        totalBytes: size,
        bytesRead: () => file.bytesRead(),
        release,
        body: (length) => {
          const body = fileBody(file, cur.position, length);
          if (length > size - cur.position) throw new Truncated(size, length - (size - cur.position));
          cur.position += length;
          return body;
        },
      });
    }
    throw new InputError(
      size === 0 ? "empty file, not an Arrow IPC file" : "not an Arrow IPC file (no ARROW1 magic at the start)",
      { file: path, byteOffset: 0 },
      FORMATS,
    );
  } catch (err) {
    await release();
    throw asInputError(err, path, "cannot read the Arrow file");
  }
}

/** Opens a byte stream holding an Arrow IPC stream (or a whole IPC file). */
export async function openArrowBytes(source: AsyncIterable<Uint8Array>, label: string): Promise<BatchProvider> {
  const stream = new StreamBytes(source);
  const release = () => stream.close().catch(() => {});
  try {
    const head = await stream.peek(8);
    if (head.length === 0) throw new InputError("empty input: no Arrow stream data", { file: label, byteOffset: 0 });
    const kind = sniff(head);
    if (kind !== "arrow" && kind !== "arrow-stream") {
      throw new InputError(
        "not an Arrow IPC stream (it does not start with the 0xFFFFFFFF continuation marker)",
        { file: label, byteOffset: 0 },
        FORMATS,
      );
    }
    if (kind === "arrow") await stream.skip(8); // a whole IPC file: magic and padding, then its stream
    return await streamProvider(streamCursor(stream), label, kind, {
      totalBytes: null,
      bytesRead: () => stream.bytesRead(),
      release,
      body: (length) => streamBody(stream, length),
    });
  } catch (err) {
    await release();
    throw asInputError(err, label, "cannot read the Arrow stream");
  }
}

interface StreamSide {
  totalBytes: number | null;
  bytesRead: () => number;
  release: () => Promise<void>;
  /** The body of the message just read (and, for a file, the cursor moved past it). */
  body: (length: number) => Body;
}

async function streamProvider(
  cur: Cursor,
  label: string,
  format: InputFormat,
  side: StreamSide,
): Promise<BatchProvider> {
  const first = await readMessage(cur);
  if ("end" in first) {
    throw new InputError(
      first.end === "eof" && first.offset === 0
        ? "empty input: no Arrow stream data"
        : "not an Arrow IPC stream: it has no schema message",
      { file: label, byteOffset: first.offset },
    );
  }
  if (first.message.header.kind !== "schema") {
    throw new BadMetadata(
      `the stream starts with a ${first.message.header.kind} message, not the schema`,
      first.offset,
    );
  }
  const schema = first.message.header.schema;
  const version = first.message.version;
  await side.body(first.message.bodyLength).end();
  let last: Body | null = null;
  let index = 0;
  let ended = false;
  return {
    format,
    schema,
    version,
    rows: null,
    totalBytes: side.totalBytes,
    arrowSchema: async () => arrowSchemaOf(first.metadata),
    bytesRead: side.bytesRead,
    release: side.release,
    async next(carrier: Carrier | null): Promise<BatchRef | null> {
      if (ended) return null;
      await last?.end();
      last = null;
      for (;;) {
        const m = await readMessage(cur);
        if ("end" in m) {
          if (m.end === "eof" && format === "arrow-stream") {
            throw new InputError(
              "truncated Arrow stream: the input ended without the end-of-stream marker",
              { file: label, byteOffset: m.offset },
              "the stream was cut short; write it again",
            );
          }
          ended = true;
          return null;
        }
        const body = side.body(m.message.bodyLength);
        const h = m.message.header;
        if (h.kind === "schema") throw new BadMetadata("a second schema message in the stream", m.offset);
        if (h.kind === "dictionaryBatch") {
          if (carrier) await addDictionary(carrier, h, m.message, body);
          await body.end();
          continue;
        }
        checkVersion(m.message, version, m.offset);
        last = body;
        return { index: index++, header: h.batch, body, messageAt: m.offset };
      }
    },
  };
}

function checkVersion(m: Message, version: number, at: number): void {
  if (m.version !== version) {
    throw new BadMetadata(`a message of metadata version V${m.version + 1} in a V${version + 1} input`, at);
  }
}

async function addDictionary(
  carrier: Carrier,
  h: Extract<Message["header"], { kind: "dictionaryBatch" }>,
  m: Message,
  body: Body,
): Promise<void> {
  const buffers: Uint8Array[] = [];
  for (const b of h.batch.buffers) {
    if (b.offset + b.length > m.bodyLength) throw new BadMetadata("a dictionary buffer lies outside its message body");
    buffers.push(await readWholeBuffer(body, b, h.batch.codec));
  }
  carrier.addDictionary(h.id, h.isDelta, h.batch, buffers);
}

async function fileProvider(file: FileBytes, label: string, release: () => Promise<void>): Promise<BatchProvider> {
  const size = file.size;
  if (size < 12 || !endsWithArrowMagic(await file.bytes(size - 6, 6, false))) {
    throw new InputError(
      "truncated Arrow file: it starts with the ARROW1 magic but does not end with it (no footer)",
      { file: label, byteOffset: size },
      "the file was cut short; write it again",
    );
  }
  const footerLen = i32(await file.bytes(size - 10, 4, false));
  if (footerLen <= 0 || footerLen > size - 18) {
    throw new InputError(`corrupt Arrow file: bad footer length ${footerLen}`, { file: label, byteOffset: size - 10 });
  }
  const footerAt = size - 10 - footerLen;
  const footerBytes = await file.bytes(footerAt, footerLen, false);
  const footer = rebased(() => decodeFooter(footerBytes), footerAt);
  const { schema, version } = footer;
  const checkBlock = (b: Block, what: string) => {
    if (
      !(b.offset >= 8 && b.metaDataLength >= 8 && b.bodyLength >= 0) ||
      !(b.offset + b.metaDataLength + b.bodyLength <= footerAt)
    ) {
      throw new BadMetadata(
        `the footer's ${what} block (offset ${b.offset}, metadata ${b.metaDataLength}, body ${b.bodyLength} bytes) lies outside the file's ${footerAt} bytes before the footer`,
        footerAt,
      );
    }
  };
  footer.dictionaries.forEach((b, i) => {
    checkBlock(b, `dictionary ${i}`);
  });
  footer.recordBatches.forEach((b, i) => {
    checkBlock(b, `record batch ${i}`);
  });

  const batchMessage = async (i: number, progress = true) => {
    const b = footer.recordBatches[i];
    const m = await readBlockMessage(file, b.offset, b.metaDataLength, progress);
    const h = m.message.header;
    if (h.kind !== "recordBatch") {
      throw new BadMetadata(`record batch ${i} of the footer points at a ${h.kind} message`, b.offset);
    }
    if (m.message.bodyLength !== b.bodyLength) {
      throw new BadMetadata(
        `record batch ${i}'s message says a ${m.message.bodyLength}-byte body, its footer block ${b.bodyLength}`,
        b.offset,
      );
    }
    checkVersion(m.message, version, b.offset);
    return { header: h.batch, body: fileBody(file, b.offset + b.metaDataLength, b.bodyLength), messageAt: b.offset };
  };

  // the row count, from every batch's header (small reads, which also check each header early)
  let rows = 0;
  for (let i = 0; i < footer.recordBatches.length; i++) {
    try {
      rows += (await batchMessage(i, false)).header.length;
    } catch (e) {
      throw asInputError(e, label, `cannot read record batch ${i}`);
    }
  }

  let next = 0;
  let dictionariesRead = false;
  return {
    format: "arrow",
    schema,
    version,
    rows,
    totalBytes: size,
    // apache-arrow's file writer puts the schema in the footer only, so it is taken from there
    arrowSchema: async (): Promise<Schema> => arrowSchemaOfFooter(footerBytes),
    bytesRead: () => file.bytesRead(),
    release,
    async next(carrier: Carrier | null): Promise<BatchRef | null> {
      if (carrier && !dictionariesRead) {
        dictionariesRead = true;
        for (const b of footer.dictionaries) {
          const m = await readBlockMessage(file, b.offset, b.metaDataLength);
          const h = m.message.header;
          if (h.kind !== "dictionaryBatch")
            throw new BadMetadata(`a dictionary block points at a ${h.kind} message`, b.offset);
          await addDictionary(carrier, h, m.message, fileBody(file, b.offset + b.metaDataLength, b.bodyLength));
        }
      }
      if (next >= footer.recordBatches.length) return null;
      const index = next++;
      return { index, ...(await batchMessage(index)) };
    },
  };
}

export type { ArrowSchema };
