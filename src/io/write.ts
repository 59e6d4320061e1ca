/**
 * Text outputs (reports, baselines, transforms, pages). A file is written to a temporary file
 * beside the target and renamed at the end, so a failed run never leaves a partial file; a device
 * or FIFO is written in place and a symlink followed (target.ts); an input is never overwritten.
 */
import { randomBytes } from "node:crypto";
import { constants, realpathSync, statSync } from "node:fs";
import { open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { outputTarget } from "./target.js";

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** The same file: one resolved path, or one inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  if (canonical(a) === canonical(b)) return true;
  const sa = statSync(a, { throwIfNoEntry: false });
  const sb = statSync(b, { throwIfNoEntry: false });
  return Boolean(sa && sb && sa.isFile() && sa.dev === sb.dev && sa.ino === sb.ino);
}

/**
 * Checks an output path before any work is done: not empty, not one of `inputs` (nor a symlink or
 * hard link to one), not a directory, and its directory exists. "-" (stdout) passes.
 */
export function checkOutputPath(output: string, inputs: readonly string[], flag = "-o"): void {
  if (output === "-") return;
  if (output.trim() === "") throw new UsageError(`${flag} needs a file name`);
  for (const input of inputs) {
    if (input !== "-" && sameFile(input, output)) {
      throw new UsageError(`refusing to write over the input ${input}; choose another ${flag} path`);
    }
  }
  if (output.endsWith("/")) throw new UsageError(`${flag} ${output} names a directory; give a file name`);
  const st = statSync(output, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new UsageError(`${flag} ${output} is a directory; give a file name`);
  const dir = statSync(dirname(resolve(output)), { throwIfNoEntry: false });
  if (!dir)
    throw new InputError(`the directory ${dirname(output)} does not exist`, { file: output }, "create it first");
  if (!dir.isDirectory()) throw new InputError(`${dirname(output)} is not a directory`, { file: output });
  outputTarget(output, flag); // a dangling symlink, a symlink to a directory: refused now
}

/** A temporary file's name beside `path` (hidden, so a dataset directory's listing skips it). */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
}

/** Writes `text` (or bytes) to `path`: atomically for a file (temp file beside it, then rename), in place for a device or FIFO. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const target = outputTarget(path);
  if (target.kind === "stdout") throw new UsageError('"-" (stdout) is not a file name here');
  if (target.kind === "in-place") {
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      // O_WRONLY alone: never creates, truncates or replaces the node
      fh = await open(path, constants.O_WRONLY);
      await fh.writeFile(text);
    } catch (e) {
      throw writeError(e, path, target.special);
    } finally {
      await fh?.close().catch(() => {});
    }
    return;
  }
  const tmp = tempPathBeside(target.path);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, target.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw writeError(e, path);
  }
}

/** One line for a failed write; `special` names a device or FIFO written in place. */
export function writeError(e: unknown, file: string, special?: string): InputError {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  if (code === "ENOSPC")
    return new InputError("no space left on the device", { file }, "free some space or write elsewhere");
  if (special && code === "ENXIO") {
    return new InputError(`cannot write to this ${special} (ENXIO: nothing accepts writes there)`, { file });
  }
  const what = special ? `cannot write to this ${special}` : "cannot write the output";
  return new InputError(`${what} (${code || String(e)})`, { file });
}
