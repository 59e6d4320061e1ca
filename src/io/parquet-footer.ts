/**
 * The Parquet footer: `... | FileMetaData (thrift compact) | u32 LE length | "PAR1"`
 * (parquet-format README, "File format"). The length is checked against the file size (and a
 * fixed cap) before anything is allocated; the thrift is decoded by hyparquet's parquetMetadata.
 */
import type { FileHandle } from "node:fs/promises";
import { type FileMetaData, parquetMetadata } from "hyparquet";
import { InputError } from "../errors.js";

/** Footers larger than this are refused (a real one is KiBs; a few MiB with thousands of row groups). */
export const MAX_FOOTER_BYTES = 64 << 20;

const MAGIC = 0x31524150; // "PAR1" little-endian
const ENCRYPTED = 0x45524150; // "PARE"

export interface Footer {
  meta: FileMetaData;
  /** File offset of the FileMetaData (the data pages all lie before it). */
  start: number;
  /** Bytes read for it (length, magic, metadata). */
  bytes: number;
}

export async function readFooter(fh: FileHandle, size: number, file: string): Promise<Footer> {
  const todo = "the file was cut short or damaged; write it again";
  if (size < 12) {
    throw new InputError(
      `truncated Parquet file: ${size} bytes is too short for a footer`,
      { file, byteOffset: size },
      todo,
    );
  }
  const tail = new Uint8Array(8);
  await fh.read(tail, 0, 8, size - 8);
  const view = new DataView(tail.buffer);
  const magic = view.getUint32(4, true);
  if (magic === ENCRYPTED) {
    throw new InputError(
      "the Parquet footer is encrypted",
      { file },
      "decrypt the file first (embcheck reads plain footers)",
    );
  }
  if (magic !== MAGIC) {
    throw new InputError(
      "truncated Parquet file: it starts with the PAR1 magic but does not end with it (no footer)",
      { file, byteOffset: size },
      todo,
    );
  }
  const len = view.getUint32(0, true);
  if (len === 0 || len > size - 12 || len > MAX_FOOTER_BYTES) {
    throw new InputError(
      `corrupt Parquet footer length ${len} (the file has ${size} bytes${len > MAX_FOOTER_BYTES ? `; at most ${MAX_FOOTER_BYTES} are read` : ""})`,
      { file, byteOffset: size - 8 },
      todo,
    );
  }
  const start = size - 8 - len;
  const buf = new Uint8Array(len + 8);
  const { bytesRead } = await fh.read(buf, 0, len + 8, start);
  if (bytesRead !== len + 8) throw new InputError("the file changed while it was read", { file, byteOffset: start });
  let meta: FileMetaData;
  try {
    meta = parquetMetadata(buf.buffer, { geoparquet: false });
  } catch (err) {
    throw new InputError(
      `corrupt Parquet footer: its metadata cannot be decoded (${(err as Error).message})`,
      { file, byteOffset: start },
      todo,
    );
  }
  if (!Array.isArray(meta.schema) || meta.schema.length === 0 || !Array.isArray(meta.row_groups)) {
    throw new InputError("corrupt Parquet footer: no schema or row groups", { file, byteOffset: start }, todo);
  }
  return { meta, start, bytes: len + 8 };
}
