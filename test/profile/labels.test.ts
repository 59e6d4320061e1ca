import { describe, expect, test } from "vitest";
import { analyze, profile, profileMatrix } from "../../src/api.js";
import type { Label } from "../../src/io/types.js";
import { mulberry32 } from "../../src/linalg/random.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { profileFromBytes, profileToBytes } from "../../src/profile/bytes.js";
import { groupTotals, type LabelState } from "../../src/profile/labels.js";
import { Profile } from "../../src/profile/profile.js";
import { mergeState } from "../../src/profile/state.js";
import { npyBytesF32 } from "../helpers/npy.js";

// 5,000 × 128 rows (blocks of 1,024: blockRowsFor(128)) with 7 labels and some nulls.
const N = 5000;
const D = 128;
const rand = mulberry32(11);
const data = new Float32Array(N * D);
for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1 + (i % D === 0 ? 2 : 0);
const labels: Label[] = Array.from({ length: N }, (_, i) => (i % 97 === 0 ? null : i % 5 === 0 ? `g${i % 7}` : i % 7));
const kernels = referenceKernels();

async function part(lo: number, hi: number) {
  const { profile } = await profileMatrix(
    { data: data.subarray(lo * D, hi * D), rows: hi - lo, dims: D },
    { labels: labels.slice(lo, hi), rowOffset: lo, kernels, sampleSize: 512 },
  );
  return profile;
}

const bits = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("hex");

/** The groups' totals keyed by label, so states that numbered their groups differently compare. */
function byLabel(s: LabelState) {
  const t = groupTotals(s);
  const w = t.length / s.groups.length;
  return new Map(
    s.groups.map((g, i) => [
      `${g.pooled}:${typeof g.label}:${g.label}`,
      { rows: s.rows[i], valid: s.valid[i], sums: bits(t.subarray(i * w, (i + 1) * w)) },
    ]),
  );
}

describe("labelled profiles merge", () => {
  test("shards cut on blocks merge to the one-pass group sums bit for bit, in any order", async () => {
    const whole = await part(0, N);
    const a = await part(0, 2048);
    const b = await part(2048, 3072);
    const c = await part(3072, N);
    const merged = mergeState(mergeState(c.state, a.state), b.state);
    expect(byLabel(merged.labels as LabelState)).toEqual(byLabel(whole.state.labels as LabelState));
    const total = (whole.state.labels as LabelState).rows.reduce((x, y) => x + y, 0);
    expect(total).toBe(N);
  });

  test("a labelled profile and an unlabelled one do not merge", async () => {
    const a = await part(0, 1024);
    const { profile: b } = await profileMatrix(
      { data: data.subarray(1024 * D, 2048 * D), rows: 1024, dims: D },
      { rowOffset: 1024, kernels, sampleSize: 512 },
    );
    expect(() => mergeState(a.state, b.state)).toThrow(/with labels and one made without/);
  });

  test("the labels survive a profile file: the report from the bytes equals the report from the rows", async () => {
    const whole = await part(0, N);
    const loaded = profileFromBytes(profileToBytes(whole.state, "test"));
    expect(byLabel(loaded.labels as LabelState)).toEqual(byLabel(whole.state.labels as LabelState));
    const again = profileFromBytes(profileToBytes(loaded, "test"));
    expect(profileToBytes(again, "test")).toEqual(profileToBytes(loaded, "test"));
    const p = Profile.fromState(loaded, kernels);
    const { computeMetrics } = await import("../../src/detect/metrics.js");
    const fromBytes = computeMetrics(p, false, { kernels });
    const fromRows = computeMetrics(whole, false, { kernels });
    expect(fromBytes.labels).toEqual(fromRows.labels);
    expect(fromRows.labels?.nullRows).toBe(labels.filter((l) => l === null).length);
  });

  test("a report from a profile file refuses --labels (its labels were measured when it was made)", async () => {
    const whole = await part(0, 1024);
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const f = join(mkdtempSync(join(tmpdir(), "embcheck-lab-")), "p.embprof");
    writeFileSync(f, profileToBytes(whole.state, "test"));
    await expect(analyze(f, { labels: "x.txt", kernels })).rejects.toThrow(/its labels were measured/);
  });

  test("--shard with a label file takes each part's own labels: the parts merge to the one-pass sums", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "embcheck-lab-shard-"));
    writeFileSync(join(dir, "x.npy"), npyBytesF32(data, N, D));
    writeFileSync(join(dir, "y.txt"), labels.map((l) => (l === null ? "" : String(l))).join("\n") + "\n");
    const opts = { labels: join(dir, "y.txt"), kernels, sampleSize: 512 };
    const whole = (await profile(join(dir, "x.npy"), opts)).profile;
    const parts = await Promise.all(
      [0, 1, 2].map(
        async (index) => (await profile(join(dir, "x.npy"), { ...opts, shard: { index, count: 3 } })).profile,
      ),
    );
    const merged = mergeState(mergeState(parts[2].state, parts[0].state), parts[1].state);
    expect(byLabel(merged.labels as LabelState)).toEqual(byLabel(whole.state.labels as LabelState));
  });
});
