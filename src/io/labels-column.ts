/**
 * `--label-column NAME` on an Arrow or Parquet input: the labels are a scalar column of the input
 * itself, read from the record batch each chunk carries (OpenOptions.carryColumns: Arrow's Carrier,
 * Parquet's ParquetCarrier — one record batch or row group of the other columns at a time).
 */
import { InputError } from "../errors.js";
import type { Chunk, Label } from "./types.js";

/** A cell as a label: text and safe integers as they are, other values as text, null/NaN null. */
export function cellLabel(v: unknown): Label {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? null : v;
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

/** Each chunk with `labels` from column `column` of its record batch. */
export async function* labelsFromColumn(
  chunks: AsyncIterable<Chunk>,
  column: string,
  file: string,
): AsyncGenerator<Chunk> {
  for await (const chunk of chunks) {
    const a = chunk.arrow;
    if (!a) {
      throw new InputError(
        `--label-column "${column}" needs an Arrow or Parquet input, whose rows carry that column`,
        { file, row: chunk.rowOffset },
        "give the labels as a file instead: --labels labels.npy (or .txt, or .csv with --label-column)",
      );
    }
    const col = a.batch.getChild(column);
    if (!col) {
      const names = a.batch.schema.fields.map((f) => f.name).filter((_, i) => i !== a.column);
      throw new InputError(`no column named "${column}"`, { file, column }, `its other columns: ${names.join(", ")}`);
    }
    const n = chunk.matrix.rows;
    const labels: Label[] = new Array(n);
    for (let r = 0; r < n; r++) labels[r] = cellLabel(col.get(a.start + r));
    yield { ...chunk, labels };
  }
}
