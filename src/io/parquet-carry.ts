/**
 * The other columns of a Parquet file, decoded for a writer that carries them into an Arrow output
 * (`fix`/`apply … -o out.arrow`), as the Arrow reader's Carrier does for Arrow input. Only the
 * writing pass asks for them (OpenOptions.carryColumns). One row group's columns are held at a
 * time (hyparquet's parquetReadColumn over exactly that row group's rows): for 1M rows an int64 id
 * is 8 MB, a text column its text. Scalars become Arrow columns of the matching type (INT32 →
 * Int32, INT64 → Int64, FLOAT/DOUBLE, BOOLEAN, strings → Utf8, other byte arrays → Binary,
 * timestamps and dates as hyparquet gives them → TimestampMillisecond); a nested column (list,
 * struct, map) cannot be carried and is refused in one line before anything is written.
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  Field,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  Null,
  RecordBatch,
  Schema,
  Struct,
  TimestampMillisecond,
  Utf8,
  vectorFromArray,
} from "apache-arrow";
import type { AsyncBuffer, Compressors, FileMetaData } from "hyparquet";
import { parquetReadColumn } from "hyparquet/src/read.js";
import { InputError } from "../errors.js";
import { decompress, SUPPORTED_CODECS } from "./parquet-codecs.js";
import type { ParquetField } from "./parquet-schema.js";

type Column = ArrayLike<unknown> & { length: number };

/** embcheck's own page decoders, for hyparquet (which has snappy only). */
const COMPRESSORS: Compressors = Object.fromEntries(
  SUPPORTED_CODECS.filter((c) => c !== "UNCOMPRESSED").map((c) => [
    c,
    (input: Uint8Array, size: number) => decompress(c, input, size),
  ]),
);

/** The Arrow type a decoded Parquet column becomes, from its schema element and its values. */
function arrowType(field: ParquetField, values: Column): DataType {
  const el = field.element;
  if (values instanceof BigInt64Array) return new Int64();
  if (values instanceof Int32Array) return new Int32();
  if (values instanceof Float32Array) return new Float32();
  if (values instanceof Float64Array) return new Float64();
  switch (el.type) {
    case "BOOLEAN":
      return new Bool();
    case "INT32":
      return el.converted_type === "DATE" || el.logical_type?.type === "DATE"
        ? new TimestampMillisecond()
        : new Int32();
    case "INT64":
    case "INT96":
      return el.logical_type?.type === "TIMESTAMP" || String(el.converted_type ?? "").startsWith("TIMESTAMP")
        ? new TimestampMillisecond()
        : new Int64();
    case "FLOAT":
      return new Float32();
    case "DOUBLE":
      return new Float64();
    default: {
      const first = Array.from(values as ArrayLike<unknown>).find((v) => v !== null && v !== undefined);
      if (first instanceof Uint8Array) return new Binary();
      return new Utf8();
    }
  }
}

/** hyparquet's values as Arrow data of `type` (nulls: `null` or `undefined` entries). */
function toData(type: DataType, values: Column): Data {
  const plain = Array.from(values as ArrayLike<unknown>, (v) => {
    if (v === undefined) return null;
    if (type instanceof TimestampMillisecond && v instanceof Date) return v.getTime();
    if (type instanceof Int64 && typeof v === "number") return BigInt(v);
    return v;
  });
  return vectorFromArray(plain, type).data[0] as Data;
}

function asyncBuffer(read: (start: number, end: number) => Promise<Uint8Array>, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await read(start, end ?? size);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

export class ParquetCarrier {
  private held: { group: number; batch: RecordBatch } | null = null;
  private readonly file: AsyncBuffer;
  /** First row of each row group. */
  private readonly starts: number[] = [];

  private constructor(
    private readonly path: string,
    private readonly meta: FileMetaData,
    private readonly fields: ParquetField[],
    /** Index of the embedding column among the top-level fields. */
    readonly column: number,
    read: (start: number, end: number) => Promise<Uint8Array>,
    size: number,
  ) {
    this.file = asyncBuffer(read, size);
    let at = 0;
    for (const rg of meta.row_groups) {
      this.starts.push(at);
      at += Number(rg.num_rows);
    }
  }

  /**
   * A carrier for the fields other than `embedding` (and `pair`, which is written as it is read:
   * carried like any other column), or an InputError naming the first field that cannot be carried.
   */
  static create(
    path: string,
    meta: FileMetaData,
    fields: ParquetField[],
    embedding: string,
    read: (start: number, end: number) => Promise<Uint8Array>,
    size: number,
  ): ParquetCarrier {
    const column = fields.findIndex((f) => f.name === embedding);
    for (const f of fields) {
      if (f.name === embedding) continue;
      if (f.children.length > 0 || f.element.repetition_type === "REPEATED") {
        throw new InputError(
          `column "${f.name}" is nested (a list, struct or map) and cannot be carried into an Arrow output`,
          { file: path, column: f.name },
          "write .npy or .npz (-o out.npy), or drop the column before fixing",
        );
      }
    }
    return new ParquetCarrier(path, meta, fields, column, read, size);
  }

  /** The row group holding global row `row`, and its first row. */
  groupOf(row: number): { group: number; start: number; end: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    const end =
      lo + 1 < this.starts.length ? this.starts[lo + 1] : this.starts[lo] + Number(this.meta.row_groups[lo].num_rows);
    return { group: lo, start: this.starts[lo], end };
  }

  /**
   * Row group `group` as a record batch: the other columns decoded, the embedding column's slot a
   * Null placeholder (the writer replaces it with the repaired vectors).
   */
  async batch(group: number): Promise<RecordBatch> {
    if (this.held?.group === group) return this.held.batch;
    this.held = null;
    const rowStart = this.starts[group];
    const rows = Number(this.meta.row_groups[group].num_rows);
    const children: Data[] = [];
    const schemaFields: Field[] = [];
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i];
      if (i === this.column) {
        children.push(makeData({ type: new Null(), length: rows }));
        schemaFields.push(new Field(f.name, new Null(), true));
        continue;
      }
      let values: Column;
      try {
        values = (await parquetReadColumn({
          file: this.file,
          metadata: this.meta,
          columns: [f.name],
          compressors: COMPRESSORS,
          rowStart,
          rowEnd: rowStart + rows,
        })) as Column;
      } catch (err) {
        throw new InputError(
          `cannot read column "${f.name}" of row group ${group} to carry it into the output (${(err as Error).message})`,
          { file: this.path, column: f.name },
          "the file is damaged, or write .npy or .npz instead",
        );
      }
      if (values.length !== rows) {
        throw new InputError(
          `column "${f.name}" of row group ${group} has ${values.length} values, but the row group says ${rows} rows`,
          { file: this.path, column: f.name },
          "the file is damaged; write it again",
        );
      }
      const type = arrowType(f, values);
      children.push(toData(type, values));
      schemaFields.push(new Field(f.name, type, f.element.repetition_type !== "REQUIRED"));
    }
    const schema = new Schema(schemaFields);
    const data = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
    const batch = new RecordBatch(schema, data);
    this.held = { group, batch };
    return batch;
  }
}
