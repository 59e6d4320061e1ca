/**
 * Output files are written to a temporary file beside the target and renamed at the end, so a
 * failed run never leaves a partial file, and an input is never overwritten.
 */
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.js";

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Throws a UsageError when `output` names one of `inputs`. */
export function refuseToOverwrite(output: string, inputs: readonly string[]): void {
  const out = canonical(output);
  for (const input of inputs) {
    if (input !== "-" && canonical(input) === out) {
      throw new UsageError(`refusing to write the output over the input ${input}; choose another -o path`);
    }
  }
}

/** Writes `text` to `path` atomically (temp file beside it, then rename). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, text, { flag: "wx" });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
