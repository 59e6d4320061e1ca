/**
 * The short fuzz run (docs/hardening.md): 50 seeded cases per reader kind through the CLI in worker
 * processes, each under 10 s and 1 GB resident. `npm run fuzz` runs the 1,000-per-reader version.
 */
import { describe, expect, test } from "vitest";
import { makeCase, READERS } from "./mutate.mjs";
import { runFuzz, table } from "./run.mjs";

describe("the fuzz suite", () => {
  test("builds the same bytes for the same reader, case and seed, and others for another seed", () => {
    for (const reader of Object.keys(READERS)) {
      const a = makeCase(reader, 17, 1);
      expect(makeCase(reader, 17, 1).bytes.equals(a.bytes)).toBe(true);
      const others = [2, 3, 4].map((s) => makeCase(reader, 17, s).bytes);
      expect(others.some((b) => !b.equals(a.bytes))).toBe(true);
    }
  });

  test("finds no hang, no memory blow-up, no internal error, no bad message or report in 50 cases per reader", async () => {
    const { counts, defects } = await runFuzz({ per: 50, jobs: 1, timeoutMs: 10_000, memMb: 1024 });
    expect(defects, table(counts)).toEqual([]);
    for (const reader of Object.keys(READERS)) {
      const c = counts[reader];
      expect(c.refused + c.read).toBe(50);
      expect(c.refused).toBeGreaterThan(0); // the mutators do damage: an all-read run would test nothing
    }
  }, 240_000);
});
