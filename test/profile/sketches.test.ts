/**
 * The row budget (src/profile/sketches.ts): the duplicate share estimated from the hash sample is
 * within its stated bound of the exact share on several multiplicity distributions; the sample's
 * distinct count within the θ-sketch bound; the sketched parts of a profile merge to the same bytes
 * for any order and grouping, equal to one pass; a sketched profile round-trips; damage is refused.
 */
import { describe, expect, test } from "vitest";
import { computeMetrics } from "../../src/detect/metrics.js";
import { InputError } from "../../src/errors.js";
import { fmix32, rowHash } from "../../src/linalg/hash.js";
import { mulberry32 } from "../../src/linalg/random.js";
import { profileFromBytes, profileToBytes } from "../../src/profile/bytes.js";
import { Profile } from "../../src/profile/profile.js";
import { addRowHash, duplicateEstimate, enforceBudget } from "../../src/profile/sketches.js";
import { emptyState, mergeState, type ProfileState } from "../../src/profile/state.js";

/** Row `id`'s 64-bit hash (distinct ids: distinct hashes). */
const hashOf = (id: number): [number, number] => [
  fmix32((id ^ 0x5bd1e995) >>> 0),
  fmix32(Math.imul(id, 0x9e3779b1) >>> 0),
];

/** A stream of row ids: `distinct` values, value v repeated multiplicity(v) times, shuffled. */
function stream(distinct: number, multiplicity: (v: number, rand: () => number) => number, seed: number): number[] {
  const rand = mulberry32(seed);
  const ids: number[] = [];
  for (let v = 0; v < distinct; v++) {
    const m = multiplicity(v, rand);
    for (let i = 0; i < m; i++) ids.push(v + seed * 10_000_000);
  }
  for (let i = ids.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids;
}

/** The hash part of a state fed `ids` as valid rows, budget `exactRows`. */
function stateOf(ids: readonly number[], exactRows: number): ProfileState {
  const s = emptyState({ dims: 1, sampleSize: 2, exactRows });
  for (let i = 0; i < ids.length; i++) {
    const [a, b] = hashOf(ids[i]);
    addRowHash(s, a, b);
    s.validRows++;
    if ((i & 1023) === 1023) enforceBudget(s);
  }
  enforceBudget(s);
  return s;
}

const exactShare = (ids: readonly number[]) => 1 - new Set(ids).size / ids.length;

const MULTIPLICITIES: [string, (v: number, rand: () => number) => number][] = [
  ["1 % of rows in pairs", (_v, r) => (r() < 0.01 / 0.99 / 2 ? 2 : 1)],
  ["10 % duplicates, geometric multiplicities", (_v, r) => (r() < 0.9 ? 1 : 1 + Math.floor(-Math.log(1 - r()) * 2))],
  ["30 %: a few rows copied 50 times", (_v, r) => (r() < 0.006 ? 50 : 1)],
  ["half the rows copies", (_v, r) => (r() < 0.5 ? 3 : 1)],
];

describe("the duplicate share above the row budget", () => {
  test("with no duplicates it is exactly 0 with a zero standard error", () => {
    const s = stateOf(
      stream(200_000, () => 1, 1),
      10_000,
    );
    const e = duplicateEstimate(s);
    expect(s.hashLevel).toBeGreaterThan(0);
    expect(e).toMatchObject({ rows: 0, share: 0, standardError: 0 });
  });

  describe.each(MULTIPLICITIES)("%s", (_name, mult) => {
    test.each([1, 2, 3, 4, 5])("seed %i: within 3 standard errors of the exact share", (seed) => {
      const ids = stream(150_000, mult, seed);
      const s = stateOf(ids, 8_000);
      const e = duplicateEstimate(s);
      expect(e).not.toBeNull();
      if (!e) return;
      const exact = exactShare(ids);
      expect(s.distinct.size).toBeLessThanOrEqual(8_000);
      expect(e.standardError).toBeGreaterThan(0);
      expect(Math.abs(e.share - exact)).toBeLessThanOrEqual(3 * e.standardError);
      // and the standard error is honest, not huge: at most a third of the share here
      expect(e.standardError).toBeLessThan(exact / 3);
    });
  });

  test("the sample's distinct count |S|·2^k is within 3 relative standard errors √((2^k − 1)/D)", () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const ids = stream(300_000, MULTIPLICITIES[1][1], seed);
      const s = stateOf(ids, 5_000);
      const D = new Set(ids).size;
      const estimate = s.distinct.size * 2 ** s.hashLevel;
      const rse = Math.sqrt((2 ** s.hashLevel - 1) / D);
      expect(Math.abs(estimate - D) / D).toBeLessThanOrEqual(3 * rse);
    }
  });

  test("below the budget the duplicates stay exact: level 0, no estimate", () => {
    const ids = stream(5_000, MULTIPLICITIES[1][1], 9);
    const s = stateOf(ids, ids.length);
    expect(s.hashLevel).toBe(0);
    expect(duplicateEstimate(s)).toBeNull();
    expect(s.validRows - s.distinct.size).toBe(ids.length - new Set(ids).size);
    expect(s.repeatRows).toBe(ids.length - new Set(ids).size);
  });

  test("the hash sample of merged parts is the one-pass sample, for any order and grouping", () => {
    const ids = stream(60_000, MULTIPLICITIES[3][1], 4);
    const dump = (s: ProfileState) => {
      const d: string[] = [];
      s.distinct.forEach((a, b) => {
        d.push(`${a}:${b}:${s.repeats.get(a, b)}`);
      });
      return { level: s.hashLevel, repeatRows: s.repeatRows, entries: d.sort() };
    };
    const whole = dump(stateOf(ids, 3_000));
    const cuts = [0, 10_000, 10_001, 50_000, 90_000, ids.length];
    const part = (i: number) => stateOf(ids.slice(cuts[i], cuts[i + 1]), 3_000);
    for (const order of [
      [0, 1, 2, 3, 4],
      [4, 2, 0, 3, 1],
      [3, 4, 1, 0, 2],
    ]) {
      const acc = part(order[0]);
      for (const i of order.slice(1)) mergeState(acc, part(i));
      expect(dump(acc)).toEqual(whole);
    }
    // ((0 + 1) + (2 + 3)) + 4
    const left = mergeState(part(0), part(1));
    const right = mergeState(part(2), part(3));
    expect(dump(mergeState(mergeState(right, left), part(4)))).toEqual(whole);
  });
});

/** n × d float32 rows with lognormal norms, every 20th row a copy of an earlier one. */
function rows(n: number, d: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % 20 === 0) {
      const j = Math.floor(rand() * i);
      x.copyWithin(i * d, j * d, j * d + d);
      continue;
    }
    const s = Math.exp(0.4 * (rand() + rand() + rand() - 1.5));
    for (let k = 0; k < d; k++) x[i * d + k] = s * (rand() - 0.5);
  }
  return x;
}

const D = 16;
const BLOCK = 8192; // blockRowsFor(16)
const N = 5 * BLOCK + 300;
const DATA = rows(N, D, 21);

function profileOf(from: number, to: number, exactRows: number): Profile {
  const p = new Profile({ dims: D, sampleSize: 64, seed: 3, exactRows });
  for (let at = from; at < to; at += BLOCK) {
    const end = Math.min(to, at + BLOCK);
    p.add({ matrix: { rows: end - at, cols: D, data: DATA.subarray(at * D, end * D) }, rowOffset: at });
  }
  return p;
}

const withoutTiming = (m: ReturnType<typeof computeMetrics>) => ({ ...m, timing: {} });

describe("a profile over the row budget", () => {
  const budget = 10_000;
  const cuts = [0, BLOCK, 3 * BLOCK, 4 * BLOCK, N];

  test("its shards merge to the bytes of one pass, in any order and grouping", () => {
    const one = Buffer.from(profileToBytes(profileOf(0, N, budget).state, "t"));
    const part = (i: number) => profileOf(cuts[i], cuts[i + 1], budget);
    for (const order of [
      [0, 1, 2, 3],
      [3, 0, 2, 1],
      [2, 3, 1, 0],
    ]) {
      const acc = part(order[0]);
      for (const i of order.slice(1)) acc.merge(part(i));
      expect(acc.normSketch).not.toBeNull();
      expect(acc.state.hashLevel).toBeGreaterThan(0);
      expect(Buffer.from(profileToBytes(acc.state, "t")).equals(one)).toBe(true);
    }
    const grouped = part(3)
      .merge(part(1).merge(part(0)))
      .merge(part(2));
    expect(Buffer.from(profileToBytes(grouped.state, "t")).equals(one)).toBe(true);
  });

  test("an exact part merged with a sketched one gives the same bytes as two sketched parts", () => {
    const one = Buffer.from(profileToBytes(profileOf(0, N, budget).state, "t"));
    const small = profileOf(0, BLOCK, budget);
    expect(small.normSketch).toBeNull();
    const merged = small.merge(profileOf(BLOCK, N, budget));
    expect(Buffer.from(profileToBytes(merged.state, "t")).equals(one)).toBe(true);
  });

  test("its metrics mark the estimates, within their bounds of the exact profile's, other numbers equal", () => {
    const exact = computeMetrics(profileOf(0, N, N), false, {});
    const sk = computeMetrics(profileOf(0, N, budget), false, {});
    expect(exact.norms.estimate).toBeUndefined();
    expect(exact.integrity.estimate).toBeUndefined();
    const ne = sk.norms.estimate;
    const ie = sk.integrity.estimate;
    expect(ne).toMatchObject({ method: "norm-sketch", relativeError: 2 ** -10, rows: N });
    expect(ie).toMatchObject({ method: "hash-sample", metrics: ["duplicateRows", "duplicateShare"] });
    for (const k of ["p1", "p50", "p99"] as const) {
      expect(Math.abs(sk.norms[k] - exact.norms[k]) / exact.norms[k]).toBeLessThanOrEqual(2 ** -10);
    }
    expect([sk.norms.min, sk.norms.max]).toEqual([exact.norms.min, exact.norms.max]);
    for (const k of ["mean", "std", "cv"] as const) {
      expect(Math.abs(sk.norms[k] - exact.norms[k])).toBeLessThanOrEqual(1e-13 * exact.norms[k]);
    }
    expect(Math.abs(sk.integrity.duplicateShare - exact.integrity.duplicateShare)).toBeLessThanOrEqual(ie?.bound ?? 0);
    // the counts, the spectrum, the cosines: the same bits
    expect({ ...sk.integrity, duplicateRows: 0, duplicateShare: 0, estimate: undefined }).toEqual({
      ...exact.integrity,
      duplicateRows: 0,
      duplicateShare: 0,
    });
    expect(withoutTiming({ ...sk, norms: null, integrity: null } as never)).toEqual(
      withoutTiming({ ...exact, norms: null, integrity: null } as never),
    );
  });

  test("save then load gives the same bytes and the same metrics", () => {
    const p = profileOf(0, N, budget);
    const bytes = profileToBytes(p.state, "t");
    const q = Profile.fromState(profileFromBytes(bytes));
    expect(Buffer.from(profileToBytes(q.state, "t")).equals(Buffer.from(bytes))).toBe(true);
    expect(withoutTiming(computeMetrics(q, false, {}))).toEqual(withoutTiming(computeMetrics(p, false, {})));
  });

  test("lowering the budget of an exact profile sketches it as a profile made with that budget", () => {
    const lowered = profileOf(0, N, N).lowerBudget(budget);
    const made = profileOf(0, N, budget);
    expect(Buffer.from(profileToBytes(lowered.state, "t")).equals(Buffer.from(profileToBytes(made.state, "t")))).toBe(
      true,
    );
  });
});

/** A header field replaced (the header is not under the checksum). */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const len = view.getUint32(12, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + len)));
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const start = (16 + json.length + 7) & ~7;
  const data = bytes.subarray((16 + len + 7) & ~7);
  const out = new Uint8Array(start + data.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, view.getUint32(8, true), true);
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(data, start);
  return out;
}

/** One value of an array changed, with the checksum made to match (damage the checksum cannot see). */
function withValue(bytes: Uint8Array, array: string, index: number, value: number): Uint8Array {
  const out = withHeader(bytes, () => {});
  const view = new DataView(out.buffer);
  const len = view.getUint32(12, true);
  const h = JSON.parse(new TextDecoder().decode(out.subarray(16, 16 + len)));
  const start = (16 + len + 7) & ~7;
  const e = h.arrays.find((a: { name: string }) => a.name === array);
  if (e.dtype === "<f8") view.setFloat64(start + e.offset + 8 * index, value, true);
  else view.setUint32(start + e.offset + 4 * index, value, true);
  const data = out.subarray(start);
  const [a, b] = rowHash(new Uint32Array(data.buffer, data.byteOffset, data.byteLength >> 2), 0, data.byteLength >> 2);
  return withHeader(out, (hh) => {
    hh.checksum = [a.toString(16).padStart(8, "0"), b.toString(16).padStart(8, "0")];
  });
}

describe("a damaged sketch is refused with one line", () => {
  const bytes = profileToBytes(profileOf(0, N, 10_000).state, "t");
  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      "min above max",
      () =>
        withHeader(bytes, (h) => {
          (h.normSketch as Record<string, number>).min = 1e9;
        }),
      /norm sketch's header is malformed/,
    ],
    [
      "another bucket index width",
      () =>
        withHeader(bytes, (h) => {
          (h.normSketch as Record<string, number>).mantissaBits = 7;
        }),
      /norm sketch's header is malformed/,
    ],
    [
      "a bucket count changed",
      () => withValue(bytes, "normSketchCounts", 3, 1e6),
      /norm sketch counts .* expected validRows/,
    ],
    ["bucket keys out of order", () => withValue(bytes, "normSketchKeys", 1, 0), /bucket 1 of the norm sketch/],
    ["a hash outside the sample's level", () => withValue(bytes, "distinct", 0, 0xffffffff), /outside level/],
    [
      "no sketch although over the budget",
      () =>
        withHeader(bytes, (h) => {
          h.normSketch = null;
        }),
      /over the row budget .* no norm sketch/,
    ],
    [
      "repeats that do not add up",
      () =>
        withHeader(bytes, (h) => {
          h.repeatRows = (h.repeatRows as number) + 1;
        }),
      /repeats add up|do not add up/,
    ],
  ];
  test.each(cases)("%s", (_name, make, message) => {
    const run = () => profileFromBytes(make(), "bad.profile");
    expect(run).toThrow(InputError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("\n");
    }
  });
});
