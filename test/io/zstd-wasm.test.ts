/**
 * The WebAssembly ZSTD decoder (src/io/codecs/zstd-wasm.ts) against libzstd's own reading of
 * frames written by python `zstandard` and pyarrow (fixtures/scripts/make_zstd_fixtures.py stores
 * the length and SHA-256 of what libzstd decodes), and against fzstd byte for byte.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Decompress } from "fzstd";
import { describe, expect, it } from "vitest";
import { CorruptData, type DecodedStream, MemoryInput } from "../../src/io/codecs/input.js";
import { nodeZstd, ZstdStream, zstdBackend } from "../../src/io/codecs/zstd.js";
import { WasmZstdDecoder, wasmZstdAvailable } from "../../src/io/codecs/zstd-wasm.js";
import { decompress } from "../../src/io/parquet-codecs.js";

const DIR = fileURLToPath(new URL("../../fixtures/zstd/", import.meta.url));
const CODECS = fileURLToPath(new URL("../../fixtures/codecs/", import.meta.url));
const meta = JSON.parse(fs.readFileSync(`${DIR}frames.json`, "utf8")) as {
  frames: Record<string, { decoded: number; sha256: string }>;
};
const frame = (name: string) => new Uint8Array(fs.readFileSync(`${DIR}${name}.zst`));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const NAMES = Object.keys(meta.frames);

/** Every decoded byte, the input fed in pieces of `feed` bytes. */
function decodeAll(dec: WasmZstdDecoder, input: Uint8Array, feed = input.length): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < input.length || at === 0; at += feed) {
    dec.feed(input.subarray(at, at + feed));
    for (let p = dec.next(); p; p = dec.next()) parts.push(p.slice());
    if (input.length === 0) break;
  }
  return Buffer.concat(parts);
}

function fzstdAll(input: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const d = new Decompress((c) => parts.push(c.slice()));
  d.push(input, true);
  return Buffer.concat(parts);
}

async function drain(s: DecodedStream, length: number, piece: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += piece) await s.read(out, at, Math.min(piece, length - at));
  await s.finish();
  return out;
}

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
}

describe("the WebAssembly ZSTD decoder", () => {
  it("loads on this Node and is the backend whenever Node has no zstd of its own", () => {
    expect(wasmZstdAvailable()).toBe(true);
    expect(zstdBackend()).toBe(nodeZstd() ? "node" : "wasm");
  });

  for (const name of NAMES) {
    it(`decodes ${name}.zst to what libzstd decodes, fed in odd pieces, with small and large output pieces`, () => {
      const input = frame(name);
      const { decoded, sha256: want } = meta.frames[name];
      for (const [outCap, feed] of [
        [1 << 20, input.length],
        [65536, 4093],
        [1000, 1],
      ] as const) {
        if (feed === 1 && input.length > 40000) continue; // byte-at-a-time only on the small frames
        const dec = new WasmZstdDecoder(27, outCap, 8192);
        const out = decodeAll(dec, input, feed);
        expect(out.length).toBe(decoded);
        expect(sha256(out)).toBe(want);
        expect(dec.atFrameEnd).toBe(true);
      }
    });
  }

  it("decodes 1-byte feeds of the skippable-frame fixture with 1000-byte output pieces", () => {
    const out = decodeAll(new WasmZstdDecoder(27, 1000, 8192), frame("skippable"), 1);
    expect(sha256(out)).toBe(meta.frames.skippable.sha256);
  });

  it("gives fzstd's bytes exactly on every fixture (where fzstd decodes it)", () => {
    const inputs = [
      ...NAMES.map(frame),
      ...["level1.zst", "level19.zst", "two-frames.zst"].map((f) => new Uint8Array(fs.readFileSync(CODECS + f))),
    ];
    for (const input of inputs) {
      const ours = decodeAll(new WasmZstdDecoder(), input, 50000);
      expect(Buffer.compare(ours, fzstdAll(input))).toBe(0);
    }
  });

  it("keeps the window the header asks for (128 MiB), in at most that plus 8 MiB of memory", () => {
    const dec = new WasmZstdDecoder();
    const out = decodeAll(dec, frame("window-27"), 65536);
    expect(sha256(out)).toBe(meta.frames["window-27"].sha256);
    expect(dec.memoryBytes).toBeGreaterThan(2 ** 27);
    expect(dec.memoryBytes).toBeLessThan(2 ** 27 + (8 << 20));
  });

  it("refuses a header that asks for a window over the limit before allocating it", () => {
    // window descriptor 0x88: exponent 17 + 10 = 2^27, mantissa 0 → 2^27 passes; 0x90 → 2^28 does not
    const dec = new WasmZstdDecoder(27, 65536, 65536);
    dec.feed(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x90, 0x01, 0x00, 0x00]));
    expect(thrown(() => dec.next()).message).toBe("ZSTD frame needs a window larger than the 134217728-byte limit");
    expect(dec.memoryBytes).toBeLessThan(4 << 20);
    const tight = new WasmZstdDecoder(20, 65536, 65536);
    tight.feed(frame("window-27"));
    expect(thrown(() => tight.next()).message).toBe("ZSTD frame needs a window larger than the 1048576-byte limit");
  });

  it("verifies the content checksum (fzstd does not) and refuses corrupt and cut frames", () => {
    const good = frame("checksum");
    const badSum = Uint8Array.from(good);
    badSum[badSum.length - 1] ^= 1;
    expect(thrown(() => decodeAll(new WasmZstdDecoder(), badSum)).message).toBe("Restored data doesn't match checksum");
    expect(sha256(fzstdAll(badSum))).toBe(meta.frames.checksum.sha256);

    const badMagic = Uint8Array.from(good);
    badMagic[0] ^= 0xff;
    expect(thrown(() => decodeAll(new WasmZstdDecoder(), badMagic)).message).toBe("Unknown frame descriptor");

    const badBody = Uint8Array.from(good);
    for (let i = 2000; i < 2100; i++) badBody[i] ^= 0x5a;
    // the literals decode to other bytes, which only the checksum catches
    expect(thrown(() => decodeAll(new WasmZstdDecoder(), badBody)).message).toBe(
      "Restored data doesn't match checksum",
    );
    const badHeader = Uint8Array.from(good);
    badHeader[9] ^= 0xff; // the first block's literals section header: sizes past the block's
    expect(thrown(() => decodeAll(new WasmZstdDecoder(), badHeader)).message).toBe("Destination buffer is too small");

    const cut = new WasmZstdDecoder();
    decodeAll(cut, good.subarray(0, good.length - 100));
    expect(cut.atFrameEnd).toBe(false);
  });

  it("starts afresh after reset (one decoder serves many Parquet pages)", () => {
    const dec = new WasmZstdDecoder();
    dec.feed(frame("checksum").subarray(0, 5000));
    while (dec.next());
    expect(dec.atFrameEnd).toBe(false);
    dec.reset();
    expect(dec.atFrameEnd).toBe(true);
    expect(sha256(decodeAll(dec, frame("checksum")))).toBe(meta.frames.checksum.sha256);
  });
});

describe("ZstdStream on the zstandard fixtures", () => {
  const backends = nodeZstd() ? (["wasm", "fzstd", "node"] as const) : (["wasm", "fzstd"] as const);
  for (const backend of backends) {
    it(`reads every fixture with ${backend} to libzstd's bytes, in 7919-byte reads`, async () => {
      for (const name of NAMES) {
        const { decoded, sha256: want } = meta.frames[name];
        const out = await drain(new ZstdStream(new MemoryInput(frame(name)), decoded, backend), decoded, 7919);
        expect(sha256(out)).toBe(want);
      }
    });
  }

  it("turns a wrong checksum and a cut frame into CorruptData (wasm)", async () => {
    const bad = frame("checksum");
    bad[bad.length - 1] ^= 1;
    const n = meta.frames.checksum.decoded;
    const e = await drain(new ZstdStream(new MemoryInput(bad), n, "wasm"), n, 65536).catch((x) => x);
    expect(e).toBeInstanceOf(CorruptData);
    expect(e.message).toBe("ZSTD data is corrupt (Restored data doesn't match checksum)");
    const cut = frame("checksum").subarray(0, 50000);
    const c = await drain(new ZstdStream(new MemoryInput(cut), n, "wasm"), n, 65536).catch((x) => x);
    expect(c).toBeInstanceOf(CorruptData);
    expect(c.message).toBe("ZSTD frame is truncated inside a block");
  });
});

describe("Parquet ZSTD pages through the WebAssembly decoder", () => {
  // on a Node with zstd of its own, zlib decodes the pages instead
  it.skipIf(nodeZstd() !== null)(
    "decodes a page to its header's size and refuses one that decodes to more or less",
    () => {
      const input = frame("checksum");
      const n = meta.frames.checksum.decoded;
      expect(sha256(decompress("ZSTD", input, n))).toBe(meta.frames.checksum.sha256);
      // no content size in this frame's header: only decoding finds it too long
      const streamed = frame("window-27");
      expect(() => decompress("ZSTD", streamed, 1000)).toThrow(/more than the 1000 bytes/);
      expect(() => decompress("ZSTD", streamed, meta.frames["window-27"].decoded + 1)).toThrow(
        /decoded to 3745728 bytes, header says 3745729/,
      );
      expect(() => decompress("ZSTD", input.subarray(0, input.length - 100), n)).toThrow(/truncated/);
    },
  );
});
