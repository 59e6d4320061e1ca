/**
 * Rows [start, end) of an input (one file or a dataset), numbered globally, for `profile --shard`:
 * a dataset opens only the files that hold rows of the range (their row counts come from the
 * headers, read once), a single file is read from its start and the rows before the range skipped.
 * Chunks keep their global rowOffset; Arrow rows are dropped (a profile needs only the vectors).
 */
import { InputError } from "../errors.js";
import type { FloatArray } from "../linalg/matrix.js";
import { openDataset, openInput } from "./dataset.js";
import type { InputSpec } from "./inputs.js";
import type { Chunk, EmbeddingSource, OpenOptions, SourceInfo } from "./types.js";

/** The input's header information and its row count (InputError when a header does not say it). */
export async function inputRows(spec: InputSpec, opts: OpenOptions): Promise<{ info: SourceInfo; rows: number }> {
  const src = await openInput(spec, opts);
  await src.close();
  const info = src.info;
  if (info.rows === null) {
    const unknown = info.files?.find((f) => f.rows === null)?.path ?? info.path;
    throw new InputError(
      "its header does not say how many rows it holds, so --shard cannot cut it",
      { file: unknown },
      "convert it to Arrow IPC file, npy or Parquet, or cut the shards yourself and give each --row-offset",
    );
  }
  return { info, rows: info.rows };
}

/**
 * A source of rows [start, end) of `spec`, whose whole-input header information is `info`
 * (from inputRows). The source's info describes the whole input.
 */
export async function openRowRange(
  spec: InputSpec,
  info: SourceInfo,
  start: number,
  end: number,
  opts: OpenOptions,
): Promise<EmbeddingSource> {
  let inner: EmbeddingSource | null = null;
  let base = 0;
  let promote = false;
  if (info.files && spec.dataset) {
    const files: string[] = [];
    let at = 0;
    for (const f of info.files) {
      const rows = f.rows ?? 0;
      if (at + rows > start && at < end) {
        if (files.length === 0) base = at;
        files.push(f.path);
      }
      at += rows;
    }
    // the whole dataset reads every row as float64 when it mixes float64 with other dtypes
    const dtypes = new Set(info.files.map((f) => f.dtype));
    promote = dtypes.has("float64") && dtypes.size > 1;
    if (files.length > 0) inner = await openDataset({ label: spec.label, files, dataset: true }, opts);
  } else if (end > start) inner = await openInput(spec, opts);
  const source = inner;
  async function* rows(): AsyncGenerator<Chunk> {
    if (!source) return;
    for await (const c of source) {
      const lo = c.rowOffset + base;
      const n = c.matrix.rows;
      if (lo + n <= start) continue;
      if (lo >= end) break;
      const from = Math.max(0, start - lo);
      const to = Math.min(n, end - lo);
      yield slice(c, lo, from, to, promote);
    }
  }
  return {
    info,
    bytesRead: () => source?.bytesRead() ?? 0,
    close: async () => {
      await source?.close();
    },
    [Symbol.asyncIterator]: () => rows()[Symbol.asyncIterator](),
  };
}

function slice(c: Chunk, lo: number, from: number, to: number, promote: boolean): Chunk {
  const cols = c.matrix.cols;
  const part = (data: FloatArray): FloatArray => {
    const view = from === 0 && to === c.matrix.rows ? data : data.subarray(from * cols, to * cols);
    return promote && view instanceof Float32Array ? Float64Array.from(view) : view;
  };
  const out: Chunk = { matrix: { rows: to - from, cols, data: part(c.matrix.data) }, rowOffset: lo + from };
  const nulls = c.nulls?.subarray(from, to);
  if (nulls?.some((v) => v === 1)) out.nulls = nulls;
  if (c.pair) {
    const p: NonNullable<Chunk["pair"]> = { matrix: { rows: to - from, cols, data: part(c.pair.matrix.data) } };
    const pn = c.pair.nulls?.subarray(from, to);
    if (pn?.some((v) => v === 1)) p.nulls = pn;
    out.pair = p;
  }
  return out;
}
