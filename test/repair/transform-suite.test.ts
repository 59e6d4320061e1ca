/**
 * The shared transform suite (CONVENTIONS.md, after scikit-learn's estimator_checks) over every
 * step and over pipelines that need extra passes: fit + transform ≡ fitTransform; chunked ≡ whole
 * for chunk sizes 1, 7 and all (fit and apply both chunked); save → load → same output; fitting
 * twice gives the same state; the input is never modified; transform before fit throws. Every
 * check runs once per backend (the reference and the WebAssembly kernels) and on two inputs: a
 * narrow one (float64 products on every backend) and one wider than FAST_MIN_DIMS (the WebAssembly
 * float32 products).
 */
import { beforeAll, describe, expect, test } from "vitest";
import { NotFittedError } from "../../src/errors.js";
import type { Kernels } from "../../src/linalg/backend.js";
import type { Matrix } from "../../src/linalg/matrix.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { Pipeline, transformFromJson } from "../../src/repair/pipeline.js";
import { transformToJson } from "../../src/repair/serialize.js";
import { FAST_MIN_DIMS } from "../../src/repair/steps/index.js";
import { BACKENDS } from "../helpers/kernels.js";
import { chunksOf, iterate, loadMatrix, sameBits } from "./helpers.js";

const PIPELINES = [
  "l2",
  "center",
  "pca:5",
  "pca:0.9",
  "whiten",
  "whiten:4",
  "zca",
  "abtt:2",
  "drop-invalid",
  "dedup",
  "dedup,center",
  "l2,pca:6",
  "drop-invalid,dedup,l2,whiten:4",
  "center,drop-invalid,abtt:1,l2",
];

/** Both hold NaN, Inf, zero and duplicate rows; two rows are marked null on top. */
const INPUTS: [string, number[]][] = [
  ["fixtures/scenarios/dirty.npy", [3, 500]],
  ["fixtures/repair/wide-dirty.npy", [3, 300]],
];

let X: Matrix;
let nulls: Uint8Array;
let kernels: Kernels;

async function load(file: string, nullRows: number[]): Promise<void> {
  X = (await loadMatrix(file)).matrix;
  nulls = new Uint8Array(X.rows);
  for (const r of nullRows) {
    nulls[r] = 1;
    X.data.fill(0, r * X.cols, (r + 1) * X.cols);
  }
}

/** A pipeline on the kernels of the suite being run. */
const pipe = (spec: string) => new Pipeline(spec).withKernels(kernels);

test("the wide input is wider than FAST_MIN_DIMS, so the WebAssembly float32 products are in the suite", async () => {
  await load(INPUTS[1][0], INPUTS[1][1]);
  expect(X.cols).toBeGreaterThanOrEqual(FAST_MIN_DIMS);
});

/** Fits on `size`-row chunks and transforms them chunk by chunk; returns the concatenated output. */
async function chunkedRun(p: Pipeline, size: number): Promise<{ data: Float64Array; nulls: number[] }> {
  await p.fit(() => iterate(chunksOf(X, size, nulls)));
  const map = p.stream();
  const parts: Float64Array[] = [];
  const outNulls: number[] = [];
  let at = 0;
  for (const c of chunksOf(X, size, nulls)) {
    const t = map(c);
    parts.push(t.matrix.data);
    if (t.nulls) for (let i = 0; i < t.nulls.length; i++) if (t.nulls[i]) outNulls.push(at + i);
    at += t.matrix.rows;
  }
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return { data: out, nulls: outNulls };
}

describe.each(BACKENDS)("on the %s kernels", (_backend, make) => {
  describe.each(INPUTS)("on %s", (file, nullRows) => {
    beforeAll(async () => {
      kernels = make();
      await load(file, nullRows);
    });

    describe.each(PIPELINES)("pipeline %s", (spec) => {
      test("fit then transform equals fitTransform", async () => {
        const a = await pipe(spec).fitMatrix(X, nulls);
        const b = pipe(spec);
        await b.fitMatrix(X, nulls);
        expect(sameBits(a.transform(X, nulls).data, b.transform(X, nulls).data)).toBe(true);
        const c = await pipe(spec).fitTransform(X);
        const d = await pipe(spec).fitMatrix(X);
        expect(sameBits(c.data, d.transform(X).data)).toBe(true);
      });

      test("the output is bit-identical for chunk sizes 1, 7 and all", async () => {
        const whole = await chunkedRun(pipe(spec), X.rows);
        for (const size of [1, 7]) {
          const part = await chunkedRun(pipe(spec), size);
          expect(part.nulls).toEqual(whole.nulls);
          expect(sameBits(part.data, whole.data)).toBe(true);
        }
      });

      test("save then load gives the same output", async () => {
        const p = await pipe(spec).fitMatrix(X, nulls);
        const json = JSON.parse(JSON.stringify(transformToJson(p, "test")));
        const q = transformFromJson(json).withKernels(kernels);
        expect(q.dimsIn).toBe(p.dimsIn);
        expect(q.dimsOut).toBe(p.dimsOut);
        expect(sameBits(q.transform(X, nulls).data, p.transform(X, nulls).data)).toBe(true);
      });

      test("fitting twice gives the same fitted state, and the options stay as given", async () => {
        const p = pipe(spec);
        const given = JSON.stringify(p.steps);
        await p.fitMatrix(X, nulls);
        const first = JSON.stringify(transformToJson(p, "test"));
        await p.fitMatrix(X, nulls);
        expect(JSON.stringify(transformToJson(p, "test"))).toBe(first);
        expect(JSON.stringify(p.steps)).toBe(given);
      });

      test("the input is never modified", async () => {
        const copy = X.data.slice();
        const nullsCopy = nulls.slice();
        const p = await pipe(spec).fitMatrix(X, nulls);
        p.transform(X, nulls);
        p.mapRows(X);
        expect(sameBits(X.data, copy)).toBe(true);
        expect(Array.from(nulls)).toEqual(Array.from(nullsCopy));
      });

      test("transform before fit throws NotFittedError", () => {
        const p = pipe(spec);
        expect(() => p.transform(X)).toThrow(NotFittedError);
        expect(() => p.stream()).toThrow(NotFittedError);
      });
    });
  });
});

test("null rows stay null through every row-wise step and are dropped by drop-invalid", async () => {
  kernels = referenceKernels();
  await load(INPUTS[0][0], INPUTS[0][1]);
  const p = await new Pipeline("center,pca:4").fitMatrix(X, nulls);
  const t = p.stream()({ matrix: X, rowOffset: 0, nulls });
  expect(t.nulls && Array.from(t.nulls.keys()).filter((i) => t.nulls?.[i])).toEqual([3, 500]);
  expect(Array.from(t.matrix.data.subarray(3 * 4, 4 * 4))).toEqual([0, 0, 0, 0]);
  const q = await new Pipeline("drop-invalid").fitMatrix(X, nulls);
  const u = q.stream()({ matrix: X, rowOffset: 0, nulls });
  expect(u.nulls).toBeUndefined();
  expect(Array.from(u.index)).not.toContain(3);
});
