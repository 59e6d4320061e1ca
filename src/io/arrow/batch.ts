/**
 * One record batch made ready to read chunk by chunk: the header checked against the schema
 * (layout.ts), the small buffers of the list column(s) read whole and checked (validity, offsets,
 * value validity), the values opened as a stream at their offset in the body. For a stream (no
 * seeking) the buffers are met in body order: every needed buffer before the last one is read
 * whole as it passes, the last (the values of the later list column) is streamed, the bytes of
 * columns not needed are skipped. Columns a writer carries through are read whole (carry.ts).
 */

import type { RecordBatch } from "apache-arrow";
import { CorruptData, MemoryInput, PlainStream } from "../codecs/input.js";
import { openBuffer, readBuffer, readWholeBuffer } from "./buffers.js";
import type { Body } from "./bytes.js";
import type { Carrier } from "./carry.js";
import type { ListColumn } from "./column.js";
import { type ColumnSpan, layoutBatch } from "./layout.js";
import { BYTES_PER_VALUE, type ListBatch } from "./listRows.js";
import { type ArrowSchema, BadMetadata, type BatchHeader, type BufferRegion, TypeId } from "./metadata.js";

export interface PreparedBatch {
  rows: number;
  /** The embedding column, then the pair column when asked for. */
  lists: ListBatch[];
  /** Absolute offset of each list's values buffer (for error positions). */
  valuesAt: number[];
  /** The carried columns of this batch, for a writer. */
  carried: RecordBatch | null;
  body: Body;
}

type Role = "validity" | "offsets" | "childValidity" | "values" | "carry";

interface Request {
  role: Role;
  region: BufferRegion;
  /** Which list (0 main, 1 pair) or which carried column (index into carrier.columns). */
  owner: number;
  /** For carried columns: the buffer's index within the column. */
  k: number;
  /** Bytes needed (validity, offsets). */
  need: number;
}

/** A buffer problem at an absolute offset in the input. */
export class BadBuffer extends Error {
  override name = "BadBuffer";
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function toOffsets(bytes: Uint8Array, col: ListColumn, rows: number): Int32Array | Float64Array {
  if (col.kind === TypeId.List) return new Int32Array(bytes.buffer, bytes.byteOffset, rows + 1);
  const big = new BigInt64Array(bytes.buffer, bytes.byteOffset, rows + 1);
  const out = new Float64Array(rows + 1);
  for (let i = 0; i <= rows; i++) {
    const v = big[i];
    out[i] = v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n ? -1 : Number(v);
  }
  return out;
}

export interface PrepareOptions {
  schema: ArrowSchema;
  version: number;
  header: BatchHeader;
  body: Body;
  /** Where the batch's message starts (offset of errors about its header). */
  messageAt: number;
  lists: ListColumn[];
  carrier: Carrier | null;
  /** Stream only: asked when the last buffer is reached; true holds it in memory instead of streaming it. */
  holdLast: (lists: Partial<ListBatch>[]) => boolean;
}

export async function prepareBatch(o: PrepareOptions): Promise<PreparedBatch> {
  const { header, body } = o;
  const rows = header.length;
  let spans: ColumnSpan[];
  try {
    spans = layoutBatch(o.schema, header, o.version, body.length);
  } catch (e) {
    if (e instanceof BadMetadata) throw new BadMetadata(e.message, o.messageAt);
    throw e;
  }
  const requests: Request[] = [];
  const parts: Partial<ListBatch>[] = [];
  const childLengths: number[] = [];
  o.lists.forEach((col, owner) => {
    const span = spans[col.index];
    const node = header.nodes[span.nodeStart];
    const child = header.nodes[span.nodeStart + 1];
    const b = span.bufferStart;
    const fixed = col.kind === TypeId.FixedSizeList;
    childLengths.push(child.length);
    if (fixed && child.length < rows * (col.listSize as number)) {
      throw new BadMetadata(
        `column "${col.name}" has ${child.length} values, fewer than its ${rows} rows × ${col.listSize}`,
        o.messageAt,
      );
    }
    parts.push({ col, rows, validity: null, offsets: null, childValidity: null, pos: 0 });
    const req = (role: Role, i: number, need: number) =>
      requests.push({ role, region: header.buffers[b + i], owner, k: 0, need });
    if (node.nullCount > 0) req("validity", 0, Math.ceil(rows / 8));
    if (!fixed) req("offsets", 1, (rows + 1) * (col.kind === TypeId.List ? 4 : 8));
    if (child.nullCount > 0) req("childValidity", fixed ? 1 : 2, Math.ceil(child.length / 8));
    req("values", fixed ? 2 : 3, 0);
  });
  const carriedBuffers: Uint8Array[][] = [];
  o.carrier?.columns.forEach((c, owner) => {
    const span = spans[c];
    carriedBuffers.push(new Array(span.bufferEnd - span.bufferStart));
    for (let k = span.bufferStart; k < span.bufferEnd; k++) {
      requests.push({ role: "carry", region: header.buffers[k], owner, k: k - span.bufferStart, need: 0 });
    }
  });
  if (body.sequential) requests.sort((a, b) => a.region.offset - b.region.offset);

  const codec = header.codec;
  const lists = parts as ListBatch[];
  const valuesAt: number[] = [];
  for (let r = 0; r < requests.length; r++) {
    const q = requests[r];
    const at = body.start + q.region.offset;
    if (body.sequential && r > 0 && q.region.offset < requests[r - 1].region.offset + requests[r - 1].region.length) {
      throw new BadBuffer("buffers overlap, so the stream cannot be read front to back", at);
    }
    const name =
      q.role === "carry" ? o.schema.fields[(o.carrier as Carrier).columns[q.owner]].name : o.lists[q.owner].name;
    const what = `the ${q.role === "childValidity" ? "value validity" : q.role === "carry" ? "" : `${q.role} `}buffer of column "${name}"`;
    try {
      await serve(q, at, r, what);
    } catch (e) {
      if (e instanceof CorruptData) throw new BadBuffer(`${what}: ${e.message}`, at + e.at);
      throw e;
    }
  }
  const carried = o.carrier ? o.carrier.batch(header, spans, carriedBuffers) : null;
  return { rows, lists, valuesAt, carried, body };

  async function serve(q: Request, at: number, r: number, what: string): Promise<void> {
    const part = parts[q.owner];
    switch (q.role) {
      case "validity":
        part.validity = await readBuffer(body, q.region, codec, q.need, what);
        break;
      case "childValidity":
        part.childValidity = await readBuffer(body, q.region, codec, q.need, what);
        break;
      case "offsets":
        part.offsets = toOffsets(await readBuffer(body, q.region, codec, q.need, what), o.lists[q.owner], rows);
        checkOffsets(part.offsets, childLengths[q.owner], o.lists[q.owner], at);
        break;
      case "carry":
        carriedBuffers[q.owner][q.k] = await readWholeBuffer(body, q.region, codec);
        break;
      case "values": {
        const col = o.lists[q.owner];
        // a stream reads the body in offset order: a values buffer placed before its offsets cannot be sized
        if (col.kind !== TypeId.FixedSizeList && part.offsets === null) {
          throw new BadBuffer(
            `${what} lies before the column's offsets buffer, so the stream cannot be read front to back`,
            at,
          );
        }
        const needed =
          col.kind === TypeId.FixedSizeList ? rows * (col.listSize as number) : (part.offsets as Int32Array)[rows];
        valuesAt[q.owner] = at;
        const last = body.sequential && r === requests.length - 1;
        if (body.sequential && (!last || o.holdLast(parts))) {
          const bytes = await readWholeBuffer(body, q.region, codec);
          checkValues(bytes.length, needed, col, at);
          part.values = new PlainStream(new MemoryInput(bytes));
        } else {
          const opened = await openBuffer(body, q.region, codec);
          checkValues(opened.length, needed, col, at);
          part.values = opened.stream;
        }
        break;
      }
    }
  }
}

function checkValues(bytes: number, values: number, col: ListColumn, at: number): void {
  const need = values * BYTES_PER_VALUE[col.dtype];
  if (bytes < need) {
    throw new BadBuffer(
      `the values buffer of column "${col.name}" holds ${bytes} bytes, but its rows need ${need}`,
      at,
    );
  }
}

function checkOffsets(offs: Int32Array | Float64Array, childLength: number, col: ListColumn, at: number): void {
  let prev = offs[0];
  if (prev < 0) throw new BadBuffer(`list offsets of column "${col.name}" start at ${prev}`, at);
  for (let i = 1; i < offs.length; i++) {
    const v = offs[i];
    if (v < prev) throw new BadBuffer(`list offsets of column "${col.name}" decrease at row ${i - 1}`, at);
    prev = v;
  }
  if (prev > childLength) {
    throw new BadBuffer(
      `list offsets of column "${col.name}" point past the end of its ${childLength} values (to ${prev})`,
      at,
    );
  }
}
