/**
 * Page decompression for Parquet: SNAPPY, ZSTD, GZIP, LZ4_RAW, LZ4 (Hadoop framing) and
 * UNCOMPRESSED. Every decoder writes into an output of exactly the page header's
 * `uncompressed_page_size` (checked by the caller before allocating) and throws a plain Error
 * when the bytes do not decode to exactly that many bytes; the page reader turns that into an
 * InputError naming the file, column and byte offset.
 *
 * Snappy and LZ4 blocks are decoded here (format: google/snappy format_description.txt,
 * lz4/lz4 doc/lz4_Block_format.md): embedding pages are mostly long literals (float bits do not
 * repeat), which become one `Uint8Array.set` each. ZSTD uses Node's zlib when the running Node has
 * it (22.15+), else zstd's reference decoder in WebAssembly (./codecs/zstd-wasm.ts), else fzstd;
 * GZIP uses zlib.
 */
import zlib from "node:zlib";
import { decompress as fzstdDecompress } from "fzstd";
import { decodeBlock } from "./codecs/lz4.js";
import { WasmZstdDecoder, wasmZstdAvailable } from "./codecs/zstd-wasm.js";

export type ParquetCodec = "UNCOMPRESSED" | "SNAPPY" | "GZIP" | "LZO" | "BROTLI" | "LZ4" | "ZSTD" | "LZ4_RAW";

/** The codecs this reader decodes. */
export const SUPPORTED_CODECS: readonly ParquetCodec[] = ["UNCOMPRESSED", "SNAPPY", "GZIP", "LZ4", "ZSTD", "LZ4_RAW"];

/**
 * The most bytes `compressed` bytes can decode to, where the codec bounds it: snappy's densest
 * element is a 3-byte copy of 64 bytes, LZ4's a 255-byte length run per 255 output bytes (about
 * 255:1), deflate's 1032:1. ZSTD has no useful bound (an RLE block is 3 bytes for 128 KiB).
 */
export function maxExpansion(codec: ParquetCodec, compressed: number): number {
  switch (codec) {
    case "UNCOMPRESSED":
      return compressed;
    case "SNAPPY":
      return compressed * 22 + 64;
    case "LZ4":
    case "LZ4_RAW":
      return compressed * 256 + 64;
    case "GZIP":
      return compressed * 1032 + 64;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** Decompresses `input` into exactly `size` bytes (`out` when given and large enough). */
export function decompress(codec: ParquetCodec, input: Uint8Array, size: number, out?: Uint8Array): Uint8Array {
  const dst = out && out.length >= size ? out.subarray(0, size) : new Uint8Array(size);
  switch (codec) {
    case "UNCOMPRESSED":
      if (input.length !== size) throw new Error(`stored page has ${input.length} bytes, header says ${size}`);
      return input;
    case "SNAPPY":
      snappyDecode(input, dst);
      return dst;
    case "LZ4_RAW":
      if (lz4Block(input, 0, input.length, dst, 0) !== size) throw new Error("LZ4 block decoded to the wrong length");
      return dst;
    case "LZ4":
      lz4Hadoop(input, dst);
      return dst;
    case "GZIP":
      return zlibInto(zlib.unzipSync, input, size, dst);
    case "ZSTD":
      return zstdInto(input, size, dst);
    default:
      throw new Error(`${codec} compression is not supported`);
  }
}

function zlibInto(
  fn: (b: Uint8Array, o: zlib.ZlibOptions) => Buffer,
  input: Uint8Array,
  size: number,
  dst: Uint8Array,
): Uint8Array {
  // maxOutputLength bounds the work on a page that decodes to more than it claims.
  const got = fn(input, { maxOutputLength: Math.max(1, size + 1) });
  if (got.length !== size) throw new Error(`page decoded to ${got.length} bytes, header says ${size}`);
  dst.set(got);
  return dst;
}

type ZstdSync = (b: Uint8Array, o?: { maxOutputLength?: number }) => Buffer;
const nodeZstd = (zlib as unknown as { zstdDecompressSync?: ZstdSync }).zstdDecompressSync;

function zstdInto(input: Uint8Array, size: number, dst: Uint8Array): Uint8Array {
  if (nodeZstd) return zlibInto(nodeZstd as never, input, size, dst);
  if (size === 0 && input.length === 0) return dst;
  // fzstd decodes into `dst` (so a frame's window size never makes it allocate) but cuts or pads
  // to dst's length silently: check the frame's declared content size first (a page is one frame)
  const declared = zstdContentSize(input);
  if (declared !== null && declared !== size)
    throw new Error(`ZSTD frame holds ${declared} bytes, header says ${size}`);
  if (wasmZstdAvailable()) return wasmZstdInto(input, size, dst);
  const got = fzstdDecompress(input, dst);
  if (got.buffer !== dst.buffer || got.byteOffset !== dst.byteOffset) dst.set(got.subarray(0, size));
  return dst;
}

/** One decoder for every page (decoding is synchronous); its memory is the largest window seen. */
let pageDecoder: WasmZstdDecoder | null = null;

function wasmZstdInto(input: Uint8Array, size: number, dst: Uint8Array): Uint8Array {
  pageDecoder ??= new WasmZstdDecoder();
  const dec = pageDecoder;
  dec.reset();
  dec.feed(input);
  let got = 0;
  for (let piece = dec.next(); piece; piece = dec.next()) {
    if (got + piece.length > size) throw new Error(`ZSTD page decodes to more than the ${size} bytes its header says`);
    dst.set(piece, got);
    got += piece.length;
  }
  if (!dec.atFrameEnd) throw new Error("ZSTD frame is truncated");
  if (got !== size) throw new Error(`ZSTD page decoded to ${got} bytes, header says ${size}`);
  return dst;
}

/**
 * The Frame_Content_Size of the first ZSTD frame, or null when the frame does not say it
 * (RFC 8878 section 3.1.1.1: magic, Frame_Header_Descriptor, Window_Descriptor, Dictionary_ID, FCS).
 */
export function zstdContentSize(b: Uint8Array): number | null {
  if (b.length < 5 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) {
    throw new Error("not a ZSTD frame (bad magic number)");
  }
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const dictBytes = [0, 1, 2, 4][fhd & 3];
  const fcsBytes = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag];
  if (fcsBytes === 0) return null;
  const at = 5 + (single ? 0 : 1) + dictBytes;
  if (at + fcsBytes > b.length) throw new Error("truncated ZSTD frame header");
  let v = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) v = v * 256 + b[at + i];
  return fcsBytes === 2 ? v + 256 : v;
}

/** Decodes one raw snappy block into `out`, whose length must equal the block's preamble. */
export function snappyDecode(input: Uint8Array, out: Uint8Array): void {
  const n = input.length;
  let ip = 0;
  // preamble: uncompressed length as a little-endian base-128 varint
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= n || shift > 28) throw new Error("snappy: bad length preamble");
    const b = input[ip++];
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (len !== out.length) throw new Error(`snappy: block holds ${len} bytes, header says ${out.length}`);
  let op = 0;
  while (ip < n) {
    const tag = input[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let m = tag >>> 2;
      if (m >= 60) {
        const bytes = m - 59;
        if (ip + bytes > n) throw new Error("snappy: truncated literal length");
        m = input[ip] | (bytes > 1 ? input[ip + 1] << 8 : 0) | (bytes > 2 ? input[ip + 2] << 16 : 0);
        if (bytes > 3) m += input[ip + 3] * 0x1000000;
        ip += bytes;
      }
      m += 1;
      if (ip + m > n || op + m > len) throw new Error("snappy: literal runs past the end");
      if (m < 16) {
        for (let k = 0; k < m; k++) out[op + k] = input[ip + k];
      } else {
        out.set(input.subarray(ip, ip + m), op);
      }
      ip += m;
      op += m;
      continue;
    }
    let m: number;
    let offset: number;
    if (kind === 1) {
      if (ip >= n) throw new Error("snappy: truncated copy");
      m = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | input[ip++];
    } else if (kind === 2) {
      if (ip + 2 > n) throw new Error("snappy: truncated copy");
      m = (tag >>> 2) + 1;
      offset = input[ip] | (input[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) throw new Error("snappy: truncated copy");
      m = (tag >>> 2) + 1;
      offset = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16)) + input[ip + 3] * 0x1000000;
      ip += 4;
    }
    if (offset === 0 || offset > op || op + m > len) throw new Error("snappy: copy outside the output");
    copyMatch(out, op, offset, m);
    op += m;
  }
  if (op !== len) throw new Error(`snappy: block ended after ${op} of ${len} bytes`);
}

/** out[op .. op+m) = out[op-offset ..], byte by byte when the ranges overlap (a repeating pattern). */
function copyMatch(out: Uint8Array, op: number, offset: number, m: number): void {
  const from = op - offset;
  if (offset >= m && m >= 32) {
    out.copyWithin(op, from, from + m);
    return;
  }
  for (let k = 0; k < m; k++) out[op + k] = out[from + k];
}

/**
 * Decodes one LZ4 block, input[ip, end) → out from `op`; returns the bytes written. Throws on a
 * block that reads or writes out of bounds (the Arrow reader's block decoder, src/io/codecs/lz4.ts).
 */
export function lz4Block(input: Uint8Array, ip: number, end: number, out: Uint8Array, op: number): number {
  return decodeBlock(input, ip, end, out, op, out.length, op) - op;
}

/**
 * Parquet's LZ4 codec as Hadoop writes it: blocks of [u32 BE decompressed size][u32 BE compressed
 * size][LZ4 block]. Some writers put a bare LZ4 block under the same codec; like Arrow's reader
 * (cpp/src/arrow/util/compression_lz4.cc, Lz4HadoopCodec), fall back to that when the framing
 * does not add up.
 */
function lz4Hadoop(input: Uint8Array, out: Uint8Array): void {
  if (hadoopFrames(input, out)) return;
  if (lz4Block(input, 0, input.length, out, 0) !== out.length) throw new Error("LZ4 block decoded to the wrong length");
}

function hadoopFrames(input: Uint8Array, out: Uint8Array): boolean {
  const be32 = (i: number) => ((input[i] << 24) | (input[i + 1] << 16) | (input[i + 2] << 8) | input[i + 3]) >>> 0;
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    if (ip + 8 > input.length) return false;
    const raw = be32(ip);
    const packed = be32(ip + 4);
    ip += 8;
    if (ip + packed > input.length || op + raw > out.length) return false;
    try {
      if (lz4Block(input, ip, ip + packed, out, op) !== raw) return false;
    } catch {
      return false;
    }
    ip += packed;
    op += raw;
  }
  return op === out.length;
}
