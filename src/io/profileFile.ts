/**
 * Profile files on disk (the container: src/profile/bytes.ts, docs/profile-format.md): sniffing an
 * input for the EMBCPROF magic, reading one (whole: a profile is O(d²·log n + sample + budget)
 * bytes), writing one atomically.
 */
import { open, readFile, stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { type ProfileHeader, profileFromBytes, profileHeaderOf } from "../profile/bytes.js";
import type { ProfileState } from "../profile/state.js";

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

/** The state and header of a profile file; InputError (one line naming the file) when it is not one. */
export async function readProfileFile(path: string): Promise<{ state: ProfileState; header: ProfileHeader }> {
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
  return { state: profileFromBytes(bytes, path), header: profileHeaderOf(bytes, path) };
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
