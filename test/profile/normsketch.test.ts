/**
 * The norms' sketch (src/profile/normsketch.ts) against the exact order statistics of the same
 * values (a full sort and percentileSorted, which test/profile/stats.test.ts holds to np.percentile):
 * every percentile within RELATIVE_ERROR, min and max exact, the state independent of merge order.
 */
import { describe, expect, test } from "vitest";
import { mulberry32 } from "../../src/linalg/random.js";
import { bucketLow, KEY_COUNT, keyOf, NormSketch, RELATIVE_ERROR } from "../../src/profile/normsketch.js";
import { histogram, percentileSorted } from "../../src/profile/stats.js";

/** A standard normal from two uniforms (Box–Muller). */
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const DISTRIBUTIONS: [string, (rand: () => number) => number][] = [
  ["lognormal σ = 0.3 (raw embedding norms)", (r) => Math.exp(0.3 * normal(r))],
  ["uniform on [1, 2)", (r) => 1 + r()],
  ["bimodal: half near 1, half near 40", (r) => (r() < 0.5 ? 1 : 40) * Math.exp(0.05 * normal(r))],
  ["Pareto α = 1.2 (heavy tail)", (r) => (1 - r()) ** (-1 / 1.2)],
  ["nearly unit rows (1 ± 1e-7)", (r) => 1 + 1e-7 * normal(r)],
  ["norms from 1e-30 to 1e30", (r) => 10 ** (60 * r() - 30)],
];

const QS = [0, 0.1, 1, 5, 25, 50, 75, 95, 99, 99.9, 100];

function values(make: (rand: () => number) => number, n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  return Float64Array.from({ length: n }, () => make(rand));
}

describe("NormSketch", () => {
  test("a bucket is the top 21 bits of the float64 bit pattern (NumPy: norms.view('<u8') >> 43)", () => {
    expect(keyOf(1)).toBe(0x3ff << 9);
    expect(keyOf(1.5)).toBe((0x3ff << 9) + 256);
    expect(keyOf(2 - 2 ** -52)).toBe((0x3ff << 9) + 511);
    expect(bucketLow(keyOf(1))).toBe(1);
    expect(bucketLow(keyOf(1) + 1)).toBe(1 + 2 ** -9);
    expect(keyOf(Number.MAX_VALUE)).toBeLessThan(KEY_COUNT);
  });

  test("every bucket's midpoint is within RELATIVE_ERROR = 2^-10 of each value it holds", () => {
    const rand = mulberry32(3);
    for (let i = 0; i < 10_000; i++) {
      const x = 10 ** (600 * rand() - 300);
      const k = keyOf(x);
      const mid = bucketLow(k) / 2 + bucketLow(k + 1) / 2;
      expect(bucketLow(k) <= x && x < bucketLow(k + 1)).toBe(true);
      expect(Math.abs(mid - x) / x).toBeLessThanOrEqual(RELATIVE_ERROR);
    }
  });

  describe.each(DISTRIBUTIONS)("%s", (_name, make) => {
    test.each([2, 3, 1000, 200_000])("n = %i: every percentile within 2^-10 relative, min and max exact", (n) => {
      const v = values(make, n, 11 + n);
      const sk = new NormSketch();
      sk.addAll(v);
      const sorted = Float64Array.from(v).sort();
      const got = sk.percentiles(QS);
      QS.forEach((q, i) => {
        const exact = percentileSorted(sorted, q);
        expect(Math.abs(got[i] - exact) / exact, `q = ${q}`).toBeLessThanOrEqual(RELATIVE_ERROR);
      });
      expect(sk.min).toBe(sorted[0]);
      expect(sk.max).toBe(sorted[n - 1]);
      expect(got[0]).toBe(sorted[0]);
      expect(got[QS.length - 1]).toBe(sorted[n - 1]);
    });

    test("the histogram counts every value in a bin whose edges are within 2^-10 of exact", () => {
      const v = values(make, 50_000, 5);
      const sk = new NormSketch();
      sk.addAll(v);
      const h = sk.histogram(30);
      const exact = histogram(v, 30);
      expect(h.edges).toEqual(exact.edges);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(v.length);
      // cumulative counts below each inner edge e lie between the exact counts below e·(1 ∓ 2^-10)
      const sorted = Float64Array.from(v).sort();
      const below = (x: number) => {
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      let cum = 0;
      for (let i = 0; i + 1 < h.counts.length; i++) {
        cum += h.counts[i];
        const e = h.edges[i + 1];
        expect(cum).toBeGreaterThanOrEqual(below(e * (1 - RELATIVE_ERROR)));
        expect(cum).toBeLessThanOrEqual(below(e * (1 + RELATIVE_ERROR) + Number.MIN_VALUE));
      }
    });
  });

  test("merging sketches of parts gives the one sketch of the whole, in any order", () => {
    const v = values(DISTRIBUTIONS[0][1], 30_000, 8);
    const whole = new NormSketch();
    whole.addAll(v);
    const cuts = [0, 7_000, 7_001, 19_000, 30_000];
    const parts = cuts.slice(1).map((end, i) => {
      const sk = new NormSketch();
      sk.addAll(v.subarray(cuts[i], end));
      return sk;
    });
    for (const order of [
      [0, 1, 2, 3],
      [3, 1, 0, 2],
      [2, 3, 1, 0],
    ]) {
      const acc = new NormSketch();
      for (const i of order) acc.merge(parts[i]);
      expect(acc.n).toBe(whole.n);
      expect([acc.min, acc.max]).toEqual([whole.min, whole.max]);
      expect(acc.entries()).toEqual(whole.entries());
    }
  });
});
