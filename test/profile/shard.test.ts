/** `--shard I/N` arithmetic (src/profile/shard.ts): contiguous, block-aligned parts covering every row once. */
import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseShard, shardRange } from "../../src/profile/shard.js";

describe("shardRange", () => {
  const sizes = [0, 1, 1023, 1024, 1025, 5000, 17 * 1024, 17 * 1024 + 3, 100_000];
  test.each(sizes)("over %i rows every row lands in exactly one of N parts, N = 1…17", (rows) => {
    for (let n = 1; n <= 17; n++) {
      const hits = new Uint8Array(rows);
      let next = 0;
      const blocks = Math.ceil(rows / 1024);
      for (let i = 0; i < n; i++) {
        const [s, e] = shardRange(rows, 1024, { index: i, count: n });
        expect(s).toBe(next); // contiguous, in order
        expect(e).toBeGreaterThanOrEqual(s);
        // cut on blocks: every start is a block boundary, every end one or the last row
        expect(s % 1024).toBe(0);
        expect(e === rows || e % 1024 === 0).toBe(true);
        // parts differ by at most one block
        const size = Math.ceil((e - s) / 1024);
        expect(Math.abs(size - blocks / n)).toBeLessThan(1);
        for (let r = s; r < e; r++) hits[r]++;
        next = e;
      }
      expect(next).toBe(rows);
      expect(hits.every((h) => h === 1)).toBe(true);
    }
  });
});

describe("parseShard", () => {
  test("reads I/N counted from 0", () => {
    expect(parseShard("3/10")).toEqual({ index: 3, count: 10 });
    expect(parseShard(" 0 / 1 ")).toEqual({ index: 0, count: 1 });
  });
  test.each(["10/10", "1/0", "-1/3", "3", "a/b", "1/2/3"])("refuses %s with a usage error", (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
  });
});
