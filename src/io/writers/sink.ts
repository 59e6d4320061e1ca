/**
 * Byte sinks for the writers. A file is written to a temporary file beside the target and renamed
 * at the end (no partial file on any error; an existing target is kept unless `force`); a device or
 * FIFO is opened and written in place, in order (never renamed over or unlinked; see ../target.ts);
 * a stream (stdout) is written with backpressure (each write waits for `drain` when the stream's
 * buffer is full) and a reader that went away (EPIPE) surfaces as that error, which the CLI ends on
 * quietly.
 */
import { constants, rmSync, statSync } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { type InputError, UsageError } from "../../errors.js";
import { outputTarget, type SpecialKind } from "../target.js";
import { removeStaleTempFiles, tempPathBeside, writeError } from "../write.js";

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

/**
 * Refuses an existing output file (or a symlink to one) without `force` (call before any work is
 * done). A device or FIFO is written in place, not overwritten, so it needs no --force.
 */
export function checkNotExisting(path: string, force: boolean): void {
  if (!force && statSync(path, { throwIfNoEntry: false })?.isFile()) {
    throw new UsageError(`${path} already exists; pass --force to overwrite it`);
  }
}

/** The sink for an output path: atomic for a file, in place for a device or FIFO. */
export async function openFileSink(path: string, force = false): Promise<ByteSink> {
  const target = outputTarget(path);
  if (target.kind === "in-place") return InPlaceSink.open(path, target.special);
  return FileSink.open(path, force);
}

export class FileSink implements ByteSink {
  private pos = 0;
  private done = false;
  readonly writeAt: (bytes: Uint8Array, position: number) => Promise<void>;

  private constructor(
    readonly target: string,
    /** Where the temporary file is renamed to: `target`, or the regular file a symlink `target` points at. */
    readonly destination: string,
    readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly force: boolean,
  ) {
    this.writeAt = (bytes, position) => this.writeFully(bytes, position);
  }

  /** `target` a new path or a regular file (a symlink to one: that file is replaced). */
  static async open(target: string, force = false): Promise<FileSink> {
    checkNotExisting(target, force);
    const where = outputTarget(target);
    if (where.kind !== "replace") throw new UsageError(`${target} is not a regular file`);
    await removeStaleTempFiles(where.path);
    const tmp = tempPathBeside(where.path);
    let fh: FileHandle;
    try {
      fh = await open(tmp, "wx");
    } catch (e) {
      throw ioError(e, target);
    }
    liveTempFiles.add(tmp);
    return new FileSink(target, where.path, tmp, fh, force);
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
      await rename(this.tmp, this.destination);
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
  return writeError(e, file);
}

/**
 * A device or FIFO, written in place and in order (no seeks: `writeAt` is null, as for stdout).
 * Nothing is removed on abort: what was written has gone to the device or the FIFO's reader.
 */
export class InPlaceSink implements ByteSink {
  readonly writeAt = null;
  private closed = false;

  private constructor(
    readonly target: string,
    readonly special: SpecialKind,
    private readonly fh: FileHandle,
  ) {}

  static async open(target: string, special: SpecialKind): Promise<InPlaceSink> {
    try {
      // O_WRONLY alone: never creates, truncates or replaces the node (a FIFO waits for a reader)
      return new InPlaceSink(target, special, await open(target, constants.O_WRONLY));
    } catch (e) {
      throw writeError(e, target, special);
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < bytes.byteLength) {
        const { bytesWritten } = await this.fh.write(bytes, off, bytes.byteLength - off, null);
        off += bytesWritten;
      }
    } catch (e) {
      throw writeError(e, this.target, this.special);
    }
  }

  async finish(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.fh.close();
    } catch (e) {
      throw writeError(e, this.target, this.special);
    }
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close().catch(() => {});
  }
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
