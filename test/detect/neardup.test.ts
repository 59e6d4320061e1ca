import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  BANDS,
  bucketsByCount,
  bucketsBySort,
  expectedRecall,
  hyperplanes,
  nearDuplicatePasses,
} from "../../src/detect/neardup.js";
import type { Chunk } from "../../src/io/types.js";
import { runCli } from "../cli/helpers.js";
import { BACKENDS } from "../helpers/kernels.js";

// Oracle: brute force over every pair in float64 (the definition), on a planted set: 4,000 random
// rows in 64 dims (pairwise cosines |c| < 0.6) plus 200 planted partners at cosine 0.98–0.9995
// and 100 decoys at 0.94–0.975, below the line.

const D = 64;

function planted(): { x: Float32Array; n: number } {
  let s = 12345;
  const u = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const base = 4000;
  const n = base + 300;
  const x = new Float32Array(n * D);
  for (let i = 0; i < base * D; i++) x[i] = gauss();
  for (let p = 0; p < 300; p++) {
    const src = (p * 13) % base;
    const target = p < 200 ? 0.98 + 0.0195 * u() : 0.94 + 0.035 * u();
    // y = x̂ + t·e with e ⟂ x̂ unit: cos = 1/√(1 + t²)
    const t = Math.sqrt(1 / (target * target) - 1);
    const xs = x.subarray(src * D, (src + 1) * D);
    const nx = Math.hypot(...xs);
    const e = Float64Array.from({ length: D }, gauss);
    let dot = 0;
    for (let j = 0; j < D; j++) dot += (e[j] * xs[j]) / nx;
    for (let j = 0; j < D; j++) e[j] -= (dot * xs[j]) / nx;
    const ne = Math.hypot(...e);
    for (let j = 0; j < D; j++) x[(base + p) * D + j] = xs[j] / nx + (t * e[j]) / ne;
  }
  return { x, n };
}

function bruteRows(x: Float32Array, n: number, tau: number): Set<number> {
  const u = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const nrm = Math.hypot(...x.subarray(i * D, (i + 1) * D));
    for (let j = 0; j < D; j++) u[i * D + j] = x[i * D + j] / nrm;
  }
  const rows = new Set<number>();
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let dot = 0;
      for (let t = 0; t < D; t++) dot += u[i * D + t] * u[j * D + t];
      if (dot >= tau) {
        rows.add(i);
        rows.add(j);
      }
    }
  return rows;
}

const opener = (x: Float32Array, n: number, step: number) => async () => ({
  chunks: (async function* (): AsyncGenerator<Chunk> {
    for (let r = 0; r < n; r += step) {
      const rows = Math.min(step, n - r);
      yield { matrix: { rows, cols: D, data: x.subarray(r * D, (r + rows) * D) }, rowOffset: r };
    }
  })(),
  close: async () => {},
});

const { x, n } = planted();
const truth = bruteRows(x, n, 0.98);

describe.each(BACKENDS)("near-duplicates on the %s backend", (_name, make) => {
  test("find at least 99 % of the brute-force rows at cosine ≥ 0.98 and nothing below it", async () => {
    const m = await nearDuplicatePasses(opener(x, n, 999), D, n, make(), 0.98);
    expect(truth.size).toBeGreaterThanOrEqual(400);
    expect(m.rows).toBeGreaterThanOrEqual(Math.ceil(0.99 * truth.size));
    expect(m.rows).toBeLessThanOrEqual(truth.size);
    for (const g of m.examples) for (const r of g.rows) expect(truth.has(r)).toBe(true);
    expect(m.share).toBe(m.rows / n);
    expect(m.expectedRecall).toBeGreaterThan(0.99);
  });

  test("verify in batches of 50 candidate rows (one pass each) with the same result as all at once", async () => {
    const whole = await nearDuplicatePasses(opener(x, n, 999), D, n, make(), 0.98);
    let opens = 0;
    const counted = () => {
      opens++;
      return opener(x, n, 999)();
    };
    const batched = await nearDuplicatePasses(counted, D, n, make(), 0.98, 0, 8 * D * 50);
    expect(opens).toBeGreaterThan(2 + Math.floor(whole.rows / 50) - 1);
    expect(batched).toEqual(whole);
  });
});

describe("the near-duplicate design", () => {
  test("the sort used for few rows puts them in the counting sort's order, with the same non-empty buckets", () => {
    for (const [n, spread] of [
      [1, 65536],
      [500, 65536],
      [3000, 40],
      [9000, 7],
    ]) {
      const keys = new Uint16Array(n * BANDS);
      let s = n;
      for (let i = 0; i < keys.length; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        keys[i] = (s >>> 8) % spread;
      }
      for (let b = 0; b < BANDS; b++) {
        const a = new Int32Array(n);
        const c = new Int32Array(n);
        const byCount = bucketsByCount(keys, b, n, a);
        const bySort = bucketsBySort(keys, b, n, c);
        expect(Array.from(c)).toEqual(Array.from(a));
        // the counting sort's starts with the empty buckets left out are the sort's starts
        expect(Array.from(bySort)).toEqual([...new Set(byCount)].filter((x) => x < n).concat([n]));
      }
    }
  });

  test("a pair at cosine 0.98 becomes a candidate with probability 0.994 (12 bands of 16 bits)", () => {
    const p = 1 - Math.acos(0.98) / Math.PI;
    // without the Hamming limit: the banding formula
    expect(expectedRecall(0.98, 12, 16, Number.POSITIVE_INFINITY)).toBeCloseTo(1 - (1 - p ** 16) ** 12, 14);
    expect(expectedRecall(0.98)).toBeGreaterThan(0.99);
  });

  test("the Hamming limit of 32 bits costs recall what the generating functions say", () => {
    // fixtures/scripts/neardup_recall_reference.py (NumPy polynomial powers)
    const want: [number, number][] = [
      [0.98, 0.9941462173805745],
      [0.95, 0.9092399644744232],
      [0.99, 0.9995931483357842],
    ];
    for (const [tau, r] of want) expect(Math.abs(expectedRecall(tau) - r)).toBeLessThan(1e-13);
    const p = 1 - Math.acos(0.98) / Math.PI;
    expect(1 - (1 - p ** 16) ** 12 - expectedRecall(0.98)).toBeLessThan(3e-7);
  });

  test("hyperplanes are the same for the same seed and standard normal in size", () => {
    const a = hyperplanes(64, 192, 7);
    expect(hyperplanes(64, 192, 7)).toEqual(a);
    let s = 0;
    for (const v of a) s += v * v;
    expect(s / a.length).toBeGreaterThan(0.9);
    expect(s / a.length).toBeLessThan(1.1);
  });
});

describe("embcheck report: near-duplicates", () => {
  test("on the 3,000 GloVe words it finds NumPy's brute-force 31 rows and 58 pairs (two…nine, the weekdays, …)", async () => {
    const ref = JSON.parse(readFileSync(new URL("../../fixtures/reference/knn.json", import.meta.url), "utf8"));
    const want = ref.glove.nearDuplicates as { rows: number; pairs: number };
    const r = await runCli(["report", "fixtures/sample/glove-6b-100d-top3000.npy", "--format", "json"]);
    const nd = JSON.parse(r.stdout).nearDuplicates;
    expect(nd.rows).toBe(want.rows);
    expect(nd.verifiedPairs).toBe(want.pairs);
    expect(nd.examples[0].rows).toEqual([43, 71, 114, 155, 205, 402, 464, 680]);
  });

  test.each(["fixtures/sample/glove-6b-100d-top3000.npy", "fixtures/scenarios/dirty.npy"])(
    "%s: read from the row sample when it holds every valid row, the same as read from the file again",
    async (file) => {
      const json = async (args: string[]) =>
        JSON.parse((await runCli(["report", file, "--format", "json", ...args])).stdout);
      const all = await json(["--sample", "100000"]); // every valid row sampled: the passes read the sample
      const part = await json(["--sample", "500"]); // the file read twice more
      expect(all.sample.rows).toBe(all.integrity.validRows);
      expect(part.sample.rows).toBeLessThan(part.integrity.validRows);
      expect(all.nearDuplicates).toEqual(part.nearDuplicates);
      expect(all.nearDuplicates.rows).toBeGreaterThan(0);
    },
  );

  test("the dirty scenario's exact copies are near-duplicates; --near-dup 0 skips the section", async () => {
    const a = JSON.parse((await runCli(["report", "fixtures/scenarios/dirty.npy", "--format", "json"])).stdout);
    expect(a.nearDuplicates.tau).toBe(0.98);
    expect(a.nearDuplicates.rows).toBeGreaterThanOrEqual(a.integrity.duplicateRows);
    const b = JSON.parse(
      (await runCli(["report", "fixtures/scenarios/dirty.npy", "--format", "json", "--near-dup", "0"])).stdout,
    );
    expect(b.nearDuplicates).toBeNull();
    const bad = await runCli(["report", "fixtures/scenarios/dirty.npy", "--near-dup", "2"]);
    expect(bad.code).toBe(2);
  });
});
