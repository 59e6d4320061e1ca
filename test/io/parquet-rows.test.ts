/**
 * ListRows against a plain oracle on pages cut anywhere, rows spanning pages included (pyarrow never
 * writes those, parquet-mr's v1 pages may): the levels and values are made here from known rows, so
 * the expected matrix is known exactly.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import type { DataPage, PageStream } from "../../src/io/parquet-pages.js";
import { firstRowLength, ListRows } from "../../src/io/parquet-rows.js";
import type { ParquetListColumn } from "../../src/io/parquet-schema.js";
import { mulberry32 } from "../../src/linalg/random.js";

// optional group (LIST) { repeated group list { optional float element } }: def 0 null row,
// 1 empty list, 2 null element, 3 value
const COL: ParquetListColumn = {
  name: "embedding",
  leaf: 0,
  path: ["embedding", "list", "element"],
  dtype: "float32",
  valueBytes: 4,
  maxDef: 3,
  maxRep: 1,
  emptyDef: 1,
  elementDef: 2,
  nullableRows: true,
};

type Row = null | (number | null)[];

/** Shreds rows into slots, then cuts the slots into pages at the given slot positions. */
function pagesOf(rows: Row[], cuts: number[]): DataPage[] {
  const rep: number[] = [];
  const def: number[] = [];
  const vals: number[] = [];
  for (const row of rows) {
    if (row === null) {
      rep.push(0);
      def.push(0);
    } else if (row.length === 0) {
      rep.push(0);
      def.push(1);
    } else {
      row.forEach((v, j) => {
        rep.push(j === 0 ? 0 : 1);
        def.push(v === null ? 2 : 3);
        if (v !== null) vals.push(v);
      });
    }
  }
  const bounds = [0, ...cuts.filter((c) => c > 0 && c < rep.length).sort((a, b) => a - b), rep.length];
  const pages: DataPage[] = [];
  let v = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [a, b] = [bounds[i], bounds[i + 1]];
    if (a === b) continue;
    const d = def.slice(a, b);
    const present = d.filter((x) => x === 3).length;
    const values = new Uint8Array(new Float32Array(vals.slice(v, v + present)).buffer);
    v += present;
    pages.push({
      slots: b - a,
      rep: Uint8Array.from(rep.slice(a, b)),
      def: present === b - a ? null : Uint8Array.from(d),
      present,
      rowStarts: rep.slice(a, b).filter((x) => x === 0).length,
      values,
      at: a,
      encoding: "PLAIN",
      version: 1,
      rowGroup: 0,
    });
  }
  return pages;
}

function fakeStream(pages: DataPage[]): PageStream {
  const queue = [...pages];
  return { next: async () => queue.shift() ?? null } as unknown as PageStream;
}

/** What the reader must yield: float32 values, NaN for null elements, zeros for null rows. */
function oracle(rows: Row[], dims: number): { data: Float32Array; nulls: number[] } {
  const data = new Float32Array(rows.length * dims);
  const nulls: number[] = [];
  rows.forEach((row, r) => {
    if (row === null) nulls.push(r);
    else
      row.forEach((x, j) => {
        data[r * dims + j] = x === null ? Number.NaN : x;
      });
  });
  return { data, nulls };
}

async function readAll(pages: DataPage[], dims: number, n: number, chunk: number, reuse = false) {
  const reader = new ListRows(fakeStream(pages), COL, dims, "f.parquet", undefined, reuse);
  const data = new Float32Array(n * dims);
  const nulls: number[] = [];
  for (let done = 0; done < n; done += chunk) {
    const k = Math.min(chunk, n - done);
    const got = await reader.read(k, done);
    expect(got.matrix.rows).toBe(k);
    data.set(got.matrix.data as Float32Array, done * dims);
    got.nulls?.forEach((x, i) => {
      if (x) nulls.push(done + i);
    });
  }
  await reader.assertEnd(n);
  return { data, nulls };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("ListRows", () => {
  it("assembles rows cut across pages anywhere, for any chunk size, equal to the oracle bit for bit", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rand = mulberry32(seed);
      const dims = 1 + Math.floor(rand() * 9);
      const n = 1 + Math.floor(rand() * 60);
      const nullShare = seed % 3 === 0 ? 0 : rand() * 0.3; // a third of the cases have dense pages only
      const rows: Row[] = Array.from({ length: n }, () =>
        rand() < nullShare
          ? null
          : Array.from({ length: dims }, () => (rand() < nullShare / 4 ? null : Math.fround(rand() * 4 - 2))),
      );
      if (rows[0] === null) rows[0] = Array.from({ length: dims }, () => 1);
      const slots = rows.reduce((a, r) => a + (r === null ? 1 : r.length), 0);
      const cuts = Array.from({ length: Math.floor(rand() * 8) }, () => Math.floor(rand() * slots));
      const pages = pagesOf(rows, cuts);
      expect(await firstRowLength(fakeStream(pages), COL)).toBe(dims);
      const want = oracle(rows, dims);
      for (const chunk of [1, 3, 7, n]) {
        // reused arrays too: a null row must come out zero whatever the array held before
        for (const reuse of [false, true]) {
          const got = await readAll(pages, dims, n, chunk, reuse);
          expect(bits(got.data), `seed ${seed}, chunk ${chunk}, reuse ${reuse}`).toEqual(bits(want.data));
          expect(got.nulls).toEqual(want.nulls);
        }
      }
    }
  });

  it("names the row of a list that is too long or too short, also when it spans pages", async () => {
    const good = (k: number): Row => Array.from({ length: 4 }, (_, j) => k + j);
    for (const [rows, cut, row, len] of [
      [[good(0), good(1), [1, 2, 3, 4, 5], good(3)], 10, 2, 5],
      [[good(0), good(1), [1, 2, 3], good(3)], 9, 2, 3],
      [[good(0), [], good(2)], 2, 1, 0],
      [[good(0), good(1), good(2), [1, 2, 3, 4, 5, 6]], 12, 3, 6],
    ] as [Row[], number, number, number][]) {
      const reader = new ListRows(fakeStream(pagesOf(rows, [cut])), COL, 4, "f.parquet");
      const err = await reader.read(rows.length, 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).what).toBe(`ragged list: the row has ${len} values, but the first non-null row has 4`);
      expect((err as InputError).where.row).toBe(row);
    }
  });

  it("refuses a column with more or fewer rows than asked for", async () => {
    const rows: Row[] = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const more = new ListRows(fakeStream(pagesOf(rows, [])), COL, 2, "f.parquet");
    await more.read(2, 0);
    await expect(more.assertEnd(2)).rejects.toThrow(/more rows than the footer's 2/);
    const fewer = new ListRows(fakeStream(pagesOf(rows, [])), COL, 2, "f.parquet");
    await expect(fewer.read(4, 0)).rejects.toThrow(/ends after 3 rows/);
  });

  it("gives the first non-null row's length, 0 for an empty list, null when every row is null", async () => {
    expect(await firstRowLength(fakeStream(pagesOf([null, null, [1, null, 3]], [1, 3])), COL)).toBe(3);
    expect(await firstRowLength(fakeStream(pagesOf([null, [], [1]], [])), COL)).toBe(0);
    expect(await firstRowLength(fakeStream(pagesOf([null, null], [1])), COL)).toBeNull();
  });
});
