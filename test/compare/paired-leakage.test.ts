/**
 * The paired pass (CKA, neighbourhood agreement, Spearman, per-row cosine) and the leakage passes
 * against the NumPy/SciPy oracle (fixtures/scripts/compare_oracle.py → fixtures/compare/oracle.json).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { exactLeakage, exactLeakagePass, nearLeakage, trainPass, wilson } from "../../src/compare/leakage.js";
import { type AlignedChunk, pairedPass, spearman } from "../../src/compare/paired.js";
import type { Chunk } from "../../src/io/types.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { HashSet64 } from "../../src/profile/hashset.js";
import { Profile } from "../../src/profile/profile.js";
import { ROOT } from "../cli/helpers.js";
import { readNpyF32 } from "../helpers/npy.js";

const DIR = join(ROOT, "fixtures", "compare");
const oracle = JSON.parse(readFileSync(join(DIR, "oracle.json"), "utf8"));
const kernels = referenceKernels();
const load = (name: string) => readNpyF32(join(DIR, `${name}.npy`));
const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);

/** The rows of x in chunks of `step`. */
async function* chunksOf(x: { rows: number; cols: number; data: Float32Array }, step: number): AsyncGenerator<Chunk> {
  for (let at = 0; at < x.rows; at += step) {
    const rows = Math.min(step, x.rows - at);
    yield { matrix: { rows, cols: x.cols, data: x.data.subarray(at * x.cols, (at + rows) * x.cols) }, rowOffset: at };
  }
}

async function* aligned(a: string, b: string, step: number): AsyncGenerator<AlignedChunk> {
  const xa = load(a);
  const xb = load(b);
  const ib = chunksOf(xb, step);
  for await (const ca of chunksOf(xa, step)) {
    const cb = (await ib.next()).value as Chunk;
    yield { rowOffset: ca.rowOffset, a: ca, b: cb };
  }
}

describe.each([
  ["ref_rotated", "rotated", 16],
  ["ref_projected", "projected", 12],
])("paired %s", (key, other, dB) => {
  const want = oracle.paired[key];
  const run = (step: number) =>
    pairedPass(aligned("ref", other, step), 16, dB, { kernels, sampleSize: 4096, seed: 0, precision: "float64" });

  test("linear CKA over all rows matches its definition in NumPy to 1e-9, whatever the chunking", async () => {
    const got = await run(64);
    expect(rel(got.cka, want.cka)).toBeLessThan(1e-9);
    expect(rel((await run(7)).cka, want.cka)).toBeLessThan(1e-9);
    expect(got.validRows).toBe(400);
  });

  test("the 10-NN overlap and the Spearman correlation of pair cosines match NumPy and SciPy", async () => {
    const got = await run(100);
    expect(got.neighbours.k).toBe(10);
    expect(got.neighbours.rows).toBe(400);
    expect(Math.abs(got.neighbours.mean - want.neighbours)).toBeLessThan(1e-12);
    expect(rel(got.pairSpearman, want.pairSpearman)).toBeLessThan(1e-9);
    expect(got.neighbours.lowest).toHaveLength(10);
    const lows = got.neighbours.lowest.map(([, o]) => o);
    expect([...lows].sort((x, y) => x - y)).toEqual(lows);
  });

  test("the per-row cosine is given only when the dims are equal, its lowest row first", async () => {
    const got = await run(100);
    if (!want.rowCosine) {
      expect(got.rowCosine).toBeNull();
      return;
    }
    expect(got.rowCosine?.rows).toBe(400);
    expect(rel(got.rowCosine?.mean ?? 0, want.rowCosine.mean)).toBeLessThan(1e-9);
    expect(rel(got.rowCosine?.min ?? 0, want.rowCosine.min)).toBeLessThan(1e-9);
    expect(got.rowCosine?.lowest[0][0]).toBe(want.rowCosine.argmin);
  });
});

test("spearman averages tied ranks, as scipy.stats.spearmanr", () => {
  // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic = 0.9486832980505139
  expect(rel(spearman(Float64Array.of(1, 2, 2, 3), Float64Array.of(1, 3, 2, 4)), 0.9486832980505139)).toBeLessThan(
    1e-12,
  );
});

describe("leakage", () => {
  const train = load("train");
  const test_ = load("test");
  const trainProfile = new Profile({ dims: 16, kernels });
  trainProfile.add({ matrix: { rows: train.rows, cols: 16, data: train.data }, rowOffset: 0 });

  test("exact copies: the test rows whose bits are a train row's, with the train row of each example", async () => {
    const ex = await exactLeakagePass(chunksOf(test_, 33), 16, trainProfile.distinct, kernels);
    expect(ex.hits).toBe(oracle.leakage.exact);
    expect(ex.valid).toBe(120);
    const q = Float64Array.from(test_.data);
    const tp = await trainPass(chunksOf(train, 50), 16, q, 120, ex.exampleHashes, kernels);
    const exact = exactLeakage(ex.hits, ex.valid, ex.exampleHashes, tp.exampleTrain);
    expect(exact.share).toBeCloseTo(10 / 120, 15);
    // the fixture copies train rows 3, 17, 42, 58, 99, 123, 150, 201, 250, 299 into test rows 0..9
    expect(exact.examples).toEqual([
      [0, 3],
      [1, 17],
      [2, 42],
      [3, 58],
      [4, 99],
      [5, 123],
      [6, 150],
      [7, 201],
      [8, 250],
      [9, 299],
    ]);
    const near = nearLeakage(
      Float64Array.from({ length: 120 }, (_, i) => i),
      tp.ids,
      tp.scores,
      120,
      tp.trainRows,
      0.98,
    );
    expect(near.above).toBe(oracle.leakage.nearAbove);
    expect(near.share).toBe(oracle.leakage.nearShare);
    expect(near.sampled).toBe(false);
    expect(near.interval).toEqual([near.share, near.share]);
    expect(near.examples[0][2]).toBeCloseTo(oracle.leakage.maxNearest, 12);
  });

  test("a train row with NaN is searched as a zero row, never as a neighbour above the line", async () => {
    const bad = Float32Array.from(train.data);
    bad.fill(Number.NaN, 3 * 16, 4 * 16);
    const tp = await trainPass(
      chunksOf({ rows: train.rows, cols: 16, data: bad }, 64),
      16,
      Float64Array.from(test_.data.subarray(0, 16)),
      1,
      new Map(),
      kernels,
    );
    expect(tp.ids[0]).not.toBe(3);
    expect(Number.isFinite(tp.scores[0])).toBe(true);
  });

  test("the Wilson interval matches Newcombe's table of score intervals (Stat. Med. 1998, table I, method 3)", () => {
    const cases: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [k, n, lo, hi] of cases) {
      const [a, b] = wilson(k, n);
      expect(Math.abs(a - lo)).toBeLessThan(5e-5);
      expect(Math.abs(b - hi)).toBeLessThan(5e-5);
    }
  });

  test("an empty train set has no member", () => {
    expect(new HashSet64().has(1, 2)).toBe(false);
  });
});
