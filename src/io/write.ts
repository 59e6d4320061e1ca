/**
 * Text outputs (reports, baselines, transforms, pages). A file is written to a temporary file
 * beside the target and renamed at the end, so a failed run never leaves a partial file; a device
 * or FIFO is written in place and a symlink followed (target.ts); an input is never overwritten.
 */
import { randomBytes } from "node:crypto";
import { closeSync, constants, openSync, realpathSync, rmSync, statSync } from "node:fs";
import { open, readdir, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
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
  const target = outputTarget(output, flag); // a dangling symlink, a symlink to a directory: refused now
  if (target.kind === "replace") probeWritable(target.path);
}

/**
 * Creates and removes an empty temporary file beside `path`, so a read-only directory, a refused
 * permission or a read-only file system is found before any pass over the input (access(W_OK)
 * would not do: it says yes to root on a read-only mount, and to anyone on /proc).
 */
function probeWritable(path: string): void {
  const probe = tempPathBeside(path);
  try {
    closeSync(openSync(probe, "wx"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    // the writer's own wording (writeError), so the line is the same whenever it is found
    throw new InputError(`cannot write the output (${code})`, { file: path });
  }
  rmSync(probe, { force: true });
}

/**
 * Who writes temporary files: the CLI sets it (only src/cli reads the process), so a name carries
 * the writer's pid and host and a later run can tell a file left by a killed run (SIGKILL leaves
 * no chance to clean up) from one a live run is writing. Without an owner, names carry no pid and
 * nothing is ever removed.
 */
export interface TempOwner {
  pid: number;
  /** Whether a process of this host with this pid still runs. */
  alive(pid: number): boolean;
}

let owner: TempOwner | null = null;

export function setTempFileOwner(o: TempOwner | null): void {
  owner = o;
}

/** The host part of a temporary file's name (dots and other punctuation dropped). */
function hostTag(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9-]/g, "")
      .slice(0, 32) || "host"
  );
}

/**
 * A temporary file's name beside `path` (hidden, so a dataset directory's listing skips it):
 * `.<name>.<8 hex>.tmp`, or with an owner `.<name>.<8 hex>.<pid>@<host>.tmp`.
 */
export function tempPathBeside(path: string): string {
  const tag = owner ? `.${owner.pid}@${hostTag()}` : "";
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString("hex")}${tag}.tmp`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Removes the temporary files beside `path` that a run of this host left when it was killed (its
 * pid no longer runs); returns their names. Files of live runs, of other hosts and without a pid
 * are left alone. Best effort: a directory that cannot be listed is skipped.
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  if (!owner) return [];
  const dir = dirname(path);
  const re = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.[0-9a-f]{8}\\.(\\d+)@([A-Za-z0-9-]+)\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m || m[2] !== hostTag()) continue;
    const pid = Number(m[1]);
    if (pid === owner.pid || owner.alive(pid)) continue;
    try {
      await rm(join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // not ours to remove after all (permissions): leave it
    }
  }
  return removed;
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
  await removeStaleTempFiles(target.path);
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
