/**
 * One more pass over an Arrow IPC file (or stream file) that keeps the values of a few scalar
 * columns at given global row indices: the labels of `--color-by` and the ids shown in the map's
 * tooltips. Record batches are read one at a time through the Arrow reader's own checks
 * (src/io/arrow/); only the asked columns are decoded (by apache-arrow, from their own buffers),
 * so memory stays at those columns of one batch.
 */
import type { Schema } from "apache-arrow";
import { Type } from "apache-arrow";
import { EmbcheckError, InputError, UsageError } from "../errors.js";
import { prepareBatch } from "./arrow/batch.js";
import { Carrier } from "./arrow/carry.js";
import { asInputError as arrowInputError } from "./arrow/errors.js";
import { openArrowPath } from "./arrow/open.js";

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
  const provider = await openArrowPath(path);
  let doing = "cannot read the Arrow columns for --color-by or ids";
  try {
    let schema: Schema;
    try {
      schema = await provider.arrowSchema();
    } catch (err) {
      throw asInputError(err, path);
    }
    const names = pickColumns(schema, path, request);
    const out = new Map<string, CellValue[]>(names.map((n) => [n, new Array<CellValue>(indices.length).fill(null)]));
    if (names.length === 0) return out;
    const columns = names.map((n) => schema.fields.findIndex((f) => f.name === n));
    const carrier = new Carrier(schema, columns);
    // Row positions sorted by index, consumed batch by batch.
    const order = Array.from({ length: indices.length }, (_, i) => i).sort((a, b) => indices[a] - indices[b]);
    let next = 0;
    let offset = 0;
    while (next < order.length) {
      doing = "cannot read the Arrow columns for --color-by or ids";
      const ref = await provider.next(carrier);
      if (!ref) break;
      doing = `cannot read record batch ${ref.index} for --color-by or ids`;
      const end = offset + ref.header.length;
      if (next < order.length && indices[order[next]] < end) {
        const batch = await prepareBatch({
          schema: provider.schema,
          version: provider.version,
          header: ref.header,
          body: ref.body,
          messageAt: ref.messageAt,
          lists: [],
          carrier,
          holdLast: () => false,
        });
        const rb = batch.carried;
        while (rb && next < order.length && indices[order[next]] < end) {
          const at = order[next];
          const local = indices[at] - offset;
          names.forEach((name, k) => {
            const col = rb.getChildAt(columns[k]);
            (out.get(name) as CellValue[])[at] = col ? toCell(col.get(local)) : null;
          });
          next++;
        }
      }
      await ref.body.end();
      offset = end;
    }
    return out;
  } catch (err) {
    throw err instanceof EmbcheckError ? err : arrowInputError(err, path, doing);
  } finally {
    await provider.release();
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
