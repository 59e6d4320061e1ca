import { afterAll, describe, expect, test } from "vitest";
import { pairDotsUpper } from "../../src/linalg/kernels.js";
import { fastKernels } from "../../src/linalg/wasm/fast.js";

// The worker pool behind the fast kernels: jobs run synchronously from the caller's point of view,
// every part exactly once, whatever the thread count. Oracle: the reference kernel (exact here:
// small integers, so every order of summation gives the same float64).

function integers(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7919 + seed * 104729) % 17) - 8;
  return out;
}

afterAll(async () => {
  await fastKernels(1)?.close();
});

describe("the kernel pool", () => {
  for (const threads of [1, 2, 4]) {
    test(`with ${threads} thread(s), 60 back-to-back jobs each run every part exactly once`, () => {
      const f = fastKernels(threads);
      expect(f).not.toBeNull();
      expect(f!.threads).toBe(threads);
      for (let job = 0; job < 60; job++) {
        const m = 3 + (job % 29);
        const d = 1 + (job % 13);
        const u = integers(job, m * d);
        const n = (m * (m - 1)) / 2;
        const want = pairDotsUpper(u, m, d, new Float64Array(n));
        const got = f!.pairDotsUpper(u, m, d, new Float64Array(n).fill(Number.NaN));
        expect(got).toEqual(want);
      }
    });
  }

  test("a syrk job accumulates each tile once (a doubled tile would show as 2×)", () => {
    const f = fastKernels(2)!;
    const d = 50;
    const k = 333;
    const yt = integers(1, d * k);
    const c = new Float64Array(d * d);
    f.syrkUpperT(yt, d, k, c);
    for (let i = 0; i < d; i++) {
      for (let j = i; j < d; j++) {
        let s = 0;
        for (let r = 0; r < k; r++) s += yt[i * k + r] * yt[j * k + r];
        expect(c[i * d + j]).toBe(s);
      }
    }
  });
});
