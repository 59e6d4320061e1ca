/**
 * One more pass over an Arrow IPC file (or stream file) that keeps the values of a few scalar
 * columns at given global row indices: the labels of `--color-by` and the ids shown in the map's
 * tooltips. Record batches are read one at a time (apache-arrow decodes a whole batch; only the
 * asked columns' values at the asked rows are kept), so memory stays at one batch.
 */
import fs from "node:fs";
import { type RecordBatch, RecordBatchReader, type Schema, Type } from "apache-arrow";
import { EmbcheckError, InputError, UsageError } from "../errors.js";
import { registerArrowCodecs } from "./codecs.js";

export type CellValue = string | number | null;

export interface ColumnRequest {
  /** Columns that must exist (a missing one is an InputError naming the columns there are). */
  required?: string[];
  /** Columns read when present, silently skipped otherwise (e.g. an "id" column for tooltips). */
  optional?: string[];
}

/** Longest text kept for one cell (tooltips and legends stay readable). */
const MAX_TEXT = 120;

/**
 * The values of the requested columns at `indices` (global row indices, any order), as a map from
 * column name to an array parallel to `indices`. Strings stay strings, numbers numbers (NaN → null),
 * 64-bit integers become numbers when exact and text otherwise; other types are shown as text.
 */
export async function readColumnValues(
  path: string,
  indices: ArrayLike<number>,
  request: ColumnRequest,
): Promise<Map<string, CellValue[]>> {
  if (path === "-") {
    throw new UsageError("--color-by reads the input a second time, so it needs a file, not stdin");
  }
  registerArrowCodecs();
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, "r");
  } catch (err) {
    throw new InputError(`cannot open: ${(err as Error).message}`, { file: path });
  }
  try {
    let reader: RecordBatchReader;
    try {
      reader = await RecordBatchReader.from(fh);
      await reader.open();
    } catch (err) {
      throw asInputError(err, path);
    }
    const names = pickColumns(reader.schema, path, request);
    const out = new Map<string, CellValue[]>(names.map((n) => [n, new Array<CellValue>(indices.length).fill(null)]));
    if (names.length === 0) return out;
    // Row positions sorted by index, consumed batch by batch.
    const order = Array.from({ length: indices.length }, (_, i) => i).sort((a, b) => indices[a] - indices[b]);
    let next = 0;
    let offset = 0;
    for (;;) {
      let batch: RecordBatch | null;
      try {
        const r = await reader.next();
        batch = r.done ? null : (r.value as RecordBatch);
      } catch (err) {
        throw asInputError(err, path);
      }
      if (!batch) break;
      const end = offset + batch.numRows;
      while (next < order.length && indices[order[next]] < end) {
        const at = order[next];
        const local = indices[at] - offset;
        for (const name of names) {
          const col = batch.getChild(name);
          (out.get(name) as CellValue[])[at] = col ? toCell(col.get(local)) : null;
        }
        next++;
      }
      offset = end;
      if (next >= order.length) break;
    }
    return out;
  } finally {
    await fh.close().catch(() => {});
  }
}

function pickColumns(schema: Schema, file: string, request: ColumnRequest): string[] {
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  const scalar = schema.fields.filter((f) => !isNested(f.type.typeId)).map((f) => f.name);
  const names: string[] = [];
  for (const name of request.required ?? []) {
    const f = fields.get(name);
    if (!f) {
      throw new InputError(
        `no column named "${name}"`,
        { file, column: name },
        scalar.length ? `scalar columns: ${scalar.join(", ")}` : "the input has no scalar columns to colour by",
      );
    }
    if (isNested(f.type.typeId)) {
      throw new InputError(
        `column "${name}" is ${String(f.type)}, not a scalar (text, number, boolean)`,
        { file, column: name },
        scalar.length ? `scalar columns: ${scalar.join(", ")}` : "the input has no scalar columns to colour by",
      );
    }
    if (!names.includes(name)) names.push(name);
  }
  for (const name of request.optional ?? []) {
    const f = fields.get(name);
    if (f && !isNested(f.type.typeId) && !names.includes(name)) names.push(name);
  }
  return names;
}

function isNested(t: Type): boolean {
  return (
    t === Type.List ||
    t === Type.LargeList ||
    t === Type.FixedSizeList ||
    t === Type.Struct ||
    t === Type.Map ||
    t === Type.Union ||
    t === Type.DenseUnion ||
    t === Type.SparseUnion
  );
}

function toCell(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? null : v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "string") return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT - 1)}…` : v;
  if (typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

function asInputError(err: unknown, file: string): EmbcheckError {
  if (err instanceof EmbcheckError) return err;
  const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return new InputError(
    `cannot read the Arrow columns for --color-by or ids (${msg})`,
    { file },
    "check that the file is a complete Arrow IPC file or stream",
  );
}
