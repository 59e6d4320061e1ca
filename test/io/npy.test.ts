import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InputError } from "../../src/errors.js";
import { openNpyFile, openNpyStream } from "../../src/io/npy.js";
import { type EmbeddingSource, type OpenOptions, REUSE_RING } from "../../src/io/types.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const NPY = join(FIXTURES, "npy");

type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
interface Expected {
  shape: [number, number];
  dtype: string;
  fortranOrder: boolean;
  rowSums: JsonNumber[];
  colSums: JsonNumber[];
  rows: Record<string, JsonNumber[]>;
}
const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(join(NPY, "expected.json"), "utf8")).fixtures;

function num(v: JsonNumber): number {
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return v;
}

interface ReadResult {
  values: number[][];
  chunks: { rowOffset: number; rows: number; kind: string }[];
}

async function readAll(src: EmbeddingSource): Promise<ReadResult> {
  const values: number[][] = [];
  const chunks: ReadResult["chunks"] = [];
  try {
    for await (const chunk of src) {
      const { rows, cols, data } = chunk.matrix;
      chunks.push({ rowOffset: chunk.rowOffset, rows, kind: data.constructor.name });
      expect(cols).toBe(src.info.dims);
      for (let i = 0; i < rows; i++) values.push(Array.from(data.subarray(i * cols, (i + 1) * cols)));
    }
  } finally {
    await src.close();
  }
  return { values, chunks };
}

/** Sums agree to rtol 1e-12 (relative to Σ|x|, so near-zero sums do not defeat it); non-finite ones exactly. */
function expectSumClose(got: number, want: JsonNumber, scale: number): void {
  const w = num(want);
  if (!Number.isFinite(w)) expect(got).toBe(w);
  else expect(Math.abs(got - w)).toBeLessThanOrEqual(1e-12 * Math.max(scale, Number.MIN_VALUE));
}

/** Compares what was read with what NumPy read (expected.json): values exact, sums to rtol 1e-12. */
function expectMatchesNumpy(result: ReadResult, exp: Expected): void {
  const [rows, dims] = exp.shape;
  expect(result.values.length).toBe(rows);
  const wantKind = exp.dtype === "float64" ? "Float64Array" : "Float32Array";
  for (const c of result.chunks) expect(c.kind).toBe(wantKind);
  for (const [i, want] of Object.entries(exp.rows)) {
    expect(result.values[Number(i)]).toEqual(want.map(num));
  }
  result.values.forEach((row, i) => {
    expectSumClose(
      row.reduce((a, b) => a + b, 0),
      exp.rowSums[i],
      row.reduce((a, b) => a + Math.abs(b), 0),
    );
  });
  for (let j = 0; j < dims; j++) {
    let sum = 0;
    let abs = 0;
    for (const row of result.values) {
      sum += row[j];
      abs += Math.abs(row[j]);
    }
    expectSumClose(sum, exp.colSums[j], abs);
  }
}

function expectChunking(result: ReadResult, rows: number, chunkRows: number): void {
  expect(result.chunks.length).toBe(Math.ceil(rows / chunkRows));
  result.chunks.forEach((c, k) => {
    expect(c.rowOffset).toBe(k * chunkRows);
    expect(c.rows).toBe(Math.min(chunkRows, rows - k * chunkRows));
  });
}

const DESCRIPTIONS: Record<string, string> = {
  "f4_le.npy": "little-endian float32",
  "f4_be.npy": "big-endian float32",
  "f8_le.npy": "little-endian float64",
  "f8_be.npy": "big-endian float64",
  "f2_le.npy": "little-endian float16 with subnormals, ±0, ±Inf and NaN",
  "f2_be.npy": "big-endian float16 with subnormals, ±0, ±Inf and NaN",
  "i1.npy": "int8 ('|i1')",
  "u1.npy": "uint8 ('|u1')",
  "i1_lt.npy": "int8 spelled '<i1'",
  "u1_lt.npy": "uint8 spelled '<u1'",
  "v2_f4.npy": "float32 behind a version 2.0 header",
  "v3_f4.npy": "float32 behind a version 3.0 (UTF-8) header",
  "py2_long_shape.npy": "a header with Python 2 long integers (5L, 4L)",
  "odd_header.npy": "a header with reordered keys, double quotes and no trailing comma",
  "fortran_f4.npy": "Fortran-order float32, transposed",
  "fortran_f8_be.npy": "Fortran-order big-endian float64, transposed",
  "fortran_f2.npy": "Fortran-order float16, transposed",
  "fortran_u1.npy": "Fortran-order uint8, transposed",
  "nan_inf_f4.npy": "rows holding NaN, ±Inf and zeros",
  "zero_rows.npy": "a zero-row array as no chunks",
  "one_column.npy": "a single-column array",
};

const npyFixtures = Object.keys(EXPECTED)
  .filter((k) => k.startsWith("npy/"))
  .map((k) => k.slice(4));

let scratch: string;
let spillDir: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "embcheck-npy-test-"));
  spillDir = join(scratch, "tmp");
  mkdirSync(spillDir);
  process.env.TMPDIR = spillDir; // os.tmpdir() reads it on every call: spills land here
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(scratch, { recursive: true, force: true });
});

function leftoverSpills(): string[] {
  return readdirSync(spillDir);
}

type Mode = { name: string; open: (path: string, opts?: OpenOptions) => Promise<EmbeddingSource> };
const MODES: Mode[] = [
  { name: "from a file", open: (p, o) => openNpyFile(p, o) },
  { name: "from a stream", open: (p, o) => openNpyStream(createReadStream(p), p, o) },
];

describe("openNpyFile and openNpyStream read every fixture as NumPy does", () => {
  test("every fixture in expected.json has a description here", () => {
    expect(npyFixtures.filter((f) => !DESCRIPTIONS[f])).toEqual([]);
  });

  for (const fixture of npyFixtures) {
    const exp = EXPECTED[`npy/${fixture}`];
    const path = join(NPY, fixture);
    for (const mode of MODES) {
      test(`reads ${DESCRIPTIONS[fixture] ?? fixture} exactly ${mode.name}`, async () => {
        const src = await mode.open(path);
        expect(src.info).toEqual({
          path,
          format: "npy",
          column: null,
          key: null,
          dtype: exp.dtype,
          dims: exp.shape[1],
          rows: exp.shape[0],
          totalBytes: mode.name === "from a file" ? statSync(path).size : null,
        });
        const result = await readAll(src);
        expectMatchesNumpy(result, exp);
        expect(result.chunks.length).toBe(exp.shape[0] === 0 ? 0 : 1);
        expect(src.bytesRead()).toBe(statSync(path).size);
        expect(leftoverSpills()).toEqual([]);
      });

      test(`reads ${DESCRIPTIONS[fixture] ?? fixture} in chunks of 3 rows ${mode.name}`, async () => {
        const result = await readAll(await mode.open(path, { chunkRows: 3 }));
        expectMatchesNumpy(result, exp);
        expectChunking(result, exp.shape[0], 3);
        expect(leftoverSpills()).toEqual([]);
      });

      test(`reads ${DESCRIPTIONS[fixture] ?? fixture} in chunks of 3 rows into reused arrays ${mode.name}`, async () => {
        const result = await readAll(await mode.open(path, { chunkRows: 3, reuseBuffers: true }));
        expectMatchesNumpy(result, exp);
        expectChunking(result, exp.shape[0], 3);
        expect(leftoverSpills()).toEqual([]);
      });
    }
  }
});

describe("reuseBuffers", () => {
  /** The arrays of every chunk (kept, not copied), with a copy of their values taken on arrival. */
  async function arraysOf(src: EmbeddingSource): Promise<{ arrays: Float32Array[]; values: number[][] }> {
    const arrays: Float32Array[] = [];
    const values: number[][] = [];
    for await (const c of src) {
      arrays.push(c.matrix.data as Float32Array);
      values.push(Array.from(c.matrix.data));
    }
    await src.close();
    return { arrays, values };
  }

  for (const mode of MODES) {
    for (const fixture of ["f4_le.npy", "fortran_f4.npy", "f2_be.npy"]) {
      test(`cycles through ${REUSE_RING} arrays (${DESCRIPTIONS[fixture]}, ${mode.name}); without it every chunk is new`, async () => {
        const path = join(NPY, fixture);
        const fresh = await arraysOf(await mode.open(path, { chunkRows: 2 }));
        const reused = await arraysOf(await mode.open(path, { chunkRows: 2, reuseBuffers: true }));
        expect(reused.values).toEqual(fresh.values);
        const full = fresh.arrays.length - 1; // the last chunk may be shorter (then a new array)
        expect(full).toBeGreaterThan(2 * REUSE_RING);
        expect(new Set(fresh.arrays).size).toBe(fresh.arrays.length);
        expect(new Set(reused.arrays.slice(0, full)).size).toBe(REUSE_RING);
        for (let k = REUSE_RING; k < full; k++) expect(reused.arrays[k]).toBe(reused.arrays[k - REUSE_RING]);
        // so a kept chunk's data is that of a later chunk once the reader has moved on
        expect(Array.from(reused.arrays[0])).toEqual(reused.values[full - (full % REUSE_RING || REUSE_RING)]);
      });
    }
  }
});

describe("byte streams in odd pieces", () => {
  async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }

  for (const fixture of ["f4_be.npy", "f2_le.npy", "fortran_f8_be.npy", "v3_f4.npy"]) {
    test(`reads ${DESCRIPTIONS[fixture]} delivered 1 and 7 bytes at a time`, async () => {
      const bytes = readFileSync(join(NPY, fixture));
      for (const size of [1, 7]) {
        const result = await readAll(await openNpyStream(pieces(bytes, size), "-", { chunkRows: 4 }));
        expectMatchesNumpy(result, EXPECTED[`npy/${fixture}`]);
      }
      expect(leftoverSpills()).toEqual([]);
    });
  }

  test("names the row where a truncated Fortran-order stream ends and removes its temporary file", async () => {
    const bytes = readFileSync(join(NPY, "fortran_f4.npy"));
    const src = await openNpyStream(pieces(bytes.subarray(0, bytes.length - 100), 64), "cut.npy");
    const err = await readAll(src).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("cut.npy: data ends early");
    expect(err.message).toMatch(/only \d+ arrived, ending inside column 5/);
    expect(leftoverSpills()).toEqual([]);
  });

  test("leaves no temporary file when a Fortran-order stream is closed after its first chunk", async () => {
    const src = await openNpyStream(createReadStream(join(NPY, "fortran_f4.npy")), "f.npy", { chunkRows: 5 });
    for await (const chunk of src) {
      expect(chunk.rowOffset).toBe(0);
      expect(leftoverSpills().length).toBe(1);
      break;
    }
    await src.close();
    await src.close();
    expect(leftoverSpills()).toEqual([]);
  });

  test("reads stdin-like input named '-' and reports that label", async () => {
    const bytes = readFileSync(join(NPY, "f4_le.npy"));
    const src = await openNpyStream(pieces(bytes, 1000), "-");
    expect(src.info.path).toBe("-");
    expect(src.info.totalBytes).toBeNull();
    expectMatchesNumpy(await readAll(src), EXPECTED["npy/f4_le.npy"]);
  });
});

describe("bad .npy input is refused with an InputError naming the file and the problem", () => {
  const BAD: [file: string, problem: string, fragment: string | RegExp, byteOffset?: number][] = [
    ["empty.npy", "an empty file", "the input is empty (0 bytes)"],
    ["bad_magic.npy", "a file without the NumPy magic", 'not an .npy file: it starts with "id,x,y', 0],
    [
      "truncated_header.npy",
      "a truncated header",
      "declares a 118-byte header (bytes 10–127), but the input is only 40 bytes long",
      40,
    ],
    ["version_9.npy", "an unknown format version", "unsupported .npy format version 9.0", 6],
    [
      "object.npy",
      "an object (pickle) array, without unpickling it",
      "object dtype ('|O') holds pickled Python objects",
    ],
    ["complex.npy", "a complex array", "complex dtype ('<c8') is not supported"],
    ["structured.npy", "a structured array", "structured dtype (fields id, vec) is not supported"],
    [
      "int32.npy",
      "an int32 array, listing the supported dtypes",
      "unsupported dtype '<i4'; embcheck reads float16, float32, float64",
    ],
    ["one_d.npy", "a 1-D array", "shape (10,) is 1-D; embcheck needs a 2-D array rows × dims"],
    ["three_d.npy", "a 3-D array", "shape (2, 3, 4) is 3-D"],
    ["zero_cols.npy", "an array with 0 columns", "shape (5, 0) has 0 columns"],
    ["missing_shape.npy", "a header without a shape", "the .npy header dict has no 'shape' key"],
    ["eval_attempt.npy", "a header holding code, without running it", "not a valid header dict: expected a literal"],
  ];

  for (const [file, problem, fragment, byteOffset] of BAD) {
    for (const mode of MODES) {
      test(`refuses ${problem} ${mode.name}`, async () => {
        const path = join(NPY, "bad", file);
        const err = await mode
          .open(path)
          .then(readAll)
          .catch((e) => e);
        expect(err).toBeInstanceOf(InputError);
        expect(err.message.startsWith(`${path}: `)).toBe(true);
        if (typeof fragment === "string") expect(err.message).toContain(fragment);
        else expect(err.message).toMatch(fragment);
        expect(err.where.file).toBe(path);
        if (byteOffset !== undefined) expect(err.where.byteOffset).toBe(byteOffset);
        expect(leftoverSpills()).toEqual([]);
      });
    }
  }

  test("says how many data bytes a truncated file promises and holds, before reading any row", async () => {
    const path = join(NPY, "bad", "truncated_data.npy");
    const err = await openNpyFile(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(
      "data is truncated: the header promises shape (10, 8) of float32 ('<f4'), 320 bytes from byte 128, but the file holds only 167 bytes there",
    );
    expect(err.where).toEqual({ file: path, byteOffset: 295 });
  });

  test("names the row where a truncated stream ends", async () => {
    const path = join(NPY, "bad", "truncated_data.npy");
    const src = await openNpyStream(createReadStream(path), path, { chunkRows: 2 });
    const rowOffsets: number[] = [];
    const err = await (async () => {
      for await (const chunk of src) rowOffsets.push(chunk.rowOffset);
    })().catch((e) => e);
    expect(rowOffsets).toEqual([0, 2]); // rows 0–3 arrive whole; the chunk holding rows 4–5 fails
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(
      "data ends early: the header promises shape (10, 8) of float32 ('<f4'), 320 data bytes, but only 167 arrived",
    );
    expect(err.where).toEqual({ file: path, row: 5, byteOffset: 295 });
    await src.close();
  });

  test("refuses a missing file", async () => {
    const path = join(NPY, "no-such-file.npy");
    const err = await openNpyFile(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${path}: cannot read the file: no such file`);
  });

  test("refuses a directory", async () => {
    const err = await openNpyFile(NPY)
      .then(readAll)
      .catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(`${NPY}: cannot read the file`);
  });

  test("turns a failing stream into an InputError at the byte where it failed", async () => {
    const bytes = readFileSync(join(NPY, "f4_le.npy"));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 200);
      throw new Error("connection reset");
    }
    const src = await openNpyStream(failing(), "remote.npy");
    const err = await readAll(src).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe("remote.npy: reading the input failed: connection reset (at byte 200)");
  });
});

describe("sources: chunks, progress and closing", () => {
  /** An .npy written here, with a header padded so the data starts at `dataOffset`. */
  function writeNpy(
    path: string,
    rows: number,
    dims: number,
    fortran: boolean,
    dataOffset: number,
    value: (i: number, j: number) => number,
  ): Float32Array {
    const dict = `{'descr': '<f4', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': (${rows}, ${dims}), }`;
    const headerLen = dataOffset - 10;
    const header = Buffer.alloc(dataOffset, 0x20);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(header);
    header.writeUInt16LE(headerLen, 8);
    header.write(dict, 10, "latin1");
    header[dataOffset - 1] = 0x0a;
    const values = new Float32Array(rows * dims);
    const disk = new Float32Array(rows * dims);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dims; j++) {
        const v = value(i, j);
        values[i * dims + j] = v;
        disk[fortran ? j * rows + i : i * dims + j] = v;
      }
    }
    writeFileSync(path, Buffer.concat([header, Buffer.from(disk.buffer)]));
    return values;
  }

  const value = (i: number, j: number) => Math.sin(i * 12.9898 + j * 78.233) * 100;

  for (const fortran of [false, true]) {
    test(`reads ${fortran ? "a Fortran-order" : "a C-order"} float32 file of several default-size chunks whose data starts at an odd offset`, async () => {
      // 9000 × 256 float32 = 9.2 MB: two default (8 MiB) chunks; data at byte 75 (not a multiple of 4).
      const path = join(scratch, `big-${fortran}.npy`);
      const want = writeNpy(path, 9000, 256, fortran, 75, value);
      for (const open of [openNpyFile, (p: string) => openNpyStream(createReadStream(p), p)]) {
        const src = await open(path);
        let rows = 0;
        const offsets: number[] = [];
        for await (const chunk of src) {
          offsets.push(chunk.rowOffset);
          const { data } = chunk.matrix;
          expect(data).toBeInstanceOf(Float32Array);
          const base = chunk.rowOffset * 256;
          let mismatches = 0; // a plain loop: toEqual over millions of elements is slow
          for (let k = 0; k < data.length; k++) if (!Object.is(data[k], want[base + k])) mismatches++;
          expect(mismatches).toBe(0);
          expect(data.length).toBe(chunk.matrix.rows * 256);
          rows += chunk.matrix.rows;
        }
        expect(rows).toBe(9000);
        expect(offsets).toEqual([0, 8192]);
        expect(src.bytesRead()).toBe(statSync(path).size);
        await src.close();
        expect(leftoverSpills()).toEqual([]);
      }
    });
  }

  test("reports progress in bytes as chunks are read", async () => {
    const path = join(NPY, "f4_le.npy");
    const src = await openNpyFile(path, { chunkRows: 10 });
    expect(src.bytesRead()).toBe(128);
    const seen: number[] = [];
    for await (const _ of src) seen.push(src.bytesRead());
    expect(seen).toEqual([128 + 640, 128 + 1280, 128 + 1920, 128 + 37 * 64]);
    await src.close();
  });

  test("closes idempotently, before, during and after iteration", async () => {
    const path = join(NPY, "f8_be.npy");
    const before = await openNpyFile(path);
    await before.close();
    await before.close();

    const during = await openNpyFile(path, { chunkRows: 2 });
    for await (const _ of during) break;
    await during.close();
    await during.close();

    const after = await openNpyFile(path);
    await readAll(after);
    await after.close();
  });

  test("stops yielding once closed mid-iteration", async () => {
    const src = await openNpyFile(join(NPY, "f4_le.npy"), { chunkRows: 3 });
    const it = src[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await src.close();
    expect((await it.next()).done).toBe(true);
  });

  test("refuses a second iteration of the same source", async () => {
    const src = await openNpyFile(join(NPY, "f4_le.npy"));
    await readAll(src);
    expect(() => src[Symbol.asyncIterator]()).toThrow(/iterated only once/);
  });

  test("gives each chunk its own array, so earlier chunks stay intact", async () => {
    const src = await openNpyFile(join(NPY, "f2_le.npy"), { chunkRows: 4 });
    const kept: Float32Array[] = [];
    for await (const chunk of src) kept.push(chunk.matrix.data as Float32Array);
    await src.close();
    const rows = kept.flatMap((d) =>
      Array.from({ length: d.length / 10 }, (_, i) => Array.from(d.subarray(i * 10, i * 10 + 10))),
    );
    for (const [i, want] of Object.entries(EXPECTED["npy/f2_le.npy"].rows))
      expect(rows[Number(i)]).toEqual(want.map(num));
  });
});
