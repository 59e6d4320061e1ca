/**
 * Arrow IPC body-compression codecs (LZ4_FRAME and ZSTD) for apache-arrow, which registers none itself.
 *
 * apache-arrow hands `decode` each compressed buffer *without* its 8-byte little-endian
 * uncompressed-length prefix (it handles the −1 "stored uncompressed" case itself). The bytes it
 * passes are a view into the message body, so the prefix sits just before them: we read it there
 * to size the output (ZSTD frames written by polars carry no content size) and to check the
 * decoded length. Outputs are fresh, 0-offset buffers, so Float64Array views over them never throw.
 *
 * LZ4: `lz4-napi` (lz4_flex through napi-rs, prebuilt binaries shipped as npm packages) decodes
 * the frame format with linked or independent blocks, block checksums and content checksums
 * (polars writes all three; `lz4js` mis-decodes frames with block checksums).
 * ZSTD: `fzstd` (pure JS).
 */
import { createRequire } from "node:module";
import { CompressionType, compressionRegistry } from "apache-arrow";
import { decompress as zstdDecompress } from "fzstd";
import { InternalError } from "../errors.js";

type Lz4Napi = typeof import("lz4-napi");

let registered = false;
let lz4: Lz4Napi | undefined;

/** lz4-napi loads a native binary: load it on the first LZ4 buffer, so other formats never depend on it. */
function lz4Napi(): Lz4Napi {
  if (!lz4) {
    try {
      lz4 = createRequire(import.meta.url)("lz4-napi") as Lz4Napi;
    } catch (err) {
      throw new InternalError(
        `the LZ4 decoder (lz4-napi) cannot be loaded on ${process.platform}-${process.arch}: ${(err as Error).message}`,
      );
    }
  }
  return lz4;
}

/** The uncompressed length Arrow stored in the 8 bytes before `data`, or null when not visible. */
function prefixLength(data: Uint8Array): number | null {
  if (data.byteOffset < 8) return null;
  const n = new DataView(data.buffer, data.byteOffset - 8, 8).getBigInt64(0, true);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number(n);
}

/** A view whose byteOffset is a multiple of 8 (copies only when it is not). */
function aligned(buf: Uint8Array): Uint8Array {
  const view = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.byteOffset % 8 === 0) return view;
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}

function checkLength(codec: string, got: number, want: number | null): void {
  if (want !== null && got !== want) {
    throw new Error(`${codec}: a compressed buffer decoded to ${got} bytes, but its header says ${want}`);
  }
}

/** Decodes one LZ4 frame (as Arrow's LZ4_FRAME body compression writes it). Exported for tests. */
export function decodeLz4Frame(data: Uint8Array): Uint8Array {
  const want = prefixLength(data);
  if (want === 0 && data.byteLength === 0) return new Uint8Array(0);
  const out = aligned(lz4Napi().decompressFrameSync(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
  checkLength("LZ4", out.byteLength, want);
  return out;
}

/** Decodes one ZSTD frame (as Arrow's ZSTD body compression writes it). Exported for tests. */
export function decodeZstd(data: Uint8Array, uncompressedLength: number | null = prefixLength(data)): Uint8Array {
  if (uncompressedLength === null) return aligned(zstdDecompress(data));
  const out = new Uint8Array(uncompressedLength);
  if (uncompressedLength === 0 && data.byteLength === 0) return out;
  const res = zstdDecompress(data, out);
  // fzstd writes into `out`; a frame that claims a content size returns exactly that many bytes.
  if (res !== out) checkLength("ZSTD", res.byteLength, uncompressedLength);
  return res === out ? out : aligned(res);
}

/** Registers the LZ4_FRAME and ZSTD decoders with apache-arrow. Safe to call any number of times. */
export function registerArrowCodecs(): void {
  if (registered) return;
  compressionRegistry.set(CompressionType.LZ4_FRAME, { decode: decodeLz4Frame });
  compressionRegistry.set(CompressionType.ZSTD, { decode: (data: Uint8Array) => decodeZstd(data) });
  registered = true;
}
