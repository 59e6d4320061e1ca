/**
 * The pages of one column, read from the file at its column chunks' offsets, one row group after
 * another (parquet-format README "File format" and "Data Pages"; page headers decoded by
 * hyparquet's thrift reader). Nothing else of the file is read. Memory: a read window of
 * WINDOW_BYTES (or one page, when larger), one decompressed page and its levels, the chunk's
 * dictionary; every buffer is reused from page to page.
 *
 * A page comes out as its levels and its present values as little-endian bytes: a PLAIN page's
 * values are a view into the decompressed page (no copy); dictionary and BYTE_STREAM_SPLIT values
 * are decoded into a reused buffer.
 */
import type { PageHeader } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { InputError } from "../errors.js";
import { decompress, maxExpansion, type ParquetCodec, SUPPORTED_CODECS } from "./parquet-codecs.js";
import { bitWidth, decodeHybrid } from "./parquet-levels.js";
import type { ParquetListColumn } from "./parquet-schema.js";

/** Bytes read from the file at a time (one read serves several pages of the usual 1 MiB). */
export const WINDOW_BYTES = 4 << 20;
/** Page headers are tens of bytes; one with huge statistics is refused above this. */
const MAX_HEADER_BYTES = 1 << 20;
/** No page decompresses to more than this (writers cut pages at about 1 MiB). */
export const MAX_PAGE_BYTES = 1 << 30;
/** Level slots a page may claim beyond 8 per stored byte (runs of nulls are a few bytes each). */
const MAX_SPARSE_SLOTS = 1 << 24;

export type ReadAt = (buf: Uint8Array, length: number, position: number) => Promise<number>;

/** Where one row group's chunk of the column lies, as the footer says. */
export interface ChunkRange {
  rowGroup: number;
  start: number;
  length: number;
  codec: ParquetCodec;
  /** Level slots (num_values) the chunk holds. */
  slots: number;
  /** Rows of the row group. */
  rows: number;
}

export interface DataPage {
  /** Level slots in the page. */
  slots: number;
  /** Repetition levels (0 starts a row); views into reused buffers, valid until the next page. */
  rep: Uint8Array;
  /** Definition levels, or null when every slot holds a value. */
  def: Uint8Array | null;
  /** Slots that hold a value (definition level = maxDef). */
  present: number;
  /** Slots that start a row (repetition level 0). */
  rowStarts: number;
  /** The present values, `present × valueBytes` little-endian bytes. */
  values: Uint8Array;
  /** File offset of the page header, for messages. */
  at: number;
  /** The values' encoding and the page format (1: DATA_PAGE, 2: DATA_PAGE_V2), for tests. */
  encoding: string;
  version: 1 | 2;
  /** The row group it belongs to. */
  rowGroup: number;
}

interface Dictionary {
  count: number;
  bytes: Uint8Array;
}

function grow<T extends Uint8Array | Uint32Array>(have: T, n: number, make: (n: number) => T): T {
  return have.length >= n ? have : make(Math.max(n, Math.ceil(have.length * 1.5)));
}

export class PageStream {
  private chunk = -1;
  private pos = 0;
  private end = 0;
  private slotsLeft = 0;
  private rowsSeen = 0;
  private firstData = true;
  private dict: Dictionary | null = null;
  private win = new Uint8Array(0);
  private winPos = 0;
  private winLen = 0;
  private page = new Uint8Array(0);
  private rep = new Uint8Array(0);
  private def = new Uint8Array(0);
  private idx = new Uint32Array(0);
  private vals = new Uint8Array(0);

  constructor(
    private readonly readAt: ReadAt,
    private readonly chunks: ChunkRange[],
    private readonly col: ParquetListColumn,
    private readonly file: string,
  ) {}

  private fail(what: string, at: number, todo = "the file is damaged or cut short; write it again"): InputError {
    return new InputError(what, { file: this.file, byteOffset: at, column: this.col.name }, todo);
  }

  /** The next data page, or null after the last row group. */
  async next(): Promise<DataPage | null> {
    for (;;) {
      if (this.chunk < 0 || this.pos >= this.end) {
        if (this.chunk >= 0) this.endChunk();
        if (++this.chunk >= this.chunks.length) return null;
        this.startChunk();
        continue;
      }
      const page = await this.readPage();
      if (page) return page;
    }
  }

  private startChunk(): void {
    const c = this.chunks[this.chunk];
    if (!SUPPORTED_CODECS.includes(c.codec)) {
      throw this.fail(
        `${c.codec} compression is not supported`,
        c.start,
        `rewrite the file with snappy, zstd, gzip, lz4 or no compression (e.g. pyarrow.parquet.write_table(t, path, compression="zstd"))`,
      );
    }
    this.pos = c.start;
    this.end = c.start + c.length;
    this.slotsLeft = c.slots;
    this.rowsSeen = 0;
    this.firstData = true;
    this.dict = null;
  }

  private endChunk(): void {
    const c = this.chunks[this.chunk];
    if (this.slotsLeft !== 0 || this.rowsSeen !== c.rows) {
      throw this.fail(
        `row group ${c.rowGroup}: the column's pages hold ${this.rowsSeen} rows (${c.slots - this.slotsLeft} values), but the footer says ${c.rows} rows (${c.slots} values)`,
        c.start,
      );
    }
  }

  /** A view of file bytes [pos, pos + n), which must lie inside the current chunk. */
  private async bytes(pos: number, n: number): Promise<Uint8Array> {
    if (pos >= this.winPos && pos + n <= this.winPos + this.winLen) {
      return this.win.subarray(pos - this.winPos, pos - this.winPos + n);
    }
    const want = Math.min(Math.max(n, WINDOW_BYTES), this.end - pos);
    // keep what the window already holds from `pos` on, read the rest after it
    const keepFrom = pos - this.winPos;
    const keep = keepFrom >= 0 && keepFrom < this.winLen ? this.winLen - keepFrom : 0;
    if (this.win.length < want) {
      const bigger = new Uint8Array(want);
      if (keep) bigger.set(this.win.subarray(keepFrom, keepFrom + keep));
      this.win = bigger;
    } else if (keep) {
      this.win.copyWithin(0, keepFrom, keepFrom + keep);
    }
    const got = await this.readAt(this.win.subarray(keep, want), want - keep, pos + keep);
    this.winPos = pos;
    this.winLen = keep + got;
    if (this.winLen < n) throw this.fail(`truncated Parquet file: the file ends inside a page`, pos + this.winLen);
    return this.win.subarray(0, n);
  }

  private async header(): Promise<{ header: PageHeader; size: number }> {
    const left = this.end - this.pos;
    let n = Math.min(256, left);
    for (;;) {
      const bytes = await this.bytes(this.pos, n);
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
      try {
        const header = parquetHeader(reader);
        return { header, size: reader.offset };
      } catch (err) {
        if (n >= left || n >= MAX_HEADER_BYTES) {
          throw this.fail(`corrupt Parquet page header (${(err as Error).message})`, this.pos);
        }
        n = Math.min(n * 8, left, MAX_HEADER_BYTES);
      }
    }
  }

  private async readPage(): Promise<DataPage | null> {
    const at = this.pos;
    const c = this.chunks[this.chunk];
    const { header: h, size } = await this.header();
    const packed = h.compressed_page_size;
    const raw = h.uncompressed_page_size;
    const bodyAt = at + size;
    if (!Number.isSafeInteger(packed) || packed < 0 || !Number.isSafeInteger(raw) || raw < 0) {
      throw this.fail(`corrupt Parquet page header: page sizes ${packed} / ${raw}`, at);
    }
    if (bodyAt + packed > this.end) {
      throw this.fail(
        `truncated page: it claims ${packed} bytes but the column chunk has ${this.end - bodyAt} left`,
        at,
      );
    }
    this.pos = bodyAt + packed;
    const body = await this.bytes(bodyAt, packed);
    switch (h.type) {
      case "DICTIONARY_PAGE":
        this.readDictionary(h, body, c.codec, at);
        return null;
      case "DATA_PAGE":
        return this.dataPageV1(h, body, c.codec, at);
      case "DATA_PAGE_V2":
        return this.dataPageV2(h, body, c.codec, at);
      default:
        return null; // index pages and page types of later format versions carry no values
    }
  }

  private inflate(codec: ParquetCodec, body: Uint8Array, raw: number, at: number, own = false): Uint8Array {
    if (raw > MAX_PAGE_BYTES || raw > maxExpansion(codec, body.length)) {
      throw this.fail(`corrupt Parquet page header: ${body.length} ${codec} bytes cannot hold ${raw} bytes`, at);
    }
    if (!own) this.page = grow(this.page, raw, (k) => new Uint8Array(k));
    try {
      const out = decompress(codec, body, raw, own ? undefined : this.page);
      return own && out === body ? out.slice() : out;
    } catch (err) {
      throw this.fail(`cannot decompress the ${codec} page (${(err as Error).message})`, at);
    }
  }

  private readDictionary(h: PageHeader, body: Uint8Array, codec: ParquetCodec, at: number): void {
    const dh = h.dictionary_page_header;
    const count = dh?.num_values ?? -1;
    if (!dh || !Number.isSafeInteger(count) || count < 0) throw this.fail("corrupt dictionary page header", at);
    if (dh.encoding !== "PLAIN" && dh.encoding !== "PLAIN_DICTIONARY") {
      throw this.fail(`unsupported dictionary page encoding ${dh.encoding}`, at);
    }
    const bytes = this.inflate(codec, body, h.uncompressed_page_size, at, true);
    const vb = this.col.valueBytes;
    if (bytes.length < count * vb) {
      throw this.fail(`dictionary page holds ${bytes.length} bytes, too few for ${count} values`, at);
    }
    // a copy at offset 0, so typed views over it are aligned
    this.dict = { count, bytes: bytes.byteOffset === 0 ? bytes : bytes.slice(0, count * vb) };
  }

  private checkSlots(slots: number, raw: number, at: number): void {
    if (!Number.isSafeInteger(slots) || slots < 0 || slots > this.slotsLeft) {
      throw this.fail(`corrupt data page header: ${slots} values, ${this.slotsLeft} left in the column chunk`, at);
    }
    if (slots > MAX_SPARSE_SLOTS && slots > raw * 8) {
      throw this.fail(`corrupt data page header: ${slots} values in ${raw} bytes`, at);
    }
    this.slotsLeft -= slots;
  }

  private dataPageV1(h: PageHeader, body: Uint8Array, codec: ParquetCodec, at: number): DataPage {
    const dh = h.data_page_header;
    if (!dh) throw this.fail("corrupt data page header (no DataPageHeader)", at);
    const slots = dh.num_values;
    this.checkSlots(slots, h.uncompressed_page_size, at);
    const page = this.inflate(codec, body, h.uncompressed_page_size, at);
    let p = 0;
    const levels = (max: number, encoding: string, into: "rep" | "def"): number => {
      if (encoding !== "RLE") throw this.fail(`unsupported level encoding ${encoding}`, at);
      if (p + 4 > page.length) throw this.fail("truncated data page: no room for its levels", at);
      const n = page[p] | (page[p + 1] << 8) | (page[p + 2] << 16) | (page[p + 3] * 0x1000000);
      p += 4;
      if (p + n > page.length) throw this.fail("truncated data page: its levels run past the page", at);
      const hits = this.levels(page, p, p + n, max, slots, into, at);
      p += n;
      return hits;
    };
    const rowStarts = levels(this.col.maxRep, dh.repetition_level_encoding, "rep");
    const present = levels(this.col.maxDef, dh.definition_level_encoding, "def");
    return this.finish(slots, present, rowStarts, dh.encoding, page.subarray(p), at, 1);
  }

  private dataPageV2(h: PageHeader, body: Uint8Array, codec: ParquetCodec, at: number): DataPage {
    const dh = h.data_page_header_v2;
    if (!dh) throw this.fail("corrupt data page header (no DataPageHeaderV2)", at);
    const slots = dh.num_values;
    this.checkSlots(slots, h.uncompressed_page_size, at);
    const rl = dh.repetition_levels_byte_length;
    const dl = dh.definition_levels_byte_length;
    if (!(rl >= 0 && dl >= 0 && rl + dl <= body.length && rl + dl <= h.uncompressed_page_size)) {
      throw this.fail(`corrupt data page header: level lengths ${rl} + ${dl} do not fit the page`, at);
    }
    const rowStarts = this.levels(body, 0, rl, this.col.maxRep, slots, "rep", at);
    const present = this.levels(body, rl, rl + dl, this.col.maxDef, slots, "def", at);
    const rest = body.subarray(rl + dl);
    const size = h.uncompressed_page_size - rl - dl;
    const compressed = dh.is_compressed !== false && codec !== "UNCOMPRESSED";
    const values = compressed ? this.inflate(codec, rest, size, at) : rest;
    if (!compressed && rest.length !== size) throw this.fail("corrupt data page header: sizes do not add up", at);
    if (dh.num_rows !== undefined && dh.num_rows !== rowStarts) {
      throw this.fail(`data page header says ${dh.num_rows} rows, its levels start ${rowStarts}`, at);
    }
    return this.finish(slots, present, rowStarts, dh.encoding, values, at, 2);
  }

  /** Decodes levels into the rep or def buffer; returns the count of 0 (rep) or maxDef (def) slots. */
  private levels(
    bytes: Uint8Array,
    from: number,
    to: number,
    max: number,
    slots: number,
    into: "rep" | "def",
    at: number,
  ): number {
    const buf = grow(into === "rep" ? this.rep : this.def, slots, (k) => new Uint8Array(k));
    if (into === "rep") this.rep = buf;
    else this.def = buf;
    try {
      return decodeHybrid(bytes, from, to, bitWidth(max), buf, slots, into === "rep" ? 0 : max);
    } catch (err) {
      throw this.fail(`corrupt ${into === "rep" ? "repetition" : "definition"} levels (${(err as Error).message})`, at);
    }
  }

  private finish(
    slots: number,
    present: number,
    rowStarts: number,
    encoding: string,
    data: Uint8Array,
    at: number,
    version: 1 | 2,
  ): DataPage {
    if (present !== slots) {
      const max = this.col.maxDef;
      for (let i = 0; i < slots; i++) {
        if (this.def[i] > max) throw this.fail(`definition level ${this.def[i]} is over ${max}`, at);
      }
    }
    if (this.firstData && slots > 0) {
      if (this.rep[0] !== 0) throw this.fail("corrupt column chunk: its first value does not start a row", at);
      this.firstData = false;
    }
    this.rowsSeen += rowStarts;
    const values = this.values(encoding, data, present, at);
    return {
      slots,
      rep: this.rep.subarray(0, slots),
      def: present === slots ? null : this.def.subarray(0, slots),
      present,
      rowStarts,
      values,
      at,
      encoding,
      version,
      rowGroup: this.chunks[this.chunk].rowGroup,
    };
  }

  private values(encoding: string, data: Uint8Array, n: number, at: number): Uint8Array {
    const vb = this.col.valueBytes;
    const size = n * vb;
    switch (encoding) {
      case "PLAIN":
        if (data.length < size)
          throw this.fail(`truncated data page: ${n} values need ${size} bytes, it has ${data.length}`, at);
        return data.subarray(0, size);
      case "BYTE_STREAM_SPLIT": {
        if (data.length < size)
          throw this.fail(`truncated data page: ${n} values need ${size} bytes, it has ${data.length}`, at);
        this.vals = grow(this.vals, size, (k) => new Uint8Array(k));
        const out = this.vals;
        // stream k holds byte k of every value (parquet-format Encodings.md, BYTE_STREAM_SPLIT)
        for (let k = 0; k < vb; k++) {
          const src = data.subarray(k * n, (k + 1) * n);
          for (let i = 0, o = k; i < n; i++, o += vb) out[o] = src[i];
        }
        return out.subarray(0, size);
      }
      case "RLE_DICTIONARY":
      case "PLAIN_DICTIONARY":
        return this.lookUp(data, n, at);
      default:
        throw this.fail(
          `unsupported value encoding ${encoding}`,
          at,
          "rewrite the file with the default encodings (PLAIN, dictionary or BYTE_STREAM_SPLIT)",
        );
    }
  }

  private lookUp(data: Uint8Array, n: number, at: number): Uint8Array {
    const dict = this.dict;
    if (!dict) throw this.fail("a dictionary-encoded page comes before any dictionary page", at);
    const vb = this.col.valueBytes;
    if (n === 0) return this.vals.subarray(0, 0);
    if (data.length < 1) throw this.fail("truncated data page: no dictionary index width", at);
    const width = data[0];
    this.idx = grow(this.idx, n, (k) => new Uint32Array(k));
    const idx = this.idx;
    try {
      decodeHybrid(data, 1, data.length, width, idx, n);
    } catch (err) {
      throw this.fail(`corrupt dictionary indices (${(err as Error).message})`, at);
    }
    // allocated in whole 8-byte words so the typed views below are in range and aligned
    this.vals = grow(this.vals, n * 8, (k) => new Uint8Array(k));
    const out = this.vals;
    const count = dict.count;
    for (let i = 0; i < n; i++) {
      if (idx[i] >= count) throw this.fail(`dictionary index ${idx[i]} is past the ${count} dictionary values`, at);
    }
    if (vb === 4) {
      const d = new Uint32Array(dict.bytes.buffer, dict.bytes.byteOffset, count);
      const o = new Uint32Array(out.buffer, 0, n);
      for (let i = 0; i < n; i++) o[i] = d[idx[i]];
    } else if (vb === 8) {
      const d = new Uint32Array(dict.bytes.buffer, dict.bytes.byteOffset, count * 2);
      const o = new Uint32Array(out.buffer, 0, n * 2);
      for (let i = 0; i < n; i++) {
        const k = idx[i] * 2;
        o[2 * i] = d[k];
        o[2 * i + 1] = d[k + 1];
      }
    } else {
      const d = new Uint16Array(dict.bytes.buffer, dict.bytes.byteOffset, count);
      const o = new Uint16Array(out.buffer, 0, n);
      for (let i = 0; i < n; i++) o[i] = d[idx[i]];
    }
    return out.subarray(0, n * vb);
  }
}
