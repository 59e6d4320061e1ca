/**
 * LZ4 frame decoder, streamed block by block (the body compression Arrow calls LZ4_FRAME).
 * Format: github.com/lz4/lz4, doc/lz4_Frame_format.md and doc/lz4_Block_format.md.
 *
 * - Frame descriptor: version 01, independent or linked blocks, block maximum 64 KB–4 MB,
 *   optional content size, block checksums and content checksum (XXH32), checked header byte.
 *   Dictionary IDs are refused (Arrow never writes them). Concatenated and skippable frames are read.
 * - Memory: one block window (64 KB of history for linked blocks + the block maximum) and one
 *   stored block, whatever the frame's length.
 * - Every stored length is checked before use: a literal run or a match past the block, a match
 *   offset before the history, a block larger than the frame's maximum, a truncated frame and a
 *   checksum mismatch each throw CorruptData.
 */
import { type ByteInput, CorruptData, type DecodedStream } from "./input.js";
import { Xxh32, xxh32 } from "./xxhash32.js";

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const HISTORY = 64 << 10;

const u32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/**
 * Decodes one LZ4 block from src[s..sEnd) into dst at d (d ≤ limit), where dst[low..d) is the
 * history a match may reach back into. Returns the end of the decoded bytes.
 * Throws CorruptData (with `at` relative to `s0`) on any out-of-bounds length or offset.
 */
export function decodeBlock(
  src: Uint8Array,
  s: number,
  sEnd: number,
  dst: Uint8Array,
  d: number,
  limit: number,
  low: number,
): number {
  const s0 = s;
  for (;;) {
    if (s >= sEnd) throw new CorruptData("LZ4 block ends inside a sequence", s - s0);
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new CorruptData("LZ4 block ends inside a literal length", s - s0);
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (lit > 0) {
      if (s + lit > sEnd) throw new CorruptData("LZ4 literals run past the end of the block", s - s0);
      if (d + lit > limit) throw new CorruptData("LZ4 block decodes to more than its maximum size", s - s0);
      if (lit < 32) {
        for (let k = 0; k < lit; k++) dst[d + k] = src[s + k];
      } else {
        dst.set(src.subarray(s, s + lit), d);
      }
      s += lit;
      d += lit;
    }
    if (s === sEnd) return d; // the last sequence has literals only
    if (s + 2 > sEnd) throw new CorruptData("LZ4 block ends inside a match offset", s - s0);
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || d - offset < low) {
      throw new CorruptData(`LZ4 match offset ${offset} points before the decoded data`, s - 2 - s0);
    }
    let len = (token & 15) + 4;
    if (len === 19) {
      let b: number;
      do {
        if (s >= sEnd) throw new CorruptData("LZ4 block ends inside a match length", s - s0);
        b = src[s++];
        len += b;
      } while (b === 255);
    }
    if (d + len > limit) throw new CorruptData("LZ4 block decodes to more than its maximum size", s - s0);
    const from = d - offset;
    if (offset >= len && len >= 32) {
      dst.copyWithin(d, from, from + len);
    } else {
      // overlapping copies repeat the last `offset` bytes, so they go byte by byte
      for (let k = 0; k < len; k++) dst[d + k] = dst[from + k];
    }
    d += len;
  }
}

interface FrameHeader {
  linked: boolean;
  blockChecksum: boolean;
  contentChecksum: boolean;
  contentSize: number | null;
  blockMax: number;
}

/** Streams the decoded bytes of one region holding LZ4 frames; `expected` is the decoded length. */
export class Lz4FrameStream implements DecodedStream {
  private window: Uint8Array = new Uint8Array(0);
  /** Decoded bytes not yet handed out: window[pos, end). */
  private pos = 0;
  private end = 0;
  private frame: FrameHeader | null = null;
  private hash: Xxh32 | null = null;
  private frameBytes = 0;
  private produced = 0;
  private done = false;

  constructor(
    private readonly input: ByteInput,
    private readonly expected: number,
  ) {}

  async read(dst: Uint8Array, at: number, n: number): Promise<void> {
    while (n > 0) {
      if (this.pos === this.end) await this.fill();
      const k = Math.min(n, this.end - this.pos);
      dst.set(this.window.subarray(this.pos, this.pos + k), at);
      this.pos += k;
      at += k;
      n -= k;
    }
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      if (this.pos === this.end) await this.fill();
      const k = Math.min(n, this.end - this.pos);
      this.pos += k;
      n -= k;
    }
  }

  async finish(): Promise<void> {
    // the rest of the buffer is decoded too: its length and checksums are checked, its bytes dropped
    while (!this.done) {
      this.pos = this.end;
      await this.fill(true);
    }
  }

  private corrupt(message: string, at = this.input.position): CorruptData {
    return new CorruptData(message, at);
  }

  /** Decodes the next block (reading frame headers and ends on the way). */
  private async fill(atEnd = false): Promise<void> {
    for (;;) {
      if (this.done) {
        if (atEnd) return;
        throw this.corrupt(`LZ4 data ends after ${this.produced} bytes, but the buffer's header says ${this.expected}`);
      }
      if (!this.frame) {
        if (this.input.remaining === 0) {
          if (this.produced !== this.expected) {
            throw this.corrupt(
              `LZ4 data ends after ${this.produced} bytes, but the buffer's header says ${this.expected}`,
            );
          }
          this.done = true;
          continue;
        }
        await this.readHeader();
        continue;
      }
      const frame = this.frame;
      const sizeAt = this.input.position;
      const word = u32(await this.need(4, "a block size"), 0);
      if (word === 0) {
        await this.endFrame(frame);
        continue;
      }
      const stored = (word & 0x80000000) !== 0;
      const size = word & 0x7fffffff;
      if (size > frame.blockMax) {
        throw this.corrupt(`LZ4 block of ${size} bytes is larger than the frame's maximum ${frame.blockMax}`, sizeAt);
      }
      const bytes = await this.need(size + (frame.blockChecksum ? 4 : 0), "a block");
      if (frame.blockChecksum && xxh32(bytes.subarray(0, size)) !== u32(bytes, size)) {
        throw this.corrupt("LZ4 block checksum mismatch", sizeAt);
      }
      // keep the last 64 KB as the history of a linked block
      let start = 0;
      if (frame.linked && this.end > 0) {
        const keep = Math.min(this.end, HISTORY);
        this.window.copyWithin(0, this.end - keep, this.end);
        start = keep;
      }
      let end: number;
      if (stored) {
        this.window.set(bytes.subarray(0, size), start);
        end = start + size;
      } else {
        try {
          end = decodeBlock(bytes, 0, size, this.window, start, start + frame.blockMax, 0);
        } catch (e) {
          if (e instanceof CorruptData) throw this.corrupt(e.message, sizeAt + 4 + e.at);
          throw e;
        }
      }
      const n = end - start;
      this.produced += n;
      this.frameBytes += n;
      if (this.produced > this.expected) {
        throw this.corrupt(`LZ4 data decodes to more than the ${this.expected} bytes the buffer's header says`, sizeAt);
      }
      this.hash?.update(this.window.subarray(start, end));
      this.pos = start;
      this.end = end;
      if (n > 0) return;
    }
  }

  private async need(n: number, what: string): Promise<Uint8Array> {
    if (this.input.remaining < n) throw this.corrupt(`LZ4 frame is truncated inside ${what}`);
    return this.input.take(n);
  }

  private async readHeader(): Promise<void> {
    const at = this.input.position;
    const magic = u32(await this.need(4, "a frame magic number"), 0);
    if ((magic & SKIPPABLE_MASK) === SKIPPABLE >>> 0) {
      const len = u32(await this.need(4, "a skippable frame"), 0);
      for (let left = len; left > 0; ) {
        const k = Math.min(left, 1 << 20);
        await this.need(k, "a skippable frame");
        left -= k;
      }
      return;
    }
    if (magic !== MAGIC) {
      throw this.corrupt(`not an LZ4 frame (magic 0x${magic.toString(16).padStart(8, "0")}, expected 0x184d2204)`, at);
    }
    const fb = await this.need(2, "the frame descriptor");
    const flg = fb[0];
    const bd = fb[1];
    if (flg >> 6 !== 1) throw this.corrupt(`LZ4 frame version ${flg >> 6} is not supported (only 01)`, at + 4);
    if (flg & 0x02 || bd & 0x8f) throw this.corrupt("LZ4 frame descriptor has reserved bits set", at + 4);
    if (flg & 0x01) throw this.corrupt("LZ4 frames with a dictionary are not supported", at + 4);
    const code = (bd >> 4) & 7;
    if (code < 4) throw this.corrupt(`LZ4 block maximum code ${code} is invalid (4–7)`, at + 5);
    const hasSize = (flg & 0x08) !== 0;
    const rest = await this.need(hasSize ? 9 : 1, "the frame descriptor");
    const desc = new Uint8Array(2 + (hasSize ? 8 : 0));
    desc[0] = flg;
    desc[1] = bd;
    let contentSize: number | null = null;
    if (hasSize) {
      desc.set(rest.subarray(0, 8), 2);
      const lo = u32(rest, 0);
      const hi = u32(rest, 4);
      contentSize = hi * 2 ** 32 + lo;
    }
    const hc = rest[hasSize ? 8 : 0];
    if (((xxh32(desc) >>> 8) & 0xff) !== hc) throw this.corrupt("LZ4 frame header checksum mismatch", at);
    const blockMax = 1 << (8 + 2 * code);
    const frame: FrameHeader = {
      linked: (flg & 0x20) === 0,
      blockChecksum: (flg & 0x10) !== 0,
      contentChecksum: (flg & 0x04) !== 0,
      contentSize,
      blockMax,
    };
    if (contentSize !== null && this.produced + contentSize > this.expected) {
      throw this.corrupt(`LZ4 frame says ${contentSize} bytes, more than the buffer's header says`, at);
    }
    const need = (frame.linked ? HISTORY : 0) + blockMax;
    if (this.window.length < need) this.window = new Uint8Array(need);
    this.pos = 0;
    this.end = 0;
    this.frame = frame;
    this.frameBytes = 0;
    this.hash = frame.contentChecksum ? new Xxh32() : null;
  }

  private async endFrame(frame: FrameHeader): Promise<void> {
    if (frame.contentChecksum) {
      const at = this.input.position;
      const want = u32(await this.need(4, "the content checksum"), 0);
      if ((this.hash as Xxh32).digest() !== want) throw this.corrupt("LZ4 content checksum mismatch", at);
    }
    if (frame.contentSize !== null && frame.contentSize !== this.frameBytes) {
      throw this.corrupt(`LZ4 frame decoded to ${this.frameBytes} bytes, but its header says ${frame.contentSize}`);
    }
    this.frame = null;
    this.hash = null;
    this.pos = this.end = 0;
  }
}
