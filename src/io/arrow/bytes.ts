/**
 * Where an Arrow input's bytes come from: a file read at any offset (`FileBytes`), or a stream
 * that passes once (`StreamBytes`: stdin, a pipe). Both hand out a message body's buffers as
 * ByteInputs; a file's can be read in any order and at once, a stream's only front to back, one at
 * a time, skipping what lies between.
 */
import type fs from "node:fs";
import type { ByteInput } from "../codecs/input.js";

/** The input ended before `need` more bytes (at byte `at` of the input). */
export class Truncated extends Error {
  override name = "Truncated";
  constructor(
    readonly at: number,
    readonly need: number,
  ) {
    super(`the input ends at byte ${at}, ${need} bytes short`);
  }
}

/** Reads of a whole file through a handle, at given offsets. */
export class FileBytes {
  /** The furthest byte read so far: the progress of a front-to-back read. */
  private furthest = 0;
  constructor(
    private readonly fh: fs.promises.FileHandle,
    readonly size: number,
  ) {}

  bytesRead(): number {
    return this.furthest;
  }

  /**
   * Exactly `n` bytes at `at` into `dst[off..]`; Truncated when the file is shorter. `progress`
   * false for reads that are not part of the front-to-back pass (the footer, headers read ahead).
   */
  async readInto(dst: Uint8Array, off: number, n: number, at: number, progress = true): Promise<void> {
    if (at + n > this.size) throw new Truncated(this.size, at + n - this.size);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(dst, off + done, n - done, at + done);
      if (bytesRead === 0) throw new Truncated(at + done, n - done);
      done += bytesRead;
    }
    if (progress && at + n > this.furthest) this.furthest = at + n;
  }

  async bytes(at: number, n: number, progress = true): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    await this.readInto(out, 0, n, at, progress);
    return out;
  }

  /** The region [at, at + n) of the file as a ByteInput. */
  region(at: number, n: number): ByteInput {
    return new FileRegion(this, at, n);
  }
}

/** Read-ahead of a file region: small takes (LZ4 and ZSTD blocks, headers) come from one big read. */
const AHEAD = 4 << 20;

class FileRegion implements ByteInput {
  position = 0;
  private buf: Uint8Array = new Uint8Array(0);
  /** Buffered bytes: buf[bufPos, bufEnd) are the region's bytes from `position` on. */
  private bufPos = 0;
  private bufEnd = 0;

  constructor(
    private readonly file: FileBytes,
    private readonly start: number,
    private readonly length: number,
  ) {}

  get remaining(): number {
    return this.length - this.position;
  }

  /** Makes at least `n` bytes buffered (n ≤ remaining). */
  private async fill(n: number): Promise<void> {
    const have = this.bufEnd - this.bufPos;
    if (have >= n) return;
    const size = Math.max(n, Math.min(AHEAD, this.remaining));
    if (this.buf.length < size) {
      const bigger = new Uint8Array(size);
      bigger.set(this.buf.subarray(this.bufPos, this.bufEnd));
      this.buf = bigger;
    } else {
      this.buf.copyWithin(0, this.bufPos, this.bufEnd);
    }
    this.bufPos = 0;
    this.bufEnd = have;
    const want = Math.min(size, this.remaining) - have;
    await this.file.readInto(this.buf, have, want, this.start + this.position + have);
    this.bufEnd += want;
  }

  async take(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const v = this.buf.subarray(this.bufPos, this.bufPos + n);
    this.bufPos += n;
    this.position += n;
    return v;
  }

  async readInto(dst: Uint8Array, at: number, n: number): Promise<void> {
    const have = this.bufEnd - this.bufPos;
    if (have === 0 && n >= AHEAD >> 2) {
      // large reads (uncompressed values) go straight into the caller's array
      await this.file.readInto(dst, at, n, this.start + this.position);
      this.position += n;
      return;
    }
    if (have === 0) await this.fill(Math.min(n, AHEAD));
    const k = Math.min(this.bufEnd - this.bufPos, n);
    dst.set(this.buf.subarray(this.bufPos, this.bufPos + k), at);
    this.bufPos += k;
    this.position += k;
    if (k < n) await this.readInto(dst, at + k, n - k);
  }
}

/** A byte stream read once, front to back. */
export class StreamBytes {
  private readonly it: AsyncIterator<Uint8Array>;
  private head: Uint8Array = new Uint8Array(0);
  private headPos = 0;
  private ended = false;
  /** Bytes consumed (handed out or skipped). */
  position = 0;
  private received = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  bytesRead(): number {
    return this.received;
  }

  private async pull(): Promise<boolean> {
    while (this.headPos >= this.head.length) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      this.head = r.value;
      this.headPos = 0;
      this.received += r.value.length;
    }
    return true;
  }

  /** The next `n` bytes without consuming them (fewer at the end of the stream). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.head.length - this.headPos < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      this.received += r.value.length;
      const rest = this.head.subarray(this.headPos);
      const joined = new Uint8Array(rest.length + r.value.length);
      joined.set(rest, 0);
      joined.set(r.value, rest.length);
      this.head = joined;
      this.headPos = 0;
    }
    return this.head.subarray(this.headPos, Math.min(this.head.length, this.headPos + n));
  }

  /** True when no byte is left (reads ahead one piece). */
  async atEnd(): Promise<boolean> {
    return !(await this.pull());
  }

  /** Copies exactly `n` bytes into dst[at..]; Truncated when the stream ends first. */
  async readInto(dst: Uint8Array, at: number, n: number): Promise<void> {
    while (n > 0) {
      if (!(await this.pull())) throw new Truncated(this.position, n);
      const k = Math.min(n, this.head.length - this.headPos);
      dst.set(this.head.subarray(this.headPos, this.headPos + k), at);
      this.headPos += k;
      this.position += k;
      at += k;
      n -= k;
    }
  }

  /** Up to `n` bytes: fewer only at the end of the stream. */
  async readUpTo(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (await this.pull())) {
      const k = Math.min(n - got, this.head.length - this.headPos);
      out.set(this.head.subarray(this.headPos, this.headPos + k), got);
      this.headPos += k;
      this.position += k;
      got += k;
    }
    return got === n ? out : out.subarray(0, got);
  }

  async bytes(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    await this.readInto(out, 0, n);
    return out;
  }

  /** A view of the next `n` bytes, valid until the next call (copies only when they span pieces). */
  async view(n: number): Promise<Uint8Array> {
    if (!(await this.pull())) throw new Truncated(this.position, n);
    if (this.head.length - this.headPos >= n) {
      const v = this.head.subarray(this.headPos, this.headPos + n);
      this.headPos += n;
      this.position += n;
      return v;
    }
    return this.bytes(n);
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (!(await this.pull())) throw new Truncated(this.position, n);
      const k = Math.min(n, this.head.length - this.headPos);
      this.headPos += k;
      this.position += k;
      n -= k;
    }
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.it.return?.();
  }
}

/**
 * One message body. `region(offset, length)` gives a buffer's stored bytes. For a file any region
 * at any time; for a stream regions must be asked for in increasing offset order, each read to
 * its end (or left: the next request or `end` skips what is left of it).
 */
export interface Body {
  readonly sequential: boolean;
  readonly length: number;
  /** Where the body starts in the input (for error offsets). */
  readonly start: number;
  region(offset: number, length: number): Promise<ByteInput>;
  /** Moves past the whole body. */
  end(): Promise<void>;
}

export function fileBody(file: FileBytes, start: number, length: number): Body {
  return {
    sequential: false,
    length,
    start,
    region: async (offset, n) => file.region(start + offset, n),
    end: async () => {},
  };
}

export function streamBody(stream: StreamBytes, length: number): Body {
  const start = stream.position;
  /** Body offset the stream stands at. */
  const at = () => stream.position - start;
  return {
    sequential: true,
    length,
    start,
    async region(offset, n) {
      if (offset < at()) {
        throw new Error(`internal: stream buffer at ${offset} requested after ${at()}`);
      }
      await stream.skip(offset - at());
      const regionStart = stream.position;
      const input: ByteInput = {
        get position() {
          return stream.position - regionStart;
        },
        get remaining() {
          return n - (stream.position - regionStart);
        },
        take: (k) => stream.view(k),
        readInto: (dst, off, k) => stream.readInto(dst, off, k),
      };
      return input;
    },
    async end() {
      await stream.skip(length - at());
    },
  };
}
