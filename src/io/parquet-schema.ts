/**
 * Which Parquet column holds the embeddings, and how its levels read.
 *
 * Every writer stores a list of floats as one float leaf under exactly one REPEATED node:
 *   3-level LIST (pyarrow list/large_list/fixed_size_list, polars List/Array, DuckDB FLOAT[] and
 *   FLOAT[n], Spark array<float>):  optional group e (LIST) { repeated group list { optional float element } }
 *   2-level (legacy Spark/parquet-mr):  optional group e (LIST) { repeated float array }
 *   bare repeated field:  repeated float e
 * (parquet-format LogicalTypes.md, "Lists", with its backward-compatibility rules). The column's
 * definition level then says, for each stored slot: below `emptyDef` an ancestor of the list is
 * null (a null row); `emptyDef` the list is empty; from `elementDef` up to below `maxDef` the
 * element is null (read as NaN); `maxDef` a value.
 *
 * The column rules are the Arrow reader's: `--column`, else `embedding`, `embeddings`, `vector`,
 * else the only list-of-floats column.
 */
import type { FileMetaData, SchemaElement } from "hyparquet";
import { InputError } from "../errors.js";

export type FloatDtype = "float16" | "float32" | "float64";

/** A top-level field of the file's schema. */
export interface ParquetField {
  name: string;
  element: SchemaElement;
  children: ParquetField[];
  /** Index of the field's first leaf among all leaves (the column chunk order of a row group). */
  firstLeaf: number;
  leaves: number;
}

/** A list-of-floats column chosen for reading. */
export interface ParquetListColumn {
  name: string;
  /** Index of its leaf in each row group's `columns`. */
  leaf: number;
  /** The leaf's path, as the column chunks' `path_in_schema` repeat it. */
  path: string[];
  dtype: FloatDtype;
  /** Bytes per stored value: 2, 4 or 8. */
  valueBytes: number;
  maxDef: number;
  maxRep: number;
  /** The definition level of a present but empty list. */
  emptyDef: number;
  /** The lowest definition level of a slot inside a non-empty list (a null element below maxDef). */
  elementDef: number;
  /** Whether a row can be null (some node above the repeated one is optional). */
  nullableRows: boolean;
}

const PREFERRED = ["embedding", "embeddings", "vector"];

/** The schema's top-level fields, built from the flat depth-first `schema` list. */
export function topFields(meta: FileMetaData, file: string): ParquetField[] {
  const schema = meta.schema;
  let at = 1;
  let leaf = 0;
  const build = (depth: number): ParquetField => {
    if (at >= schema.length || depth > 64) throw corrupt(file, "the schema's child counts do not add up");
    const element = schema[at++];
    const n = element.num_children ?? 0;
    const firstLeaf = leaf;
    const children: ParquetField[] = [];
    if (n === 0 || element.type !== undefined) leaf++;
    else for (let i = 0; i < n; i++) children.push(build(depth + 1));
    return { name: element.name, element, children, firstLeaf, leaves: leaf - firstLeaf };
  };
  const root = schema[0];
  const fields: ParquetField[] = [];
  for (let i = 0; i < (root?.num_children ?? 0); i++) fields.push(build(1));
  if (at !== schema.length) throw corrupt(file, "the schema's child counts do not add up");
  return fields;
}

function corrupt(file: string, what: string): InputError {
  return new InputError(
    `corrupt Parquet footer: ${what}`,
    { file },
    "the file was cut short or damaged; write it again",
  );
}

function leafType(e: SchemaElement): string {
  const lt = e.logical_type;
  if (lt?.type === "FLOAT16") return "float16";
  if (lt?.type === "STRING" || e.converted_type === "UTF8") return "string";
  if (lt?.type === "INTEGER") return `${lt.isSigned ? "int" : "uint"}${lt.bitWidth}`;
  if (lt?.type === "DECIMAL") return `decimal(${lt.precision}, ${lt.scale})`;
  if (lt) return lt.type.toLowerCase();
  switch (e.type) {
    case "FLOAT":
      return "float32";
    case "DOUBLE":
      return "float64";
    case "INT32":
      return "int32";
    case "INT64":
      return "int64";
    case "BOOLEAN":
      return "bool";
    case "BYTE_ARRAY":
      return "binary";
    case "FIXED_LEN_BYTE_ARRAY":
      return `fixed_size_binary(${e.type_length})`;
    default:
      return String(e.type).toLowerCase();
  }
}

function floatDtype(e: SchemaElement): FloatDtype | null {
  if (e.type === "FLOAT" && !e.logical_type) return "float32";
  if (e.type === "DOUBLE" && !e.logical_type) return "float64";
  if (e.type === "FIXED_LEN_BYTE_ARRAY" && e.type_length === 2 && e.logical_type?.type === "FLOAT16") return "float16";
  return null;
}

/** The nodes from the field down to its single leaf, or null when it has several leaves. */
function pathToLeaf(f: ParquetField): SchemaElement[] | null {
  const nodes: SchemaElement[] = [];
  let node: ParquetField = f;
  for (;;) {
    nodes.push(node.element);
    if (node.children.length === 0) return nodes;
    if (node.children.length !== 1) return null;
    node = node.children[0];
  }
}

/**
 * Where the field's REPEATED node sits when the field is a list: 0 for a bare repeated field, 1 for
 * a LIST-annotated group over a repeated child (LogicalTypes.md, "Lists"), else -1 (a struct that
 * happens to hold a list is not a list column, as in Arrow).
 */
function repeatedAt(f: ParquetField): number {
  if (f.element.repetition_type === "REPEATED") return 0;
  const annotated = f.element.logical_type?.type === "LIST" || f.element.converted_type === "LIST";
  if (annotated && f.children.length === 1 && f.children[0].element.repetition_type === "REPEATED") return 1;
  return -1;
}

/** A short type text for messages: float32, string, list<float32>, list<struct>, struct, map. */
export function describeType(f: ParquetField): string {
  const nodes = pathToLeaf(f);
  if (repeatedAt(f) < 0) {
    if (f.children.length === 0) return leafType(f.element);
    const map = ["MAP", "MAP_KEY_VALUE"];
    return map.includes(f.element.logical_type?.type ?? "") || map.includes(f.element.converted_type ?? "")
      ? "map"
      : "struct";
  }
  if (!nodes) return "list<struct>";
  const repeated = nodes.filter((n) => n.repetition_type === "REPEATED").length;
  return `${"list<".repeat(repeated)}${leafType(nodes[nodes.length - 1])}${">".repeat(repeated)}`;
}

function isList(f: ParquetField): boolean {
  return repeatedAt(f) >= 0;
}

/** The field as a list-of-floats column, or null. */
function asListColumn(f: ParquetField): ParquetListColumn | null {
  const nodes = pathToLeaf(f);
  const at = repeatedAt(f);
  if (!nodes || at < 0 || nodes.slice(at + 1).some((n) => n.repetition_type === "REPEATED")) return null;
  const leaf = nodes[nodes.length - 1];
  const dtype = floatDtype(leaf);
  if (!dtype) return null;
  let def = 0;
  let elementDef = 0;
  let nullableRows = false;
  nodes.forEach((n, i) => {
    if (n.repetition_type !== "REQUIRED") def++;
    if (i < at && n.repetition_type === "OPTIONAL") nullableRows = true;
    if (i === at) elementDef = def;
  });
  return {
    name: f.name,
    leaf: f.firstLeaf,
    path: nodes.map((n) => n.name),
    dtype,
    valueBytes: dtype === "float16" ? 2 : dtype === "float32" ? 4 : 8,
    maxDef: def,
    maxRep: 1,
    emptyDef: elementDef - 1,
    elementDef,
    nullableRows,
  };
}

function listColumnsText(fields: ParquetField[]): string {
  const lists = fields.filter(isList);
  return lists.length
    ? `list columns: ${lists.map((f) => `${f.name} (${describeType(f)})`).join(", ")}`
    : "the input has no list columns";
}

function namedColumn(fields: ParquetField[], name: string, file: string, role: string): ParquetListColumn {
  const f = fields.find((x) => x.name === name);
  if (!f) {
    throw new InputError(
      `no column named "${name}"`,
      { file, column: name },
      `${listColumnsText(fields)}; pass ${role} NAME`,
    );
  }
  const col = asListColumn(f);
  if (!col) {
    throw new InputError(
      `column "${name}" is ${describeType(f)}, not a list of float16/float32/float64`,
      { file, column: name },
      listColumnsText(fields),
    );
  }
  return col;
}

/** Picks the embedding column: `column`, else a preferred name, else the only list of floats. */
export function chooseParquetColumn(fields: ParquetField[], file: string, column?: string): ParquetListColumn {
  if (fields.length === 0) throw new InputError("the Parquet file has no columns", { file });
  if (column !== undefined) return namedColumn(fields, column, file, "--column");
  for (const name of PREFERRED) {
    if (fields.some((f) => f.name === name)) return namedColumn(fields, name, file, "--column");
  }
  const candidates = fields.map(asListColumn).filter((c): c is ParquetListColumn => c !== null);
  if (candidates.length === 1) return candidates[0];
  const hint = "embeddings must be a list (List, LargeList, FixedSizeList, Array) of float16/float32/float64";
  if (candidates.length === 0) {
    if (fields.some(isList))
      throw new InputError(`no list-of-float column (${listColumnsText(fields)})`, { file }, hint);
    throw new InputError(
      `no list column to read embeddings from (columns: ${fields.map((f) => `${f.name} (${describeType(f)})`).join(", ")})`,
      { file },
      hint,
    );
  }
  throw new InputError(
    `several list columns could hold the embeddings: ${candidates.map((c) => c.name).join(", ")}`,
    { file },
    "pass --column NAME to choose one",
  );
}

/** The `--pair-column` list column. */
export function pairParquetColumn(fields: ParquetField[], file: string, name: string): ParquetListColumn {
  return namedColumn(fields, name, file, "--pair-column");
}
