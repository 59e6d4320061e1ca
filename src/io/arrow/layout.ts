/**
 * Which field nodes and buffers of a record batch belong to which top-level column, following the
 * buffer listing of the Arrow columnar format (arrow.apache.org/docs/format/Columnar.html, "Buffer
 * Listing for Each Layout"; apache-arrow's VectorLoader reads them in the same order), and the
 * checks that the header agrees with the schema: node and buffer counts, every column's length
 * equal to the batch length, every buffer inside the body.
 */
import { type ArrowField, type ArrowSchema, BadMetadata, type BatchHeader, TypeId, V5 } from "./metadata.js";

export interface ColumnSpan {
  /** Index of the column's first field node (its own) and one past its last (its descendants'). */
  nodeStart: number;
  nodeEnd: number;
  bufferStart: number;
  bufferEnd: number;
  /** Variadic buffer counts (view types) used by this column. */
  variadicStart: number;
  variadicEnd: number;
}

/** Buffers a field's own node owns (children not included). */
function ownBuffers(f: ArrowField, version: number, variadic: () => number): number {
  if (f.dictionary) return 2; // validity + indices; the values come in a dictionary batch
  switch (f.type.id) {
    case TypeId.Null:
    case TypeId.RunEndEncoded:
      return 0;
    case TypeId.Struct:
    case TypeId.FixedSizeList:
      return 1;
    case TypeId.Binary:
    case TypeId.Utf8:
    case TypeId.LargeBinary:
    case TypeId.LargeUtf8:
    case TypeId.ListView:
    case TypeId.LargeListView:
      return 3;
    case TypeId.BinaryView:
    case TypeId.Utf8View:
      return 2 + variadic();
    case TypeId.Union:
      return (version < V5 ? 1 : 0) + (f.type.mode === 1 ? 2 : 1);
    default:
      // primitives, Bool, Decimal, dates and times, FixedSizeBinary: validity + values; List, LargeList, Map: validity + offsets
      return 2;
  }
}

/**
 * Splits the batch's nodes and buffers by top-level column and checks them against the schema
 * and the body length. Throws BadMetadata naming the column or buffer.
 */
export function layoutBatch(
  schema: ArrowSchema,
  batch: BatchHeader,
  version: number,
  bodyLength: number,
): ColumnSpan[] {
  let node = 0;
  let buffer = 0;
  let v = 0;
  const variadic = () => {
    if (v >= batch.variadicCounts.length)
      throw new BadMetadata("the record batch lists too few variadic buffer counts");
    return batch.variadicCounts[v++];
  };
  const walk = (f: ArrowField) => {
    node++;
    buffer += ownBuffers(f, version, variadic);
    if (!f.dictionary) for (const c of f.children) walk(c);
  };
  const spans: ColumnSpan[] = [];
  for (const f of schema.fields) {
    const s = { nodeStart: node, bufferStart: buffer, variadicStart: v };
    walk(f);
    spans.push({ ...s, nodeEnd: node, bufferEnd: buffer, variadicEnd: v });
  }
  if (node !== batch.nodes.length) {
    throw new BadMetadata(`the record batch has ${batch.nodes.length} field nodes, but its schema needs ${node}`);
  }
  if (buffer !== batch.buffers.length) {
    throw new BadMetadata(`the record batch has ${batch.buffers.length} buffers, but its schema needs ${buffer}`);
  }
  if (v !== batch.variadicCounts.length) {
    throw new BadMetadata(
      `the record batch has ${batch.variadicCounts.length} variadic buffer counts, but its schema needs ${v}`,
    );
  }
  schema.fields.forEach((f, i) => {
    const len = batch.nodes[spans[i].nodeStart].length;
    if (len !== batch.length) {
      throw new BadMetadata(`column "${f.name}" has ${len} rows, but the record batch says ${batch.length}`);
    }
  });
  batch.buffers.forEach((b, i) => {
    if (b.offset + b.length > bodyLength) {
      throw new BadMetadata(
        `buffer ${i} (offset ${b.offset}, length ${b.length}) lies outside the ${bodyLength}-byte message body`,
      );
    }
  });
  return spans;
}
