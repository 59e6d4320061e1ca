/**
 * How an output path is written, so an output never clobbers what it should not:
 *   - "-": standard output.
 *   - a new path, or an existing regular file: atomically, a temporary file beside it renamed over
 *     it at the end (no partial file on any error).
 *   - an existing character or block device, FIFO or socket (`-o /dev/null`, a named pipe): opened
 *     for writing and written in place, never renamed over, never unlinked (an atomic rename would
 *     replace the device with a regular file). Such an output is a stream: written in order, no seeks.
 *   - a symlink: followed. To a regular file, that file is replaced atomically (the temporary file
 *     beside it, renamed over it, so the link keeps pointing at the new data); to a device or FIFO,
 *     written in place; a dangling link or one to a directory is refused. A link to an input is
 *     refused by checkOutputPath (write.ts), which compares the resolved files.
 */
import { lstatSync, realpathSync, type Stats, statSync } from "node:fs";
import { UsageError } from "../errors.js";

export type SpecialKind = "character device" | "block device" | "FIFO" | "socket";

export type OutputTarget =
  | { kind: "stdout" }
  /** Write a temporary file beside `path`, rename it over `path` at the end. */
  | { kind: "replace"; path: string; exists: boolean }
  /** Open `path` for writing (never create, rename or unlink it); write in order. */
  | { kind: "in-place"; path: string; special: SpecialKind };

/** What the decision needs of fs.Stats (tests pass plain objects). */
export type NodeStats = Pick<
  Stats,
  "isFile" | "isDirectory" | "isSymbolicLink" | "isCharacterDevice" | "isBlockDevice" | "isFIFO" | "isSocket"
>;

/** The kind of a node that is neither a regular file, a directory nor a symlink; null otherwise. */
export function specialKind(st: NodeStats): SpecialKind | null {
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  if (st.isFIFO()) return "FIFO";
  if (st.isSocket()) return "socket";
  return null;
}

/**
 * The decision, from `lstat` (the path itself) and `stat` (what a symlink points at; the same for
 * anything else), null where there is nothing. `resolve` gives a symlink's final target.
 */
export function decideTarget(
  path: string,
  lst: NodeStats | null,
  st: NodeStats | null,
  resolve: () => string,
  flag = "-o",
): OutputTarget {
  if (path === "-") return { kind: "stdout" };
  if (!lst) return { kind: "replace", path, exists: false };
  const link = lst.isSymbolicLink();
  if (link && !st) {
    throw new UsageError(`${flag} ${path} is a symlink to a file that does not exist; give the target's path`);
  }
  const node = (link ? st : lst) as NodeStats;
  if (node.isDirectory()) throw new UsageError(`${flag} ${path} is a directory; give a file name`);
  if (node.isFile()) return { kind: "replace", path: link ? resolve() : path, exists: true };
  const special = specialKind(node);
  if (special) return { kind: "in-place", path, special };
  throw new UsageError(`${flag} ${path} is not a file, a device or a FIFO; give a file name`);
}

/** How `path` is written (see the top of this file). */
export function outputTarget(path: string, flag = "-o"): OutputTarget {
  if (path === "-") return { kind: "stdout" };
  const lst = lstatSync(path, { throwIfNoEntry: false }) ?? null;
  const st = lst?.isSymbolicLink() ? (statSync(path, { throwIfNoEntry: false }) ?? null) : lst;
  return decideTarget(path, lst, st, () => realpathSync(path), flag);
}

/** True when the output can be sought in (a file written atomically); false for stdout, devices, FIFOs. */
export function isSeekable(path: string): boolean {
  return outputTarget(path).kind === "replace";
}
