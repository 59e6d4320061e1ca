/**
 * How an output path is written (src/io/target.ts): the decision on stat results, so every node
 * kind is covered without creating devices, plus the same decision on real nodes in a temp dir.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { decideTarget, isSeekable, type NodeStats, outputTarget, specialKind } from "../../src/io/target.js";

const tmp = mkdtempSync(join(tmpdir(), "embcheck-target-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Kind = "file" | "dir" | "link" | "char" | "block" | "fifo" | "socket";
function stats(kind: Kind): NodeStats {
  return {
    isFile: () => kind === "file",
    isDirectory: () => kind === "dir",
    isSymbolicLink: () => kind === "link",
    isCharacterDevice: () => kind === "char",
    isBlockDevice: () => kind === "block",
    isFIFO: () => kind === "fifo",
    isSocket: () => kind === "socket",
  };
}
const noResolve = () => {
  throw new Error("not a symlink: nothing to resolve");
};

describe("decideTarget", () => {
  test("a new path and an existing regular file are replaced atomically", () => {
    expect(decideTarget("a.json", null, null, noResolve)).toEqual({ kind: "replace", path: "a.json", exists: false });
    expect(decideTarget("a.json", stats("file"), stats("file"), noResolve)).toEqual({
      kind: "replace",
      path: "a.json",
      exists: true,
    });
  });

  test("devices, FIFOs and sockets are written in place, never replaced", () => {
    for (const [kind, special] of [
      ["char", "character device"],
      ["block", "block device"],
      ["fifo", "FIFO"],
      ["socket", "socket"],
    ] as const) {
      expect(decideTarget("/x/null", stats(kind), stats(kind), noResolve)).toEqual({
        kind: "in-place",
        path: "/x/null",
        special,
      });
      expect(specialKind(stats(kind))).toBe(special);
    }
    expect(specialKind(stats("file"))).toBeNull();
  });

  test("a symlink to a regular file replaces that file; to a device, writes in place through the link", () => {
    expect(decideTarget("l.json", stats("link"), stats("file"), () => "/real/t.json")).toEqual({
      kind: "replace",
      path: "/real/t.json",
      exists: true,
    });
    expect(decideTarget("l", stats("link"), stats("char"), noResolve)).toEqual({
      kind: "in-place",
      path: "l",
      special: "character device",
    });
  });

  test("a dangling symlink, a directory and a symlink to one are usage errors", () => {
    expect(() => decideTarget("l", stats("link"), null, noResolve)).toThrow(UsageError);
    expect(() => decideTarget("l", stats("link"), null, noResolve)).toThrow(
      "-o l is a symlink to a file that does not exist; give the target's path",
    );
    expect(() => decideTarget("d", stats("dir"), stats("dir"), noResolve)).toThrow("-o d is a directory");
    expect(() => decideTarget("l", stats("link"), stats("dir"), noResolve, "--junit")).toThrow(
      "--junit l is a directory",
    );
  });

  test('"-" is stdout', () => {
    expect(decideTarget("-", null, null, noResolve)).toEqual({ kind: "stdout" });
    expect(isSeekable("-")).toBe(false);
  });
});

describe("outputTarget on real nodes", () => {
  test("a FIFO is in place and not seekable; a file and a new path are replaced and seekable", () => {
    const fifo = join(tmp, "pipe");
    execFileSync("mkfifo", [fifo]);
    expect(outputTarget(fifo)).toEqual({ kind: "in-place", path: fifo, special: "FIFO" });
    expect(isSeekable(fifo)).toBe(false);
    const file = join(tmp, "f.json");
    writeFileSync(file, "{}");
    expect(outputTarget(file)).toEqual({ kind: "replace", path: file, exists: true });
    expect(isSeekable(join(tmp, "new.json"))).toBe(true);
  });

  test("a symlink to a file resolves to the file; a symlink to a FIFO stays in place", () => {
    mkdirSync(join(tmp, "real"));
    const target = join(tmp, "real", "t.json");
    writeFileSync(target, "old");
    symlinkSync(target, join(tmp, "link.json"));
    expect(outputTarget(join(tmp, "link.json"))).toEqual({ kind: "replace", path: realpathSync(target), exists: true });
    symlinkSync(join(tmp, "pipe"), join(tmp, "link-pipe"));
    expect(outputTarget(join(tmp, "link-pipe"))).toMatchObject({ kind: "in-place", special: "FIFO" });
  });
});
