/**
 * Arrow IPC metadata (format/Message.fbs, Schema.fbs, File.fbs of apache/arrow) decoded from its
 * flatbuffers into plain, validated objects: messages, schemas, record batch headers and the file
 * footer. Everything here is bounds-checked (flatbuffer.ts) and checked for sense (versions, type
 * parameters, child counts, lengths); a problem throws BadMetadata with the offset in the metadata.
 */
import { BadFlatbuffer, FlatBuffer, type Table } from "./flatbuffer.js";

/** A metadata problem; `at` is the byte offset within the metadata flatbuffer when known. */
export class BadMetadata extends Error {
  override name = "BadMetadata";
  constructor(
    message: string,
    readonly at?: number,
  ) {
    super(message);
  }
}

/** Type ids of the `Type` union in Schema.fbs (apache-arrow's `Type` enum uses the same numbers). */
export const TypeId = {
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
  Interval: 11,
  List: 12,
  Struct: 13,
  Union: 14,
  FixedSizeBinary: 15,
  FixedSizeList: 16,
  Map: 17,
  Duration: 18,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
  RunEndEncoded: 22,
  BinaryView: 23,
  Utf8View: 24,
  ListView: 25,
  LargeListView: 26,
} as const;

/** MetadataVersion in Schema.fbs: V1 = 0 … V5 = 4. Readers of V4 and V5 data (as pyarrow). */
export const V4 = 3;
export const V5 = 4;

export interface ArrowType {
  id: number;
  bitWidth?: number;
  signed?: boolean;
  /** FloatingPoint: 0 half, 1 single, 2 double. */
  precision?: number;
  scale?: number;
  listSize?: number;
  byteWidth?: number;
  unit?: number;
  timezone?: string | null;
  /** Union: 0 sparse, 1 dense. */
  mode?: number;
}

export interface ArrowField {
  name: string;
  nullable: boolean;
  type: ArrowType;
  children: ArrowField[];
  /** Set for a dictionary-encoded field: the stored values are indices of this integer type. */
  dictionary: { id: number; indexBitWidth: number; indexSigned: boolean } | null;
}

export interface ArrowSchema {
  fields: ArrowField[];
}

export interface FieldNode {
  length: number;
  nullCount: number;
}

export interface BufferRegion {
  offset: number;
  length: number;
}

/** BodyCompression.codec: 0 LZ4_FRAME, 1 ZSTD. */
export type Codec = 0 | 1;

export interface BatchHeader {
  length: number;
  nodes: FieldNode[];
  buffers: BufferRegion[];
  codec: Codec | null;
  variadicCounts: number[];
}

export type MessageHeader =
  | { kind: "schema"; schema: ArrowSchema }
  | { kind: "recordBatch"; batch: BatchHeader }
  | { kind: "dictionaryBatch"; id: number; isDelta: boolean; batch: BatchHeader };

export interface Message {
  version: number;
  bodyLength: number;
  header: MessageHeader;
}

export interface Block {
  offset: number;
  metaDataLength: number;
  bodyLength: number;
}

export interface Footer {
  version: number;
  schema: ArrowSchema;
  dictionaries: Block[];
  recordBatches: Block[];
}

const HEADER_NAMES = ["NONE", "Schema", "DictionaryBatch", "RecordBatch", "Tensor", "SparseTensor"];

function checkVersion(version: number, at: number): void {
  if (version > V5) {
    throw new BadMetadata(
      `metadata version V${version + 1} is newer than this reader knows (V4, V5); update embcheck or write the file with an older Arrow`,
      at,
    );
  }
  if (version < V4) throw new BadMetadata(`metadata version V${version + 1} is too old (V4 or V5 are read)`, at);
}

/** Runs `read` and turns flatbuffer errors into BadMetadata. */
function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof BadFlatbuffer) throw new BadMetadata(`corrupt metadata: ${e.message}`, e.at);
    throw e;
  }
}

/** Decodes one Message flatbuffer (the bytes after the length prefix). */
export function decodeMessage(bytes: Uint8Array): Message {
  return guarded(() => {
    const fb = new FlatBuffer(bytes);
    const root = fb.root();
    const version = root.i16(0);
    checkVersion(version, root.pos);
    const headerType = root.u8(1);
    const bodyLength = root.i64(3);
    if (!(bodyLength >= 0 && Number.isFinite(bodyLength))) {
      throw new BadMetadata(`message body length ${bodyLength} is invalid`, root.pos);
    }
    const h = root.table(2);
    if (headerType === 1 && h) return { version, bodyLength, header: { kind: "schema", schema: decodeSchema(h) } };
    if (headerType === 3 && h) {
      return { version, bodyLength, header: { kind: "recordBatch", batch: decodeBatch(h) } };
    }
    if (headerType === 2 && h) {
      const id = h.i64(0);
      const data = h.table(1);
      if (!data) throw new BadMetadata("dictionary batch without its record batch", h.pos);
      return {
        version,
        bodyLength,
        header: { kind: "dictionaryBatch", id, isDelta: h.bool(2), batch: decodeBatch(data) },
      };
    }
    const name = HEADER_NAMES[headerType] ?? `type ${headerType}`;
    throw new BadMetadata(
      h || headerType === 0
        ? `unexpected ${name} message (Schema, DictionaryBatch or RecordBatch expected)`
        : `${name} message without a header`,
      root.pos,
    );
  });
}

/** Decodes the file footer flatbuffer. */
export function decodeFooter(bytes: Uint8Array): Footer {
  return guarded(() => {
    const fb = new FlatBuffer(bytes);
    const root = fb.root();
    const version = root.i16(0);
    checkVersion(version, root.pos);
    const s = root.table(1);
    if (!s) throw new BadMetadata("the footer has no schema", root.pos);
    const blocks = (id: number): Block[] => {
      const v = root.vector(id, 24);
      if (!v) return [];
      const out: Block[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        out[i] = {
          offset: root.structI64(v, 24, i, 0),
          metaDataLength: root.structI32(v, 24, i, 8),
          bodyLength: root.structI64(v, 24, i, 16),
        };
      }
      return out;
    };
    return { version, schema: decodeSchema(s), dictionaries: blocks(2), recordBatches: blocks(3) };
  });
}

function decodeSchema(t: Table): ArrowSchema {
  if (t.i16(0) !== 0) throw new BadMetadata("big-endian Arrow data is not supported", t.pos);
  return { fields: t.tables(1).map((f) => decodeField(f)) };
}

const LEAF_CHILDREN = 0;

function decodeField(t: Table): ArrowField {
  const name = t.string(0) ?? "";
  const typeId = t.u8(2);
  const typeTable = t.table(3);
  const children = t.tables(5).map((c) => decodeField(c));
  const type = decodeType(typeId, typeTable, name, t.pos);
  const want = childCount(type);
  if (want !== null && children.length !== want) {
    throw new BadMetadata(`field "${name}" of type ${typeName(type, children)} has ${children.length} children`, t.pos);
  }
  let dictionary: ArrowField["dictionary"] = null;
  const d = t.table(4);
  if (d) {
    const idx = d.table(1);
    const bitWidth = idx ? idx.i32(0) : 32;
    if (![8, 16, 32, 64].includes(bitWidth)) {
      throw new BadMetadata(`field "${name}" has dictionary indices of ${bitWidth} bits`, d.pos);
    }
    dictionary = { id: d.i64(0), indexBitWidth: bitWidth, indexSigned: idx ? idx.bool(1) : true };
  }
  return { name, nullable: t.bool(1), type, children, dictionary };
}

/** The number of children a type must have, or null when any number is allowed (Struct, Union). */
function childCount(type: ArrowType): number | null {
  switch (type.id) {
    case TypeId.List:
    case TypeId.LargeList:
    case TypeId.FixedSizeList:
    case TypeId.Map:
    case TypeId.ListView:
    case TypeId.LargeListView:
      return 1;
    case TypeId.RunEndEncoded:
      return 2;
    case TypeId.Struct:
    case TypeId.Union:
      return null;
    default:
      return LEAF_CHILDREN;
  }
}

function decodeType(id: number, t: Table | null, name: string, at: number): ArrowType {
  const bad = (what: string) => new BadMetadata(`field "${name}": ${what}`, t?.pos ?? at);
  switch (id) {
    case TypeId.Int: {
      const bitWidth = t ? t.i32(0) : 0;
      if (![8, 16, 32, 64].includes(bitWidth)) throw bad(`an integer of ${bitWidth} bits`);
      return { id, bitWidth, signed: t ? t.bool(1) : false };
    }
    case TypeId.FloatingPoint: {
      const precision = t ? t.i16(0) : 0;
      if (precision < 0 || precision > 2) throw bad(`floating-point precision ${precision}`);
      return { id, precision };
    }
    case TypeId.Decimal: {
      const bitWidth = t ? t.i32(2, 128) : 128;
      if (![32, 64, 128, 256].includes(bitWidth)) throw bad(`a decimal of ${bitWidth} bits`);
      return { id, precision: t ? t.i32(0) : 0, scale: t ? t.i32(1) : 0, bitWidth };
    }
    case TypeId.FixedSizeBinary: {
      const byteWidth = t ? t.i32(0) : 0;
      if (byteWidth < 0) throw bad(`a fixed-size binary of ${byteWidth} bytes`);
      return { id, byteWidth };
    }
    case TypeId.FixedSizeList: {
      const listSize = t ? t.i32(0) : 0;
      if (listSize < 0) throw bad(`a fixed-size list of ${listSize} values`);
      return { id, listSize };
    }
    case TypeId.Date:
      return { id, unit: t ? t.i16(0, 1) : 1 };
    case TypeId.Time: {
      const bitWidth = t ? t.i32(1, 32) : 32;
      if (bitWidth !== 32 && bitWidth !== 64) throw bad(`a time of ${bitWidth} bits`);
      return { id, unit: t ? t.i16(0, 1) : 1, bitWidth };
    }
    case TypeId.Timestamp:
      return { id, unit: t ? t.i16(0) : 0, timezone: t ? t.string(1) : null };
    case TypeId.Interval:
    case TypeId.Duration:
      return { id, unit: t ? t.i16(0) : 0 };
    case TypeId.Union: {
      const mode = t ? t.i16(0) : 0;
      if (mode !== 0 && mode !== 1) throw bad(`union mode ${mode}`);
      return { id, mode };
    }
    case TypeId.Null:
    case TypeId.Binary:
    case TypeId.Utf8:
    case TypeId.Bool:
    case TypeId.List:
    case TypeId.Struct:
    case TypeId.Map:
    case TypeId.LargeBinary:
    case TypeId.LargeUtf8:
    case TypeId.LargeList:
    case TypeId.RunEndEncoded:
    case TypeId.BinaryView:
    case TypeId.Utf8View:
    case TypeId.ListView:
    case TypeId.LargeListView:
      return { id };
    default:
      throw bad(`unknown Arrow type id ${id}`);
  }
}

function decodeBatch(t: Table): BatchHeader {
  const length = t.i64(0);
  if (!(length >= 0 && Number.isFinite(length)))
    throw new BadMetadata(`record batch length ${length} is invalid`, t.pos);
  const nv = t.vector(1, 16);
  const nodes: FieldNode[] = [];
  if (nv) {
    for (let i = 0; i < nv.length; i++) {
      const n = { length: t.structI64(nv, 16, i, 0), nullCount: t.structI64(nv, 16, i, 8) };
      if (!(n.length >= 0 && Number.isFinite(n.length) && n.nullCount >= 0 && n.nullCount <= n.length)) {
        throw new BadMetadata(`field node ${i} has length ${n.length} and null count ${n.nullCount}`, nv.at + 16 * i);
      }
      nodes.push(n);
    }
  }
  const bv = t.vector(2, 16);
  const buffers: BufferRegion[] = [];
  if (bv) {
    for (let i = 0; i < bv.length; i++) {
      const b = { offset: t.structI64(bv, 16, i, 0), length: t.structI64(bv, 16, i, 8) };
      if (!(b.offset >= 0 && b.length >= 0 && Number.isFinite(b.offset + b.length))) {
        throw new BadMetadata(`buffer ${i} has offset ${b.offset} and length ${b.length}`, bv.at + 16 * i);
      }
      buffers.push(b);
    }
  }
  let codec: Codec | null = null;
  const c = t.table(3);
  if (c) {
    const code = c.i8(0);
    if (code !== 0 && code !== 1) throw new BadMetadata(`unknown body compression codec ${code}`, c.pos);
    if (c.i8(1) !== 0) throw new BadMetadata(`unknown body compression method ${c.i8(1)}`, c.pos);
    codec = code;
  }
  const variadicCounts: number[] = [];
  const vv = t.vector(4, 8);
  if (vv) {
    for (let i = 0; i < vv.length; i++) {
      const k = t.structI64(vv, 8, i, 0);
      if (!(k >= 0 && Number.isFinite(k))) throw new BadMetadata(`variadic buffer count ${k}`, vv.at + 8 * i);
      variadicCounts.push(k);
    }
  }
  return { length, nodes, buffers, codec, variadicCounts };
}

const INT_NAMES: Record<number, string> = { 8: "8", 16: "16", 32: "32", 64: "64" };
const TIME_UNITS = ["SECOND", "MILLISECOND", "MICROSECOND", "NANOSECOND"];

/** A type as apache-arrow prints it (e.g. `FixedSizeList[768]<Float32>`, `Utf8`), for messages. */
export function typeName(type: ArrowType, children: ArrowField[] = []): string {
  const child = () => (children[0] ? fieldTypeName(children[0]) : "?");
  switch (type.id) {
    case TypeId.Null:
      return "Null";
    case TypeId.Int:
      return `${type.signed ? "Int" : "Uint"}${INT_NAMES[type.bitWidth ?? 0]}`;
    case TypeId.FloatingPoint:
      return ["Float16", "Float32", "Float64"][type.precision ?? 0];
    case TypeId.Binary:
      return "Binary";
    case TypeId.Utf8:
      return "Utf8";
    case TypeId.Bool:
      return "Bool";
    case TypeId.Decimal:
      return `Decimal[${type.precision}e${(type.scale ?? 0) > 0 ? "+" : ""}${type.scale}]`;
    case TypeId.Date:
      return type.unit === 0 ? "Date32<DAY>" : "Date64<MILLISECOND>";
    case TypeId.Time:
      return `Time${type.bitWidth}<${TIME_UNITS[type.unit ?? 0] ?? type.unit}>`;
    case TypeId.Timestamp:
      return `Timestamp<${TIME_UNITS[type.unit ?? 0] ?? type.unit}${type.timezone ? `, ${type.timezone}` : ""}>`;
    case TypeId.Interval:
      return "Interval";
    case TypeId.Duration:
      return `Duration<${TIME_UNITS[type.unit ?? 0] ?? type.unit}>`;
    case TypeId.List:
      return `List<${child()}>`;
    case TypeId.LargeList:
      return `LargeList<${child()}>`;
    case TypeId.ListView:
      return `ListView<${child()}>`;
    case TypeId.LargeListView:
      return `LargeListView<${child()}>`;
    case TypeId.FixedSizeList:
      return `FixedSizeList[${type.listSize}]<${child()}>`;
    case TypeId.Struct:
      return `Struct<{${children.map((f) => `${f.name}:${fieldTypeName(f)}`).join(", ")}}>`;
    case TypeId.Map:
      return `Map<${child()}>`;
    case TypeId.Union:
      return `${type.mode === 1 ? "Dense" : "Sparse"}Union<${children.map(fieldTypeName).join(" | ")}>`;
    case TypeId.FixedSizeBinary:
      return `FixedSizeBinary[${type.byteWidth}]`;
    case TypeId.LargeBinary:
      return "LargeBinary";
    case TypeId.LargeUtf8:
      return "LargeUtf8";
    case TypeId.RunEndEncoded:
      return `RunEndEncoded<${children.map(fieldTypeName).join(", ")}>`;
    case TypeId.BinaryView:
      return "BinaryView";
    case TypeId.Utf8View:
      return "Utf8View";
    default:
      return `type ${type.id}`;
  }
}

/** The field's type name, with `Dictionary<indices, values>` for a dictionary-encoded field. */
export function fieldTypeName(f: ArrowField): string {
  const t = typeName(f.type, f.children);
  if (!f.dictionary) return t;
  return `Dictionary<${f.dictionary.indexSigned ? "Int" : "Uint"}${f.dictionary.indexBitWidth}, ${t}>`;
}
