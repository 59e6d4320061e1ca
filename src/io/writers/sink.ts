/**
 * Byte sinks for the writers. A file is written to a temporary file beside the target and renamed
 * at the end (no partial file on any error; an existing target is kept unless `force`); a stream
 * (stdout) is written with backpressure (each write waits for `drain` when the stream's buffer is
 * full) and a reader that went away (EPIPE) surfaces as that error, which the CLI ends on quietly.
 */
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError, UsageError } from "../../errors.js";

/**
 * Temporary files being written right now, so the CLI can remove them when a signal (Ctrl-C,
 * SIGTERM) ends the process before `finish` or `abort` could run.
 */
export const liveTempFiles: Set<string> = new Set();

/** Removes every live temporary file (synchronously: called from a signal handler). */
export function removeLiveTempFiles(): void {
  for (const f of liveTempFiles) rmSync(f, { force: true });
  liveTempFiles.clear();
}

export interface ByteSink {
  /** Appends bytes; resolves when the sink can take more. */
  write(bytes: Uint8Array): Promise<void>;
  /** Overwrites bytes at an absolute position (files only; null when not seekable). */
  readonly writeAt: ((bytes: Uint8Array, position: number) => Promise<void>) | null;
  /** Completes the output (rename into place for files). */
  finish(): Promise<void>;
  /** Discards everything written; safe after an error and twice. */
  abort(): Promise<void>;
}

/** Refuses an existing output without `force` (call before any work is done). */
export function checkNotExisting(path: string, force: boolean): void {
  if (!force && existsSync(path)) {
    throw new UsageError(`${path} already exists; pass --force to overwrite it`);
  }
}

export class FileSink implements ByteSink {
  private pos = 0;
  private done = false;
  readonly writeAt: (bytes: Uint8Array, position: number) => Promise<void>;

  private constructor(
    readonly target: string,
    readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly force: boolean,
  ) {
    this.writeAt = (bytes, position) => this.writeFully(bytes, position);
  }

  static async open(target: string, force = false): Promise<FileSink> {
    checkNotExisting(target, force);
    const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString("hex")}.tmp`);
    let fh: FileHandle;
    try {
      fh = await open(tmp, "wx");
    } catch (e) {
      throw ioError(e, target);
    }
    liveTempFiles.add(tmp);
    return new FileSink(target, tmp, fh, force);
  }

  async write(bytes: Uint8Array): Promise<void> {
    await this.writeFully(bytes, this.pos);
    this.pos += bytes.byteLength;
  }

  private async writeFully(bytes: Uint8Array, position: number): Promise<void> {
    let off = 0;
    try {
      while (off < bytes.byteLength) {
        const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, position + off);
        off += bytesWritten;
      }
    } catch (e) {
      throw ioError(e, this.target);
    }
  }

  async finish(): Promise<void> {
    if (this.done) return;
    try {
      await this.fh.close();
      checkNotExisting(this.target, this.force);
      await rename(this.tmp, this.target);
      this.done = true;
      liveTempFiles.delete(this.tmp);
    } catch (e) {
      await this.abort();
      if (e instanceof UsageError) throw e;
      throw ioError(e, this.target);
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.fh.close().catch(() => {});
    await rm(this.tmp, { force: true }).catch(() => {});
    liveTempFiles.delete(this.tmp);
  }
}

function ioError(e: unknown, file: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOSPC")
    return new InputError("no space left on the device", { file }, "free some space or write elsewhere");
  return new InputError(`cannot write the output (${code ?? String(e)})`, { file });
}

/** Writes to a Node stream (stdout) with backpressure; does not end the stream. */
export class StreamSink implements ByteSink {
  readonly writeAt = null;
  private error: Error | null = null;
  private readonly onError = (e: Error) => {
    this.error ??= e;
  };

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on("error", this.onError);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    // Copy: the caller may reuse its buffers once this resolves, and the stream may still hold them.
    const ok = this.stream.write(Buffer.from(bytes));
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off("drain", done);
          this.stream.off("error", done);
          resolve();
        };
        this.stream.on("drain", done);
        this.stream.on("error", done);
      });
    }
    if (this.error) throw this.error;
  }

  async finish(): Promise<void> {
    // Wait until what we wrote is flushed (or the reader went away).
    await new Promise<void>((resolve) => {
      const s = this.stream as NodeJS.WritableStream & { writableNeedDrain?: boolean };
      if (this.error || !s.writableNeedDrain) return resolve();
      const done = () => resolve();
      this.stream.once("drain", done);
      this.stream.once("error", done);
    });
    this.stream.off("error", this.onError);
    if (this.error) throw this.error;
  }

  async abort(): Promise<void> {
    this.stream.off("error", this.onError);
  }
}
