/** CRC-32 (src/io/crc32.ts): the JS fallback against known check values and node:zlib's crc32. */
import * as zlib from "node:zlib";
import { describe, expect, test } from "vitest";
import { crc32, crc32Js, nativeCrc32 } from "../../src/io/crc32.js";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Deterministic bytes (a 32-bit LCG), so a failure is reproducible. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("crc32Js", () => {
  test("gives the published check values", () => {
    // CRC-32/ISO-HDLC check value (Williams, "A Painless Guide to CRC Error Detection Algorithms"; reveng catalogue)
    expect(crc32Js(bytes("123456789"))).toBe(0xcbf43926);
    expect(crc32Js(new Uint8Array(0))).toBe(0);
    expect(crc32Js(bytes("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32Js(new Uint8Array(32))).toBe(0x190a55ad); // 32 zero bytes (RFC 3720 B.4)
    expect(crc32Js(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b); // 32 0xFF bytes (RFC 3720 B.4)
  });

  test("continues from a previous CRC: crc(b, crc(a)) = crc(a‖b), at every split", () => {
    const data = noise(100, 7);
    const whole = crc32Js(data);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(crc32Js(data.subarray(cut), crc32Js(data.subarray(0, cut)))).toBe(whole);
    }
  });

  test.runIf(typeof (zlib as { crc32?: unknown }).crc32 === "function")(
    "equals node:zlib's crc32 on every length up to 300 and on 1 MiB, from any start value",
    () => {
      const native = (zlib as unknown as { crc32: (d: Uint8Array, v?: number) => number }).crc32;
      for (let n = 0; n <= 300; n++) {
        const d = noise(n, n + 1);
        expect(crc32Js(d)).toBe(native(d));
        expect(crc32Js(d, 0xdeadbeef)).toBe(native(d, 0xdeadbeef));
      }
      const big = noise(1 << 20, 99);
      expect(crc32Js(big)).toBe(native(big));
      expect(crc32Js(big.subarray(3, 1000003))).toBe(native(big.subarray(3, 1000003)));
    },
  );
});

test("crc32 is node:zlib's where the running Node has it, else the JS fallback", () => {
  const native = (zlib as { crc32?: unknown }).crc32;
  expect(nativeCrc32).toBe(native);
  expect(crc32).toBe(native ?? crc32Js);
});
