/** --threads: the fast kernels give the same report for any thread count; bad counts are usage errors. */
import { expect, test } from "vitest";
import { runCli } from "./helpers.js";

const FILE = "fixtures/scenarios/anisotropic.npy";

const withoutTiming = (json: string) => {
  const r = JSON.parse(json);
  delete r.timing;
  return r;
};

test("a report is the same with 1 and 2 threads, and within 1e-12 of the plain TypeScript kernels", async () => {
  const one = await runCli(["report", FILE, "--threads", "1", "--format", "json"]);
  const two = await runCli(["report", FILE, "--threads", "2", "--format", "json"]);
  const ref = await runCli(["report", FILE, "--threads", "0", "--format", "json"]);
  expect([one.code, two.code, ref.code]).toEqual([0, 0, 0]);
  expect(withoutTiming(two.stdout)).toEqual(withoutTiming(one.stdout));
  const a = withoutTiming(one.stdout);
  const b = withoutTiming(ref.stdout);
  expect(a.integrity).toEqual(b.integrity);
  expect(a.cosine.histogram).toEqual(b.cosine.histogram);
  for (const [k, v] of Object.entries({ ...a.cosine, ...a.spectrum }) as [string, unknown][]) {
    if (typeof v !== "number") continue;
    const w = (b.cosine[k] ?? b.spectrum[k]) as number;
    expect(Math.abs(v - w), k).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
  }
});

test("--threads must be an integer in [0, 256]", async () => {
  const r = await runCli(["report", FILE, "--threads", "-2"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^embcheck: .*--threads must be in \[0, 256\]/);
});
