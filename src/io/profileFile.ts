/**
 * Profile files on disk (the container: src/profile/bytes.ts, docs/profile-format.md): sniffing an
 * input for the EMBCPROF magic and reading one (whole: a profile is O(d²·log n + sample + n) bytes;
 * written with write.ts's writeFileAtomic).
 */
import { open, readFile, stat } from "node:fs/promises";
import { InputError } from "../errors.js";

const MAGIC = "EMBCPROF";

/** Whether `path` is a regular file starting with the profile magic (false for "-", directories, globs). */
export async function isProfileFile(path: string): Promise<boolean> {
  if (path === "-") return false;
  const st = await stat(path).catch(() => null);
  if (!st?.isFile() || st.size < 16) return false;
  const fh = await open(path, "r").catch(() => null);
  if (!fh) return false;
  try {
    const head = new Uint8Array(8);
    await fh.read(head, 0, 8, 0);
    return new TextDecoder().decode(head) === MAGIC;
  } finally {
    await fh.close();
  }
}

/**
 * The bytes of a profile file (decoded by src/profile/bytes.ts); InputError (one line naming the
 * file) when it cannot be read or is a JSON file (a transform, a report) given as a profile.
 */
export async function readProfileBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "is a directory, not a profile file"
          : `cannot read it (${code})`,
      { file: path },
    );
  }
  const kind = jsonKind(bytes);
  if (kind !== null) {
    throw new InputError(
      `is ${kind === "embcheck/transform" ? "a transform (embcheck/transform)" : `JSON (kind ${JSON.stringify(kind)})`}, not a profile`,
      { file: path },
      kind === "embcheck/transform"
        ? "give a transform to `embcheck apply T.json INPUT -o OUT`; make a profile with `embcheck profile`"
        : "make a profile with `embcheck profile INPUT -o part.profile`",
    );
  }
  return bytes;
}

/** The "kind" of a JSON file (a transform, a report, a baseline), or null when the bytes are not JSON. */
function jsonKind(bytes: Uint8Array): string | null {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b || bytes.length > 1 << 26) return null;
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes));
    return String(j?.kind ?? j?.schema ?? "none");
  } catch {
    return null;
  }
}
