/**
 * Datasets of several files read as one matrix (src/io/inputs.ts, dataset.ts, rechunk.ts), against
 * the same rows in one file: fixtures/dataset/ (fixtures/scripts/make_dataset_fixtures.py) cuts one
 * NumPy matrix into NPY, Arrow IPC file and Arrow IPC stream shards of uneven sizes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { analyze, profile } from "../../src/api.js";
import { InputError, UsageError } from "../../src/errors.js";
import { openDataset, openInput } from "../../src/io/dataset.js";
import { DATASET_EXTENSIONS, resolveEach, resolveInputs } from "../../src/io/inputs.js";
import { openEmbeddings } from "../../src/io/open.js";
import { rechunk } from "../../src/io/rechunk.js";
import type { Chunk, EmbeddingSource } from "../../src/io/types.js";
import type { Report } from "../../src/report/types.js";

const D = "fixtures/dataset";
const SHARDS = `${D}/shards`;
const SHARD_FILES = [
  `${SHARDS}/data-00000-of-00004.npy`,
  `${SHARDS}/data-00001-of-00004.arrow`,
  `${SHARDS}/data-00002-of-00004.arrows`,
  `${SHARDS}/data-00003-of-00004.npy`,
];
const ROWS = [317, 583, 113, 187];

const tmp = mkdtempSync(join(tmpdir(), "embcheck-dataset-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Read {
  chunks: { rowOffset: number; rows: number; kind: string }[];
  values: Float64Array;
}

async function readAll(src: EmbeddingSource): Promise<Read> {
  const chunks: Read["chunks"] = [];
  const parts: number[] = [];
  try {
    for await (const c of src) {
      chunks.push({ rowOffset: c.rowOffset, rows: c.matrix.rows, kind: c.matrix.data.constructor.name });
      for (const v of c.matrix.data) parts.push(v);
    }
  } finally {
    await src.close();
  }
  return { chunks, values: Float64Array.from(parts) };
}

/** The report without what names the input and the timings: what must not depend on the container. */
function body(r: Report): Omit<Report, "input" | "timing"> {
  const { input: _i, timing: _t, ...rest } = r;
  return rest;
}

describe("resolveInputs", () => {
  test("one path is one file, kept as given", async () => {
    expect(await resolveInputs(`./${D}/all.npy`)).toEqual({
      label: `./${D}/all.npy`,
      files: [`./${D}/all.npy`],
      dataset: false,
    });
  });

  test("a directory is its files with a dataset extension, sorted; other files are skipped", async () => {
    const spec = await resolveInputs(SHARDS);
    expect(spec).toEqual({ label: SHARDS, files: SHARD_FILES, dataset: true });
    expect(readdirSync(SHARDS)).toContain("README.txt");
    expect(DATASET_EXTENSIONS).toEqual([".npy", ".npz", ".arrow", ".feather", ".ipc", ".arrows", ".parquet"]);
  });

  test("a glob, the files in any order and a directory all give the same sorted list", async () => {
    const glob = await resolveInputs(`${SHARDS}/data-*-of-00004.*`);
    const shuffled = await resolveInputs([SHARD_FILES[2], SHARD_FILES[0], SHARD_FILES[3], SHARD_FILES[1]]);
    const two = await resolveInputs([`${SHARDS}/*.npy`, `${SHARDS}/*.arrow*`]);
    for (const s of [glob, shuffled, two]) expect(s.files).toEqual(SHARD_FILES);
    expect(glob.label).toBe(`${SHARDS}/data-*-of-00004.*`);
    expect(shuffled.label).toBe(SHARDS); // several arguments: the directory that holds them
  });

  test("a file named twice (a path and a glob that matches it) is read once", async () => {
    const spec = await resolveInputs([`./${SHARD_FILES[0]}`, `${SHARDS}/*.npy`]);
    expect(spec.files).toEqual([SHARD_FILES[0], SHARD_FILES[3]]);
  });

  test("a glob that matches nothing is an InputError naming the pattern", async () => {
    const e = await resolveInputs(`${D}/*.nothing`).catch((x) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      `${D}/*.nothing: the pattern matches no file; check the pattern (relative to the working directory; ** reaches into subdirectories)`,
    );
  });

  test("a directory without dataset files is an InputError listing the extensions that count", async () => {
    const dir = join(tmp, "empty");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "notes.txt"), "x");
    writeFileSync(join(dir, ".hidden.npy"), "x");
    const e = await resolveInputs(dir).catch((x) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(`${dir}: the directory holds no .npy .npz .arrow .feather .ipc .arrows .parquet file`);
    expect(e.message).toContain(`give a glob such as '${join(dir, "**", "*.npy")}'`);
  });

  test("stdin cannot be combined with files (a usage error); alone it is stdin", async () => {
    await expect(resolveInputs(["-", SHARD_FILES[0]])).rejects.toThrow(UsageError);
    await expect(resolveInputs(["-", SHARD_FILES[0]])).rejects.toThrow(
      'stdin ("-") cannot be combined with other inputs; give files, or one "-"',
    );
    expect(await resolveInputs("-")).toEqual({ label: "-", files: ["-"], dataset: false });
  });

  test("a file whose name holds glob characters is that file, not a pattern", async () => {
    const f = join(tmp, "shard[1].npy");
    writeFileSync(f, "x");
    expect(await resolveInputs(f)).toEqual({ label: f, files: [f], dataset: false });
  });

  test("resolveEach expands each argument on its own, in the order given", async () => {
    expect(await resolveEach([`${D}/all.npy`, SHARDS])).toEqual([`${D}/all.npy`, ...SHARD_FILES]);
    await expect(resolveEach(["-", "-"])).rejects.toThrow('stdin ("-") can be read only once');
  });
});

describe("openDataset", () => {
  test("its chunks are the ones the concatenated file gives: same row offsets, sizes and values", async () => {
    for (const chunkRows of [100, 317, 5000]) {
      const whole = await readAll(await openEmbeddings(`${D}/all.npy`, { chunkRows }));
      const parts = await readAll(await openInput(SHARDS, { chunkRows }));
      expect(parts.chunks).toEqual(whole.chunks);
      expect(parts.values).toEqual(whole.values);
    }
  });

  test("its info names every file with its format, rows and dtype, and sums rows and bytes", async () => {
    const src = await openInput(SHARDS);
    expect(src.info).toMatchObject({
      path: SHARDS,
      format: "mixed",
      column: "embedding",
      dtype: "float32",
      dims: 16,
      rows: null, // the Arrow stream's row count is known only once it is read
    });
    const total = SHARD_FILES.reduce((a, f) => a + statSync(f).size, 0);
    expect(src.info.totalBytes).toBe(total);
    await readAll(src);
    expect(src.info.files).toEqual([
      { path: SHARD_FILES[0], format: "npy", rows: 317, dtype: "float32" },
      { path: SHARD_FILES[1], format: "arrow", rows: 583, dtype: "float32" },
      { path: SHARD_FILES[2], format: "arrow-stream", rows: 113, dtype: "float32" },
      { path: SHARD_FILES[3], format: "npy", rows: 187, dtype: "float32" },
    ]);
    expect(ROWS.reduce((a, b) => a + b)).toBe(1200);
    expect(src.bytesRead()).toBe(total);
  });

  test("at most one of its files is open at a time", async () => {
    if (!statSync("/proc/self/fd", { throwIfNoEntry: false })) return; // Linux only
    const shards = resolve(SHARDS);
    const openShards = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(shards);
        } catch {
          return false;
        }
      }).length;
    const src = await openInput(SHARDS, { chunkRows: 50 });
    expect(openShards()).toBe(0); // the header pass closed every file
    let most = 0;
    for await (const _ of src) most = Math.max(most, openShards());
    await src.close();
    expect(most).toBe(1);
    expect(openShards()).toBe(0);
  });

  test("float32 and float64 files give float64 rows, equal to the float64 file, and dtype mixed", async () => {
    const src = await openInput(`${D}/mixed`, { chunkRows: 250 });
    expect(src.info.dtype).toBe("mixed");
    expect(src.info.format).toBe("npy");
    const parts = await readAll(src);
    const whole = await readAll(await openEmbeddings(`${D}/all_f64.npy`, { chunkRows: 250 }));
    expect(parts.chunks).toEqual(whole.chunks);
    expect(parts.chunks.every((c) => c.kind === "Float64Array")).toBe(true);
    expect(parts.values).toEqual(whole.values);
  });

  test("a file of other dims is an InputError naming it and both dims, before any row is read", async () => {
    const e = await openInput(`${D}/other-dims`).catch((x) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(
      `${D}/other-dims/b.npy: 8 dims, but ${D}/other-dims/a.npy (the dataset's first file) has 16; every file of a dataset needs vectors of the same width (one model); leave this file out or check it on its own`,
    );
  });

  test("carryColumns keeps each chunk's Arrow rows when every file is Arrow with one schema", async () => {
    const src = await openInput(`${D}/arrow`, { carryColumns: true });
    const ids: bigint[] = [];
    for await (const c of src) {
      expect(c.arrow).toBeDefined();
      const a = c.arrow as NonNullable<Chunk["arrow"]>;
      const col = a.batch.getChild("id");
      for (let i = 0; i < c.matrix.rows; i++) ids.push(col?.get(a.start + i) as bigint);
      expect(Number(ids[c.rowOffset])).toBe(c.rowOffset);
    }
    expect(ids.length).toBe(1200);
    expect(ids.map(Number)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
  });

  test("carryColumns refuses Arrow files whose columns differ, naming both", async () => {
    const src = await openInput(`${D}/arrow-other-schema`, { carryColumns: true });
    const e = await readAll(src).catch((x) => x);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(
      `${D}/arrow-other-schema/part-1.arrow: its columns (id: Int64, embedding: (embedding)) differ from those of ${D}/arrow-other-schema/part-0.arrow (id: Int64, embedding: (embedding), word: Utf8)`,
    );
    // without carrying (report, check, plot) the columns do not matter
    expect((await readAll(await openInput(`${D}/arrow-other-schema`))).values.length).toBe(1200 * 16);
  });

  test("without carryColumns, or with formats mixed, no chunk carries Arrow rows", async () => {
    for (const [path, carryColumns] of [
      [`${D}/arrow`, false],
      [SHARDS, true],
    ] as const) {
      for await (const c of await openInput(path, { carryColumns })) expect(c.arrow).toBeUndefined();
    }
  });

  test("a dataset source can be iterated once", async () => {
    const src = await openDataset(await resolveInputs(SHARDS));
    await readAll(src);
    expect(() => src[Symbol.asyncIterator]()).toThrow("a dataset source can be read once");
  });
});

describe("rechunk", () => {
  async function* chunksOf(sizes: number[], withPair = false): AsyncGenerator<Chunk> {
    let at = 0;
    for (const n of sizes) {
      const data = Float32Array.from({ length: n * 2 }, (_, i) => at * 2 + i);
      const c: Chunk = { matrix: { rows: n, cols: 2, data }, rowOffset: at };
      if (at === 3) c.nulls = Uint8Array.from({ length: n }, (_, i) => (i === 1 ? 1 : 0));
      if (withPair) c.pair = { matrix: { rows: n, cols: 2, data: data.map((v) => -v) } };
      yield c;
      at += n;
    }
  }

  test("cuts chunks of any sizes into chunks of exactly N rows, values, nulls and pairs in place", async () => {
    const out: Chunk[] = [];
    for await (const c of rechunk(chunksOf([3, 5, 2], true), 4)) out.push(c);
    expect(out.map((c) => [c.rowOffset, c.matrix.rows])).toEqual([
      [0, 4],
      [4, 4],
      [8, 2],
    ]);
    expect(Array.from(out[1].matrix.data)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(Array.from(out[0].nulls ?? [])).toEqual([0, 0, 0, 0]);
    expect(Array.from(out[1].nulls ?? [])).toEqual([1, 0, 0, 0]); // row 4 is null
    expect(out[2].nulls).toBeUndefined();
    expect(Array.from(out[2].pair?.matrix.data ?? [])).toEqual([-16, -17, -18, -19]);
  });

  test("a chunk that already has N rows at a boundary passes through", async () => {
    const ins: Chunk[] = [];
    for await (const c of chunksOf([4, 4])) ins.push(c);
    const out: Chunk[] = [];
    async function* again() {
      yield* ins;
    }
    for await (const c of rechunk(again(), 4)) out.push(c);
    expect(out[0]).toBe(ins[0]);
    expect(out[1]).toBe(ins[1]);
  });
});

describe("the library on a dataset", () => {
  test("report of the shards equals the report of the concatenated file, whatever the argument order", async () => {
    for (const opts of [{ sampleSize: 64 }, { sampleSize: 64, chunkRows: 100 }, { seed: 7 }]) {
      const whole = (await analyze(`${D}/all.npy`, opts)).report;
      const dir = (await analyze(SHARDS, opts)).report;
      const glob = (await analyze(`${SHARDS}/data-*`, opts)).report;
      const reordered = (await analyze([...SHARD_FILES].reverse(), opts)).report;
      expect(body(dir)).toEqual(body(whole));
      expect(body(glob)).toEqual(body(whole));
      expect(body(reordered)).toEqual(body(whole));
      expect(dir.integrity).toMatchObject({ rows: 1200, nanRows: 1, zeroRows: 1, duplicateRows: 1 });
    }
  });

  test("the row sample is the concatenated file's: the same global indices and values", async () => {
    const whole = (await profile(`${D}/all.npy`, { sampleSize: 64, seed: 3 })).profile.sample.rowsByIndex();
    const parts = (await profile(SHARDS, { sampleSize: 64, seed: 3 })).profile.sample.rowsByIndex();
    expect(parts.indices.length).toBe(64);
    expect(parts.indices).toEqual(whole.indices);
    expect(parts.values).toEqual(whole.values);
    // rows from every shard are in it: the offsets run on across files
    const shardOf = (i: number) => (i < 317 ? 0 : i < 900 ? 1 : i < 1013 ? 2 : 3);
    expect(new Set(Array.from(parts.indices, shardOf)).size).toBe(4);
  });

  test("a float32 + float64 dataset reports what the float64 file reports", async () => {
    const whole = (await analyze(`${D}/all_f64.npy`, { sampleSize: 64 })).report;
    const mixed = (await analyze(`${D}/mixed`, { sampleSize: 64 })).report;
    expect(body(mixed)).toEqual(body(whole));
    expect(mixed.input.dtype).toBe("mixed");
  });

  test("--pairs may be a dataset too", async () => {
    const one = (await analyze(`${D}/all.npy`, { sampleSize: 64, pairs: `${D}/all.npy` })).report;
    const shards = (await analyze(`${D}/all.npy`, { sampleSize: 64, pairs: SHARDS })).report;
    expect(body(shards)).toEqual(body(one));
    expect(shards.input.pairs).toBe(SHARDS);
    expect(shards.alignment?.value).toBe(0); // every row paired with itself
  });

  test("one file reports as before: no input.files", async () => {
    const r = (await analyze(`${D}/all.npy`, { sampleSize: 64 })).report;
    expect(r.input.files).toBeUndefined();
    expect(r.input.path).toBe(`${D}/all.npy`);
  });
});
