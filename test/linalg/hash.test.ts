import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { fmix32, rowHash, rowPriority } from "../../src/linalg/hash.js";
import { HashSet64 } from "../../src/profile/hashset.js";

// Ref: fixtures/reference/hash.json, written by fixtures/scripts/oracle.py (uint32/uint64 NumPy).
interface HashRef {
  cases: { seed: number; index: number; priority: number }[];
}
const HASH: HashRef = JSON.parse(readFileSync(new URL("../../fixtures/reference/hash.json", import.meta.url), "utf8"));

const words64 = (xs: number[]): Uint32Array => new Uint32Array(Float64Array.from(xs).buffer);
const words32 = (xs: number[]): Uint32Array => new Uint32Array(Float32Array.from(xs).buffer);
const hashOf = (w: Uint32Array): [number, number] => rowHash(w, 0, w.length);

describe("rowPriority", () => {
  test.each(HASH.cases)("rowPriority($seed, $index) equals the NumPy oracle's $priority exactly", (c) => {
    expect(rowPriority(c.seed, c.index)).toBe(c.priority);
  });

  test("rowPriority is a non-negative integer below 2^53 for indices up to 2^53 − 1", () => {
    for (const [seed, index] of [
      [0, 0],
      [0xffffffff, 2 ** 53 - 1],
      [1, 2 ** 32],
      [2 ** 31, 2 ** 32 - 1],
    ]) {
      const p = rowPriority(seed, index);
      expect(Number.isSafeInteger(p) && p >= 0).toBe(true);
    }
  });

  test("rowPriority depends on the seed and on both halves of the index", () => {
    expect(rowPriority(1, 5)).not.toBe(rowPriority(2, 5));
    expect(rowPriority(1, 5)).not.toBe(rowPriority(1, 5 + 2 ** 32));
    expect(rowPriority(1, 5)).not.toBe(rowPriority(1, 6));
  });

  test("fmix32 matches MurmurHash3's published finaliser on known values", () => {
    // fmix32(0) = 0 (the finaliser fixes zero); fmix32(1) = 0x514e28b7 (smhasher fmix32)
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1)).toBe(0x514e28b7);
  });
});

describe("rowHash", () => {
  test("rowHash is equal for equal rows wherever they sit in the buffer", () => {
    const row = [0.25, -3.5, 1e-300, 7];
    const a = words64(row);
    const b = words64([9, 9, ...row, 1]);
    expect(hashOf(a)).toEqual(rowHash(b, 4, 12));
    expect(hashOf(words32(row))).toEqual(rowHash(words32([5, ...row]), 1, 5));
  });

  test("rowHash differs for rows that differ in any single bit", () => {
    const base = words64([0.25, -3.5, 1e-300, 7]);
    const h0 = hashOf(base);
    const seen = new Set([h0.join(",")]);
    for (let w = 0; w < base.length; w++) {
      for (let bit = 0; bit < 32; bit++) {
        const flipped = Uint32Array.from(base);
        flipped[w] ^= 1 << bit;
        const h = hashOf(flipped);
        expect(h, `word ${w} bit ${bit}`).not.toEqual(h0);
        seen.add(h.join(","));
      }
    }
    expect(seen.size).toBe(1 + base.length * 32);
  });

  test("rowHash tells 0.0 from -0.0 and depends on the row length", () => {
    expect(hashOf(words64([1, 0, 2]))).not.toEqual(hashOf(words64([1, -0, 2])));
    expect(hashOf(words32([0, 0]))).not.toEqual(hashOf(words32([0, 0, 0])));
    expect(hashOf(new Uint32Array(0))).not.toEqual(hashOf(new Uint32Array(1)));
  });

  test("rowHash returns two uint32 halves", () => {
    for (const h of [hashOf(words64([1, 2, 3])), hashOf(words32([-1e30, 5]))]) {
      for (const x of h) expect(Number.isInteger(x) && x >= 0 && x <= 0xffffffff).toBe(true);
    }
  });
});

describe("HashSet64", () => {
  test("HashSet64 keeps every member through growth: 100 000 distinct pairs, size exact", () => {
    const set = new HashSet64(4);
    const n = 100_000;
    const key = (i: number): [number, number] => [fmix32(i), (fmix32(i + 0x9e3779b9) ^ i) >>> 0];
    for (let i = 0; i < n; i++) if (!set.add(...key(i))) expect.fail(`(${key(i)}) refused as a duplicate`);
    expect(set.size).toBe(n);
    // every member is still there after all the growth: re-adding is refused
    for (let i = 0; i < n; i++) if (set.add(...key(i))) expect.fail(`lost (${key(i)})`);
    expect(set.size).toBe(n);
    const members = new Set<string>();
    set.forEach((a, b) => {
      members.add(`${a},${b}`);
    });
    expect(members.size).toBe(n);
    for (let i = 0; i < n; i++) if (!members.has(key(i).join(","))) expect.fail(`forEach missed (${key(i)})`);
  });

  test("HashSet64 counts pairs that share one half as different, and duplicates once", () => {
    const set = new HashSet64();
    expect(set.add(5, 6)).toBe(true);
    expect(set.add(5, 7)).toBe(true);
    expect(set.add(6, 6)).toBe(true);
    expect(set.add(5, 6)).toBe(false);
    expect(set.size).toBe(3);
  });

  test("HashSet64 stores (0, 0), the value its empty slots use, as a member", () => {
    const set = new HashSet64();
    expect(set.add(0, 0)).toBe(true);
    expect(set.add(0, 0)).toBe(false);
    expect(set.size).toBe(1);
    let visits = 0;
    set.forEach(() => {
      visits++;
    });
    expect(visits).toBe(1);
  });

  test("HashSet64 treats negative int32 halves like their uint32 values", () => {
    const set = new HashSet64();
    expect(set.add(-1, -2)).toBe(true);
    expect(set.add(0xffffffff, 0xfffffffe)).toBe(false);
    const got: [number, number][] = [];
    set.forEach((a, b) => {
      got.push([a, b]);
    });
    expect(got).toEqual([[0xffffffff, 0xfffffffe]]);
  });

  test("HashSet64 keeps colliding probe chains intact through growth", () => {
    // same low bits of a ^ imul(b, φ) for b = 0: a multiple of 2^20 all start at slot 0
    const set = new HashSet64(2);
    for (let i = 1; i <= 2000; i++) set.add(i * 2 ** 20, 0);
    expect(set.size).toBe(2000);
    for (let i = 1; i <= 2000; i++) expect(set.add(i * 2 ** 20, 0)).toBe(false);
  });
});
