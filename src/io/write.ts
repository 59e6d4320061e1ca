/**
 * Output files are written to a temporary file beside the target and renamed at the end, so a
 * failed run never leaves a partial file, and an input is never overwritten.
 */
import { randomBytes } from "node:crypto";
import { realpathSync, statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { InputError, UsageError } from "../errors.js";

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

/**
 * Checks an output path before any work is done: not empty, not one of `inputs`, not a
 * directory, and its directory exists.
 */
export function checkOutputPath(output: string, inputs: readonly string[], flag = "-o"): void {
  if (output.trim() === "") throw new UsageError(`${flag} needs a file name`);
  const out = canonical(output);
  for (const input of inputs) {
    if (input !== "-" && canonical(input) === out) {
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
}

/** Writes `text` to `path` atomically (temp file beside it, then rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new InputError(`cannot write the output (${code || String(e)})`, { file: path });
  }
}
