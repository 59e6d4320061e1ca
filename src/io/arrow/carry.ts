/**
 * The columns a writer carries through (`fix`/`apply` to Arrow: ids, text, labels next to the
 * repaired vectors), decoded by apache-arrow from buffers we have read and checked ourselves.
 * Only these columns are decoded, each from its own buffers of one record batch, so the memory
 * they cost is those columns of one batch; the embedding column is never handed to apache-arrow.
 * Dictionary-encoded columns get their dictionaries from the dictionary batches kept here.
 */
import {
  type Data,
  type DataType,
  Message,
  makeData,
  Null,
  RecordBatch,
  type Schema,
  Struct,
  Vector,
} from "apache-arrow";
// apache-arrow's own loader of a record batch's columns from decompressed buffers (the one its
// RecordBatchReader uses); exported by the package's "./*" entry, pinned with the exact version.
import { Footer } from "apache-arrow/ipc/metadata/file";
import { BufferRegion, FieldNode } from "apache-arrow/ipc/metadata/message";
import { CompressedVectorLoader } from "apache-arrow/visitor/vectorloader";
import type { ColumnSpan } from "./layout.js";
import { BadMetadata, type BatchHeader } from "./metadata.js";

/** The apache-arrow Schema of a file footer (after our own checks of the same bytes). */
export function arrowSchemaOfFooter(footerBytes: Uint8Array): Schema {
  try {
    return Footer.decode(footerBytes).schema;
  } catch (e) {
    throw new BadMetadata(
      `apache-arrow cannot decode the schema to carry the other columns through (${(e as Error).message.split("\n")[0]})`,
    );
  }
}

/** The apache-arrow Schema of a schema message (after our own checks of the same bytes). */
export function arrowSchemaOf(messageBytes: Uint8Array): Schema {
  let schema: Schema | null = null;
  try {
    const msg = Message.decode(messageBytes);
    if (msg.isSchema()) schema = msg.header() as Schema;
  } catch (e) {
    throw new BadMetadata(
      `apache-arrow cannot decode the schema to carry the other columns through (${(e as Error).message.split("\n")[0]})`,
    );
  }
  if (!schema) throw new BadMetadata("the first message is not the schema");
  return schema;
}

export class Carrier {
  private readonly dictionaries = new Map<number, Vector>();

  constructor(
    readonly schema: Schema,
    /** Indices of the columns to decode. */
    readonly columns: number[],
  ) {}

  private load(type: DataType, header: BatchHeader, span: ColumnSpan, buffers: Uint8Array[]): Data {
    const nodes = header.nodes.slice(span.nodeStart, span.nodeEnd).map((n) => new FieldNode(n.length, n.nullCount));
    const regions = header.buffers
      .slice(span.bufferStart, span.bufferEnd)
      .map((b) => new BufferRegion(b.offset, b.length));
    const variadic = header.variadicCounts.slice(span.variadicStart, span.variadicEnd);
    const loader = new CompressedVectorLoader(
      buffers,
      nodes,
      regions,
      this.dictionaries,
      this.schema.metadataVersion,
      variadic,
    );
    return loader.visit(type);
  }

  /** A dictionary batch: its one column is the dictionary's values. */
  addDictionary(id: number, isDelta: boolean, header: BatchHeader, buffers: Uint8Array[]): void {
    const type = this.schema.dictionaries.get(id);
    if (!type) throw new BadMetadata(`a dictionary batch with id ${id}, which no field of the schema uses`);
    const span = {
      nodeStart: 0,
      nodeEnd: header.nodes.length,
      bufferStart: 0,
      bufferEnd: header.buffers.length,
      variadicStart: 0,
      variadicEnd: header.variadicCounts.length,
    };
    const data = new Vector([this.load(type, header, span, buffers)]);
    const old = this.dictionaries.get(id);
    this.dictionaries.set(id, isDelta && old ? old.concat(data) : data);
  }

  /**
   * A RecordBatch holding the carried columns of one record batch (`buffers` per carried column,
   * in `columns` order); the other columns' places hold empty Null data the writer never reads.
   */
  batch(header: BatchHeader, spans: ColumnSpan[], buffers: Uint8Array[][]): RecordBatch {
    const fields = this.schema.fields;
    const children: Data[] = fields.map(() => makeData({ type: new Null(), length: header.length }));
    this.columns.forEach((c, k) => {
      children[c] = this.load(fields[c].type, header, spans[c], buffers[k]);
    });
    const data = makeData({ type: new Struct(fields), length: header.length, nullCount: 0, children });
    return new RecordBatch(this.schema, data);
  }
}
