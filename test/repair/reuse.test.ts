/**
 * fix and apply over a reader that reuses its chunk arrays (OpenOptions.reuseBuffers, as the CLI
 * opens inputs) and with the fast path's reused output arrays write the same bytes and report the
 * same numbers as over fresh arrays: every pass copies what it keeps before the reader moves on.
 * The apply pass overlaps each block's write with the next block's work: one write at a time, a
 * block untouched until its write resolved, and a failed write ends the run with the writer aborted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openEmbeddings } from "../../src/io/open.js";
import { REUSE_RING } from "../../src/io/types.js";
import { openWriter } from "../../src/io/writers/open.js";
import type { OutBlock, VectorWriter } from "../../src/io/writers/types.js";
import { Pipeline } from "../../src/repair/pipeline.js";
import { type RunInput, runApply, runFix } from "../../src/repair/run.js";
import { kernelsFor } from "../helpers/kernels.js";
import { npyBytesF32 } from "../helpers/npy.js";
import { loadMatrix } from "./helpers.js";

const N = 1000;
const D = 160;
const CHUNK = 37; // 28 chunks: the ring wraps many times, the last chunk is short
let tmp: string;
let input: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "embcheck-reuse-"));
  let s = 777;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const x = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) x[i * D + j] = 0.2 + rand() / Math.sqrt(1 + j);
  // duplicates (for dedup) and a zero row (for drop-invalid), far apart so they sit in other chunks
  x.copyWithin(900 * D, 10 * D, 11 * D);
  x.copyWithin(500 * D, 499 * D, 500 * D);
  x.fill(0, 123 * D, 124 * D);
  input = join(tmp, "x.npy");
  writeFileSync(input, npyBytesF32(x, N, D));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function runInput(reuseBuffers: boolean): RunInput {
  return {
    open: () => openEmbeddings(input, { chunkRows: CHUNK, reuseBuffers }),
    sampleSize: 200,
    kernels: kernelsFor(2),
  };
}

async function fixed(spec: string, reuseBuffers: boolean, name: string) {
  const out = join(tmp, name);
  const p = new Pipeline(spec);
  const r = await runFix(runInput(reuseBuffers), p, (_i, rows, dims) =>
    openWriter(out, { format: "npy", dtype: "float32", cols: dims, rows, force: true }),
  );
  return { bytes: readFileSync(out), r, p };
}

describe("fix and apply over reused chunk arrays", () => {
  test("the input makes the reader wrap its ring", () => {
    expect(Math.floor(N / CHUNK)).toBeGreaterThan(3 * REUSE_RING);
    expect(N % CHUNK).not.toBe(0);
  });

  test.each(["center,pca:12", "center", "whiten:8", "l2,pca:6", "dedup,drop-invalid,abtt:2", "pca:20,l2"])(
    "fix --pipeline %s: the same bytes, before and after numbers",
    async (spec) => {
      const fresh = await fixed(spec, false, "fresh.npy");
      const reused = await fixed(spec, true, "reused.npy");
      expect(reused.bytes.length).toBeGreaterThan(128);
      expect(reused.bytes.equals(fresh.bytes)).toBe(true);
      expect(reused.r.beforeKey).toEqual(fresh.r.beforeKey);
      expect(reused.r.afterKey).toEqual(fresh.r.afterKey);
      expect(reused.r.knnOverlap).toBe(fresh.r.knnOverlap);
      if (spec.startsWith("dedup")) expect(reused.r.rowsOut).toBe(N - 3); // two duplicates and the zero row
    },
  );

  test("apply: the same bytes and numbers", async () => {
    const { p } = await fixed("center,pca:12", false, "fit.npy");
    const outs: Buffer[] = [];
    const keys = [];
    for (const reuseBuffers of [false, true]) {
      const out = join(tmp, `apply-${reuseBuffers}.npy`);
      const r = await runApply(runInput(reuseBuffers), p, (_i, rows, dims) =>
        openWriter(out, { format: "npy", dtype: "float32", cols: dims, rows, force: true }),
      );
      outs.push(readFileSync(out));
      keys.push([r.beforeKey, r.afterKey]);
    }
    expect(outs[1].equals(outs[0])).toBe(true);
    expect(keys[1]).toEqual(keys[0]);
  });
});

/** A writer whose writes resolve later (so they overlap the next block) and may fail. */
class SlowWriter implements VectorWriter {
  readonly format = "npy" as const;
  inFlight = 0;
  maxInFlight = 0;
  changed = 0;
  writes = 0;
  aborted = 0;
  closed = 0;
  readonly values: number[] = [];
  constructor(private readonly failAt = -1) {}
  async write(block: OutBlock): Promise<void> {
    const n = block.matrix.rows * block.matrix.cols;
    const atCall = Float32Array.from(block.matrix.data.subarray(0, n));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const k = this.writes++;
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight--;
    if (k === this.failAt) throw new Error("disk full (test)");
    const now = Float32Array.from(block.matrix.data.subarray(0, n));
    if (!now.every((v, i) => Object.is(v, atCall[i]))) this.changed++;
    for (const v of atCall) this.values.push(v);
  }
  async close(): Promise<void> {
    this.closed++;
  }
  async abort(): Promise<void> {
    this.aborted++;
  }
}

describe("the apply pass's writes overlap the next block", () => {
  test.each(["center,pca:12", "l2,pca:6"])(
    "%s: one write at a time, each block unchanged until written, the same values",
    async (spec) => {
      const w = new SlowWriter();
      await runFix(runInput(true), new Pipeline(spec), async () => w);
      expect(w.writes).toBe(Math.ceil(N / CHUNK));
      expect(w.maxInFlight).toBe(1);
      expect(w.changed).toBe(0);
      expect([w.closed, w.aborted]).toEqual([1, 0]);
      await fixed(spec, true, "slow.npy");
      const want = (await loadMatrix(join(tmp, "slow.npy"))).matrix.data;
      expect(w.values.length).toBe(want.length);
      expect(w.values.every((v, i) => Object.is(v, want[i]))).toBe(true);
    },
  );

  test("a write that fails ends the run with that error; the writer is aborted, not closed", async () => {
    const w = new SlowWriter(5);
    await expect(runFix(runInput(true), new Pipeline("center,pca:12"), async () => w)).rejects.toThrow(
      "disk full (test)",
    );
    expect(w.writes).toBeGreaterThanOrEqual(6);
    expect(w.writes).toBeLessThanOrEqual(7);
    expect([w.closed, w.aborted]).toEqual([0, 1]);
  });
});
