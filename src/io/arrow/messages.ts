/**
 * Encapsulated IPC messages (arrow.apache.org/docs/format/Columnar.html, "Encapsulated message
 * format"): a 0xFFFFFFFF continuation marker, an int32 metadata length, the Message flatbuffer
 * (padded to 8 bytes), then the body. A length of 0 is the end-of-stream marker.
 * Lengths are checked before anything is allocated: the metadata against MAX_METADATA and the
 * bytes the input has left, the body (for a file) against the file size.
 */
import { type FileBytes, type StreamBytes, Truncated } from "./bytes.js";
import { BadMetadata, decodeMessage, type Message } from "./metadata.js";

/** The most metadata one message may have (a schema of ~500k columns); anything larger is refused. */
export const MAX_METADATA = 64 << 20;

/** Sequential reads, from a stream or from a file at a moving position. */
export interface Cursor {
  readonly position: number;
  /** Bytes left when known (a file), else null. */
  readonly left: number | null;
  readUpTo(n: number): Promise<Uint8Array>;
  bytes(n: number): Promise<Uint8Array>;
  skip(n: number): Promise<void>;
}

export function fileCursor(file: FileBytes, start: number): Cursor & { position: number } {
  return {
    position: start,
    get left() {
      return file.size - this.position;
    },
    async readUpTo(n) {
      const k = Math.max(0, Math.min(n, file.size - this.position));
      const out = await file.bytes(this.position, k);
      this.position += k;
      return out;
    },
    async bytes(n) {
      const out = await file.bytes(this.position, n);
      this.position += n;
      return out;
    },
    async skip(n) {
      if (this.position + n > file.size) throw new Truncated(file.size, this.position + n - file.size);
      this.position += n;
    },
  };
}

export function streamCursor(stream: StreamBytes): Cursor {
  return {
    get position() {
      return stream.position;
    },
    left: null,
    readUpTo: (n) => stream.readUpTo(n),
    bytes: (n) => stream.bytes(n),
    skip: (n) => stream.skip(n),
  };
}

export interface RawMessage {
  message: Message;
  /** The Message flatbuffer's bytes. */
  metadata: Uint8Array;
  /** Where the message (its marker) starts in the input. */
  offset: number;
  /** Where its metadata flatbuffer starts (error offsets inside the metadata add to this). */
  metadataAt: number;
}

export type Next = RawMessage | { end: "eos"; offset: number } | { end: "eof"; offset: number };

const i32 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);

/**
 * Reads the next message's prefix and metadata (not its body). Returns the end-of-stream marker
 * or a clean end of input (no byte left) as such; a partial prefix or metadata throws Truncated.
 */
export async function readMessage(cur: Cursor): Promise<Next> {
  const offset = cur.position;
  const first = await cur.readUpTo(4);
  if (first.length === 0) return { end: "eof", offset };
  if (first.length < 4) throw new Truncated(offset + first.length, 4 - first.length);
  let len = i32(first);
  if (len === -1) {
    const l = await cur.readUpTo(4);
    if (l.length < 4) throw new Truncated(offset + 4 + l.length, 4 - l.length);
    len = i32(l);
  }
  if (len === 0) return { end: "eos", offset };
  if (len < 0 || len > MAX_METADATA) {
    throw new BadMetadata(
      `message metadata length ${len} is ${len < 0 ? "negative" : `over the ${MAX_METADATA}-byte limit`}`,
      0,
    );
  }
  if (cur.left !== null && len > cur.left) throw new Truncated(cur.position + cur.left, len - cur.left);
  const metadataAt = cur.position;
  const metadata = await cur.bytes(len);
  const message = rebased(() => decodeMessage(metadata), metadataAt);
  if (cur.left !== null && message.bodyLength > cur.left) {
    throw new Truncated(cur.position + cur.left, message.bodyLength - cur.left);
  }
  return { message, metadata, offset, metadataAt };
}

/** Reads the message of a file block (footer entry): prefix and metadata within `metaDataLength`. */
export async function readBlockMessage(
  file: FileBytes,
  offset: number,
  metaDataLength: number,
  progress = true,
): Promise<RawMessage> {
  if (metaDataLength < 8 || metaDataLength > MAX_METADATA + 8) {
    throw new BadMetadata(`a footer block's metadata length ${metaDataLength} is invalid`);
  }
  const bytes = await file.bytes(offset, metaDataLength, progress);
  let start = 4;
  let len = i32(bytes);
  if (len === -1) {
    start = 8;
    len = i32(bytes.subarray(4));
  }
  if (len <= 0 || start + len > metaDataLength) {
    throw new BadMetadata(
      `the footer's block at byte ${offset} says ${metaDataLength} metadata bytes, but the message there needs ${len <= 0 ? "an invalid length" : start + len} (the footer does not match the messages)`,
    );
  }
  const metadata = bytes.subarray(start, start + len);
  return {
    message: rebased(() => decodeMessage(metadata), offset + start),
    metadata,
    offset,
    metadataAt: offset + start,
  };
}

/** Runs a metadata decode and makes the offset of a BadMetadata it throws absolute (adds `base`). */
export function rebased<T>(decode: () => T, base: number): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof BadMetadata) throw new BadMetadata(e.message, base + (e.at ?? 0));
    throw e;
  }
}
