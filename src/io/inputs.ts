/**
 * What the command line names as input: one file, stdin ("-"), or a dataset of several files read
 * as one matrix: several paths, a directory (its files with a DATASET_EXTENSIONS extension, not its
 * subdirectories), or a glob (`data/*.parquet`, `data/**\/*.npy`, expanded here because Node 20 has
 * no fs.glob and a quoted pattern reaches us unexpanded). The files are sorted by path (code-unit
 * order, as Python's sorted(glob(...)): zero-padded shard numbers such as Hugging Face's
 * `data-00000-of-00004.arrow` sort in shard order), so the order never depends on the arguments'.
 */
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, resolve, sep } from "node:path";
import { InputError, UsageError } from "../errors.js";

/** The extensions a directory's files need to count as part of the dataset (case-insensitive). */
export const DATASET_EXTENSIONS: readonly string[] = [
  ".npy",
  ".npz",
  ".arrow",
  ".feather",
  ".ipc",
  ".arrows",
  ".parquet",
];

export interface InputSpec {
  /**
   * The input's name in reports and errors: the argument as given when there is one; for several
   * arguments, the directory that holds all their files ("." for the working directory).
   */
  label: string;
  /** The files in reading order (sorted for a dataset); ["-"] for stdin. */
  files: string[];
  /** Read as a dataset (several arguments, a directory or a glob), even when it holds one file. */
  dataset: boolean;
}

/** Resolves the input arguments of `report`, `check --dataset`, `fix`, `plot` (one input). */
export async function resolveInputs(args: string | readonly string[]): Promise<InputSpec> {
  const list = typeof args === "string" ? [args] : [...args];
  if (list.length === 0) throw new UsageError("give an input file");
  if (list.includes("-")) {
    if (list.length > 1) {
      throw new UsageError('stdin ("-") cannot be combined with other inputs; give files, or one "-"');
    }
    return { label: "-", files: ["-"], dataset: false };
  }
  const expanded = await Promise.all(list.map(expandOne));
  if (list.length === 1 && !expanded[0].many) return { label: list[0], files: [list[0]], dataset: false };
  const seen = new Set<string>();
  const files: string[] = [];
  for (const f of expanded.flatMap((e) => e.files).sort(byPath)) {
    const key = resolve(f);
    if (seen.has(key)) continue; // a file named twice (a path and a glob that matches it) is read once
    seen.add(key);
    files.push(f);
  }
  const label = list.length === 1 ? list[0] : commonDirectory(files);
  return { label, files, dataset: true };
}

/**
 * Each argument expanded on its own, in the order given (`check` without --dataset judges every
 * file separately): a directory or a glob gives its sorted files, any other argument itself.
 */
export async function resolveEach(args: readonly string[]): Promise<string[]> {
  if (args.filter((a) => a === "-").length > 1) throw new UsageError('stdin ("-") can be read only once');
  const out: string[] = [];
  for (const a of args) {
    const e = a === "-" ? null : await expandOne(a);
    out.push(...(e?.many ? e.files : [a]));
  }
  return out;
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One argument: `many` when it was a directory or a glob. */
async function expandOne(arg: string): Promise<{ files: string[]; many: boolean }> {
  if (arg.trim() === "") throw new UsageError("an input path is empty");
  const st = await stat(arg).catch(() => null);
  if (st?.isDirectory()) return { files: await directoryFiles(arg), many: true };
  // A name that exists is a file even when it holds glob characters (`shard[1].npy`).
  if (st) return { files: [normalize(arg)], many: false };
  // loaded only for a name that does not exist: tinyglobby and picomatch are 7 CommonJS modules
  // (issue 19, start-up)
  const { glob, isDynamicPattern } = await import("tinyglobby");
  if (!isDynamicPattern(arg)) return { files: [normalize(arg)], many: false };
  const matches = await glob(arg, { absolute: isAbsolute(arg), onlyFiles: true, expandDirectories: false });
  if (matches.length === 0) {
    throw new InputError(
      "the pattern matches no file",
      { file: arg },
      "check the pattern (relative to the working directory; ** reaches into subdirectories)",
    );
  }
  return { files: matches.map(normalize).sort(byPath), many: true };
}

async function directoryFiles(dir: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === "EACCES" ? "permission denied" : `cannot list the directory (${code})`, {
      file: dir,
    });
  }
  const files: string[] = [];
  let subdirs = 0;
  for (const e of entries) {
    if (e.name.startsWith(".")) continue; // hidden files, and embcheck's own temporary outputs
    const path = join(dir, e.name);
    const st = e.isSymbolicLink() ? await stat(path).catch(() => null) : e;
    if (st?.isDirectory()) subdirs++;
    if (!st?.isFile()) continue;
    const dot = e.name.lastIndexOf(".");
    if (dot > 0 && DATASET_EXTENSIONS.includes(e.name.slice(dot).toLowerCase())) files.push(path);
  }
  if (files.length === 0) {
    const deeper =
      subdirs > 0 ? `; subdirectories are not searched: give a glob such as '${join(dir, "**", "*.npy")}'` : "";
    throw new InputError(
      `the directory holds no ${DATASET_EXTENSIONS.join(" ")} file`,
      { file: dir },
      `give the files or a glob${deeper}`,
    );
  }
  return files.sort(byPath);
}

/** The deepest directory holding every file, relative when the files are ("." for the working directory). */
function commonDirectory(files: readonly string[]): string {
  const parts = files.map((f) => resolve(f).split(sep).slice(0, -1));
  let n = parts[0].length;
  for (const p of parts) {
    let i = 0;
    while (i < n && i < p.length && p[i] === parts[0][i]) i++;
    n = i;
  }
  const common = parts[0].slice(0, n).join(sep) || sep;
  if (files.every((f) => isAbsolute(f))) return common;
  return relative(resolve("."), common) || ".";
}

/**
 * The bytes of an input's files (a path, or what resolveInputs returned), or null when unknown
 * (stdin, a directory or a glob not yet resolved, a file that cannot be stat'ed: the reader says
 * why later). The CLI uses it to size the kernels' thread pool.
 */
export async function inputBytes(input: string | InputSpec): Promise<number | null> {
  const files = typeof input === "string" ? [input] : input.files;
  if (files.includes("-")) return null;
  let total = 0;
  for (const f of files) {
    const st = await stat(f).catch(() => null);
    if (!st?.isFile()) return null;
    total += st.size;
  }
  return total;
}
