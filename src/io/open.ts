/**
 * Opens an input by its content (magic bytes), not its extension: a path, or "-" for stdin.
 *   \x93NUMPY → npy · PK\x03\x04 → npz · ARROW1 → Arrow IPC file · FF FF FF FF → Arrow IPC stream
 *   · PAR1 → Parquet
 */
import { open as openFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import { openNpyFile, openNpyStream } from "./npy.js";
import { openNpzFile } from "./npz.js";
import { sniff } from "./sniff.js";
import type { EmbeddingSource, OpenOptions } from "./types.js";

export { sniff };

/** apache-arrow costs ~180 ms to import: load the Arrow reader only for Arrow input (issue 19). */
const arrowReader = () => import("./arrow.js");
/** The Parquet reader (and hyparquet) likewise load only for Parquet input. */
const parquetReader = () => import("./parquet.js");

function unknown(file: string, head: Uint8Array, formats: string): InputError {
  if (head.length === 0) return new InputError("the input is empty (0 bytes)", { file }, "give a file with embeddings");
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return new InputError(
    `not a recognised format (first bytes ${hex})`,
    { file, byteOffset: 0 },
    `embcheck reads ${formats}`,
  );
}

/**
 * The widest input a run accepts: pass 1 keeps a d × d float64 scatter (and eigh a copy), so
 * 32,768 dims already need 8 GiB each. A header claiming more is refused before the profile
 * allocates anything (issue 20: an NPY header claiming 64 × 2^31 reached the allocator).
 */
export const MAX_DIMS = 32_768;

async function withinLimits(source: EmbeddingSource): Promise<EmbeddingSource> {
  const { dims, path } = source.info;
  if (dims > MAX_DIMS) {
    await source.close().catch(() => {});
    const gib = (dims * dims * 8) / 2 ** 30;
    throw new InputError(
      `the input claims ${dims} dims; its ${dims} × ${dims} covariance would need ${gib >= 1e6 ? gib.toExponential(1) : Math.round(gib)} GiB (embcheck reads at most ${MAX_DIMS} dims)`,
      { file: path },
      "check the header (a damaged shape?) or reduce the dims first",
    );
  }
  return source;
}

const FILE_FORMATS = ".npy, .npz, Arrow IPC files (.arrow, .feather), Arrow IPC streams (.arrows) and Parquet";
const STREAM_FORMATS = "NPY or an Arrow IPC stream from stdin";

/** Opens `path` (or "-" for `stdin`) as an embedding source. */
export async function openEmbeddings(
  path: string,
  opts: OpenOptions = {},
  stdin?: AsyncIterable<Uint8Array>,
): Promise<EmbeddingSource> {
  if (path === "-") {
    if (!stdin) throw new InputError("no standard input to read", { file: "-" });
    return withinLimits(await openStdin(stdin, opts));
  }
  return withinLimits(await openPath(path, opts));
}

async function openPath(path: string, opts: OpenOptions): Promise<EmbeddingSource> {
  const head = await readHead(path);
  switch (sniff(head)) {
    case "npy":
      return openNpyFile(path, opts);
    case "npz":
      return openNpzFile(path, opts);
    case "arrow":
    case "arrow-stream":
      // a stream-format file is read through the file handle too: the bytes of columns not needed are seeked over
      return (await arrowReader()).openArrowFile(path, opts);
    case "parquet":
      return (await parquetReader()).openParquetFile(path, opts);
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
    case "parquet":
      throw new InputError(
        "npz, Arrow IPC and Parquet files need random access and cannot be read from a pipe",
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
