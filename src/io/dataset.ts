/**
 * A dataset of several files read as ONE matrix: the files in the order src/io/inputs.ts gives
 * (sorted paths), global row indices running on from file to file (each chunk's rowOffset continues
 * the previous file's), so the seeded sample, which depends only on (seed, global row index), is the
 * one a single concatenated file gives.
 *
 * Opening reads every file's header once, one file at a time (dims checked against the first file
 * before any pass starts; the stored dtypes and row counts known up front); iterating opens the
 * files again one at a time, so at most one file is open at once. Files may mix formats and stored
 * dtypes: when one file is float64 and another is not, every row is read as float64 (as
 * np.concatenate promotes; float32 → float64 is exact), so equal rows hash equal across files.
 */
import { stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { type InputSpec, resolveInputs } from "./inputs.js";
import { openEmbeddings } from "./open.js";
import { rechunk } from "./rechunk.js";
import {
  type Chunk,
  type DatasetFile,
  defaultChunkRows,
  type EmbeddingSource,
  type InputFormat,
  type OpenOptions,
  type SourceInfo,
} from "./types.js";

export interface DatasetOptions extends OpenOptions {
  /**
   * fix and apply: keep each chunk's Arrow rows (`Chunk.arrow`) so a writer can carry the other
   * columns through: possible when every file is Arrow, and then every file must have the first
   * file's columns. Chunks then come as the readers cut them (fix's output does not depend on
   * chunk sizes). Without it, Arrow rows are dropped and the chunks are re-cut at the row counts a
   * single file would give (see rechunk.ts).
   */
  carryColumns?: boolean;
}

/** The formats whose chunks carry Arrow rows. */
const ARROW_FORMATS: readonly string[] = ["arrow", "arrow-stream", "parquet"];

/**
 * Opens what the arguments name: one file (or "-" for `stdin`) as itself, anything else (several
 * paths, a directory, a glob) as one dataset. Accepts arguments or an already resolved InputSpec.
 */
export async function openInput(
  input: string | readonly string[] | InputSpec,
  opts: DatasetOptions = {},
  stdin?: AsyncIterable<Uint8Array>,
): Promise<EmbeddingSource> {
  const spec = typeof input === "string" || Array.isArray(input) ? await resolveInputs(input) : (input as InputSpec);
  if (!spec.dataset) return openEmbeddings(spec.files[0], opts, stdin);
  return openDataset(spec, opts);
}

export async function openDataset(spec: InputSpec, opts: DatasetOptions = {}): Promise<EmbeddingSource> {
  const { carryColumns, ...readerOpts } = opts;
  const files: DatasetFile[] = [];
  const bytes: number[] = [];
  let first: SourceInfo | null = null;
  let column: string | null = null;
  for (const path of spec.files) {
    const src = await openEmbeddings(path, readerOpts);
    const info = src.info;
    await src.close();
    if (first) checkDims(info, first);
    first ??= info;
    column ??= info.column;
    files.push({
      path,
      format: info.format as InputFormat,
      rows: info.rows,
      dtype: info.dtype as DatasetFile["dtype"],
    });
    // a stream file's reader knows no size up front; the file system does (for the progress line)
    bytes.push(info.totalBytes ?? (await stat(path)).size);
  }
  if (!first) throw new InputError("the dataset holds no file", { file: spec.label });
  const head = first;
  const dtypes = new Set(files.map((f) => f.dtype));
  const formats = new Set(files.map((f) => f.format));
  const promote = dtypes.has("float64") && dtypes.size > 1;
  const carry = carryColumns === true && files.every((f) => ARROW_FORMATS.includes(f.format));
  const sum = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? xs.reduce((a, b) => a + (b ?? 0), 0) : null);
  const info: SourceInfo = {
    path: spec.label,
    format: formats.size === 1 ? files[0].format : "mixed",
    column,
    key: head.key,
    dtype: dtypes.size === 1 ? files[0].dtype : "mixed",
    dims: head.dims,
    rows: sum(files.map((f) => f.rows)),
    totalBytes: sum(bytes),
    files,
  };

  let current: EmbeddingSource | null = null;
  let doneBytes = 0;
  let iterated = false;

  async function* concatenated(): AsyncGenerator<Chunk> {
    let offset = 0;
    let schema: string | null = null;
    for (let i = 0; i < files.length; i++) {
      const src = await openEmbeddings(files[i].path, carry ? { ...readerOpts, carryColumns: true } : readerOpts);
      current = src;
      try {
        checkDims(src.info, head);
        let rows = 0;
        let firstChunk = true;
        for await (const c of src) {
          if (carry && firstChunk && c.arrow) {
            const s = columnsOf(c);
            if (schema === null) schema = s;
            else if (s !== schema) throw schemaError(files[i].path, s, files[0].path, schema);
          }
          firstChunk = false;
          rows += c.matrix.rows;
          yield shift(c, offset, promote, carry);
        }
        files[i].rows = rows;
        offset += rows;
        doneBytes += bytes[i] ?? src.bytesRead();
      } finally {
        current = null;
        await src.close();
      }
    }
  }

  const chunkRows = readerOpts.chunkRows ?? defaultChunkRows(head.dims, 4);
  return {
    info,
    bytesRead: () => doneBytes + ((current as EmbeddingSource | null)?.bytesRead() ?? 0),
    async close() {
      await (current as EmbeddingSource | null)?.close();
    },
    [Symbol.asyncIterator]() {
      if (iterated) throw new InputError("a dataset source can be read once; open it again", { file: spec.label });
      iterated = true;
      const chunks = concatenated();
      return (carry ? chunks : rechunk(chunks, Math.max(1, Math.floor(chunkRows))))[Symbol.asyncIterator]();
    },
  };
}

function checkDims(info: SourceInfo, first: SourceInfo): void {
  if (info.dims === first.dims) return;
  throw new InputError(
    `${info.dims} dims, but ${first.path} (the dataset's first file) has ${first.dims}`,
    { file: info.path },
    "every file of a dataset needs vectors of the same width (one model); leave this file out or check it on its own",
  );
}

/** The chunk at its global row offset, as float64 when the dataset mixes float64 with other dtypes. */
function shift(c: Chunk, offset: number, promote: boolean, carry: boolean): Chunk {
  const out: Chunk = { ...c, rowOffset: c.rowOffset + offset };
  if (!carry) delete out.arrow;
  if (!promote) return out;
  if (c.matrix.data instanceof Float32Array) out.matrix = { ...c.matrix, data: Float64Array.from(c.matrix.data) };
  if (c.pair && c.pair.matrix.data instanceof Float32Array) {
    out.pair = { ...c.pair, matrix: { ...c.pair.matrix, data: Float64Array.from(c.pair.matrix.data) } };
  }
  return out;
}

/** The columns a writer carries through: every field but the embedding column's type. */
function columnsOf(c: Chunk): string {
  const a = c.arrow;
  if (!a) return "";
  return a.batch.schema.fields
    .map((f, i) => (i === a.column ? `${f.name}: (embedding)` : `${f.name}: ${f.type}${f.nullable ? "" : " not null"}`))
    .join(", ");
}

function schemaError(path: string, cols: string, firstPath: string, firstCols: string): InputError {
  return new InputError(
    `its columns (${cols}) differ from those of ${firstPath} (${firstCols})`,
    { file: path },
    "fix carries the other columns of Arrow input through, so every file of the dataset needs the same columns; write them with one schema, or fix the files one at a time",
  );
}
