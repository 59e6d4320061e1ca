/**
 * The profile file's bytes (src/profile/bytes.ts): save → load gives a state whose metrics are the
 * same bits, on every backend; merging loaded states equals merging the originals; every kind of
 * damage is refused with one InputError line.
 */
import { describe, expect, test } from "vitest";
import { computeMetrics, type Metrics } from "../../src/detect/metrics.js";
import { InputError } from "../../src/errors.js";
import { openEmbeddings } from "../../src/io/open.js";
import { withPairs } from "../../src/io/pairs.js";
import { PROFILE_FORMAT_VERSION, profileFromBytes, profileHeaderOf, profileToBytes } from "../../src/profile/bytes.js";
import { Profile } from "../../src/profile/profile.js";
import { profileChunks } from "../../src/profile/run.js";
import { BACKENDS } from "../helpers/kernels.js";

async function profileOf(file: string, make: () => ReturnType<(typeof BACKENDS)[0][1]>, pairs?: string) {
  const src = await openEmbeddings(file);
  const pair = pairs ? await openEmbeddings(pairs) : null;
  try {
    return await profileChunks(pair ? withPairs(src, pair) : src, {
      dims: src.info.dims,
      sampleSize: 300,
      seed: 7,
      kernels: make(),
    });
  } finally {
    await src.close();
    await pair?.close();
  }
}

const withoutTiming = (m: Metrics) => ({ ...m, timing: {} });

describe.each(BACKENDS)("on the %s kernels", (_name, make) => {
  test.each([
    ["fixtures/scenarios/dirty.npy", undefined],
    ["fixtures/scenarios/docs-aligned.npy", "fixtures/scenarios/queries.npy"],
    ["fixtures/scenarios/healthy-f64.npy", undefined],
  ])("save then load of the profile of %s gives metrics equal to the last bit", async (file, pairs) => {
    const p = await profileOf(file, make, pairs);
    const bytes = profileToBytes(p.state, "test");
    const q = Profile.fromState(profileFromBytes(bytes), make());
    const a = computeMetrics(p, pairs !== undefined, { kernels: make() });
    const b = computeMetrics(q, pairs !== undefined, { kernels: make() });
    expect(withoutTiming(b)).toEqual(withoutTiming(a));
    expect(q.state.ranges).toEqual([0, p.rows]);
    expect(q.precision).toBe(p.precision);
    // and the bytes of the loaded state are the bytes saved
    expect(Buffer.from(profileToBytes(q.state, "test")).equals(Buffer.from(bytes))).toBe(true);
  });
});

test("merging loaded shard profiles equals merging the profiles themselves", async () => {
  const [, make] = BACKENDS[1];
  const src = await openEmbeddings("fixtures/scenarios/healthy.npy");
  const chunks = [];
  for await (const c of src) chunks.push(c);
  await src.close();
  const all = chunks[0].matrix;
  const cut = 611;
  const part = (from: number, to: number) => {
    const p = new Profile({ dims: all.cols, sampleSize: 300, seed: 7, kernels: make() });
    p.add({
      matrix: { rows: to - from, cols: all.cols, data: all.data.subarray(from * all.cols, to * all.cols) },
      rowOffset: from,
    });
    return p;
  };
  const a = part(0, cut);
  const b = part(cut, all.rows);
  const la = Profile.fromState(profileFromBytes(profileToBytes(a.state, "t")));
  const lb = profileFromBytes(profileToBytes(b.state, "t"));
  la.merge(lb);
  a.merge(b);
  expect(withoutTiming(computeMetrics(la, false, { kernels: make() }))).toEqual(
    withoutTiming(computeMetrics(a, false, { kernels: make() })),
  );
  expect(la.state.ranges).toEqual([0, all.rows]);
});

describe("damaged profile files are refused with one line", () => {
  let good: Uint8Array;
  const load = async () => {
    if (!good) good = profileToBytes((await profileOf("fixtures/scenarios/dirty.npy", BACKENDS[0][1])).state, "t");
    return good;
  };
  const refuse = (bytes: Uint8Array, pattern: RegExp) => {
    let err: unknown;
    try {
      profileFromBytes(bytes, "x.profile");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^x\.profile: /);
    expect(msg).not.toContain("\n");
    expect(msg).toMatch(pattern);
  };

  test("another file, an empty file, or a transform given as a profile", async () => {
    refuse(new Uint8Array(0), /does not start with EMBCPROF/);
    refuse(new TextEncoder().encode('{"kind":"embcheck/transform","schemaVersion":1}'), /does not start with EMBCPROF/);
    const bytes = (await load()).slice();
    const h = profileHeaderOf(bytes);
    expect(h.kind).toBe("embcheck/profile");
    // the same container with another kind in its header
    const json = new TextEncoder().encode(JSON.stringify({ ...h, kind: "embcheck/transform" }));
    const out = new Uint8Array(16 + json.length + 8);
    out.set(bytes.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, json.length, true);
    out.set(json, 16);
    refuse(out, /"kind" is "embcheck\/transform", expected "embcheck\/profile"/);
  });

  test("a newer format version names the version and what to do", async () => {
    const bytes = (await load()).slice();
    new DataView(bytes.buffer).setUint32(8, PROFILE_FORMAT_VERSION + 1, true);
    const v = PROFILE_FORMAT_VERSION;
    refuse(
      bytes,
      new RegExp(`format version ${v + 1}; this embcheck reads version ${v}.*use the embcheck version that wrote it`),
    );
  });

  test("a truncated file, at every length, is refused (never a crash)", async () => {
    const bytes = await load();
    for (const n of [8, 15, 16, 100, bytes.length >> 1, bytes.length - 8, bytes.length - 1]) {
      refuse(bytes.subarray(0, n), /not a valid embcheck profile/);
    }
  });

  test("a flipped byte in the data fails the checksum; a header claiming 4 GiB is refused before reading", async () => {
    const bytes = (await load()).slice();
    bytes[bytes.length - 3] ^= 0x40;
    refuse(bytes, /checksum .* does not match/);
    const big = (await load()).slice();
    new DataView(big.buffer).setUint32(12, 0xffffffff, true);
    refuse(big, /the header claims 4294967295 bytes/);
  });

  test("a header whose counts do not add up is refused", async () => {
    const bytes = await load();
    const h = profileHeaderOf(bytes);
    const json = new TextEncoder().encode(JSON.stringify({ ...h, rows: h.rows + 1 }));
    const start = (16 + json.length + 7) & ~7;
    const oldStart = (16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true) + 7) & ~7;
    const out = new Uint8Array(start + bytes.length - oldStart);
    out.set(bytes.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, json.length, true);
    out.set(json, 16);
    out.set(bytes.subarray(oldStart), start);
    refuse(out, /row counts do not add up/);
  });
});
