/**
 * Arrow IPC readers: the file format (Feather v2, `.arrow`/`.feather`) and the stream format
 * (`.arrows`, stdin). Record batches are read one at a time (the file reader seeks batch by batch
 * through the footer, never loading the whole file) and cut into chunks of at most `chunkRows` rows.
 *
 * The embedding column is a FixedSizeList, List or LargeList of float16/float32/float64.
 * - A null list (a null row) becomes a row of zeros marked 1 in `chunk.nulls`.
 * - A null value inside a non-null list is read as NaN (so integrity checks report it as non-finite).
 * - A List row whose length differs from the dimension (taken from the first non-null row) is an error.
 *
 * Everything apache-arrow throws for bad input is rethrown as an InputError naming the file.
 */
import fs from "node:fs";
import {
  type Data,
  type DataType,
  type Field,
  type FixedSizeList,
  type Float,
  Message,
  Precision,
  type RecordBatch,
  RecordBatchReader,
  type Schema,
  Type,
} from "apache-arrow";
import { EmbcheckError, InputError } from "../errors.js";
import type { FloatArray, Matrix } from "../linalg/matrix.js";
import { registerArrowCodecs } from "./codecs.js";
import { halvesToFloat32 } from "./half.js";
import type { Chunk, EmbeddingSource, InputFormat, OpenOptions, SourceInfo } from "./types.js";
import { defaultChunkRows } from "./types.js";

type FloatDtype = "float16" | "float32" | "float64";

/** Column names picked without `--column`, in order of preference. */
const PREFERRED = ["embedding", "embeddings", "vector"];

/** A list-of-floats column chosen for reading. */
export interface ListColumn {
  name: string;
  /** Position in the schema (and so in the record batch's children). */
  index: number;
  kind: Type.FixedSizeList | Type.List | Type.LargeList;
  dtype: FloatDtype;
  /** FixedSizeList width, else null. */
  listSize: number | null;
}

const ARROW_MAGIC = "ARROW1";

// ---------------------------------------------------------------------------------------------
// Schema inspection

function isListType(t: DataType): boolean {
  return t.typeId === Type.List || t.typeId === Type.LargeList || t.typeId === Type.FixedSizeList;
}

function floatDtype(t: DataType | undefined): FloatDtype | null {
  if (!t || t.typeId !== Type.Float) return null;
  switch ((t as Float).precision) {
    case Precision.HALF:
      return "float16";
    case Precision.SINGLE:
      return "float32";
    case Precision.DOUBLE:
      return "float64";
    default:
      return null;
  }
}

function describe(f: Field): string {
  return `${f.name} (${String(f.type)})`;
}

/** The column as a ListColumn, or null when it is not a list of floats. */
function asListColumn(schema: Schema, index: number): ListColumn | null {
  const field = schema.fields[index];
  if (!isListType(field.type)) return null;
  const dtype = floatDtype(field.type.children?.[0]?.type);
  if (!dtype) return null;
  return {
    name: field.name,
    index,
    kind: field.type.typeId as ListColumn["kind"],
    dtype,
    listSize: field.type.typeId === Type.FixedSizeList ? (field.type as FixedSizeList).listSize : null,
  };
}

function listColumnsText(schema: Schema): string {
  const lists = schema.fields.filter((f) => isListType(f.type));
  return lists.length ? `list columns: ${lists.map(describe).join(", ")}` : "the input has no list columns";
}

/** Finds a named column and checks it holds lists of floats. `role` is "--column" or "--pair-column". */
function namedColumn(schema: Schema, name: string, file: string, role: string): ListColumn {
  const index = schema.fields.findIndex((f) => f.name === name);
  if (index < 0) {
    throw new InputError(
      `no column named "${name}"`,
      { file, column: name },
      `${listColumnsText(schema)}; pass ${role} NAME`,
    );
  }
  const col = asListColumn(schema, index);
  if (!col) {
    throw new InputError(
      `column "${name}" is ${String(schema.fields[index].type)}, not a list of float16/float32/float64`,
      { file, column: name },
      listColumnsText(schema),
    );
  }
  return col;
}

/** Picks the embedding column: `opts.column`, else a preferred name, else the only list of floats. */
export function chooseColumn(schema: Schema, file: string, column?: string): ListColumn {
  if (schema.fields.length === 0) throw new InputError("the Arrow input has no columns", { file });
  if (column !== undefined) return namedColumn(schema, column, file, "--column");
  for (const name of PREFERRED) {
    if (schema.fields.some((f) => f.name === name)) return namedColumn(schema, name, file, "--column");
  }
  const candidates: ListColumn[] = [];
  schema.fields.forEach((_, i) => {
    const c = asListColumn(schema, i);
    if (c) candidates.push(c);
  });
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    const lists = schema.fields.filter((f) => isListType(f.type));
    if (lists.length) {
      throw new InputError(
        `no list-of-float column (${listColumnsText(schema)})`,
        { file },
        "embeddings must be a FixedSizeList, List or LargeList of float16/float32/float64",
      );
    }
    throw new InputError(
      `no list column to read embeddings from (columns: ${schema.fields.map(describe).join(", ")})`,
      { file },
      "embeddings must be a FixedSizeList, List or LargeList of float16/float32/float64",
    );
  }
  throw new InputError(
    `several list columns could hold the embeddings: ${candidates.map((c) => c.name).join(", ")}`,
    { file },
    "pass --column NAME to choose one",
  );
}

// ---------------------------------------------------------------------------------------------
// Copying rows out of Arrow data

function bit(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
}

/** The validity bitmap when the data has nulls, else null. */
function nullBitmapOf(data: Data): Uint8Array | null {
  return data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0 ? data.nullBitmap : null;
}

/** Length of a non-null list row (logical index `i` of `data`). */
function listRowLength(col: ListColumn, data: Data, i: number): number {
  if (col.listSize !== null) return col.listSize;
  const offs = data.valueOffsets as Int32Array | BigInt64Array;
  return Number(offs[i + 1]) - Number(offs[i]);
}

/** Whether logical row `i` of `data` is a null list. */
function isNullRow(data: Data, i: number): boolean {
  const bits = nullBitmapOf(data);
  return bits !== null && !bit(bits, data.offset + i);
}

/**
 * Copies rows [start, start + n) of a list-of-floats column into a fresh row-major matrix.
 * Follows apache-arrow's layout: `values` and `valueOffsets` are already sliced (indexed by
 * logical position), a FixedSizeList's child is sliced with its parent, and `offset` only
 * positions the validity bitmaps.
 * Null rows stay zero and are marked in the returned `nulls`; a null value inside a non-null
 * list becomes NaN; a list of the wrong length throws (rows named from `firstRow`).
 */
export function listRowsToMatrix(
  col: ListColumn,
  data: Data,
  start: number,
  n: number,
  dims: number,
  firstRow: number,
  file: string,
  pairOf?: string,
): { matrix: Matrix; nulls?: Uint8Array } {
  const child = data.children[0] as Data;
  const out: FloatArray = col.dtype === "float64" ? new Float64Array(n * dims) : new Float32Array(n * dims);
  const parentBits = nullBitmapOf(data);
  const childBits = nullBitmapOf(child);
  const values = child.values as Float32Array | Float64Array | Uint16Array;
  const offs = col.listSize === null ? (data.valueOffsets as Int32Array | BigInt64Array) : null;
  let nulls: Uint8Array | undefined;
  for (let r = 0; r < n; r++) {
    const i = start + r;
    if (parentBits && !bit(parentBits, data.offset + i)) {
      nulls ??= new Uint8Array(n);
      nulls[r] = 1;
      continue;
    }
    let begin: number;
    if (offs) {
      begin = Number(offs[i]);
      const len = Number(offs[i + 1]) - begin;
      if (len !== dims) {
        throw new InputError(
          pairOf === undefined
            ? `ragged list: the row has ${len} values, but the first non-null row has ${dims}`
            : `the pair row has ${len} values, but "${pairOf}" has ${dims} dims`,
          { file, row: firstRow + r, column: col.name },
          "every vector must have the same length",
        );
      }
    } else {
      begin = i * dims;
    }
    const dst = r * dims;
    if (begin < 0 || begin + dims > values.length) {
      throw new InputError(
        `list offsets point past the end of the values (${begin + dims} > ${values.length})`,
        { file, row: firstRow + r, column: col.name },
        "the file is corrupt",
      );
    }
    const src = values.subarray(begin, begin + dims);
    if (col.dtype === "float16") halvesToFloat32(src as Uint16Array, out as Float32Array, dst, dims);
    else out.set(src as Float32Array & Float64Array, dst);
    if (childBits) {
      for (let j = 0; j < dims; j++) {
        if (!bit(childBits, child.offset + begin + j)) out[dst + j] = Number.NaN;
      }
    }
  }
  return nulls ? { matrix: { rows: n, cols: dims, data: out }, nulls } : { matrix: { rows: n, cols: dims, data: out } };
}

// ---------------------------------------------------------------------------------------------
// Readers

type AnyReader = RecordBatchReader;

/** Rethrows anything that is not already ours as an InputError about the file. */
function wrapError(err: unknown, file: string, doing: string): EmbcheckError {
  if (err instanceof EmbcheckError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/Unrecognized type/i.test(msg)) {
    return new InputError(
      `${doing}: the Arrow schema uses a column type this reader does not support (${msg.split("\n")[0]})`,
      { file },
      "write the table with standard Arrow types (e.g. pyarrow, or polars with compat_level=pl.CompatLevel.oldest())",
    );
  }
  if (/codec not found/i.test(msg)) {
    return new InputError(`${doing}: the record batch uses a compression codec embcheck cannot decode`, { file });
  }
  return new InputError(
    `${doing}: the Arrow data is truncated or corrupt (${msg.split("\n")[0]})`,
    { file },
    "check that the file is a complete Arrow IPC file or stream",
  );
}

interface Opened {
  reader: AnyReader;
  format: InputFormat;
  rows: number | null;
  totalBytes: number | null;
  bytesRead: () => number;
  release: () => Promise<void>;
  /** Called when the reader reports the end: throws when the input ended without an end-of-stream marker. */
  checkEnd: () => void;
}

/** Every IPC stream ends with an end-of-stream marker: 0xFFFFFFFF 0x00000000 (or, before 0.15, 0x00000000). */
function truncatedStream(file: string, at: number): InputError {
  return new InputError(
    "truncated Arrow stream: the input ended without the end-of-stream marker",
    { file, byteOffset: at },
    "the stream was cut short; write it again",
  );
}

/** Reads the row count of every record batch from the file footer's message headers (small reads). */
async function rowsFromFooter(reader: AnyReader, fh: fs.promises.FileHandle, size: number): Promise<number | null> {
  const footer = reader.footer;
  if (!footer) return null;
  let total = 0;
  for (let i = 0; i < footer.numRecordBatches; i++) {
    const block = footer.getRecordBatch(i);
    if (!block) return null;
    const offset = Number(block.offset);
    const len = Number(block.metaDataLength);
    if (!(offset >= 0 && len > 8 && offset + len <= size)) return null;
    const buf = new Uint8Array(len);
    await fh.read(buf, 0, len, offset);
    const view = new DataView(buf.buffer);
    const start = view.getInt32(0, true) === -1 ? 8 : 4;
    const msg = Message.decode(buf.subarray(start));
    if (!msg.isRecordBatch()) return null;
    total += Number(msg.header().length);
  }
  return total;
}

async function openFileReader(path: string): Promise<Opened> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, "r");
  } catch (err) {
    throw new InputError(`cannot open: ${(err as Error).message}`, { file: path });
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await fh.close();
  };
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(Math.min(8, size));
    await fh.read(head, 0, head.length, 0);
    const headText = Buffer.from(head).toString("latin1");
    let format: InputFormat;
    if (headText.startsWith(ARROW_MAGIC)) {
      format = "arrow";
      const tail = new Uint8Array(6);
      if (size >= 12) await fh.read(tail, 0, 6, size - 6);
      if (size < 12 || Buffer.from(tail).toString("latin1") !== ARROW_MAGIC) {
        throw new InputError(
          "truncated Arrow file: it starts with the ARROW1 magic but does not end with it (no footer)",
          { file: path, byteOffset: size },
          "the file was cut short; write it again",
        );
      }
      const footerLen = size >= 10 ? await readInt32(fh, size - 10) : -1;
      if (footerLen <= 0 || footerLen > size - 18) {
        throw new InputError(`corrupt Arrow file: bad footer length ${footerLen}`, {
          file: path,
          byteOffset: size - 10,
        });
      }
    } else if (size >= 8 && new DataView(head.buffer).getInt32(0, true) === -1) {
      format = "arrow-stream";
      if ((await readInt32(fh, size - 4)) !== 0) throw truncatedStream(path, size);
    } else {
      throw new InputError(
        size === 0 ? "empty file, not an Arrow IPC file" : "not an Arrow IPC file (no ARROW1 magic at the start)",
        { file: path, byteOffset: 0 },
        "embcheck reads Arrow IPC files (Feather v2) and streams, .npy and .npz",
      );
    }
    let bytes = 0;
    // Counts what apache-arrow reads through the handle; closing stays with us.
    const counting = {
      fd: fh.fd,
      stat: () => fh.stat(),
      read: async (buffer: Uint8Array, offset: number, length: number, position: number) => {
        const r = await fh.read(buffer, offset, length, position);
        bytes += r.bytesRead;
        return r;
      },
      close: async () => {},
    };
    let reader: AnyReader;
    try {
      reader = await RecordBatchReader.from(counting as unknown as fs.promises.FileHandle);
      await reader.open();
    } catch (err) {
      throw wrapError(err, path, "cannot read the Arrow schema");
    }
    let rows: number | null = null;
    if (format === "arrow") {
      try {
        rows = await rowsFromFooter(reader, fh, size);
      } catch {
        rows = null;
      }
    }
    return { reader, format, rows, totalBytes: size, bytesRead: () => bytes, release, checkEnd: () => {} };
  } catch (err) {
    await release().catch(() => {});
    throw err;
  }
}

async function readInt32(fh: fs.promises.FileHandle, position: number): Promise<number> {
  const b = new Uint8Array(4);
  await fh.read(b, 0, 4, position);
  return new DataView(b.buffer).getInt32(0, true);
}

async function openStreamReader(stream: AsyncIterable<Uint8Array>, label: string): Promise<Opened> {
  let bytes = 0;
  let sourceDone = false;
  const tail = new Uint8Array(4);
  const head: number[] = [];
  let iterator: AsyncIterator<Uint8Array> | undefined;
  const counted: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      iterator = stream[Symbol.asyncIterator]();
      const it = iterator;
      return {
        async next() {
          const r = await it.next();
          if (r.done) {
            sourceDone = true;
          } else {
            const v = r.value;
            for (let i = 0; head.length < 8 && i < v.byteLength; i++) head.push(v[i]);
            bytes += v.byteLength;
            if (v.byteLength >= 4) tail.set(v.subarray(v.byteLength - 4));
            else if (v.byteLength > 0) {
              tail.copyWithin(0, v.byteLength);
              tail.set(v, 4 - v.byteLength);
            }
          }
          return r;
        },
        async return(value?: unknown) {
          await it.return?.();
          return { done: true, value } as IteratorReturnResult<Uint8Array>;
        },
      };
    },
  };
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await iterator?.return?.();
  };
  let reader: AnyReader;
  try {
    reader = await RecordBatchReader.from(counted);
    await reader.open();
  } catch (err) {
    await release().catch(() => {});
    if (bytes === 0) {
      throw new InputError("empty input: no Arrow stream data", { file: label, byteOffset: 0 });
    }
    const marker = head.length >= 4 && head.slice(0, 4).every((b) => b === 0xff);
    const magic = Buffer.from(head.slice(0, 6)).toString("latin1") === ARROW_MAGIC;
    if (!marker && !magic) {
      throw new InputError(
        "not an Arrow IPC stream (it does not start with the 0xFFFFFFFF continuation marker)",
        { file: label, byteOffset: 0 },
        "embcheck reads Arrow IPC files (Feather v2) and streams, .npy and .npz",
      );
    }
    throw wrapError(err, label, "cannot read the Arrow schema");
  }
  if (!reader.schema) {
    await release().catch(() => {});
    throw new InputError(
      bytes === 0 ? "empty input: no Arrow stream data" : "not an Arrow IPC stream: it has no schema message",
      { file: label, byteOffset: 0 },
    );
  }
  return {
    reader,
    format: reader.isFile() ? "arrow" : "arrow-stream",
    rows: null,
    totalBytes: null,
    bytesRead: () => bytes,
    release,
    checkEnd: () => {
      // arrow stops at the end-of-stream marker without draining the source; an exhausted source
      // whose last four bytes are not zero was cut short at a message boundary.
      if (!reader.isFile() && sourceDone && (bytes < 4 || tail.some((b) => b !== 0))) {
        throw truncatedStream(label, bytes);
      }
    },
  };
}

/** The next non-empty record batch, or null at the end; errors become InputErrors. */
async function nextBatch(reader: AnyReader, file: string, counter: { batches: number }): Promise<RecordBatch | null> {
  for (;;) {
    let r: IteratorResult<RecordBatch>;
    try {
      r = await reader.next();
    } catch (err) {
      throw wrapError(err, file, `cannot read record batch ${counter.batches}`);
    }
    if (r.done || !r.value) return null;
    counter.batches++;
    if (r.value.numRows > 0) return r.value;
  }
}

async function build(opened: Opened, label: string, opts: OpenOptions): Promise<EmbeddingSource> {
  const { reader } = opened;
  try {
    const schema = reader.schema as Schema | undefined;
    if (!schema) {
      throw new InputError("empty input: no Arrow schema message", { file: label }, "is this an Arrow IPC stream?");
    }
    if (schema.fields.length === 0) throw new InputError("the Arrow input has no columns", { file: label });
    const col = chooseColumn(schema, label, opts.column);
    const pairCol = opts.pairColumn !== undefined ? namedColumn(schema, opts.pairColumn, label, "--pair-column") : null;

    // Pull batches until we see a row (and, for List columns, a non-null row that fixes `dims`).
    const pending: RecordBatch[] = [];
    let dims: number | null = col.listSize;
    const counter = { batches: 0 };
    let seenRows = 0;
    while (dims === null || pending.length === 0) {
      const batch = await nextBatch(reader, label, counter);
      if (!batch) {
        opened.checkEnd();
        break;
      }
      pending.push(batch);
      if (dims === null) {
        const data = batch.data.children[col.index] as Data;
        for (let i = 0; i < batch.numRows; i++) {
          if (!isNullRow(data, i)) {
            dims = listRowLength(col, data, i);
            break;
          }
        }
      }
      seenRows += batch.numRows;
    }
    if (seenRows === 0) throw new InputError("the Arrow input has no rows", { file: label, column: col.name });
    if (dims === null) {
      throw new InputError(
        "every row of the embedding column is null, so its dimension is unknown",
        { file: label, column: col.name },
        "write at least one vector",
      );
    }
    if (dims === 0) throw new InputError("the vectors have length 0", { file: label, column: col.name });
    if (pairCol && pairCol.listSize !== null && pairCol.listSize !== dims) {
      throw new InputError(
        `pair column "${pairCol.name}" has ${pairCol.listSize} dims but "${col.name}" has ${dims}`,
        { file: label, column: pairCol.name },
        "the pair column must have the same width as the embedding column",
      );
    }

    const finalDims = dims;
    const bytesPerValue = col.dtype === "float64" ? 8 : 4;
    const wanted = opts.chunkRows;
    const chunkRows =
      wanted !== undefined && Number.isFinite(wanted) && wanted >= 1
        ? Math.floor(wanted)
        : defaultChunkRows(finalDims, bytesPerValue);
    const info: SourceInfo = {
      path: label,
      format: opened.format,
      column: col.name,
      key: null,
      dtype: col.dtype,
      dims: finalDims,
      rows: opened.rows,
      totalBytes: opened.totalBytes,
    };

    let closed = false;
    let iterated = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      pending.length = 0;
      try {
        await reader.return();
      } catch {
        // already finished or failed; nothing to release inside apache-arrow
      }
      await opened.release();
    };

    async function* chunks(): AsyncGenerator<Chunk> {
      if (iterated) throw new InputError("this input was already read once", { file: label });
      iterated = true;
      let rowOffset = 0;
      try {
        for (;;) {
          if (closed) return;
          const batch = pending.shift() ?? (await nextBatch(reader, label, counter));
          if (!batch) {
            opened.checkEnd();
            break;
          }
          const data = batch.data.children[col.index] as Data;
          const pairData = pairCol ? (batch.data.children[pairCol.index] as Data) : null;
          for (let start = 0; start < batch.numRows; start += chunkRows) {
            const n = Math.min(chunkRows, batch.numRows - start);
            const main = listRowsToMatrix(col, data, start, n, finalDims, rowOffset, label);
            const chunk: Chunk = { matrix: main.matrix, rowOffset, arrow: { batch, start, column: col.index } };
            if (main.nulls) chunk.nulls = main.nulls;
            if (pairCol && pairData) {
              chunk.pair = listRowsToMatrix(pairCol, pairData, start, n, finalDims, rowOffset, label, col.name);
            }
            rowOffset += n;
            yield chunk;
          }
        }
      } finally {
        await close();
      }
    }

    return {
      info,
      bytesRead: opened.bytesRead,
      close,
      [Symbol.asyncIterator]: chunks,
    };
  } catch (err) {
    try {
      await reader.return();
    } catch {
      // ignore
    }
    await opened.release().catch(() => {});
    throw wrapError(err, label, "cannot read the Arrow input");
  }
}

/** Opens an Arrow IPC file (Feather v2); reads one record batch at a time through a file handle. */
export async function openArrowFile(path: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  registerArrowCodecs();
  return build(await openFileReader(path), path, opts);
}

/** Opens an Arrow IPC stream (stdin, `.arrows`); `label` names it in errors. */
export async function openArrowStream(
  stream: AsyncIterable<Uint8Array>,
  label: string,
  opts: OpenOptions = {},
): Promise<EmbeddingSource> {
  registerArrowCodecs();
  return build(await openStreamReader(stream, label), label, opts);
}
