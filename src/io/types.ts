import type { RecordBatch } from "apache-arrow";
import type { Matrix } from "../linalg/matrix.js";

/** The formats embcheck reads (the `input.format` values of the report). */
export type InputFormat = "npy" | "npz" | "arrow" | "arrow-stream" | "parquet";

/** The stored element type, as the report's `input.dtype` names it. */
export type StoredDtype = "float16" | "float32" | "float64" | "int8" | "uint8";

/** A block of consecutive rows. Readers yield chunks in order; `rowOffset` is global. */
export interface Chunk {
  /**
   * rows × dims, row-major. Float32Array unless the stored dtype is float64 (then Float64Array,
   * so no precision is lost). Null rows hold zeros here and are marked in `nulls`.
   */
  matrix: Matrix;
  /** Index of this chunk's first row within the whole input (0-based). */
  rowOffset: number;
  /** 1 where the row is null (tabular formats only); absent when no row of the chunk is null. */
  nulls?: Uint8Array;
  /** Positive partners, row i with row i (from `--pair-column` or `--pairs FILE`). */
  pair?: { matrix: Matrix; nulls?: Uint8Array };
  /**
   * Arrow input only: the record batch these rows come from (rows [start, start + rows) of it) and
   * the embedding column's index, so a writer can carry the other columns through.
   */
  arrow?: ArrowRows;
  /** The rows' labels (`--labels`, `--label-column`; src/io/labels.ts), null for a null label. */
  labels?: Label[];
}

/** A row's label: text, an integer, or null (a null label is a group of its own). */
export type Label = string | number | null;

export interface ArrowRows {
  batch: RecordBatch;
  start: number;
  column: number;
}

/** One file of a dataset (the report's `input.files`). */
export interface DatasetFile {
  path: string;
  format: InputFormat;
  /** Rows read (known from the header before the pass for npy, npz and Arrow IPC files). */
  rows: number | null;
  dtype: StoredDtype;
}

export interface SourceInfo {
  /** The path as the user gave it ("-" for stdin; for a dataset, see src/io/inputs.ts). */
  path: string;
  /** "mixed" for a dataset whose files have different formats; "profile" for a profile file; "memory" for vectors given in memory (reportMatrix). */
  format: InputFormat | "mixed" | "memory" | "profile";
  /** The embedding column for tabular formats, else null. */
  column: string | null;
  /** The npz member read (npz only), else null. */
  key: string | null;
  /** "mixed" for a dataset whose files store different dtypes (their rows are then read as float64 when one file is float64). */
  dtype: StoredDtype | "mixed";
  dims: number;
  /** Row count when the header says it in advance (npy, npz, arrow file, parquet), else null. */
  rows: number | null;
  /** Size in bytes when known (for progress), else null. */
  totalBytes: number | null;
  /** A dataset of several files (src/io/dataset.ts): each file, in reading order. Absent for one file. */
  files?: DatasetFile[];
  /** A profile file (`embcheck profile`/`merge`) read in place of the vectors. Absent otherwise. */
  profile?: ProfileOrigin;
}

/** Where a profile file's numbers came from (the report's `input.profile`). */
export interface ProfileOrigin {
  /** The input(s) profiled ("mixed" formats or dtypes when merged from different ones). */
  source: { path: string; format: string; dtype: string };
  /** Global row ranges covered, [start, end) pairs. */
  ranges: number[];
  /** The embcheck version that wrote the file. */
  tool: string;
}

/** An opened input: an async iterable of chunks plus what the header said. Iterate once. */
export interface EmbeddingSource extends AsyncIterable<Chunk> {
  readonly info: SourceInfo;
  /** Bytes consumed so far (for a progress line). */
  bytesRead(): number;
  /** Releases file handles; safe to call twice, and after an error. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** npz: which member to read. */
  key?: string;
  /** Arrow and Parquet: the embedding column. */
  column?: string;
  /** Arrow and Parquet: a second list column holding each row's positive partner. */
  pairColumn?: string;
  /**
   * Arrow: also decode the columns other than the embedding column (one record batch's worth at a
   * time), so a writer can carry them through (`chunk.arrow`). Off for report/check/plot.
   */
  carryColumns?: boolean;
  /** Upper bound on rows per chunk; readers pick a default near 8 MiB of values when unset. */
  chunkRows?: number;
  /**
   * Lets the reader hand out chunks whose arrays it reuses (NPY, NPZ, Parquet: a ring of REUSE_RING
   * arrays), so a pass allocates no new memory per chunk. A chunk's data is then valid only until
   * the reader is asked for REUSE_RING − 1 more chunks: for consumers that copy what they keep and
   * read at most one chunk ahead (embcheck's own passes). Default false: every chunk is fresh.
   */
  reuseBuffers?: boolean;
}

/** Arrays a reader cycles through with OpenOptions.reuseBuffers. */
export const REUSE_RING = 3;

/** Default rows per chunk: about 8 MiB of values, at least 1. */
export function defaultChunkRows(dims: number, bytesPerValue: number): number {
  return Math.max(1, Math.floor((8 << 20) / Math.max(1, dims * bytesPerValue)));
}
