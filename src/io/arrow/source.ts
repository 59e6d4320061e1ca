/**
 * An Arrow input as an EmbeddingSource: record batches from a BatchProvider (a file's footer, or
 * messages in order), each cut into chunks of at most `chunkRows` rows that are read from the
 * values buffer as they are handed out, so memory follows the chunk size, not the batch size.
 * Also fixes the dimension (a FixedSizeList's width, else the first non-null row's length) and
 * checks the pair column against it before the first chunk.
 */
import type { Schema } from "apache-arrow";
import { InputError } from "../../errors.js";
import { CorruptData } from "../codecs/input.js";
import type { Chunk, EmbeddingSource, InputFormat, OpenOptions, SourceInfo } from "../types.js";
import { defaultChunkRows } from "../types.js";
import { BadBuffer, type PreparedBatch, prepareBatch } from "./batch.js";
import type { Body } from "./bytes.js";
import { Carrier } from "./carry.js";
import { chooseColumn, type ListColumn, namedColumn } from "./column.js";
import { asInputError } from "./errors.js";
import { firstRowLength, type ListBatch, readListRows } from "./listRows.js";
import type { ArrowSchema, BatchHeader } from "./metadata.js";

export interface BatchRef {
  index: number;
  header: BatchHeader;
  body: Body;
  /** Where the batch's message starts. */
  messageAt: number;
}

/** Record batches in order, and what the input's header said. */
export interface BatchProvider {
  readonly format: InputFormat;
  readonly schema: ArrowSchema;
  readonly version: number;
  /** Rows of the whole input when the footer says them, else null. */
  readonly rows: number | null;
  readonly totalBytes: number | null;
  /** The apache-arrow Schema (only to carry columns through). */
  arrowSchema(): Promise<Schema>;
  /** The next record batch, or null after the last; dictionary batches go to `carrier` (or are skipped). */
  next(carrier: Carrier | null): Promise<BatchRef | null>;
  bytesRead(): number;
  release(): Promise<void>;
}

export async function buildSource(p: BatchProvider, label: string, opts: OpenOptions): Promise<EmbeddingSource> {
  let current = "cannot read the Arrow input";
  const fail = async (err: unknown): Promise<never> => {
    await p.release().catch(() => {});
    throw asInputError(err, label, current);
  };
  try {
    const { schema } = p;
    if (schema.fields.length === 0) throw new InputError("the Arrow input has no columns", { file: label });
    const col = chooseColumn(schema, label, opts.column);
    const pairCol = opts.pairColumn !== undefined ? namedColumn(schema, opts.pairColumn, label, "--pair-column") : null;
    const lists: ListColumn[] = pairCol ? [col, pairCol] : [col];
    let carrier: Carrier | null = null;
    if (opts.carryColumns && schema.fields.length > 1) {
      current = "cannot read the Arrow schema to carry the other columns through";
      const others = schema.fields.map((_, i) => i).filter((i) => i !== col.index);
      carrier = new Carrier(await p.arrowSchema(), others);
    }

    let dims: number | null = col.listSize;
    const pending: { ref: BatchRef; batch: PreparedBatch }[] = [];
    const prepare = async (ref: BatchRef): Promise<PreparedBatch> => {
      current = `cannot read record batch ${ref.index}`;
      return prepareBatch({
        schema,
        version: p.version,
        header: ref.header,
        body: ref.body,
        messageAt: ref.messageAt,
        lists,
        carrier,
        // a stream moves on to the next batch only when this one fixed no dimension: keep its values then
        holdLast: (parts) => dims === null && firstRowLength(parts[0] as ListBatch) === null,
      });
    };

    // Read batches until one has a row and, for List columns, a non-null row that fixes `dims`.
    let seenRows = 0;
    while (dims === null || pending.length === 0) {
      current = "cannot read the Arrow input";
      const ref = await p.next(carrier);
      if (!ref) break;
      const batch = await prepare(ref);
      pending.push({ ref, batch });
      seenRows += batch.rows;
      if (dims === null) dims = firstRowLength(batch.lists[0]);
      if (dims === null) await ref.body.end();
    }
    if (seenRows === 0) throw new InputError("the Arrow input has no rows", { file: label, column: col.name });
    if (dims === null) {
      throw new InputError(
        "every row of the embedding column is null, so its dimension is unknown",
        { file: label, column: col.name },
        "write at least one vector",
      );
    }
    if (dims === 0) throw new InputError("the vectors have length 0", { file: label, column: col.name });
    if (pairCol && pairCol.listSize !== null && pairCol.listSize !== dims) {
      throw new InputError(
        `pair column "${pairCol.name}" has ${pairCol.listSize} dims but "${col.name}" has ${dims}`,
        { file: label, column: pairCol.name },
        "the pair column must have the same width as the embedding column",
      );
    }
    const finalDims = dims;
    const wanted = opts.chunkRows;
    const chunkRows =
      wanted !== undefined && Number.isFinite(wanted) && wanted >= 1
        ? Math.floor(wanted)
        : defaultChunkRows(finalDims, col.dtype === "float64" ? 8 : 4);
    const info: SourceInfo = {
      path: label,
      format: p.format,
      column: col.name,
      key: null,
      dtype: col.dtype,
      dims: finalDims,
      rows: p.rows,
      totalBytes: p.totalBytes,
    };

    let closed = false;
    let iterated = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      pending.length = 0;
      await p.release();
    };

    /** Runs a read of list `i`'s values; a decoding problem is placed at its offset in the input. */
    async function values<T>(batch: PreparedBatch, i: number, read: () => Promise<T>): Promise<T> {
      try {
        return await read();
      } catch (e) {
        if (e instanceof CorruptData) {
          throw new BadBuffer(`the values buffer of column "${lists[i].name}": ${e.message}`, batch.valuesAt[i] + e.at);
        }
        throw e;
      }
    }

    async function* batchChunks(ref: BatchRef, batch: PreparedBatch, rowOffset: number): AsyncGenerator<Chunk> {
      current = `cannot read record batch ${ref.index}`;
      const [mainRows, pairRows] = batch.lists;
      for (let start = 0; start < batch.rows; start += chunkRows) {
        const n = Math.min(chunkRows, batch.rows - start);
        const first = rowOffset + start;
        const main = await values(batch, 0, () => readListRows(mainRows, start, n, finalDims, first, label));
        const chunk: Chunk = { matrix: main.matrix, rowOffset: first };
        if (main.nulls) chunk.nulls = main.nulls;
        if (pairCol) {
          chunk.pair = await values(batch, 1, () =>
            readListRows(pairRows, start, n, finalDims, first, label, col.name),
          );
        }
        if (batch.carried) chunk.arrow = { batch: batch.carried, start, column: col.index };
        yield chunk;
      }
      for (let i = 0; i < batch.lists.length; i++) await values(batch, i, () => batch.lists[i].values.finish());
      await ref.body.end();
    }

    async function* chunks(): AsyncGenerator<Chunk> {
      if (iterated) throw new InputError("this input was already read once", { file: label });
      iterated = true;
      let rowOffset = 0;
      try {
        for (;;) {
          if (closed) return;
          let item = pending.shift();
          if (!item) {
            current = "cannot read the Arrow input";
            const ref = await p.next(carrier);
            if (!ref) break;
            item = { ref, batch: await prepare(ref) };
          }
          yield* batchChunks(item.ref, item.batch, rowOffset);
          rowOffset += item.batch.rows;
        }
      } catch (err) {
        throw asInputError(err, label, current);
      } finally {
        await close();
      }
    }

    return { info, bytesRead: () => p.bytesRead(), close, [Symbol.asyncIterator]: chunks };
  } catch (err) {
    return fail(err);
  }
}
