import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InputError } from "../../src/errors.js";
import { openNpzFile } from "../../src/io/npz.js";
import type { EmbeddingSource } from "../../src/io/types.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const NPZ = join(FIXTURES, "npz");

type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
interface Expected {
  shape: [number, number];
  dtype: string;
  rowSums: JsonNumber[];
  colSums: JsonNumber[];
  rows: Record<string, JsonNumber[]>;
}
const EXPECTED: Record<string, Expected> = JSON.parse(
  readFileSync(join(FIXTURES, "npy", "expected.json"), "utf8"),
).fixtures;

const num = (v: JsonNumber): number =>
  v === "NaN"
    ? Number.NaN
    : v === "Infinity"
      ? Number.POSITIVE_INFINITY
      : v === "-Infinity"
        ? Number.NEGATIVE_INFINITY
        : v;

interface ReadResult {
  values: number[][];
  rowOffsets: number[];
  kinds: Set<string>;
}

async function readAll(src: EmbeddingSource): Promise<ReadResult> {
  const values: number[][] = [];
  const rowOffsets: number[] = [];
  const kinds = new Set<string>();
  try {
    for await (const chunk of src) {
      const { rows, cols, data } = chunk.matrix;
      rowOffsets.push(chunk.rowOffset);
      kinds.add(data.constructor.name);
      for (let i = 0; i < rows; i++) values.push(Array.from(data.subarray(i * cols, (i + 1) * cols)));
    }
  } finally {
    await src.close();
  }
  return { values, rowOffsets, kinds };
}

/** Values exactly as NumPy read them; row and column sums to rtol 1e-12 (relative to Σ|x|). */
function expectMatchesNumpy(result: ReadResult, exp: Expected): void {
  expect(result.values.length).toBe(exp.shape[0]);
  expect([...result.kinds]).toEqual([exp.dtype === "float64" ? "Float64Array" : "Float32Array"]);
  for (const [i, want] of Object.entries(exp.rows)) expect(result.values[Number(i)]).toEqual(want.map(num));
  const close = (got: number, want: JsonNumber, scale: number) =>
    expect(Math.abs(got - num(want))).toBeLessThanOrEqual(1e-12 * scale);
  result.values.forEach((row, i) => {
    close(
      row.reduce((a, b) => a + b, 0),
      exp.rowSums[i],
      row.reduce((a, b) => a + Math.abs(b), 0),
    );
  });
  for (let j = 0; j < exp.shape[1]; j++) {
    const col = result.values.map((r) => r[j]);
    close(
      col.reduce((a, b) => a + b, 0),
      exp.colSums[j],
      col.reduce((a, b) => a + Math.abs(b), 0),
    );
  }
}

let spillDir: string;
const savedTmp = process.env.TMPDIR;

beforeAll(() => {
  const scratch = mkdtempSync(join(tmpdir(), "embcheck-npz-test-"));
  spillDir = join(scratch, "tmp");
  mkdirSync(spillDir);
  process.env.TMPDIR = spillDir; // os.tmpdir() reads it on every call: spills land here
});

afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(join(spillDir, ".."), { recursive: true, force: true });
});

const leftoverSpills = () => readdirSync(spillDir);

describe("openNpzFile reads members as NumPy does", () => {
  const CASES: [file: string, key: string, what: string][] = [
    ["stored.npz", "embeddings", "the embeddings member of an np.savez (stored) archive"],
    ["compressed.npz", "embeddings", "the embeddings member of an np.savez_compressed (deflate) archive"],
    ["compressed_fortran.npz", "embeddings", "a deflated Fortran-order big-endian float64 member"],
    ["zip64.npz", "embeddings", "a member of a zip64 archive"],
    ["single_2d.npz", "vectors", "the only 2-D member when none is named embeddings"],
  ];
  for (const [file, key, what] of CASES) {
    for (const [chunkRows, reuseBuffers] of [
      [undefined, false],
      [4, false],
      [2, true],
    ] as const) {
      const how = chunkRows ? ` in chunks of ${chunkRows} rows${reuseBuffers ? " into reused arrays" : ""}` : "";
      test(`reads ${what} exactly${how}`, async () => {
        const path = join(NPZ, file);
        const exp = EXPECTED[`npz/${file}#${key}`];
        const src = await openNpzFile(path, { chunkRows, reuseBuffers });
        expect(src.info).toMatchObject({
          path,
          format: "npz",
          key,
          column: null,
          dtype: exp.dtype,
          rows: exp.shape[0],
          dims: exp.shape[1],
        });
        const result = await readAll(src);
        expectMatchesNumpy(result, exp);
        const step = chunkRows ?? exp.shape[0];
        expect(result.rowOffsets).toEqual(Array.from({ length: Math.ceil(exp.shape[0] / step) }, (_, k) => k * step));
        expect(src.bytesRead()).toBe(src.info.totalBytes);
        expect(leftoverSpills()).toEqual([]);
      });
    }
  }

  test("reads the member that --key names, with or without .npy", async () => {
    for (const key of ["docs", "docs.npy"]) {
      const src = await openNpzFile(join(NPZ, "two_2d.npz"), { key });
      expect(src.info.key).toBe("docs");
      expectMatchesNumpy(await readAll(src), EXPECTED["npz/two_2d.npz#docs"]);
    }
    const queries = await openNpzFile(join(NPZ, "two_2d.npz"), { key: "queries" });
    expectMatchesNumpy(await readAll(queries), EXPECTED["npz/two_2d.npz#queries"]);
  });

  test("reports the member's uncompressed size as totalBytes and counts progress in the same unit", async () => {
    const src = await openNpzFile(join(NPZ, "compressed.npz"), { chunkRows: 10 });
    expect(src.info.totalBytes).toBe(128 + 23 * 8 * 4);
    const seen: number[] = [];
    for await (const _ of src) seen.push(src.bytesRead());
    await src.close();
    expect(seen).toEqual([128 + 320, 128 + 640, 128 + 736]);
  });

  test("closes idempotently and removes the temporary file of a Fortran member closed mid-read", async () => {
    const src = await openNpzFile(join(NPZ, "compressed_fortran.npz"), { chunkRows: 5 });
    for await (const chunk of src) {
      expect(chunk.matrix.rows).toBe(5);
      expect(leftoverSpills().length).toBe(1);
      break;
    }
    await src.close();
    await src.close();
    expect(leftoverSpills()).toEqual([]);

    const unread = await openNpzFile(join(NPZ, "stored.npz"));
    await unread.close();
    await unread.close();
  });
});

describe("bad .npz input is refused with an InputError naming the file and the problem", () => {
  async function failure(file: string, key?: string): Promise<InputError> {
    const err = await openNpzFile(file, { key })
      .then(readAll)
      .catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(leftoverSpills()).toEqual([]);
    return err;
  }

  test("lists the candidates and asks for --key when two 2-D members could be the embeddings", async () => {
    const path = join(NPZ, "two_2d.npz");
    const err = await failure(path);
    expect(err.message).toBe(
      `${path}: the .npz archive holds several 2-D arrays (queries, docs) and none is named "embeddings"; pass --key NAME to pick one`,
    );
  });

  test("lists the available keys when --key names no member", async () => {
    const path = join(NPZ, "stored.npz");
    const err = await failure(path, "vectors");
    expect(err.message).toContain(`${path}: the .npz archive has no member "vectors"; it holds: embeddings, ids`);
  });

  test("names the member when --key picks a 1-D array", async () => {
    const path = join(NPZ, "no_2d.npz");
    const err = await failure(path, "scores");
    expect(err.message).toContain(`${path}:scores.npy: shape (5,) is 1-D; embcheck needs a 2-D array rows × dims`);
  });

  test("describes every member when none is a readable 2-D array", async () => {
    const path = join(NPZ, "no_2d.npz");
    const err = await failure(path);
    expect(err.message).toContain(
      `${path}: the .npz archive holds no 2-D array embcheck can read; it holds: ids (shape (5,) '<i8'), scores (shape (5,) float32)`,
    );
  });

  test("refuses an embeddings member of an unsupported dtype, naming the member", async () => {
    const path = join(NPZ, "bad_member.npz");
    const err = await failure(path);
    expect(err.message).toContain(`${path}:embeddings.npy: complex dtype ('<c8') is not supported`);
  });

  test("refuses a file that is not a zip archive", async () => {
    const path = join(NPZ, "bad", "not_a_zip.npz");
    const err = await failure(path);
    expect(err.message).toContain(`${path}: not a readable .npz (zip) archive`);
  });

  test("names the row where a member's data ends early", async () => {
    const path = join(NPZ, "bad", "truncated_member.npz");
    const err = await failure(path);
    expect(err.message).toContain(`${path}:embeddings.npy: data ends early`);
    expect(err.where.row).toBe(3);
  });

  test("refuses a missing file", async () => {
    const path = join(NPZ, "missing.npz");
    const err = await failure(path);
    expect(err.message).toBe(`${path}: cannot read the file: no such file`);
  });
});
