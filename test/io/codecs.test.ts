import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CorruptData, type DecodedStream, MemoryInput } from "../../src/io/codecs/input.js";
import { Lz4FrameStream } from "../../src/io/codecs/lz4.js";
import { Xxh32, xxh32 } from "../../src/io/codecs/xxhash32.js";
import { nodeZstd, ZstdStream } from "../../src/io/codecs/zstd.js";

const DIR = fileURLToPath(new URL("../../fixtures/codecs/", import.meta.url));
const bytes = (name: string) => new Uint8Array(fs.readFileSync(DIR + name));
const data = bytes("data.bin");
const noise = bytes("noise.bin");

/** Reads a whole stream in pieces of `piece` bytes, skipping every third piece when `skip`. */
async function drain(s: DecodedStream, length: number, piece = 7919, skip = false): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let k = 0;
  for (let at = 0; at < length; at += piece, k++) {
    const n = Math.min(piece, length - at);
    if (skip && k % 3 === 2) await s.skip(n);
    else await s.read(out, at, n);
  }
  await s.finish();
  return out;
}

async function corruptOf(run: () => Promise<unknown>): Promise<CorruptData> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(CorruptData);
    return e as CorruptData;
  }
  throw new Error("expected CorruptData");
}

describe("XXH32", () => {
  it("gives the reference hashes (xxHash's test vectors)", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(xxh32(enc(""))).toBe(0x02cc5d05);
    expect(xxh32(enc("a"))).toBe(0x550d7456);
    expect(xxh32(enc("abc"))).toBe(0x32d153ff);
    expect(xxh32(enc("Nobody inspects the spammish repetition"))).toBe(0xe2293b2f);
  });

  it("gives the same hash fed in pieces of any size as in one piece", () => {
    const whole = xxh32(data);
    for (const piece of [1, 3, 15, 16, 17, 4096, 65537]) {
      const h = new Xxh32();
      for (let i = 0; i < data.length; i += piece) h.update(data.subarray(i, i + piece));
      expect(h.digest()).toBe(whole);
    }
  });
});

describe("LZ4 frame decoder", () => {
  const frames = fs.readdirSync(DIR).filter((f) => f.endsWith(".lz4") && f !== "noise.lz4");

  it("has frames with 64 KB–4 MB blocks, linked and independent, with and without checksums", () => {
    for (const part of ["64k-", "256k-", "4m-", "-linked-", "-indep-", "-none", "-block", "-content", "-both"]) {
      expect(frames.some((f) => f.includes(part))).toBe(true);
    }
  });

  for (const name of frames) {
    it(`decodes ${name} (python-lz4 / pyarrow) to the original bytes, read in odd pieces and with skips`, async () => {
      const frame = bytes(name);
      expect(await drain(new Lz4FrameStream(new MemoryInput(frame), data.length), data.length)).toEqual(data);
      const skipped = await drain(new Lz4FrameStream(new MemoryInput(frame), data.length), data.length, 5000, true);
      for (let at = 0; at < data.length; at += 5000) {
        if ((at / 5000) % 3 !== 2) expect(skipped.subarray(at, at + 5000)).toEqual(data.subarray(at, at + 5000));
      }
    });
  }

  it("decodes stored (incompressible) blocks with block and content checksums", async () => {
    const frame = bytes("noise.lz4");
    expect(await drain(new Lz4FrameStream(new MemoryInput(frame), noise.length), noise.length)).toEqual(noise);
  });

  it("refuses a bad magic number, naming what it found", async () => {
    const frame = bytes("64k-linked-both.lz4");
    frame[0] = 0x05;
    const e = await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(frame), data.length), data.length));
    expect(e.message).toBe("not an LZ4 frame (magic 0x184d2205, expected 0x184d2204)");
    expect(e.at).toBe(0);
  });

  it("refuses a damaged header (its checksum byte) and reserved bits", async () => {
    const frame = bytes("64k-linked-both.lz4");
    frame[6 + 8] ^= 1; // the header check byte after FLG, BD and the 8-byte content size
    expect(
      (await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(frame), data.length), data.length))).message,
    ).toBe("LZ4 frame header checksum mismatch");
    const reserved = bytes("64k-linked-none.lz4");
    reserved[4] |= 0x02;
    expect(
      (await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(reserved), data.length), data.length))).message,
    ).toBe("LZ4 frame descriptor has reserved bits set");
  });

  it("finds a flipped byte by the block checksum, or by the content checksum when blocks have none", async () => {
    for (const [name, want] of [
      ["64k-linked-block.lz4", /^LZ4 block checksum mismatch$/],
      // without block checksums the flip may also show as a bad match first
      [
        "64k-indep-content.lz4",
        /^LZ4 content checksum mismatch$|^LZ4 match offset \d+ points before|^LZ4 (literals|block)/,
      ],
    ] as const) {
      for (const back of [3000, 3001, 3002, 3003]) {
        const frame = bytes(name);
        frame[frame.length - back] ^= 0x10;
        const e = await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(frame), data.length), data.length));
        expect(e.message).toMatch(want);
      }
    }
  });

  it("refuses a frame cut anywhere, and data longer or shorter than Arrow's length prefix says", async () => {
    const frame = bytes("64k-linked-both.lz4");
    for (const cut of [3, 6, 15, 100, frame.length >> 1, frame.length - 1]) {
      const e = await corruptOf(() =>
        drain(new Lz4FrameStream(new MemoryInput(frame.subarray(0, cut)), data.length), data.length),
      );
      expect(e.message).toMatch(/^LZ4 frame is truncated inside|^LZ4 data ends after/);
    }
    const short = await corruptOf(() =>
      drain(new Lz4FrameStream(new MemoryInput(frame), data.length + 1), data.length + 1),
    );
    expect(short.message).toBe(
      `LZ4 data ends after ${data.length} bytes, but the buffer's header says ${data.length + 1}`,
    );
    const long = await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(frame), 1000), 1000));
    expect(long.message).toMatch(/more than the buffer's header says|more than the 1000 bytes/);
  });

  it("refuses a match that reaches before the decoded data", async () => {
    // frame: FLG 0x60 (independent blocks), BD 0x40 (64 KB), HC; one block: token 0x00 then offset 9 with no history
    const desc = Uint8Array.from([0x60, 0x40]);
    const hc = (xxh32(desc) >>> 8) & 0xff;
    const block = Uint8Array.from([0x10, 0x41, 0x09, 0x00, 0x00]); // 1 literal 'A', match offset 9
    const frame = Uint8Array.from([
      0x04,
      0x22,
      0x4d,
      0x18,
      0x60,
      0x40,
      hc,
      block.length,
      0,
      0,
      0,
      ...block,
      0,
      0,
      0,
      0,
    ]);
    const e = await corruptOf(() => drain(new Lz4FrameStream(new MemoryInput(frame), 5), 5));
    expect(e.message).toBe("LZ4 match offset 9 points before the decoded data");
  });
});

describe("ZSTD decoder", () => {
  const backends = nodeZstd() ? (["fzstd", "wasm", "node"] as const) : (["fzstd", "wasm"] as const);
  const frames = ["level1.zst", "level19.zst", "two-frames.zst"];

  for (const backend of backends) {
    for (const name of frames) {
      it(`decodes ${name} (pyarrow's libzstd) with ${backend} to the original bytes, in odd pieces and with skips`, async () => {
        const frame = bytes(name);
        expect(await drain(new ZstdStream(new MemoryInput(frame), data.length, backend), data.length)).toEqual(data);
        const skipped = await drain(
          new ZstdStream(new MemoryInput(frame), data.length, backend),
          data.length,
          3000,
          true,
        );
        expect(skipped.subarray(0, 6000)).toEqual(data.subarray(0, 6000));
      });
    }

    it(`refuses a bad magic, a reserved block type, a window over 128 MiB and a cut frame (${backend})`, async () => {
      const run = (frame: Uint8Array, n = data.length) =>
        corruptOf(() => drain(new ZstdStream(new MemoryInput(frame), n, backend), n));
      const magic = bytes("level1.zst");
      magic[1] = 0;
      expect((await run(magic)).message).toBe("not a ZSTD frame (magic 0xfd2f0028, expected 0xfd2fb528)");
      // level 1 writes a single-segment frame with a 4-byte content size: FHD 0xa0
      const frame = bytes("level1.zst");
      expect(frame[4]).toBe(0xa0);
      const blockType = Uint8Array.from(frame);
      blockType[9] |= 0x06; // first block header: type 3 (reserved)
      expect((await run(blockType)).message).toBe("ZSTD block of the reserved type 3");
      // a frame that is not single-segment, with the window descriptor 0xff: 2^41 + 7/8 of it
      const wide = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xff, 0x01, 0x00, 0x00]);
      expect((await run(wide)).message).toMatch(/^ZSTD window of \d+ bytes is larger than the 134217728-byte limit$/);
      expect((await run(frame.subarray(0, frame.length - 10))).message).toBe("ZSTD frame is truncated inside a block");
      expect((await run(frame, data.length + 8)).message).toMatch(
        /^ZSTD frame says 80000 bytes, more than|ZSTD data ends after/,
      );
      expect((await run(frame, 100)).message).toBe(
        "ZSTD frame says 80000 bytes, more than the 100 the buffer's header says",
      );
    });
  }
});
