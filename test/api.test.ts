/**
 * The library API: profiles of shards (with their global row offsets) merge into the profile of
 * the whole file, so a sharded run reports the same numbers as one pass.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { analyze, buildReport, computeMetrics, profile, VERSION } from "../src/index.js";
import { wasm } from "./helpers/kernels.js";

const tmp = mkdtempSync(join(tmpdir(), "embcheck-api-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A minimal v1 .npy of float32 rows (magic + header padded to a multiple of 64 bytes). */
function npy(path: string, rows: Float32Array, n: number, d: number): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  header += `${" ".repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(rows.buffer)]));
}

test("two shard profiles merged with their row offsets report what one pass over the whole reports", async () => {
  const whole = "fixtures/scenarios/healthy.npy";
  const { profile: p } = await profile(whole);
  const n = p.rows;
  const d = p.dims;
  // Split the healthy fixture's rows into two files by re-reading them through the sample-free API.
  const { openEmbeddings } = await import("../src/io/open.js");
  const src = await openEmbeddings(whole);
  const all = new Float32Array(n * d);
  for await (const c of src) all.set(c.matrix.data as Float32Array, c.rowOffset * d);
  await src.close();
  const cut = 777;
  npy(join(tmp, "a.npy"), all.slice(0, cut * d), cut, d);
  npy(join(tmp, "b.npy"), all.slice(cut * d), n - cut, d);

  // float64 covariance, so the merged spectrum can be held to 10 digits (mixed: see parity tests)
  const kernels = wasm(2);
  const opts = { sampleSize: 300, seed: 5, precision: "float64" as const, kernels };
  const a = await profile(join(tmp, "a.npy"), opts);
  const b = await profile(join(tmp, "b.npy"), { ...opts, rowOffset: cut });
  const merged = buildReport(computeMetrics(a.profile.merge(b.profile), false, { kernels }), a.info, {
    toolVersion: VERSION,
  });
  const { report: one } = await analyze(whole, opts);

  expect(merged.integrity).toEqual(one.integrity);
  expect(merged.sample).toEqual(one.sample);
  // Sampled statistics come from the very same rows: equal to the last bit.
  expect(merged.cosine.p50).toBe(one.cosine.p50);
  expect(merged.uniformity.value).toBe(one.uniformity.value);
  // Sums and moments merge up to float64 rounding.
  expect(Math.abs(merged.cosine.meanExact - one.cosine.meanExact)).toBeLessThan(1e-13);
  expect(merged.spectrum.effectiveRank).toBeCloseTo(one.spectrum.effectiveRank, 10);
  expect(merged.norms.p50).toBe(one.norms.p50);
});
