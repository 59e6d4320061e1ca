/**
 * ZSTD decoder, streamed (the body compression Arrow calls ZSTD). Format: RFC 8878.
 *
 * The frames are walked here first, block header by block header (RFC 8878 §3.1.1), so that every
 * size is checked before a decoder sees it: the window (at most 128 MiB, zstd's own default limit,
 * ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27), each block (at most min(window, 128 KiB)), the frame content
 * size against the length Arrow stored, truncation. The checked bytes then go, one block at a time,
 * to Node's built-in decoder (`zlib.createZstdDecompress`, Node ≥ 22.15 / 23.8) when the running
 * Node has it, else to zstd's reference decoder compiled to WebAssembly (./zstd-wasm.ts), else
 * (WebAssembly off, e.g. `node --jitless`) to fzstd's streaming `Decompress` (pure JS). Either way
 * the decoded bytes are handed out as they come: memory is the window plus a block, never the buffer.
 *
 * fzstd's one-shot `decompress(data, out)` is not used: it compares `out == 1`, which turns the
 * output array into a string (`Uint8Array.prototype.join`), so a buffer above ~256 MB throws
 * "RangeError: Invalid string length" — the failure polars' large ZSTD batches showed.
 * Content checksums (XXH64) are verified by Node's and the WebAssembly decoder (both are libzstd);
 * fzstd skips them. pyarrow and polars write none.
 */
import type { Transform } from "node:stream";
import zlib from "node:zlib";
import { Decompress } from "fzstd";
import { type ByteInput, CorruptData, type DecodedStream } from "./input.js";
import { WasmZstdDecoder, wasmZstdAvailable } from "./zstd-wasm.js";

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
export const MAX_WINDOW = 1 << 27;
const MAX_BLOCK = 128 << 10;

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

type ZstdFactory = (options: zlib.ZlibOptions) => Transform;

/** Node's built-in streaming ZSTD decoder, or null on a Node without it (Node 20). */
export function nodeZstd(): ZstdFactory | null {
  const z = zlib as unknown as { createZstdDecompress?: ZstdFactory };
  return typeof z.createZstdDecompress === "function" ? z.createZstdDecompress : null;
}

export type ZstdBackend = "node" | "wasm" | "fzstd";

/** Which decoder this process uses (reported by the benchmark): the first that runs here. */
export function zstdBackend(): ZstdBackend {
  return nodeZstd() ? "node" : wasmZstdAvailable() ? "wasm" : "fzstd";
}

const BATCH = 1 << 20;

/**
 * Yields the bytes of the ZSTD frames in `input`, checked block by block, in fresh arrays of about
 * 1 MiB (a decoder may keep them; one write per block would cost a thread-pool round trip each in
 * Node's zlib), or with `reuse` in one array that the next piece overwrites. Skippable frames are
 * dropped.
 */
interface Piece {
  bytes: Uint8Array;
  /** The piece ends a frame (Node's decoder takes one frame per stream). */
  frameEnd: boolean;
}

async function* checkedFrames(input: ByteInput, expected: number, reuse = false): AsyncGenerator<Piece> {
  let batch = new Uint8Array(BATCH + MAX_BLOCK + 32);
  let fill = 0;
  /** Reads `n` bytes of the input into the batch and returns where they are. */
  const need = async (n: number, what: string): Promise<number> => {
    if (input.remaining < n) throw new CorruptData(`ZSTD frame is truncated inside ${what}`, input.position);
    if (fill + n > batch.length) {
      const bigger = new Uint8Array(fill + n);
      bigger.set(batch.subarray(0, fill));
      batch = bigger;
    }
    await input.readInto(batch, fill, n);
    fill += n;
    return fill - n;
  };
  const flush = function* (frameEnd: boolean): Generator<Piece> {
    if (fill === 0) return;
    const bytes = batch.subarray(0, fill);
    if (!reuse) batch = new Uint8Array(BATCH + MAX_BLOCK + 32);
    fill = 0;
    yield { bytes, frameEnd };
  };
  let content = 0;
  while (input.remaining > 0) {
    const at = input.position;
    const m = await need(4, "a frame magic number");
    const magic = u32(batch, m);
    if ((magic & SKIPPABLE_MASK) === SKIPPABLE >>> 0) {
      fill = m;
      const l = await need(4, "a skippable frame");
      const len = u32(batch, l);
      fill = m;
      for (let left = len; left > 0; ) {
        const k = Math.min(left, 1 << 16);
        await need(k, "a skippable frame");
        fill = m;
        left -= k;
      }
      continue;
    }
    if (magic !== MAGIC) {
      throw new CorruptData(
        `not a ZSTD frame (magic 0x${magic.toString(16).padStart(8, "0")}, expected 0xfd2fb528)`,
        at,
      );
    }
    const fhd = batch[await need(1, "the frame header")];
    const single = (fhd & 0x20) !== 0;
    if (fhd & 0x08) throw new CorruptData("ZSTD frame header has its reserved bit set", at + 4);
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const fcsCode = fhd >> 6;
    const fcsBytes = fcsCode === 0 ? (single ? 1 : 0) : 1 << fcsCode;
    let p = await need((single ? 0 : 1) + dictBytes + fcsBytes, "the frame header");
    let window = 0;
    if (!single) {
      const wd = batch[p++];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    let dict = 0;
    for (let k = 0; k < dictBytes; k++) dict += batch[p++] * 2 ** (8 * k);
    if (dict !== 0) throw new CorruptData("ZSTD frames with a dictionary are not supported", at);
    let size: number | null = null;
    if (fcsBytes > 0) {
      size = 0;
      for (let k = 0; k < fcsBytes; k++) size += batch[p++] * 2 ** (8 * k);
      if (fcsBytes === 2) size += 256;
    }
    if (single) window = size as number;
    if (window > MAX_WINDOW) {
      throw new CorruptData(`ZSTD window of ${window} bytes is larger than the ${MAX_WINDOW}-byte limit`, at);
    }
    if (size !== null && content + size > expected) {
      throw new CorruptData(`ZSTD frame says ${size} bytes, more than the ${expected} the buffer's header says`, at);
    }
    const blockMax = Math.min(window, MAX_BLOCK);
    let frameContent = 0;
    for (;;) {
      const bat = input.position;
      const h = await need(3, "a block header");
      const word = batch[h] | (batch[h + 1] << 8) | (batch[h + 2] << 16);
      const last = (word & 1) !== 0;
      const type = (word >> 1) & 3;
      const blockSize = word >>> 3;
      if (type === 3) throw new CorruptData("ZSTD block of the reserved type 3", bat);
      if (blockSize > blockMax) {
        throw new CorruptData(`ZSTD block of ${blockSize} bytes is larger than the frame's maximum ${blockMax}`, bat);
      }
      // raw and RLE blocks decode to blockSize bytes; a compressed block to at most blockMax
      frameContent += type === 2 ? 0 : blockSize;
      await need(type === 1 ? 1 : blockSize, "a block");
      if (last) break;
      if (fill >= BATCH) yield* flush(false);
    }
    if (fhd & 0x04) await need(4, "the content checksum");
    content += size ?? frameContent;
    yield* flush(true);
  }
}

/** Streams the decoded bytes of one region of ZSTD frames; `expected` is the decoded length. */
export class ZstdStream implements DecodedStream {
  private head: Uint8Array = new Uint8Array(0);
  private headPos = 0;
  private produced = 0;
  private ended = false;
  private readonly next: () => Promise<Uint8Array | null>;

  constructor(
    private readonly input: ByteInput,
    private readonly expected: number,
    backend: ZstdBackend = zstdBackend(),
  ) {
    // the WebAssembly decoder copies each piece in before it asks for the next: one batch serves
    const frames = checkedFrames(input, expected, backend === "wasm");
    this.next =
      backend === "node" ? this.viaNode(frames) : backend === "wasm" ? this.viaWasm(frames) : this.viaFzstd(frames);
  }

  /**
   * Node's decoder, one zlib stream per frame (it stops at the end of the first frame), paused
   * after every output piece so that decoded bytes wait for the reader instead of piling up.
   */
  private viaNode(frames: AsyncGenerator<Piece>): () => Promise<Uint8Array | null> {
    const create = nodeZstd() as ZstdFactory;
    const out: Uint8Array[] = [];
    let z: Transform | null = null;
    let failed: unknown = null;
    let writing = false;
    let ending = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const open = (): Transform => {
      const t = create({ chunkSize: 1 << 20 });
      t.on("data", (d: Buffer) => {
        out.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
        t.pause();
        notify();
      });
      t.on("error", (e) => {
        failed ??= e;
        notify();
      });
      t.on("end", () => {
        if (z === t) z = null;
        ending = false;
        notify();
      });
      return t;
    };
    const corrupt = (e: unknown) =>
      e instanceof CorruptData
        ? e
        : new CorruptData(`ZSTD data is corrupt (${(e as Error).message})`, this.input.position);
    return async () => {
      for (;;) {
        if (out.length) return out.shift() as Uint8Array;
        if (failed) {
          z?.destroy();
          throw corrupt(failed);
        }
        z?.resume();
        if (!writing && !ending) {
          let r: IteratorResult<Piece>;
          try {
            r = await frames.next();
          } catch (e) {
            z?.destroy();
            throw e;
          }
          if (r.done) {
            if (!z) return null;
            ending = true;
            z.end();
          } else {
            const t = z ?? open();
            z = t;
            writing = true;
            t.write(r.value.bytes, (err) => {
              writing = false;
              if (err) failed ??= err;
              notify();
            });
            if (r.value.frameEnd) {
              ending = true;
              t.end();
            }
          }
          if (out.length || failed) continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    };
  }

  /**
   * The WebAssembly decoder: each piece it returns is a view into its memory, valid until the next
   * call, which is when `more` replaces the head.
   */
  private viaWasm(frames: AsyncGenerator<Piece>): () => Promise<Uint8Array | null> {
    let dec: WasmZstdDecoder | null = null;
    const corrupt = (e: unknown) =>
      new CorruptData(`ZSTD data is corrupt (${(e as Error).message})`, this.input.position);
    return async () => {
      dec ??= new WasmZstdDecoder(Math.log2(MAX_WINDOW), 1 << 20);
      for (;;) {
        let piece: Uint8Array | null;
        try {
          piece = dec.next();
        } catch (e) {
          throw corrupt(e);
        }
        if (piece) return piece;
        const r = await frames.next();
        if (r.done) {
          if (!dec.atFrameEnd) throw corrupt(new Error("the frame ends early"));
          return null;
        }
        dec.feed(r.value.bytes);
      }
    };
  }

  private viaFzstd(frames: AsyncGenerator<Piece>): () => Promise<Uint8Array | null> {
    const out: Uint8Array[] = [];
    const d = new Decompress((chunk) => {
      if (chunk.length) out.push(chunk);
    });
    let done = false;
    return async () => {
      while (out.length === 0) {
        if (done) return null;
        const r = await frames.next();
        try {
          if (r.done) {
            done = true;
            d.push(new Uint8Array(0), true);
          } else {
            d.push(r.value.bytes, false);
          }
          // fzstd 0.1.1 keeps an empty view of every pushed piece in its carry-over list `c` when
          // nothing is carried over (`l` = 0); each view pins its piece, so a long frame would be
          // held whole. Dropping the list then changes nothing else (its views are all empty).
          const internal = d as unknown as { c?: Uint8Array[]; l?: number };
          if (internal.l === 0 && Array.isArray(internal.c)) internal.c = [];
        } catch (e) {
          throw new CorruptData(`ZSTD data is corrupt (${(e as Error).message})`, this.input.position);
        }
      }
      return out.shift() as Uint8Array;
    };
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    const piece = await this.next();
    if (!piece) {
      this.ended = true;
      return false;
    }
    this.produced += piece.length;
    if (this.produced > this.expected) {
      throw new CorruptData(
        `ZSTD data decodes to more than the ${this.expected} bytes the buffer's header says`,
        this.input.position,
      );
    }
    this.head = piece;
    this.headPos = 0;
    return true;
  }

  private short(): CorruptData {
    return new CorruptData(
      `ZSTD data ends after ${this.produced} bytes, but the buffer's header says ${this.expected}`,
      this.input.position,
    );
  }

  async read(dst: Uint8Array, at: number, n: number): Promise<void> {
    while (n > 0) {
      if (this.headPos === this.head.length && !(await this.more())) throw this.short();
      const k = Math.min(n, this.head.length - this.headPos);
      dst.set(this.head.subarray(this.headPos, this.headPos + k), at);
      this.headPos += k;
      at += k;
      n -= k;
    }
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.headPos === this.head.length && !(await this.more())) throw this.short();
      const k = Math.min(n, this.head.length - this.headPos);
      this.headPos += k;
      n -= k;
    }
  }

  async finish(): Promise<void> {
    this.headPos = this.head.length;
    while (await this.more()) this.headPos = this.head.length;
    if (this.produced !== this.expected) throw this.short();
  }
}
