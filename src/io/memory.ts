/**
 * Vectors already in memory as an EmbeddingSource, so `reportMatrix` runs the same pass as a file:
 * a flat typed array with its shape, an array of rows, or an ndarray-like view `{ data, shape,
 * stride, offset }` (the fields of the scijs `ndarray` package, read duck-typed: no dependency).
 * Contiguous float data is handed out as views, without a copy; arrays of rows and strided views
 * are copied one chunk at a time, so memory stays one chunk beyond the caller's array.
 */
import { UsageError } from "../errors.js";
import type { FloatArray } from "../linalg/matrix.js";
import { type Chunk, defaultChunkRows, type EmbeddingSource, type StoredDtype } from "./types.js";

/** Numbers a matrix may be given in (typed arrays of floats are read as they are). */
export type NumberArray = FloatArray | ArrayLike<number>;

/** A rows × dims matrix, row-major, in one flat array. */
export interface DenseMatrix {
  data: NumberArray;
  rows: number;
  dims: number;
}

/** An n × d view as scijs `ndarray` has it: element (i, j) is data[offset + i·stride[0] + j·stride[1]]. */
export interface NdarrayLike {
  data: NumberArray;
  shape: readonly number[];
  stride: readonly number[];
  offset?: number;
}

/** What `reportMatrix` and `profileMatrix` accept. */
export type MatrixInput = DenseMatrix | NdarrayLike | readonly (readonly number[] | FloatArray)[];

interface Strided {
  data: NumberArray;
  rows: number;
  dims: number;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** Float32 data stays float32 (as a float32 .npy); anything else is read as float64, losing nothing. */
function dtypeOf(data: NumberArray): StoredDtype {
  return data instanceof Float32Array ? "float32" : "float64";
}

function checkShape(rows: number, dims: number, what: string): void {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(dims) || dims < 1) {
    throw new UsageError(`${what}: rows must be an integer ≥ 0 and dims an integer ≥ 1, got ${rows} × ${dims}`);
  }
}

function strided(input: MatrixInput): Strided | null {
  if (Array.isArray(input)) return null;
  const m = input as Partial<DenseMatrix & NdarrayLike>;
  if (m.data === undefined || typeof m.data.length !== "number") {
    throw new UsageError(
      "reportMatrix: give { data, rows, dims }, an array of rows, or an ndarray-like { data, shape, stride }",
    );
  }
  if (m.shape !== undefined) {
    if (m.shape.length !== 2 || !m.stride || m.stride.length !== 2) {
      throw new UsageError(
        `reportMatrix: an ndarray must be 2-D (rows × dims) with two strides, got shape [${m.shape.join(", ")}]`,
      );
    }
    const [rows, dims] = m.shape;
    checkShape(rows, dims, "reportMatrix: the ndarray's shape");
    const s = { data: m.data, rows, dims, offset: m.offset ?? 0, rowStride: m.stride[0], colStride: m.stride[1] };
    const corners = [
      0,
      (rows - 1) * s.rowStride,
      (dims - 1) * s.colStride,
      (rows - 1) * s.rowStride + (dims - 1) * s.colStride,
    ];
    const lo = s.offset + Math.min(...corners);
    const hi = s.offset + Math.max(...corners);
    if (rows > 0 && (lo < 0 || hi >= m.data.length)) {
      throw new UsageError(
        `reportMatrix: the ndarray's shape, stride and offset reach index ${lo < 0 ? lo : hi}, outside its ${m.data.length} values`,
      );
    }
    return s;
  }
  const { rows, dims } = m as DenseMatrix;
  checkShape(rows, dims, "reportMatrix");
  if (m.data.length !== rows * dims) {
    throw new UsageError(`reportMatrix: ${rows} × ${dims} needs ${rows * dims} values, got ${m.data.length}`);
  }
  return { data: m.data, rows, dims, offset: 0, rowStride: dims, colStride: 1 };
}

/** The in-memory matrix as a source of chunks; `label` is its `input.path` in the report. */
export function memorySource(input: MatrixInput, label = "(memory)", chunkRows?: number): EmbeddingSource {
  const s = strided(input);
  const rowsArray = s ? null : (input as readonly ArrayLike<number>[]);
  const rows = s ? s.rows : rowsArray!.length;
  const dims = s ? s.dims : (rowsArray![0]?.length ?? 0);
  if (!s) {
    if (rows === 0)
      throw new UsageError(
        "reportMatrix: the array of rows is empty; give { data, rows: 0, dims } for an empty matrix",
      );
    checkShape(rows, dims, "reportMatrix");
    for (let i = 0; i < rows; i++) {
      if (rowsArray![i]?.length !== dims) {
        throw new UsageError(`reportMatrix: row ${i} has ${rowsArray![i]?.length ?? "no"} values, row 0 has ${dims}`);
      }
    }
  }
  const dtype: StoredDtype = s
    ? dtypeOf(s.data)
    : rowsArray!.every((r) => r instanceof Float32Array)
      ? "float32"
      : "float64";
  const step = Math.max(1, chunkRows ?? defaultChunkRows(dims, dtype === "float32" ? 4 : 8));
  let done = 0;
  return {
    info: { path: label, format: "memory", column: null, key: null, dtype, dims, rows, totalBytes: null },
    bytesRead: () => done * dims * (dtype === "float32" ? 4 : 8),
    close: async () => {},
    async *[Symbol.asyncIterator](): AsyncGenerator<Chunk> {
      for (let at = 0; at < rows; at += step) {
        const n = Math.min(step, rows - at);
        yield { matrix: { rows: n, cols: dims, data: block(at, n) }, rowOffset: at };
        done = at + n;
      }
    },
  };

  function block(at: number, n: number): FloatArray {
    const contiguous = s && s.rowStride === dims && s.colStride === 1;
    if (contiguous && (s.data instanceof Float32Array || s.data instanceof Float64Array)) {
      return s.data.subarray(s.offset + at * dims, s.offset + (at + n) * dims);
    }
    const out = dtype === "float32" ? new Float32Array(n * dims) : new Float64Array(n * dims);
    for (let i = 0; i < n; i++) {
      if (s) {
        const base = s.offset + (at + i) * s.rowStride;
        for (let j = 0; j < dims; j++) out[i * dims + j] = s.data[base + j * s.colStride];
      } else {
        const r = rowsArray![at + i];
        for (let j = 0; j < dims; j++) out[i * dims + j] = r[j];
      }
    }
    return out;
  }
}
