import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { randomBaseline, retrievalPass, retrievalScores } from "../../src/detect/retrieval.js";
import type { Chunk } from "../../src/io/types.js";
import { runCli } from "../cli/helpers.js";
import { BACKENDS } from "../helpers/kernels.js";
import { readNpyF32 } from "../helpers/npy.js";

// Oracle: fixtures/reference/knn.json "retrieval" (fixtures/scripts/make_knn_reference.py):
// sklearn's top_k_accuracy_score (Recall@k) and ndcg_score (NDCG@10), MRR@100 from NumPy ranks,
// cosine in float64. The fast backend scores in float32; on these sets no rank moves.

type Scores = {
  queries: number;
  recallAt1: number;
  recallAt10: number;
  recallAt100: number;
  mrr: number;
  ndcgAt10: number;
};
const ref = JSON.parse(readFileSync(new URL("../../fixtures/reference/knn.json", import.meta.url), "utf8")) as {
  retrieval: Record<"aligned" | "shuffled" | "gloveMixed", Scores & { corpusRows: number }>;
};
const glove = readNpyF32("fixtures/sample/glove-6b-100d-top3000.npy");
const KEYS = ["recallAt1", "recallAt10", "recallAt100", "mrr", "ndcgAt10"] as const;

function expectScores(got: Record<(typeof KEYS)[number], number>, want: Scores, tol: number): void {
  for (const k of KEYS) expect(Math.abs(got[k] - want[k]), k).toBeLessThanOrEqual(tol);
}

/** The partners glove[i] + glove[i + 1 mod n] in float32, as the oracle sums them. */
function mixedPartners(): Float32Array {
  const { rows: n, cols: d, data } = glove;
  const p = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    for (let t = 0; t < d; t++) p[i * d + t] = Math.fround(data[i * d + t] + data[j * d + t]);
  }
  return p;
}

async function* chunksOf(
  x: Float32Array,
  pair: Float32Array,
  n: number,
  d: number,
  step: number,
): AsyncGenerator<Chunk> {
  for (let r = 0; r < n; r += step) {
    const rows = Math.min(step, n - r);
    const m = (a: Float32Array) => ({ rows, cols: d, data: a.subarray(r * d, (r + rows) * d) });
    yield { matrix: m(x), rowOffset: r, pair: { matrix: m(pair) } };
  }
}

describe.each(BACKENDS)("the retrieval pass on the %s backend", (_name, make) => {
  test("GloVe rows finding their mixed partners among 3,000 score as sklearn says (1e-12)", async () => {
    const { rows: n, cols: d, data } = glove;
    const indices = Float64Array.from({ length: n }, (_, i) => i);
    const got = await retrievalPass(
      chunksOf(data, mixedPartners(), n, d, 777),
      { indices, values: Float64Array.from(data), m: n },
      d,
      make(),
    );
    expect(got.queries).toBe(3000);
    expect(got.corpusRows).toBe(3000);
    expectScores(got, ref.retrieval.gloveMixed, 1e-12);
  });
});

describe("retrieval scores", () => {
  test("a partner at rank 1, 3, 11 and absent gives the textbook numbers", () => {
    // 4 queries, lists of 11; partners are ids 0..3
    const k = 11;
    const ids = new Int32Array(4 * k).fill(99);
    ids[0] = 0;
    ids[k + 2] = 1;
    ids[2 * k + 10] = 2;
    const s = retrievalScores(ids, k, [0, 1, 2, 3]);
    expect(s.recallAt1).toBe(0.25);
    expect(s.recallAt10).toBe(0.5);
    expect(s.recallAt100).toBe(0.75);
    expect(s.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 11) / 4, 15);
    expect(s.ndcgAt10).toBeCloseTo((1 + 1 / 2) / 4, 15);
  });

  test("the random baseline of n rows is k/n for Recall@k and the mean reciprocal rank for MRR", () => {
    const b = randomBaseline(1000);
    expect(b.recallAt10).toBe(0.01);
    let h = 0;
    for (let r = 1; r <= 100; r++) h += 1 / r;
    expect(b.mrr).toBeCloseTo(h / 1000, 15);
    expect(randomBaseline(5).recallAt100).toBe(1);
  });
});

describe("embcheck report --pairs: the retrieval section", () => {
  test.each([
    ["docs-aligned", "aligned"],
    ["docs-shuffled", "shuffled"],
  ] as const)("queries.npy against %s.npy equals sklearn's numbers", async (file, key) => {
    const r = await runCli([
      "report",
      "fixtures/scenarios/queries.npy",
      "--pairs",
      `fixtures/scenarios/${file}.npy`,
      "--format",
      "json",
    ]);
    const j = JSON.parse(r.stdout);
    const want = ref.retrieval[key];
    expect(j.retrieval.queries).toBe(want.queries);
    expect(j.retrieval.corpusRows).toBe(want.corpusRows);
    expectScores(j.retrieval, want, 1e-12);
    expect(j.retrieval.random.recallAt1).toBe(0.001);
  });

  test("--queries 100 measures 100 sampled rows; without pairs the section is null", async () => {
    const args = ["report", "fixtures/scenarios/queries.npy", "--format", "json"];
    const a = JSON.parse(
      (await runCli([...args, "--pairs", "fixtures/scenarios/docs-aligned.npy", "--queries", "100"])).stdout,
    );
    expect(a.retrieval.queries).toBe(100);
    const b = JSON.parse((await runCli(args)).stdout);
    expect(b.retrieval).toBeNull();
  });
});
