/**
 * Arrow IPC writer: the file format (`.arrow`, `.feather`) or the stream format (`.arrows`, stdout).
 * Uncompressed: apache-arrow 21.2's compressed writer puts the wrong length in the buffer prefix.
 * The embedding column becomes FixedSizeList<float32 | float16>[K] under its old name; for Arrow
 * input every other column of the kept rows is carried through unchanged (sliced, not copied),
 * one record batch per run of consecutive kept rows. Each batch's bytes reach the sink before the
 * next batch is built, so memory stays one batch.
 */
import {
  AsyncByteQueue,
  type Data,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
} from "apache-arrow";
import { InternalError } from "../../errors.js";
import { toHalves } from "./half.js";
import type { ByteSink } from "./sink.js";
import type { OutBlock, OutputDtype, VectorWriter } from "./types.js";

/** Collects what the apache-arrow writer emits, so we can hand it to the sink with backpressure. */
class Collector extends AsyncByteQueue {
  parts: Uint8Array[] = [];
  override write(value: unknown): void {
    const v = value as Uint8Array;
    if (v.byteLength > 0) this.parts.push(v);
  }
}

export interface ArrowWriterOptions {
  stream: boolean;
  dtype: OutputDtype;
  cols: number;
  /** Name of the embedding column when the input is not Arrow. */
  column?: string;
}

export class ArrowWriter implements VectorWriter {
  readonly format: "arrow" | "arrow-stream";
  private readonly writer: RecordBatchFileWriter | RecordBatchStreamWriter;
  private readonly sinkQueue = new Collector();
  private schema: Schema | null = null;
  private listType: FixedSizeList;
  private column = -1;
  private wroteAny = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly opts: ArrowWriterOptions,
  ) {
    this.format = opts.stream ? "arrow-stream" : "arrow";
    this.writer = opts.stream ? new RecordBatchStreamWriter() : new RecordBatchFileWriter();
    this.writer.reset(this.sinkQueue as unknown as AsyncByteQueue);
    const child = new Field("item", opts.dtype === "float16" ? new Float16() : new Float32(), true);
    this.listType = new FixedSizeList(opts.cols, child);
  }

  private schemaFor(block: OutBlock): Schema {
    if (this.schema) return this.schema;
    if (block.arrow) {
      const src = block.arrow.batch.schema;
      this.column = block.arrow.column;
      const fields = src.fields.map((f, i) =>
        i === this.column ? new Field(f.name, this.listType, f.nullable, f.metadata) : f,
      );
      this.schema = new Schema(fields, src.metadata);
    } else {
      this.column = 0;
      this.schema = new Schema([new Field(this.opts.column ?? "embedding", this.listType, false)]);
    }
    return this.schema;
  }

  private listData(block: OutBlock, from: number, to: number): Data {
    const K = this.opts.cols;
    const n = to - from;
    const values = block.matrix.data.subarray(from * K, to * K);
    const child =
      this.opts.dtype === "float16"
        ? makeData({ type: new Float16(), length: n * K, data: toHalves(values) })
        : makeData({ type: new Float32(), length: n * K, data: Float32Array.from(values) });
    let nullCount = 0;
    let nullBitmap: Uint8Array | undefined;
    if (block.nulls) {
      nullBitmap = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) {
        if (block.nulls[from + i]) nullCount++;
        else nullBitmap[i >> 3] |= 1 << (i & 7);
      }
    }
    return makeData({
      type: this.listType,
      length: n,
      nullCount,
      nullBitmap: nullCount > 0 ? nullBitmap : undefined,
      child,
    });
  }

  private batch(schema: Schema, block: OutBlock, from: number, to: number, srcStart: number | null): RecordBatch {
    const n = to - from;
    const children: Data[] = schema.fields.map((_, i) => {
      if (i === this.column) return this.listData(block, from, to);
      const src = block.arrow?.batch.data.children[i] as Data;
      if (srcStart === null || !src) throw new InternalError("arrow writer: missing source column");
      return src.slice(srcStart, n);
    });
    const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
    return new RecordBatch(schema, data);
  }

  async write(block: OutBlock): Promise<void> {
    const schema = this.schemaFor(block);
    const n = block.matrix.rows;
    if (n === 0) return;
    if (block.matrix.cols !== this.opts.cols) {
      throw new InternalError(`arrow writer: ${block.matrix.cols} cols, expected ${this.opts.cols}`);
    }
    if (!block.arrow || schema.fields.length === 1) {
      await this.emit(this.batch(schema, block, 0, n, null));
      return;
    }
    // Runs of consecutive source rows become one batch each.
    const { index, start } = block.arrow;
    let a = 0;
    while (a < n) {
      let b = a + 1;
      while (b < n && index[b] === index[b - 1] + 1) b++;
      await this.emit(this.batch(schema, block, a, b, start + index[a]));
      a = b;
    }
  }

  private async emit(batch: RecordBatch): Promise<void> {
    this.writer.write(batch);
    this.wroteAny = true;
    await this.flush();
  }

  private async flush(): Promise<void> {
    const parts = this.sinkQueue.parts;
    this.sinkQueue.parts = [];
    for (const p of parts) await this.sink.write(p);
  }

  async close(): Promise<void> {
    if (!this.wroteAny) {
      // No rows: still a valid file with the schema and no batches.
      const schema = this.schema ?? new Schema([new Field(this.opts.column ?? "embedding", this.listType, false)]);
      this.writer.reset(this.sinkQueue as unknown as AsyncByteQueue, schema);
    }
    this.writer.close();
    await this.flush();
    await this.sink.finish();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}
