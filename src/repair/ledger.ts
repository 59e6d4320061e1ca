/**
 * `--rows FILE`: the rows behind the integrity findings, by global row index (0-based, in input
 * order; for a dataset, over the files in order), and where each output row of `fix` came from.
 * Fed the raw chunks of the apply pass and, per chunk, the indices the pipeline kept.
 * Classes as docs/METRICS.md counts them (null, then NaN, then ±Inf, then all-zero); duplicates
 * are valid rows bit-identical to an earlier valid row (the one listed as `first`), by the 64-bit
 * row hash the Profile and `dedup` use. Memory: 8 bytes per listed row, about 50 bytes per
 * distinct valid row for the duplicate map. With a `dedup-near` step, its drops are listed too
 * (each dropped row with the kept row of its group and their cosine: src/detect/neardup.ts).
 */
import type { NearDupDrop } from "../detect/neardup.js";
import type { Chunk } from "../io/types.js";
import { rowHash } from "../linalg/hash.js";

export const ROWS_SCHEMA = "embcheck/rows@1";

export interface RowsJson {
  schema: typeof ROWS_SCHEMA;
  input: string;
  rows: number;
  null: number[];
  nan: number[];
  inf: number[];
  zero: number[];
  /** [row, first]: row is a copy of the earlier row first. */
  duplicates: [number, number][];
  /** fix with dedup-near: [row, kept, cosine]: row dropped as a near-duplicate of the kept earlier row. */
  nearDuplicates?: [number, number, number][];
  /** With an Arrow `id` column: the ids of the rows above, in the same order (duplicates: [id, first id]). */
  ids?: {
    null: Id[];
    nan: Id[];
    inf: Id[];
    zero: Id[];
    duplicates: [Id, Id][];
    nearDuplicates?: [Id, Id, number][];
  };
  /** The output: its rows are the input rows of these [start, end) ranges, in order. */
  output: { path: string; rows: number; kept: [number, number][] } | null;
}

/** An id as JSON holds it: int64 ids beyond 2^53 as strings. */
export type Id = number | string | null;

function idOf(v: unknown): Id {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint")
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number" || typeof v === "string") return v;
  return String(v);
}

export class RowLedger {
  private readonly idLists = {
    null: [] as Id[],
    nan: [] as Id[],
    inf: [] as Id[],
    zero: [] as Id[],
    duplicates: [] as [Id, Id][],
  };
  private hasIds = false;
  private readonly firstId = new Map<number, Id>();

  /** `idColumn`: the Arrow column whose values name the rows (when the input has it). */
  constructor(private readonly idColumn = "id") {}

  private rows = 0;
  private readonly lists = { null: [] as number[], nan: [] as number[], inf: [] as number[], zero: [] as number[] };
  private readonly duplicates: [number, number][] = [];
  /** 53 bits of the row hash → the first row with it. */
  private readonly first = new Map<number, number>();
  private readonly kept: [number, number][] = [];
  private outRows = 0;
  private near: readonly NearDupDrop[] | null = null;
  /** The ids of the rows in `near` (dropped and kept), as the chunks pass. */
  private readonly nearIds = new Map<number, Id>();

  /** The rows a dedup-near step drops (known before the apply pass), to list with their ids. */
  nearDuplicates(drops: readonly NearDupDrop[]): void {
    this.near = drops;
    for (const d of drops) {
      this.nearIds.set(d.row, null);
      this.nearIds.set(d.kept, null);
    }
  }

  /** One raw chunk: classify and hash every row. */
  add(chunk: Chunk): void {
    const { rows: n, cols: d, data } = chunk.matrix;
    const per = data.BYTES_PER_ELEMENT / 4;
    const words = new Uint32Array(data.buffer, data.byteOffset, n * d * per);
    const col = chunk.arrow ? chunk.arrow.batch.getChild(this.idColumn) : null;
    if (col) this.hasIds = true;
    const id = (r: number): Id => (col && chunk.arrow ? idOf(col.get(chunk.arrow.start + r)) : null);
    for (let r = 0; r < n; r++) {
      const gi = chunk.rowOffset + r;
      if (col && this.nearIds.has(gi)) this.nearIds.set(gi, id(r));
      if (chunk.nulls?.[r]) {
        this.lists.null.push(gi);
        if (col) this.idLists.null.push(id(r));
        continue;
      }
      let nan = false;
      let inf = false;
      let nonzero = false;
      for (let j = r * d; j < r * d + d; j++) {
        const v = data[j];
        if (Number.isNaN(v)) nan = true;
        else if (v === Infinity || v === -Infinity) inf = true;
        else if (v !== 0) nonzero = true;
      }
      const kind = nan ? "nan" : inf ? "inf" : nonzero ? null : "zero";
      if (kind) {
        this.lists[kind].push(gi);
        if (col) this.idLists[kind].push(id(r));
        continue;
      }
      const [a, b] = rowHash(words, r * d * per, (r + 1) * d * per);
      const key = a * 2097152 + (b >>> 11);
      const f = this.first.get(key);
      if (f === undefined) {
        this.first.set(key, gi);
        if (col) this.firstId.set(key, id(r));
      } else {
        this.duplicates.push([gi, f]);
        if (col) this.idLists.duplicates.push([id(r), this.firstId.get(key) ?? null]);
      }
    }
    this.rows = Math.max(this.rows, chunk.rowOffset + n);
  }

  /** The rows of `chunk` the pipeline kept (indices into the chunk, ascending), in output order. */
  keep(chunk: Chunk, index: ArrayLike<number>): void {
    for (let i = 0; i < index.length; i++) {
      const gi = chunk.rowOffset + index[i];
      const last = this.kept[this.kept.length - 1];
      if (last && last[1] === gi) last[1] = gi + 1;
      else this.kept.push([gi, gi + 1]);
    }
    this.outRows += index.length;
  }

  toJSON(input: string, output: string | null): RowsJson {
    const near = this.near;
    const idOf = (row: number): Id => this.nearIds.get(row) ?? null;
    return {
      schema: ROWS_SCHEMA,
      input,
      rows: this.rows,
      ...this.lists,
      duplicates: this.duplicates,
      ...(near ? { nearDuplicates: near.map((d): [number, number, number] => [d.row, d.kept, d.cosine]) } : {}),
      ...(this.hasIds
        ? {
            ids: {
              ...this.idLists,
              ...(near
                ? { nearDuplicates: near.map((d): [Id, Id, number] => [idOf(d.row), idOf(d.kept), d.cosine]) }
                : {}),
            },
          }
        : {}),
      output: output === null ? null : { path: output, rows: this.outRows, kept: this.kept },
    };
  }
}
