/**
 * One buffer of a record batch body, decoded as it is read: stored as it is, or compressed with
 * Arrow's body compression (format/Message.fbs, BodyCompression: each buffer is an 8-byte
 * little-endian uncompressed length, then the LZ4 frame or ZSTD frame; a length of −1 means the
 * bytes that follow are stored uncompressed).
 */
import { CorruptData, type DecodedStream, PlainStream, readAll } from "../codecs/input.js";
import { Lz4FrameStream } from "../codecs/lz4.js";
import { ZstdStream } from "../codecs/zstd.js";
import type { Body } from "./bytes.js";
import { readInt64 } from "./flatbuffer.js";
import type { BufferRegion, Codec } from "./metadata.js";

export interface OpenBuffer {
  stream: DecodedStream;
  /** Decoded length in bytes. */
  length: number;
}

export async function openBuffer(body: Body, region: BufferRegion, codec: Codec | null): Promise<OpenBuffer> {
  const input = await body.region(region.offset, region.length);
  if (codec === null || region.length === 0) return { stream: new PlainStream(input), length: region.length };
  if (region.length < 8) throw new CorruptData("a compressed buffer is shorter than its 8-byte length prefix", 0);
  const prefix = await input.take(8);
  const length = readInt64(new DataView(prefix.buffer, prefix.byteOffset, 8), 0);
  if (length === -1) return { stream: new PlainStream(input), length: region.length - 8 };
  if (!(length >= 0 && Number.isFinite(length))) {
    throw new CorruptData(`a compressed buffer claims ${length} uncompressed bytes`, 0);
  }
  const stream = codec === 0 ? new Lz4FrameStream(input, length) : new ZstdStream(input, length);
  return { stream, length };
}

/** Reads the first `need` decoded bytes of a buffer (checking it has them) and drains the rest. */
export async function readBuffer(
  body: Body,
  region: BufferRegion,
  codec: Codec | null,
  need: number,
  what: string,
): Promise<Uint8Array> {
  const b = await openBuffer(body, region, codec);
  if (b.length < need) throw new CorruptData(`${what} holds ${b.length} bytes, but the rows need ${need}`, 0);
  const out = new Uint8Array(need);
  await b.stream.read(out, 0, need);
  await b.stream.finish();
  return out;
}

const PIECE = 8 << 20;

/**
 * Reads a whole buffer (a column carried through). Memory grows with the bytes actually decoded,
 * in pieces, so a length prefix that lies cannot make it allocate more than the data holds.
 */
export async function readWholeBuffer(body: Body, region: BufferRegion, codec: Codec | null): Promise<Uint8Array> {
  const b = await openBuffer(body, region, codec);
  if (b.length <= PIECE) return readAll(b.stream, b.length);
  const pieces: Uint8Array[] = [];
  for (let left = b.length; left > 0; ) {
    const k = Math.min(left, PIECE);
    const p = new Uint8Array(k);
    await b.stream.read(p, 0, k);
    pieces.push(p);
    left -= k;
  }
  await b.stream.finish();
  const out = new Uint8Array(b.length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
