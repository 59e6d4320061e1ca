/**
 * The two sides of a streamed decoder: `ByteInput` gives the stored (compressed) bytes of one
 * region in order, `DecodedStream` hands out the decoded bytes in order. Neither holds more than
 * a block at a time, so a buffer of any size passes through in bounded memory.
 */

/** The stored bytes of one region (e.g. one Arrow buffer), read front to back. */
export interface ByteInput {
  /** Bytes of the region not yet taken. */
  readonly remaining: number;
  /** Offset of the next byte within the region (for error positions). */
  readonly position: number;
  /** The next `n` bytes (n ≤ remaining) as a view that is valid until the next call. */
  take(n: number): Promise<Uint8Array>;
  /** Copies the next `n` bytes (n ≤ remaining) into `dst` at `at` (a file input reads straight into it). */
  readInto(dst: Uint8Array, at: number, n: number): Promise<void>;
}

/** Decoded bytes, front to back. */
export interface DecodedStream {
  /** Copies the next `n` decoded bytes into `dst` at `at`. */
  read(dst: Uint8Array, at: number, n: number): Promise<void>;
  /** Decodes and drops the next `n` bytes. */
  skip(n: number): Promise<void>;
  /** Decodes what is left and checks the end (lengths, checksums); call once after the last read. */
  finish(): Promise<void>;
}

/**
 * Data that does not decode: a bad magic number, checksum or length, a truncated frame.
 * `at` is the offset of the problem within the region's stored bytes; the caller adds where the
 * region sits in the file and turns it into an InputError.
 */
export class CorruptData extends Error {
  override name = "CorruptData";
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** An uncompressed region handed out as it is. */
export class PlainStream implements DecodedStream {
  constructor(private readonly input: ByteInput) {}

  async read(dst: Uint8Array, at: number, n: number): Promise<void> {
    if (n > this.input.remaining)
      throw new CorruptData("the buffer is shorter than its rows need", this.input.position);
    await this.input.readInto(dst, at, n);
  }

  async skip(n: number): Promise<void> {
    if (n > this.input.remaining)
      throw new CorruptData("the buffer is shorter than its rows need", this.input.position);
    for (let left = n; left > 0; ) {
      const k = Math.min(left, 1 << 20);
      await this.input.take(k);
      left -= k;
    }
  }

  async finish(): Promise<void> {}
}

/** A ByteInput over bytes in memory (tests, and buffers already read whole). */
export class MemoryInput implements ByteInput {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}
  get remaining(): number {
    return this.bytes.length - this.position;
  }
  async take(n: number): Promise<Uint8Array> {
    const v = this.bytes.subarray(this.position, this.position + n);
    this.position += n;
    return v;
  }
  async readInto(dst: Uint8Array, at: number, n: number): Promise<void> {
    dst.set(this.bytes.subarray(this.position, this.position + n), at);
    this.position += n;
  }
}

/** Reads a whole decoded stream of known length into one array (small buffers: validity, offsets). */
export async function readAll(stream: DecodedStream, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await stream.read(out, 0, length);
  await stream.finish();
  return out;
}
