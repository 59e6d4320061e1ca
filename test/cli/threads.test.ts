/** --threads: the fast kernels give the same report for any thread count; bad counts are usage errors. */
import { expect, test } from "vitest";
import { runCli } from "./helpers.js";

const FILE = "fixtures/scenarios/anisotropic.npy";

const withoutTiming = (json: string) => {
  const r = JSON.parse(json);
  delete r.timing;
  return r;
};

test("a report is the same with 1 and 2 threads, and within 1e-12 of the plain TypeScript kernels (--precision float64)", async () => {
  const args = ["report", FILE, "--format", "json", "--precision", "float64"];
  const one = await runCli([...args, "--threads", "1"]);
  const two = await runCli([...args, "--threads", "2"]);
  const ref = await runCli([...args, "--threads", "0"]);
  expect([one.code, two.code, ref.code]).toEqual([0, 0, 0]);
  expect(withoutTiming(two.stdout)).toEqual(withoutTiming(one.stdout));
  const a = withoutTiming(one.stdout);
  const b = withoutTiming(ref.stdout);
  expect([a.spectrum.precision, b.spectrum.precision]).toEqual(["float64", "float64"]);
  expect(a.integrity).toEqual(b.integrity);
  expect(a.cosine.histogram).toEqual(b.cosine.histogram);
  for (const [k, v] of Object.entries({ ...a.cosine, ...a.spectrum }) as [string, unknown][]) {
    if (typeof v !== "number") continue;
    const w = (b.cosine[k] ?? b.spectrum[k]) as number;
    expect(Math.abs(v - w), k).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(w)));
  }
});

test("the default (mixed precision) report is the same with 1 and 2 threads, and its shares within 2·7.8e-6 of float64's", async () => {
  const one = withoutTiming((await runCli(["report", FILE, "--threads", "1", "--format", "json"])).stdout);
  const two = withoutTiming((await runCli(["report", FILE, "--threads", "2", "--format", "json"])).stdout);
  const ref = withoutTiming((await runCli(["report", FILE, "--threads", "0", "--format", "json"])).stdout);
  expect(two).toEqual(one);
  expect([one.spectrum.precision, ref.spectrum.precision]).toEqual(["mixed", "float64"]);
  // the cosines do not use the covariance
  expect(one.cosine.histogram).toEqual(ref.cosine.histogram);
  expect(Math.abs(one.cosine.meanExact - ref.cosine.meanExact)).toBeLessThanOrEqual(1e-12);
  const shares = one.spectrum.explainedVarianceRatio as number[];
  shares.forEach((p, i) => {
    expect(Math.abs(p - ref.spectrum.explainedVarianceRatio[i])).toBeLessThanOrEqual(2 * 7.8e-6);
  });
});

test("--threads must be an integer in [0, 256]", async () => {
  const r = await runCli(["report", FILE, "--threads", "-2"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^embcheck: .*--threads must be in \[0, 256\]/);
});
