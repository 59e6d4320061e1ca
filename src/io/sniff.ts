/**
 * The format an input's first bytes announce (magic numbers), shared by the dispatcher (open.ts)
 * and the readers that need to tell variants apart (an Arrow file from an Arrow stream).
 *   \x93NUMPY → npy · PK\x03\x04 → npz · ARROW1 → Arrow IPC file · FF FF FF FF → Arrow IPC stream · PAR1 → Parquet
 */
import type { InputFormat } from "./types.js";

const NPY = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const ARROW = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
const ARROW_STREAM = [0xff, 0xff, 0xff, 0xff];
const PARQUET = [0x50, 0x41, 0x52, 0x31];

const startsWith = (head: Uint8Array, magic: number[]) =>
  head.length >= magic.length && magic.every((b, i) => head[i] === b);

/** The format a file's first bytes announce, or null. */
export function sniff(head: Uint8Array): InputFormat | null {
  if (startsWith(head, NPY)) return "npy";
  if (startsWith(head, ZIP) || startsWith(head, ZIP_EMPTY)) return "npz";
  if (startsWith(head, ARROW)) return "arrow";
  if (startsWith(head, ARROW_STREAM)) return "arrow-stream";
  if (startsWith(head, PARQUET)) return "parquet";
  return null;
}

/** Whether `bytes` end with the ARROW1 magic (an Arrow IPC file's last 6 bytes). */
export function endsWithArrowMagic(bytes: Uint8Array): boolean {
  return bytes.length >= ARROW.length && ARROW.every((b, i) => bytes[bytes.length - ARROW.length + i] === b);
}
