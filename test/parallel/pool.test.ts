import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { InternalError } from "../../src/errors.js";
import { pairDotsUpper } from "../../src/linalg/kernels.js";
import { wasm as wasmApi } from "../../src/linalg/wasm/api.js";
import { KERNEL_NAMES, MAX_PAGES } from "../../src/linalg/wasm/context.js";
import { KernelPool } from "../../src/parallel/pool.js";
import { wasm } from "../helpers/kernels.js";

// The worker pool behind the fast kernels: jobs run synchronously from the caller's point of view,
// every part exactly once, whatever the thread count. Oracle: the reference kernel (exact here:
// small integers, so every order of summation gives the same float64).

function integers(seed: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7919 + seed * 104729) % 17) - 8;
  return out;
}

describe("the kernel pool", () => {
  for (const threads of [1, 2, 4]) {
    test(`with ${threads} thread(s), 60 back-to-back jobs each run every part exactly once`, () => {
      const f = wasm(threads);
      expect(f.threads).toBe(threads);
      for (let job = 0; job < 60; job++) {
        const m = 3 + (job % 29);
        const d = 1 + (job % 13);
        const u = integers(job, m * d);
        const n = (m * (m - 1)) / 2;
        const want = pairDotsUpper(u, m, d, new Float64Array(n));
        const got = f.pairDotsUpper(u, m, d, new Float64Array(n).fill(Number.NaN));
        expect(got).toEqual(want);
      }
    });
  }

  test("a syrk job accumulates each tile once (a doubled tile would show as 2×)", () => {
    const f = wasm(2);
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

describe("the kernel pool's failures reach the caller", () => {
  /** A pool of its own (the failure leaves it refusing jobs), on the built module. */
  function freshPool(threads: number): KernelPool {
    const bytes = readFileSync(new URL("../../dist/linalg/wasm/kernels.wasm", import.meta.url));
    const module = new wasmApi.Module(bytes);
    const memory = new wasmApi.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    const inst = new wasmApi.Instance(module, { env: { memory, abort() {} } });
    return new KernelPool(module, memory, inst.exports, KERNEL_NAMES, threads);
  }

  for (const threads of [1, 2]) {
    test(`with ${threads} thread(s), a part that traps (memory out of bounds) throws InternalError instead of hanging, and the pool then refuses jobs`, async () => {
      const pool = freshPool(threads);
      try {
        // 2 MiB of memory; rows past it make scanRows read out of bounds in every part
        const run = () => pool.run("scanRows", [1 << 20, 64, 1 << 20, 0, 0, 0, 0, 0], 8);
        expect(run).toThrow(InternalError);
        expect(run).toThrow(/scanRows: .*out of bounds/);
        expect(() => pool.run("scanRows", [0, 1, 0, 0, 0, 0, 0, 0], 1)).toThrow(/unusable after an earlier failure/);
      } finally {
        await pool.close();
      }
    });
  }

  test("an unknown kernel or too many arguments is an InternalError", async () => {
    const pool = freshPool(1);
    try {
      expect(() => pool.run("nope", [], 1)).toThrow(InternalError);
      expect(() => pool.run("scanRows", new Array(20).fill(0), 1)).toThrow(/too many arguments/);
    } finally {
      await pool.close();
    }
  });
});
