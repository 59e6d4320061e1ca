/**
 * Opens an input by its content (magic bytes), not its extension: a path, or "-" for stdin.
 *   \x93NUMPY → npy · PK\x03\x04 → npz · ARROW1 → Arrow IPC file · FF FF FF FF → Arrow IPC stream
 */
import { open as openFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { openNpyFile, openNpyStream } from "./npy.js";
import { openNpzFile } from "./npz.js";
import type { EmbeddingSource, InputFormat, OpenOptions } from "./types.js";

/** apache-arrow costs ~180 ms to import: load the Arrow reader only for Arrow input (issue 19). */
const arrowReader = () => import("./arrow.js");

const NPY = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const ARROW = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];
const ARROW_STREAM = [0xff, 0xff, 0xff, 0xff];
const PARQUET = [0x50, 0x41, 0x52, 0x31];

const startsWith = (head: Uint8Array, magic: number[]) =>
  head.length >= magic.length && magic.every((b, i) => head[i] === b);

/** The format a file's first bytes announce, or null. */
export function sniff(head: Uint8Array): InputFormat | "parquet" | null {
  if (startsWith(head, NPY)) return "npy";
  if (startsWith(head, ZIP) || startsWith(head, ZIP_EMPTY)) return "npz";
  if (startsWith(head, ARROW)) return "arrow";
  if (startsWith(head, ARROW_STREAM)) return "arrow-stream";
  if (startsWith(head, PARQUET)) return "parquet";
  return null;
}

function unknown(file: string, head: Uint8Array, formats: string): InputError {
  if (head.length === 0) return new InputError("the input is empty (0 bytes)", { file }, "give a file with embeddings");
  if (sniff(head) === "parquet") {
    return new InputError(
      "Parquet is not supported yet",
      { file },
      "convert it to Arrow: python -c \"import pyarrow.parquet as pq, pyarrow.feather as f; f.write_feather(pq.read_table('IN.parquet'), 'OUT.arrow')\"",
    );
  }
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new InputError(
    `not a recognised format (first bytes ${hex})`,
    { file, byteOffset: 0 },
    `embcheck reads ${formats}`,
  );
}

const FILE_FORMATS = ".npy, .npz, Arrow IPC files (.arrow, .feather) and Arrow IPC streams (.arrows)";
const STREAM_FORMATS = "NPY or an Arrow IPC stream from stdin";

/** Opens `path` (or "-" for `stdin`) as an embedding source. */
export async function openEmbeddings(
  path: string,
  opts: OpenOptions = {},
  stdin?: AsyncIterable<Uint8Array>,
): Promise<EmbeddingSource> {
  if (path === "-") {
    if (!stdin) throw new InputError("no standard input to read", { file: "-" });
    return openStdin(stdin, opts);
  }
  const head = await readHead(path);
  switch (sniff(head)) {
    case "npy":
      return openNpyFile(path, opts);
    case "npz":
      return openNpzFile(path, opts);
    case "arrow":
      return (await arrowReader()).openArrowFile(path, opts);
    case "arrow-stream": {
      const { createReadStream } = await import("node:fs");
      return (await arrowReader()).openArrowStream(createReadStream(path, { highWaterMark: 1 << 20 }), path, opts);
    }
    default:
      throw unknown(path, head, FILE_FORMATS);
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  let fh: Awaited<ReturnType<typeof openFile>>;
  try {
    fh = await openFile(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError("no such file", { file: path }, "check the path");
    if (code === "EACCES") throw new InputError("permission denied", { file: path });
    if (code === "EISDIR") throw new InputError("is a directory, not a file", { file: path });
    throw new InputError(`cannot open (${code ?? String(e)})`, { file: path });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputError("is a directory, not a file", { file: path });
    const buf = new Uint8Array(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new InputError("is a directory, not a file", { file: path });
    throw new InputError(`cannot read (${code ?? String(e)})`, { file: path });
  } finally {
    await fh.close();
  }
}

/** Reads the first bytes of stdin to sniff, then hands the whole stream (head included) on. */
async function openStdin(stdin: AsyncIterable<Uint8Array>, opts: OpenOptions): Promise<EmbeddingSource> {
  const it = stdin[Symbol.asyncIterator]();
  const pieces: Uint8Array[] = [];
  let have = 0;
  let done = false;
  while (have < 8) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    pieces.push(next.value);
    have += next.value.length;
  }
  const head = concat(pieces, have);
  const whole: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      if (head.length) yield head;
      if (done) return;
      for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
    },
  };
  switch (sniff(head)) {
    case "npy":
      return openNpyStream(whole, "stdin", opts);
    case "arrow-stream":
      return (await arrowReader()).openArrowStream(whole, "stdin", opts);
    case "npz":
    case "arrow":
      throw new InputError(
        "npz and Arrow IPC files need random access and cannot be read from a pipe",
        { file: "stdin" },
        "pass the file path instead, or pipe an Arrow IPC stream or NPY",
      );
    default:
      throw unknown("stdin", head, STREAM_FORMATS);
  }
}

function concat(pieces: Uint8Array[], total: number): Uint8Array {
  if (pieces.length === 1) return pieces[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
