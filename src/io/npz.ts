/**
 * NumPy .npz reader: a zip of .npy members (np.savez: stored; np.savez_compressed: deflate).
 * One member is streamed through the .npy stream parser; zip64 archives work (yauzl).
 *
 * Which member: `opts.key` if given; else the member `embeddings`; else the only member that
 * is a 2-D array of a readable dtype. Member headers are peeked to decide, never the data.
 *
 * `info.totalBytes` and `bytesRead()` count the member's uncompressed bytes, so progress is
 * consistent for deflated members too.
 */
import type { Readable } from "node:stream";
import type yauzl from "yauzl";
import { EmbcheckError, InputError } from "../errors.js";
import { crc32 } from "./crc32.js";
import { openNpyStream } from "./npy.js";
import { describeDescr, formatShape, interpretNpyHeader, readRawNpyHeader } from "./npyHeader.js";
import type { Chunk, EmbeddingSource, OpenOptions } from "./types.js";

const DEFAULT_KEY = "embeddings";

export async function openNpzFile(path: string, opts: OpenOptions = {}): Promise<EmbeddingSource> {
  let zip: yauzl.ZipFile;
  try {
    // loaded on the .npz path only (two CommonJS modules: issue 19, start-up)
    const { openPromise } = (await import("yauzl")).default;
    zip = await openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (e) {
    throw zipError(path, e);
  }
  let closed = false;
  const closeZip = () => {
    if (!closed) {
      closed = true;
      zip.close();
    }
  };
  try {
    const entries: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) {
        if (!entry.fileName.endsWith("/")) entries.push(entry);
      }
    } catch (e) {
      throw zipError(path, e);
    }
    const entry = await chooseMember(zip, entries, path, opts.key);
    const key = keyOf(entry.fileName);
    const label = `${path}:${entry.fileName}`;
    const stream = await openMember(zip, entry, path);
    const inner = await openNpyStream(crcChecked(stream, entry, path), label, opts, entry.uncompressedSize);
    const close = async () => {
      await inner.close();
      closeZip();
    };
    return {
      info: { ...inner.info, path, format: "npz", key, totalBytes: entry.uncompressedSize },
      bytesRead: () => inner.bytesRead(),
      close,
      [Symbol.asyncIterator](): AsyncIterator<Chunk> {
        const it = inner[Symbol.asyncIterator]();
        return {
          next: async () => {
            try {
              return await it.next();
            } catch (e) {
              await close().catch(() => {});
              throw e;
            }
          },
          return: async (value?: unknown) => (await it.return?.(value)) ?? { done: true, value: value as Chunk },
        };
      },
    };
  } catch (e) {
    closeZip();
    throw e;
  }
}

/** The member name as np.load's NpzFile names it: without the ".npy" suffix. */
function keyOf(fileName: string): string {
  return fileName.endsWith(".npy") ? fileName.slice(0, -4) : fileName;
}

async function chooseMember(
  zip: yauzl.ZipFile,
  entries: yauzl.Entry[],
  path: string,
  key: string | undefined,
): Promise<yauzl.Entry> {
  const keys = entries.map((e) => keyOf(e.fileName));
  if (entries.length === 0) {
    throw new InputError("the .npz archive holds no arrays", { file: path });
  }
  if (key !== undefined) {
    const found = entries.find((e) => keyOf(e.fileName) === key) ?? entries.find((e) => e.fileName === key);
    if (!found) {
      throw new InputError(
        `the .npz archive has no member "${key}"; it holds: ${keys.join(", ")}`,
        { file: path },
        "pass --key with one of those names",
      );
    }
    return found;
  }
  const named = entries.find((e) => e.fileName === `${DEFAULT_KEY}.npy`);
  if (named) return named;

  const candidates: yauzl.Entry[] = [];
  const described: string[] = [];
  for (const entry of entries) {
    const what = await peekMember(zip, entry, path);
    described.push(`${keyOf(entry.fileName)} (${what.summary})`);
    if (what.readable) candidates.push(entry);
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new InputError(
      `the .npz archive holds no 2-D array embcheck can read; it holds: ${described.join(", ")}`,
      { file: path },
      "save the embeddings as a 2-D float array, e.g. np.savez(path, embeddings=a)",
    );
  }
  throw new InputError(
    `the .npz archive holds several 2-D arrays (${candidates.map((e) => keyOf(e.fileName)).join(", ")}) and none is named "${DEFAULT_KEY}"`,
    { file: path },
    "pass --key NAME to pick one",
  );
}

/** Reads a member's .npy header only; says whether it is a readable 2-D array. */
async function peekMember(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  path: string,
): Promise<{ readable: boolean; summary: string }> {
  if (!entry.fileName.endsWith(".npy")) return { readable: false, summary: "not an .npy member" };
  const stream = await openMember(zip, entry, path);
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let pending = new Uint8Array(0);
  const read = async (n: number): Promise<Uint8Array> => {
    while (pending.length < n) {
      const r = await iterator.next();
      if (r.done) break;
      const merged = new Uint8Array(pending.length + r.value.length);
      merged.set(pending);
      merged.set(r.value, pending.length);
      pending = merged;
    }
    const out = pending.subarray(0, Math.min(n, pending.length));
    pending = pending.subarray(out.length);
    return out;
  };
  const label = `${path}:${entry.fileName}`;
  try {
    const raw = await readRawNpyHeader(read, label);
    const summary = `shape ${formatShape(raw.shape)} ${describeDescr(raw.descr)}`;
    try {
      interpretNpyHeader(raw, label);
      return { readable: true, summary };
    } catch {
      return { readable: false, summary };
    }
  } catch (e) {
    if (e instanceof EmbcheckError) return { readable: false, summary: "not a readable .npy" };
    throw zipError(path, e);
  } finally {
    await iterator.return?.();
    stream.destroy();
  }
}

async function openMember(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string): Promise<Readable> {
  if (entry.isEncrypted()) {
    throw new InputError(`the .npz member ${entry.fileName} is encrypted`, { file: path });
  }
  if (!entry.canDecodeFileData()) {
    throw new InputError(
      `the .npz member ${entry.fileName} uses zip compression method ${entry.compressionMethod}; embcheck reads stored and deflated members`,
      { file: path },
      "write it with np.savez or np.savez_compressed",
    );
  }
  try {
    return await zip.openReadStreamPromise(entry);
  } catch (e) {
    throw zipError(path, e);
  }
}

/**
 * The member's bytes, checked against the CRC-32 of its zip entry as zipfile (and so np.load) does:
 * the check runs when the last byte arrives, before the last block is handed on, so a damaged
 * member is refused rather than profiled (the NPY reader need not read past its data).
 */
async function* crcChecked(stream: Readable, entry: yauzl.Entry, path: string): AsyncGenerator<Uint8Array> {
  let crc = 0;
  let total = 0;
  let checked = false;
  const check = () => {
    checked = true;
    if (crc >>> 0 !== entry.crc32 >>> 0) {
      const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, "0")}`;
      throw new InputError(
        `the .npz member ${entry.fileName} is damaged: its CRC-32 is ${hex(crc)}, the archive records ${hex(entry.crc32)}`,
        { file: path },
        "the archive was corrupted after it was written; write it again",
      );
    }
  };
  try {
    for await (const block of stream as AsyncIterable<Uint8Array>) {
      crc = crc32(block, crc);
      total += block.length;
      if (total >= entry.uncompressedSize) check();
      yield block;
    }
    if (!checked) check();
  } catch (e) {
    throw zipError(path, e);
  } finally {
    stream.destroy();
  }
}

function zipError(path: string, e: unknown): EmbcheckError {
  if (e instanceof EmbcheckError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return new InputError("cannot read the file: no such file", { file: path });
  if (err?.code === "EACCES") return new InputError("cannot read the file: permission denied", { file: path });
  if (err?.code === "EISDIR") return new InputError("cannot read the file: is a directory", { file: path });
  return new InputError(
    `not a readable .npz (zip) archive: ${err?.message ?? String(e)}`,
    { file: path },
    "pass a file written by np.savez or np.savez_compressed",
  );
}
