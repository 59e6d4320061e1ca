/**
 * Row labels (`--labels FILE`, `--label-column NAME`), streamed beside the rows: each chunk of the
 * input gets `labels`, the same rows' labels, whatever the two readers' chunk sizes (as
 * `--pairs` lines up a second input in ./pairs.ts). A label file is, by its content:
 *   - a 1-D .npy of integers, booleans or strings (./labels-npy.ts);
 *   - CSV, when `--label-column` names one of its header's columns (./labels-csv.ts);
 *   - otherwise text, one label per line (LF or CRLF; a trailing line break ends the last one).
 * An empty line or an empty unquoted CSV field is a null label (its own group). The row counts must
 * match: a mismatch is an InputError naming both counts. Memory: one read window of the file.
 */
import { open as openFile } from "node:fs/promises";
import { InputError, UsageError } from "../errors.js";
import { type CsvField, CsvSplitter } from "./labels-csv.js";
import { npyLabelDecoder } from "./labels-npy.js";
import { NPY_MAGIC, readRawNpyHeader } from "./npyHeader.js";
import type { Chunk, Label } from "./types.js";

export type { Label } from "./types.js";

/** Bytes read from a label file at a time. */
const WINDOW = 1 << 20;

export interface LabelSource extends AsyncIterable<Label[]> {
  readonly path: string;
  readonly kind: "npy" | "csv" | "text";
  /** The row count when the file says it in advance (.npy), else null. */
  readonly rows: number | null;
  close(): Promise<void>;
}

export interface LabelOpenOptions {
  /** CSV: the column holding the labels. */
  column?: string;
}

type Handle = Awaited<ReturnType<typeof openFile>>;

async function openHandle(path: string): Promise<Handle> {
  try {
    return await openFile(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError("no such label file", { file: path }, "check the --labels path");
    if (code === "EISDIR") throw new InputError("is a directory, not a label file", { file: path });
    throw new InputError(`cannot open the label file (${code ?? String(e)})`, { file: path });
  }
}

/** Opens a label file (see the module comment for the formats). */
export async function openLabels(path: string, opts: LabelOpenOptions = {}): Promise<LabelSource> {
  if (path === "-") throw new UsageError("--labels needs a file, not stdin");
  const fh = await openHandle(path);
  let pos = 0;
  const read = async (n: number): Promise<Uint8Array> => {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(buf, got, n - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    pos += got;
    return buf.subarray(0, got);
  };
  try {
    const head = await read(6);
    pos = 0;
    if (head.length === 6 && NPY_MAGIC.every((b, i) => head[i] === b)) return await npySource(path, fh, read);
    return textSource(path, fh, read, opts.column);
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

async function npySource(path: string, fh: Handle, read: (n: number) => Promise<Uint8Array>): Promise<LabelSource> {
  const raw = await readRawNpyHeader(read, path);
  const dec = npyLabelDecoder(raw, path);
  return {
    path,
    kind: "npy",
    rows: dec.rows,
    close: () => fh.close().catch(() => {}),
    async *[Symbol.asyncIterator]() {
      const per = Math.max(1, Math.floor(WINDOW / Math.max(1, dec.itemSize)));
      let done = 0;
      while (done < dec.rows) {
        const count = Math.min(per, dec.rows - done);
        const bytes = await read(count * dec.itemSize);
        if (bytes.length < count * dec.itemSize) {
          throw new InputError(
            `the label array is truncated: the header says ${dec.rows} labels but the data ends after ${done + Math.floor(bytes.length / dec.itemSize)}`,
            { file: path, byteOffset: raw.dataOffset + done * dec.itemSize + bytes.length },
            "save the labels again",
          );
        }
        const out: Label[] = [];
        dec.decode(bytes, count, out);
        done += count;
        yield out;
      }
    },
  };
}

function textSource(
  path: string,
  fh: Handle,
  read: (n: number) => Promise<Uint8Array>,
  column: string | undefined,
): LabelSource {
  const csv = column !== undefined;
  return {
    path,
    kind: csv ? "csv" : "text",
    rows: null,
    close: () => fh.close().catch(() => {}),
    async *[Symbol.asyncIterator]() {
      const decoder = new TextDecoder("utf-8", { fatal: true });
      const decode = (bytes: Uint8Array, stream: boolean): string => {
        try {
          return decoder.decode(bytes, { stream });
        } catch {
          throw new InputError(
            "the label file is not UTF-8 text (nor an .npy array)",
            { file: path },
            "save it as UTF-8",
          );
        }
      };
      const lines = csv ? csvLines(path, column) : plainLines();
      for (;;) {
        const bytes = await read(WINDOW);
        const text = decode(bytes, bytes.length > 0);
        const out = lines.push(text, bytes.length === 0);
        if (out.length > 0) yield out;
        if (bytes.length === 0) return;
      }
    },
  };
}

interface LineParser {
  /** The labels completed by `text` (and, at `end`, the last one). */
  push(text: string, end: boolean): Label[];
}

/** One label per line; "\r\n" or "\n" ends a line; an empty line is null. */
function plainLines(): LineParser {
  let rest = "";
  const toLabel = (line: string): Label => {
    const s = line.endsWith("\r") ? line.slice(0, -1) : line;
    return s === "" ? null : s;
  };
  return {
    push(text, end) {
      const parts = (rest + text).split("\n");
      rest = parts.pop() ?? "";
      const out = parts.map(toLabel);
      if (end && rest !== "") out.push(toLabel(rest));
      return out;
    },
  };
}

/** The named column of a CSV file with a header row. */
function csvLines(path: string, column: string): LineParser {
  const split = new CsvSplitter(path);
  let at = -1;
  let width = 0;
  let out: Label[] = [];
  const emit = (rec: CsvField[], line: number) => {
    if (at < 0) {
      const names = rec.map((f) => f.text.replace(/^\uFEFF/, ""));
      at = names.indexOf(column);
      if (at < 0) {
        throw new InputError(
          `the CSV header has no column "${column}"`,
          { file: path, column },
          `its columns: ${names.map((n) => JSON.stringify(n)).join(", ")}`,
        );
      }
      width = names.length;
      return;
    }
    if (rec.length !== width) {
      throw new InputError(
        `line ${line} has ${rec.length} field${rec.length === 1 ? "" : "s"} but the header has ${width}`,
        { file: path, row: out.length },
        "every CSV record needs one field per header column (quote fields holding commas)",
      );
    }
    const f = rec[at];
    out.push(f.text === "" && !f.quoted ? null : f.text);
  };
  return {
    push(text, end) {
      out = [];
      split.push(text, emit);
      if (end) {
        split.end(emit);
        if (at < 0) throw new InputError("the CSV label file is empty (no header row)", { file: path });
      }
      return out;
    },
  };
}

function countMismatch(path: string, labels: number, rows: string): InputError {
  return new InputError(
    `the label file has ${labels} labels but the input has ${rows} rows`,
    { file: path },
    "give one label per row of the input, in the same order",
  );
}

/**
 * Each chunk of `chunks` with `labels` = the same rows of `labels`; InputError naming both row
 * counts when they differ (checked before the pass when both are known in advance). `part`: the
 * chunks are rows [first rowOffset, …) of the input (`--shard`): the labels before them are
 * skipped and the labels after them not read.
 */
export async function* withLabels(
  chunks: AsyncIterable<Chunk>,
  labels: LabelSource,
  inputRows: number | null = null,
  part = false,
): AsyncGenerator<Chunk> {
  if (labels.rows !== null && inputRows !== null && labels.rows !== inputRows) {
    throw countMismatch(labels.path, labels.rows, String(inputRows));
  }
  const it = labels[Symbol.asyncIterator]();
  let held: Label[] = [];
  let heldAt = 0;
  let seen = 0;
  let rows = 0;
  let skip = -1;
  for await (const chunk of chunks) {
    const n = chunk.matrix.rows;
    if (skip < 0) {
      skip = part ? chunk.rowOffset : 0;
      rows = skip;
      while (skip > 0) {
        if (heldAt >= held.length) {
          const next = await it.next();
          if (next.done) throw countMismatch(labels.path, seen, `at least ${rows + n}`);
          held = next.value;
          heldAt = 0;
          seen += held.length;
        }
        const take = Math.min(skip, held.length - heldAt);
        heldAt += take;
        skip -= take;
      }
    }
    const out: Label[] = new Array(n);
    let filled = 0;
    while (filled < n) {
      if (heldAt >= held.length) {
        const next = await it.next();
        if (next.done)
          throw countMismatch(labels.path, seen, inputRows !== null ? String(inputRows) : `at least ${rows + n}`);
        held = next.value;
        heldAt = 0;
        seen += held.length;
      }
      const take = Math.min(n - filled, held.length - heldAt);
      for (let i = 0; i < take; i++) out[filled + i] = held[heldAt + i];
      heldAt += take;
      filled += take;
    }
    rows += n;
    yield { ...chunk, labels: out };
  }
  if (part) return;
  let total = seen;
  for (let next = await it.next(); !next.done; next = await it.next()) total += next.value.length;
  if (total !== rows) throw countMismatch(labels.path, total, String(rows));
}

/** Labels held in memory (the library's `labels: [...]`), as a label source. */
export function memoryLabels(labels: readonly Label[], path = "(memory labels)"): LabelSource {
  return {
    path,
    kind: "text",
    rows: labels.length,
    close: async () => {},
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < labels.length; i += 65536) yield labels.slice(i, i + 65536);
    },
  };
}
