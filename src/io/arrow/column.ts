/**
 * Which column holds the embeddings: `--column NAME`, else a preferred name (embedding,
 * embeddings, vector), else the only list of floats. The column must be a FixedSizeList, List or
 * LargeList of float16/float32/float64 (not dictionary-encoded).
 */
import { InputError } from "../../errors.js";
import { type ArrowField, type ArrowSchema, fieldTypeName, TypeId } from "./metadata.js";

export type FloatDtype = "float16" | "float32" | "float64";

/** Column names picked without `--column`, in order of preference. */
const PREFERRED = ["embedding", "embeddings", "vector"];

/** A list-of-floats column chosen for reading. */
export interface ListColumn {
  name: string;
  /** Position in the schema (and so in the record batch's columns). */
  index: number;
  kind: typeof TypeId.FixedSizeList | typeof TypeId.List | typeof TypeId.LargeList;
  dtype: FloatDtype;
  /** FixedSizeList width, else null. */
  listSize: number | null;
}

const LIST_KINDS: number[] = [TypeId.List, TypeId.LargeList, TypeId.FixedSizeList];

function isList(f: ArrowField): boolean {
  return LIST_KINDS.includes(f.type.id);
}

function floatDtype(f: ArrowField | undefined): FloatDtype | null {
  if (!f || f.dictionary || f.type.id !== TypeId.FloatingPoint) return null;
  return (["float16", "float32", "float64"] as const)[f.type.precision ?? -1] ?? null;
}

function describe(f: ArrowField): string {
  return `${f.name} (${fieldTypeName(f)})`;
}

/** The column as a ListColumn, or null when it is not a list of floats. */
function asListColumn(schema: ArrowSchema, index: number): ListColumn | null {
  const field = schema.fields[index];
  if (!isList(field) || field.dictionary) return null;
  const dtype = floatDtype(field.children[0]);
  if (!dtype) return null;
  return {
    name: field.name,
    index,
    kind: field.type.id as ListColumn["kind"],
    dtype,
    listSize: field.type.id === TypeId.FixedSizeList ? (field.type.listSize as number) : null,
  };
}

function listColumnsText(schema: ArrowSchema): string {
  const lists = schema.fields.filter(isList);
  return lists.length ? `list columns: ${lists.map(describe).join(", ")}` : "the input has no list columns";
}

/** Finds a named column and checks it holds lists of floats. `role` is "--column" or "--pair-column". */
export function namedColumn(schema: ArrowSchema, name: string, file: string, role: string): ListColumn {
  const index = schema.fields.findIndex((f) => f.name === name);
  if (index < 0) {
    throw new InputError(
      `no column named "${name}"`,
      { file, column: name },
      `${listColumnsText(schema)}; pass ${role} NAME`,
    );
  }
  const col = asListColumn(schema, index);
  if (!col) {
    throw new InputError(
      `column "${name}" is ${fieldTypeName(schema.fields[index])}, not a list of float16/float32/float64`,
      { file, column: name },
      listColumnsText(schema),
    );
  }
  return col;
}

/** Picks the embedding column: `column`, else a preferred name, else the only list of floats. */
export function chooseColumn(schema: ArrowSchema, file: string, column?: string): ListColumn {
  if (schema.fields.length === 0) throw new InputError("the Arrow input has no columns", { file });
  if (column !== undefined) return namedColumn(schema, column, file, "--column");
  for (const name of PREFERRED) {
    if (schema.fields.some((f) => f.name === name)) return namedColumn(schema, name, file, "--column");
  }
  const candidates: ListColumn[] = [];
  schema.fields.forEach((_, i) => {
    const c = asListColumn(schema, i);
    if (c) candidates.push(c);
  });
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    if (schema.fields.some(isList)) {
      throw new InputError(
        `no list-of-float column (${listColumnsText(schema)})`,
        { file },
        "embeddings must be a FixedSizeList, List or LargeList of float16/float32/float64",
      );
    }
    throw new InputError(
      `no list column to read embeddings from (columns: ${schema.fields.map(describe).join(", ")})`,
      { file },
      "embeddings must be a FixedSizeList, List or LargeList of float16/float32/float64",
    );
  }
  throw new InputError(
    `several list columns could hold the embeddings: ${candidates.map((c) => c.name).join(", ")}`,
    { file },
    "pass --column NAME to choose one",
  );
}
