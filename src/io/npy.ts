/**
 * NumPy .npy reader: random access for files, sequential for streams (stdin, npz members).
 *
 * Values land in a fresh Float32Array per chunk (Float64Array for float64 input). float32 and
 * float64 data are read straight into the chunk's buffer (byte-swapped in place when the file's
 * byte order differs from the host's); float16, int8 and uint8 go through one reused read buffer.
 * Fortran-order (column-major) arrays are transposed chunk by chunk: from a file by reading each
 * column's segment at its offset; from a stream by first spilling the data to a temporary file.
 */
import { createReadStream } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbcheckError, InputError, InternalError } from "../errors.js";
import { type FloatArray, matrix } from "../linalg/matrix.js";
import { halvesToFloat32 } from "./half.js";
import { formatShape, type NpyHeader, type ReadNext, readNpyHeader } from "./npyHeader.js";
import {
  type Chunk,
  defaultChunkRows,
  type EmbeddingSource,
  type OpenOptions,
  REUSE_RING,
  type SourceInfo,
} from "./types.js";

const HOST_BIG_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;
/** Concurrent positioned reads when gathering Fortran-order column segments. */
const COLUMN_READS_IN_FLIGHT = 32;
const SPILL_PIECE = 1 << 20;

/** Opens an .npy file for random access; the data size is checked against the file size up front. */
export async function openNpyFile(path: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  const fh = await openForReading(path);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputError("cannot read the file: is a directory", { file: path });
    if (!st.isFile()) {
      // A pipe or device (e.g. `<(zcat x.npy.gz)`): no random access, read it as a stream.
      await fh.close();
      return await openNpyStream(createReadStream(path), path, opts);
    }
    let pos = 0;
    const readNext: ReadNext = async (n) => {
      const buf = new Uint8Array(n);
      const got = await readFully(fh, buf, pos, path);
      pos += got;
      return buf.subarray(0, got);
    };
    const h = await readNpyHeader(readNext, path);
    const present = st.size - h.dataOffset;
    if (present < h.dataBytes) {
      throw new InputError(
        `data is truncated: the header promises ${describeData(h)}, ${h.dataBytes} bytes from byte ${h.dataOffset}, but the file holds only ${present} bytes there`,
        { file: path, byteOffset: st.size },
        "the file was cut short; write or download it again",
      );
    }
    const info = makeInfo(path, h, st.size);
    const reader = new BlockReader(h, path, chunkRowsFor(h, opts), opts.reuseBuffers === true);
    let bytes = h.dataOffset;
    let closed = false;
    const readAt = async (dst: Uint8Array, position: number) => {
      const got = await readFully(fh, dst, h.dataOffset + position, path);
      bytes += got;
      return got;
    };
    return makeSource(
      info,
      () => bytes,
      async function* () {
        yield* reader.randomAccessChunks(readAt, () => closed);
      },
      async () => {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    );
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/**
 * Reads an .npy from a byte stream. `label` names the input in errors and in `info.path`;
 * `availableBytes`, when the stream's length is known, bounds what the header may claim.
 * Fortran-order data is spilled to a temporary file (deleted on close, on error and at the end).
 */
export async function openNpyStream(
  stream: AsyncIterable<Uint8Array>,
  label: string,
  opts: OpenOptions = {},
  availableBytes?: number,
): Promise<EmbeddingSource> {
  const input = new SequentialInput(stream, label);
  let h: NpyHeader;
  try {
    h = await readNpyHeader((n) => input.read(n), label);
    // A member of known size (an .npz entry) is checked as a file is, before anything is allocated.
    if (availableBytes !== undefined && availableBytes - h.dataOffset < h.dataBytes) {
      const held = Math.max(0, availableBytes - h.dataOffset);
      const row = h.rows > 0 ? Math.floor(held / (h.dataBytes / h.rows)) : 0;
      throw new InputError(
        `data ends early: the header promises ${describeData(h)}, ${h.dataBytes} data bytes, but the member holds only ${held}`,
        { file: label, row, byteOffset: availableBytes },
        "the array was cut short or its header is damaged; write it again",
      );
    }
  } catch (e) {
    await input.close();
    throw e;
  }
  const info = makeInfo(label, h, null);
  const reader = new BlockReader(h, label, chunkRowsFor(h, opts), opts.reuseBuffers === true);
  let closed = false;
  let spill: Spill | null = null;

  async function* rowMajor(): AsyncGenerator<Chunk> {
    yield* reader.sequentialChunks(input, () => closed);
  }

  async function* columnMajor(): AsyncGenerator<Chunk> {
    if (closed) return;
    spill = await Spill.create(label);
    const s = spill;
    try {
      await s.fill(input, h);
      await input.close();
      if (closed) return;
      yield* reader.randomAccessChunks(
        (dst, position) => readFully(s.fh, dst, position, label),
        () => closed,
      );
    } finally {
      await s.remove();
    }
  }

  return makeSource(
    info,
    () => input.consumed,
    h.fortranOrder && h.rows > 1 && h.dims > 1 ? columnMajor : rowMajor,
    async () => {
      if (closed) return;
      closed = true;
      await input.close();
      await (spill as Spill | null)?.remove();
    },
  );
}

function makeInfo(path: string, h: NpyHeader, totalBytes: number | null): SourceInfo {
  return {
    path,
    format: "npy",
    column: null,
    key: null,
    dtype: h.dtype,
    dims: h.dims,
    rows: h.rows,
    totalBytes,
  };
}

function chunkRowsFor(h: NpyHeader, opts: OpenOptions): number {
  const n = opts.chunkRows ?? defaultChunkRows(h.dims, 4);
  return Math.max(1, Math.floor(Number.isFinite(n) ? n : 1));
}

function describeData(h: NpyHeader): string {
  return `shape ${formatShape(h.shape)} of ${h.dtype} ('${h.descr}')`;
}

function makeSource(
  info: SourceInfo,
  bytesRead: () => number,
  generate: () => AsyncGenerator<Chunk>,
  close: () => Promise<void>,
): EmbeddingSource {
  let iterated = false;
  return {
    info,
    bytesRead,
    close,
    [Symbol.asyncIterator](): AsyncIterator<Chunk> {
      if (iterated) throw new InternalError(`${info.path}: an EmbeddingSource can be iterated only once`);
      iterated = true;
      const gen = generate();
      // An error ends the iteration and releases the input (a caller may still call close()).
      return {
        next: async () => {
          try {
            return await gen.next();
          } catch (e) {
            await close().catch(() => {});
            throw e;
          }
        },
        return: async (value?: unknown) => {
          await gen.return(undefined);
          return { done: true, value: value as Chunk };
        },
      };
    },
  };
}

/** Turns raw data bytes into chunk matrices; one per open source, holding the reused buffers. */
class BlockReader {
  private raw: Buffer | null = null;
  private scratch: FloatArray | null = null;
  private readonly swap: boolean;
  private readonly rowBytes: number;
  private readonly ring: FloatArray[] = [];
  private ringAt = 0;

  constructor(
    private readonly h: NpyHeader,
    private readonly file: string,
    private readonly chunkRows: number,
    private readonly reuse = false,
  ) {
    this.swap = h.itemSize > 1 && h.bigEndian !== HOST_BIG_ENDIAN;
    this.rowBytes = h.dims * h.itemSize;
  }

  /** Chunks from data bytes readable at offsets (relative to the first data byte). */
  async *randomAccessChunks(
    readAt: (dst: Uint8Array, position: number) => Promise<number>,
    isClosed: () => boolean,
  ): AsyncGenerator<Chunk> {
    const { rows, dims, itemSize, fortranOrder } = this.h;
    const columnMajor = fortranOrder && rows > 1 && dims > 1; // one row or one column: same bytes either way
    for (let r0 = 0; r0 < rows; r0 += this.chunkRows) {
      if (isClosed()) return;
      const r = Math.min(this.chunkRows, rows - r0);
      let data: FloatArray;
      if (!columnMajor) {
        data = await this.rowBlock(r, r0, (dst) => readAt(dst, r0 * this.rowBytes));
      } else {
        const seg = r * itemSize;
        const raw = this.rawBuffer(r * this.rowBytes);
        for (let j0 = 0; j0 < dims; j0 += COLUMN_READS_IN_FLIGHT) {
          const reads: Promise<void>[] = [];
          for (let j = j0; j < Math.min(dims, j0 + COLUMN_READS_IN_FLIGHT); j++) {
            const position = (j * rows + r0) * itemSize;
            reads.push(
              readAt(raw.subarray(j * seg, (j + 1) * seg), position).then((got) => {
                if (got < seg) throw this.vanished(position + got);
              }),
            );
          }
          await Promise.all(reads);
        }
        const colMajor = this.decode(raw, r * dims, this.scratchArray(r * dims));
        data = this.chunkArray(r * dims);
        transpose(colMajor, r, dims, data);
      }
      yield { matrix: matrix(r, dims, data), rowOffset: r0 };
    }
  }

  /** Chunks from a sequential input positioned at the first data byte (C order only). */
  async *sequentialChunks(input: SequentialInput, isClosed: () => boolean): AsyncGenerator<Chunk> {
    const { rows, dims } = this.h;
    for (let r0 = 0; r0 < rows; r0 += this.chunkRows) {
      if (isClosed()) return;
      const r = Math.min(this.chunkRows, rows - r0);
      const data = await this.rowBlock(r, r0, (dst) => input.readInto(dst));
      yield { matrix: matrix(r, dims, data), rowOffset: r0 };
    }
  }

  /** `r` rows starting at row `r0`, C order; `fill` reads their bytes and returns the count read. */
  private async rowBlock(r: number, r0: number, fill: (dst: Uint8Array) => Promise<number>): Promise<FloatArray> {
    const n = r * this.h.dims;
    const nbytes = r * this.rowBytes;
    const direct = this.h.dtype === "float32" || this.h.dtype === "float64";
    const out = this.chunkArray(n);
    const dst = direct ? new Uint8Array(out.buffer, 0, nbytes) : this.rawBuffer(nbytes).subarray(0, nbytes);
    const got = await fill(dst);
    if (got < nbytes) throw this.endsEarly(r0, got);
    if (direct) {
      if (this.swap) swapInPlace(Buffer.from(out.buffer, 0, nbytes), this.h.itemSize);
    } else {
      this.decode(dst as Buffer, n, out);
    }
    return out;
  }

  /** Decodes `n` stored values from `raw` (offset 0 of an owned buffer; swapped in place) into `out`. */
  private decode(raw: Buffer, n: number, out: FloatArray): FloatArray {
    const { dtype, itemSize } = this.h;
    if (this.swap) swapInPlace(raw.subarray(0, n * itemSize), itemSize);
    const ab = raw.buffer;
    const off = raw.byteOffset; // 0: raw buffers come from allocUnsafeSlow
    switch (dtype) {
      case "float32":
        out.set(new Float32Array(ab, off, n));
        break;
      case "float64":
        out.set(new Float64Array(ab, off, n));
        break;
      case "float16":
        halvesToFloat32(new Uint16Array(ab, off, n), out as Float32Array, 0, n);
        break;
      case "int8":
        out.set(new Int8Array(ab, off, n));
        break;
      case "uint8":
        out.set(new Uint8Array(ab, off, n));
        break;
    }
    return out;
  }

  /** A chunk's array: a fresh one, or with `reuse` the next of the ring (OpenOptions.reuseBuffers). */
  private chunkArray(n: number): FloatArray {
    if (!this.reuse) return this.newArray(n);
    const at = this.ringAt;
    this.ringAt = (at + 1) % REUSE_RING;
    const a = this.ring[at];
    if (a && a.length === n) return a;
    this.ring[at] = this.newArray(n);
    return this.ring[at];
  }

  private newArray(n: number): FloatArray {
    return this.h.dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  }

  private rawBuffer(nbytes: number): Buffer {
    if (!this.raw || this.raw.length < nbytes) {
      const cap = Math.min(this.chunkRows, this.h.rows) * this.rowBytes;
      this.raw = Buffer.allocUnsafeSlow(Math.max(nbytes, cap)); // own ArrayBuffer, offset 0: aligned
    }
    return this.raw;
  }

  private scratchArray(n: number): FloatArray {
    if (!this.scratch || this.scratch.length < n) this.scratch = this.newArray(n);
    return this.scratch;
  }

  private endsEarly(r0: number, got: number): InputError {
    const row = r0 + Math.floor(got / this.rowBytes);
    return new InputError(
      `data ends early: the header promises ${describeData(this.h)}, ${this.h.dataBytes} data bytes, but only ${r0 * this.rowBytes + got} arrived`,
      { file: this.file, row, byteOffset: this.h.dataOffset + r0 * this.rowBytes + got },
      "the data was cut short; write it again",
    );
  }

  private vanished(position: number): InputError {
    return new InputError(`data ends early: the file became shorter while it was read (${describeData(this.h)})`, {
      file: this.file,
      byteOffset: this.h.dataOffset + position,
    });
  }
}

/** out[i][j] = src[j][i]: src is `dims` runs of `rows` values (column-major), out row-major. */
function transpose(src: FloatArray, rows: number, dims: number, out: FloatArray): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < dims; j0 += B) {
      const j1 = Math.min(dims, j0 + B);
      for (let j = j0; j < j1; j++) {
        const s = j * rows;
        for (let i = i0; i < i1; i++) out[i * dims + j] = src[s + i];
      }
    }
  }
}

function swapInPlace(buf: Buffer, itemSize: number): void {
  if (itemSize === 2) buf.swap16();
  else if (itemSize === 4) buf.swap32();
  else if (itemSize === 8) buf.swap64();
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, "r");
  } catch (e) {
    throw fsError(path, e);
  }
}

function fsError(path: string, e: unknown): InputError {
  const err = e as NodeJS.ErrnoException;
  const why =
    err.code === "ENOENT"
      ? "no such file"
      : err.code === "EACCES" || err.code === "EPERM"
        ? "permission denied"
        : err.code === "EISDIR"
          ? "is a directory"
          : (err.message ?? String(e));
  return new InputError(`cannot read the file: ${why}`, { file: path });
}

/** Reads into all of `dst` from `position`; returns the count read (less only at end of file). */
async function readFully(fh: FileHandle, dst: Uint8Array, position: number, path: string): Promise<number> {
  let got = 0;
  while (got < dst.length) {
    let n: number;
    try {
      ({ bytesRead: n } = await fh.read(dst, got, dst.length - got, position + got));
    } catch (e) {
      throw fsError(path, e);
    }
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Pulls exact byte counts out of an async iterable of byte blocks. */
class SequentialInput {
  consumed = 0;
  private readonly it: AsyncIterator<Uint8Array>;
  private cur: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private ended = false;

  constructor(
    stream: AsyncIterable<Uint8Array>,
    private readonly label: string,
  ) {
    this.it = stream[Symbol.asyncIterator]();
  }

  /** Fills `dst`; returns the count read (less only at the end of the input). */
  async readInto(dst: Uint8Array): Promise<number> {
    let got = 0;
    while (got < dst.length) {
      if (this.pos >= this.cur.length) {
        if (this.ended) break;
        let r: IteratorResult<Uint8Array>;
        try {
          r = await this.it.next();
        } catch (e) {
          this.ended = true;
          if (e instanceof EmbcheckError) throw e;
          throw new InputError(`reading the input failed: ${(e as Error)?.message ?? String(e)}`, {
            file: this.label,
            byteOffset: this.consumed,
          });
        }
        if (r.done) {
          this.ended = true;
          break;
        }
        this.cur = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
        this.pos = 0;
        continue;
      }
      const n = Math.min(dst.length - got, this.cur.length - this.pos);
      dst.set(this.cur.subarray(this.pos, this.pos + n), got);
      this.pos += n;
      got += n;
      this.consumed += n;
    }
    return got;
  }

  async read(n: number): Promise<Uint8Array> {
    const buf = new Uint8Array(n);
    return buf.subarray(0, await this.readInto(buf));
  }

  /** Stops reading and releases the underlying stream (destroys a Node readable). */
  async close(): Promise<void> {
    this.cur = new Uint8Array(0);
    if (this.ended) return;
    this.ended = true;
    try {
      await this.it.return?.();
    } catch {
      // the stream is being abandoned; its errors no longer matter
    }
  }
}

/** A temporary file holding a stream's data bytes, for random access to column-major data. */
class Spill {
  private removed = false;

  private constructor(
    private readonly dir: string,
    readonly fh: FileHandle,
    private readonly label: string,
  ) {}

  static async create(label: string): Promise<Spill> {
    const dir = await mkdtemp(join(tmpdir(), "embcheck-npy-"));
    try {
      return new Spill(dir, await open(join(dir, "data.bin"), "w+", 0o600), label);
    } catch (e) {
      await rm(dir, { recursive: true, force: true });
      throw new InternalError(`${label}: cannot create a temporary file in ${tmpdir()}: ${(e as Error).message}`);
    }
  }

  /** Copies the header's data bytes from the input; fails if the input ends early. */
  async fill(input: SequentialInput, h: NpyHeader): Promise<void> {
    const piece = Buffer.allocUnsafeSlow(Math.min(SPILL_PIECE, Math.max(1, h.dataBytes)));
    let done = 0;
    while (done < h.dataBytes && !this.removed) {
      const want = Math.min(piece.length, h.dataBytes - done);
      const got = await input.readInto(piece.subarray(0, want));
      let written = 0;
      while (written < got) {
        let bytesWritten: number;
        try {
          ({ bytesWritten } = await this.fh.write(piece, written, got - written, done + written));
        } catch (e) {
          if (this.removed) return; // closed while spilling
          throw new InternalError(
            `${this.label}: cannot write a temporary file in ${tmpdir()}: ${(e as Error).message}`,
          );
        }
        written += bytesWritten;
      }
      done += got;
      if (got < want) {
        const column = Math.floor(done / h.itemSize / h.rows);
        throw new InputError(
          `data ends early: the header promises ${describeData(h)}, ${h.dataBytes} data bytes (column-major), but only ${done} arrived, ending inside column ${column}`,
          { file: this.label, byteOffset: h.dataOffset + done },
          "the data was cut short; write it again",
        );
      }
    }
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await this.fh.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
