/**
 * Arrow IPC readers: the file format (Feather v2, `.arrow`/`.feather`) and the stream format
 * (`.arrows`, stdin). The embedding column is a FixedSizeList, List or LargeList of
 * float16/float32/float64; its values are streamed from their offsets in each record batch's
 * body (decompressed on the way for LZ4_FRAME and ZSTD bodies), so memory follows the chunk size,
 * not the record batch size. The parts, one job each, live in src/io/arrow/:
 *   open.ts (open and validate, footer or message stream) · messages.ts (IPC message framing) ·
 *   metadata.ts + flatbuffer.ts (bounds-checked metadata) · layout.ts (which buffers are whose) ·
 *   batch.ts (one batch's buffers) · listRows.ts (rows of a list column) · source.ts (chunks) ·
 *   carry.ts (other columns for a writer) · errors.ts (one-line InputErrors).
 */
import { openArrowBytes, openArrowPath } from "./arrow/open.js";
import { buildSource } from "./arrow/source.js";
import type { EmbeddingSource, OpenOptions } from "./types.js";

export { chooseColumn, type ListColumn } from "./arrow/column.js";

/** Opens an Arrow IPC file (Feather v2), or a stream-format file, through a file handle. */
export async function openArrowFile(path: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  return buildSource(await openArrowPath(path), path, opts);
}

/** Opens an Arrow IPC stream (stdin, `.arrows`); `label` names it in errors. */
export async function openArrowStream(
  stream: AsyncIterable<Uint8Array>,
  label: string,
  opts: OpenOptions = {},
): Promise<EmbeddingSource> {
  return buildSource(await openArrowBytes(stream, label), label, opts);
}
