/**
 * Parquet reader: the embedding column (and the `--pair-column`), streamed page by page from
 * each row group's column chunk at its file offset, cut into chunks of at most `chunkRows` rows
 * (a chunk may span row groups). The other columns are read only for a writer that carries them
 * (OpenOptions.carryColumns: parquet-carry.ts, one row group's at a time; chunks then stop at row
 * group ends). Memory: the chunk, one read window, one decompressed page and its levels, per
 * column read.
 *
 * The contract is the Arrow reader's (src/io/arrow.ts): a list (List, LargeList, FixedSizeList;
 * polars Array, DuckDB FLOAT[n]) of float16/float32/float64; null rows are zeros marked in
 * `chunk.nulls`; a null value inside a non-null list is NaN; dims come from the first non-null
 * row and a row of another length is an InputError naming it. `info.rows` is the footer's row
 * count; `info.totalBytes` the bytes this reader will read (footer and the chosen columns), so a
 * progress line ends at 100 % however many other columns the file holds.
 */
import fs from "node:fs";
import { EmbcheckError, InputError } from "../errors.js";
import { ParquetCarrier } from "./parquet-carry.js";
import type { ParquetCodec } from "./parquet-codecs.js";
import { type Footer, readFooter } from "./parquet-footer.js";
import { type ChunkRange, PageStream, type ReadAt } from "./parquet-pages.js";
import { firstRowLength, ListRows } from "./parquet-rows.js";
import { chooseParquetColumn, type ParquetListColumn, pairParquetColumn, topFields } from "./parquet-schema.js";
import type { Chunk, EmbeddingSource, OpenOptions, SourceInfo } from "./types.js";
import { defaultChunkRows } from "./types.js";

function wrap(err: unknown, file: string): EmbcheckError {
  if (err instanceof EmbcheckError) return err;
  return new InputError(
    `cannot read the Parquet data (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`,
    { file },
    "check that the file is a complete Parquet file",
  );
}

function toSafe(v: bigint | number | undefined): number {
  const n = typeof v === "bigint" ? Number(v) : (v ?? Number.NaN);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/** Where the column's chunk lies in each row group, checked against the data region of the file. */
function chunkRanges(footer: Footer, col: ParquetListColumn, file: string): ChunkRange[] {
  const out: ChunkRange[] = [];
  footer.meta.row_groups.forEach((rg, i) => {
    const cc = rg.columns?.[col.leaf];
    const md = cc?.meta_data;
    const at = { file, column: col.name, byteOffset: footer.start };
    if (!cc || !md) {
      throw new InputError(
        cc?.file_path
          ? `row group ${i} keeps the column in another file (${cc.file_path})`
          : `corrupt Parquet footer: row group ${i} has no metadata for the column`,
        at,
        cc?.file_path ? "embcheck reads single-file Parquet; rewrite it with pyarrow.parquet.write_table" : undefined,
      );
    }
    if (md.path_in_schema.join(".") !== col.path.join(".")) {
      throw new InputError(
        `corrupt Parquet footer: row group ${i} column ${col.leaf} is ${md.path_in_schema.join(".")}, not ${col.path.join(".")}`,
        at,
      );
    }
    const dataAt = toSafe(md.data_page_offset);
    const dictAt = toSafe(md.dictionary_page_offset);
    // like Arrow's reader: the dictionary page, when there is one, comes first (some writers
    // store dictionary_page_offset 0 to mean none)
    const start = dictAt > 0 && dictAt < dataAt ? dictAt : dataAt;
    const length = toSafe(md.total_compressed_size);
    const slots = toSafe(md.num_values);
    const rows = toSafe(rg.num_rows);
    if (!(start >= 4 && length >= 0 && start + length <= footer.start)) {
      throw new InputError(
        `row group ${i}: the column chunk (bytes ${start}..${start + length}) lies outside the file's data (which ends at byte ${footer.start})`,
        at,
        "the file is damaged or cut short; write it again",
      );
    }
    if (!(slots >= 0 && rows >= 0)) throw new InputError(`corrupt Parquet footer: row group ${i} counts`, at);
    out.push({ rowGroup: i, start, length, codec: md.codec as ParquetCodec, slots, rows });
  });
  return out;
}

/** Opens a Parquet file; reads the footer now and the embedding column's pages as chunks are asked for. */
export async function openParquetFile(path: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(path, "r");
  } catch (err) {
    throw new InputError(`cannot open: ${(err as Error).message}`, { file: path });
  }
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await fh.close();
  };
  try {
    const { size } = await fh.stat();
    const footer = await readFooter(fh, size, path);
    const fields = topFields(footer.meta, path);
    const col = chooseParquetColumn(fields, path, opts.column);
    const pairCol = opts.pairColumn !== undefined ? pairParquetColumn(fields, path, opts.pairColumn) : null;
    const ranges = chunkRanges(footer, col, path);
    const pairRanges = pairCol ? chunkRanges(footer, pairCol, path) : null;

    const rows = toSafe(footer.meta.num_rows);
    const sum = ranges.reduce((a, r) => a + r.rows, 0);
    if (!(rows >= 0) || rows !== sum) {
      throw new InputError(`corrupt Parquet footer: ${footer.meta.num_rows} rows, but its row groups hold ${sum}`, {
        file: path,
        byteOffset: footer.start,
      });
    }
    if (rows === 0) throw new InputError("the Parquet file has no rows", { file: path, column: col.name });

    let bytes = footer.bytes;
    const counted: ReadAt = async (buf, length, position) => {
      const { bytesRead } = await fh.read(buf, 0, length, position);
      bytes += bytesRead;
      return bytesRead;
    };
    const uncounted: ReadAt = async (buf, length, position) => (await fh.read(buf, 0, length, position)).bytesRead;

    const dims = await firstRowLength(new PageStream(uncounted, ranges, col, path), col);
    if (dims === null) {
      throw new InputError(
        "every row of the embedding column is null, so its dimension is unknown",
        { file: path, column: col.name },
        "write at least one vector",
      );
    }
    if (dims === 0) throw new InputError("the vectors have length 0", { file: path, column: col.name });

    const chunkBytes = (r: ChunkRange[] | null) => (r ?? []).reduce((a, c) => a + c.length, 0);
    const wanted = opts.chunkRows;
    const chunkRows =
      wanted !== undefined && Number.isFinite(wanted) && wanted >= 1
        ? Math.floor(wanted)
        : defaultChunkRows(dims, col.dtype === "float64" ? 8 : 4);
    const info: SourceInfo = {
      path,
      format: "parquet",
      column: col.name,
      key: null,
      dtype: col.dtype,
      dims,
      rows,
      totalBytes: footer.bytes + chunkBytes(ranges) + chunkBytes(pairRanges),
    };
    const reuse = opts.reuseBuffers === true;
    const main = new ListRows(new PageStream(counted, ranges, col, path), col, dims, path, undefined, reuse);
    const pair =
      pairCol && pairRanges
        ? new ListRows(new PageStream(counted, pairRanges, pairCol, path), pairCol, dims, path, col.name, reuse)
        : null;

    const carrier =
      opts.carryColumns === true && fields.length > 1
        ? ParquetCarrier.create(
            path,
            footer.meta,
            fields,
            col.name,
            async (start, end) => {
              const buf = new Uint8Array(end - start);
              const { bytesRead } = await fh.read(buf, 0, buf.length, start);
              return buf.subarray(0, bytesRead);
            },
            size,
          )
        : null;

    let iterated = false;
    async function* chunks(): AsyncGenerator<Chunk> {
      if (iterated) throw new InputError("this input was already read once", { file: path });
      iterated = true;
      try {
        for (let done = 0; done < rows; ) {
          if (released) return;
          const group = carrier?.groupOf(done);
          const n = Math.min(chunkRows, (group?.end ?? rows) - done);
          const got = await main.read(n, done);
          const chunk: Chunk = { matrix: got.matrix, rowOffset: done };
          if (carrier && group) {
            chunk.arrow = {
              batch: await carrier.batch(group.group),
              start: done - group.start,
              column: carrier.column,
            };
          }
          if (got.nulls) chunk.nulls = got.nulls;
          if (pair) chunk.pair = await pair.read(n, done);
          done += n;
          yield chunk;
        }
        await main.assertEnd(rows);
        await pair?.assertEnd(rows);
      } catch (err) {
        throw wrap(err, path);
      } finally {
        await release();
      }
    }

    return { info, bytesRead: () => bytes, close: release, [Symbol.asyncIterator]: chunks };
  } catch (err) {
    await release().catch(() => {});
    throw wrap(err, path);
  }
}
