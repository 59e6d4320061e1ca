/**
 * Temporary output files and failing disks (issue 20): a `fix` killed with SIGKILL leaves its
 * hidden temporary file, which names its pid; the next run to the same output removes it. A full
 * disk and a read-only mount give one line, exit 3, and leave no file.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BIN, ensureBuilt, ROOT, runBin } from "./helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "embcheck-temp-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** An .npy header for rows × dims float32, then the data `fill(i)` gives. */
function npy(rows: number, dims: number, fill = (i: number) => (i % 7) + 1): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dims}), }`;
  header = `${header.padEnd(128 - 10 - 1, " ")}\n`;
  const head = Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([1, 0, header.length, 0])]);
  const data = new Float32Array(rows * dims).map((_v, i) => fill(i));
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]);
}

const host =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, "")
    .slice(0, 32) || "host";
const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

describe("a temporary file left by a killed run", () => {
  test("(apply killed with SIGKILL while writing) is named with the writer's pid and removed by the next run to the same output", async () => {
    ensureBuilt();
    const dir = join(TMP, "killed");
    mkdirSync(dir);
    const out = join(dir, "out.npy");
    const whole = npy(20_000, 32);
    const input = join(dir, "in.npy");
    writeFileSync(input, whole);
    const transform = join(dir, "t.json");
    const fitted = await runBin([
      "fix",
      input,
      "--pipeline",
      "l2",
      "--save-transform",
      transform,
      "-o",
      join(dir, "first.npy"),
    ]);
    expect(fitted.code).toBe(0);
    // apply reads stdin: half the rows go in, the temporary file appears, then SIGKILL
    const child = spawn(process.execPath, [BIN, "apply", transform, "-", "-o", out], { cwd: ROOT });
    child.stdin.on("error", () => {});
    child.stdin.write(whole.subarray(0, whole.length >> 1));
    const deadline = Date.now() + 30_000;
    while (temps(dir).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const [left] = temps(dir);
    expect(left).toMatch(new RegExp(`^\\.out\\.npy\\.[0-9a-f]{8}\\.${child.pid}@${host}\\.tmp$`));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    expect(temps(dir)).toEqual([left]); // SIGKILL: nothing could clean up
    expect(existsSync(out)).toBe(false);

    const r = await runBin(["fix", input, "--pipeline", "l2", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(temps(dir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["first.npy", "in.npy", "out.npy", "t.json"]);
  }, 60_000);

  test("of a live run, of another host or without a pid is left alone", async () => {
    const dir = join(TMP, "live");
    mkdirSync(dir);
    const input = join(dir, "in.npy");
    writeFileSync(input, npy(50, 8));
    const keep = [
      `.out.npy.0badc0de.${process.pid}@${host}.tmp`, // this test process: alive
      ".out.npy.0badc0de.1@other-host.tmp",
      ".out.npy.0badc0de.tmp",
      `.other.npy.0badc0de.999999999@${host}.tmp`, // another output's
    ];
    const gone = `.out.npy.0badc0de.999999999@${host}.tmp`; // no such pid
    for (const f of [...keep, gone]) writeFileSync(join(dir, f), "partial");
    const r = await runBin(["fix", input, "--pipeline", "l2", "-o", join(dir, "out.npy")]);
    expect(r.code).toBe(0);
    expect(temps(dir).sort()).toEqual([...keep].sort());
  });
});

/** Mounts a tmpfs of `size` at a new directory (root only); null where mounting is not allowed. */
function tmpfs(name: string, size: string): string | null {
  const dir = join(TMP, name);
  mkdirSync(dir);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return dir;
  } catch {
    return null;
  }
}

describe("an output on a failing disk", () => {
  test("a full disk: exit 3, one line naming the output, no file left", async (ctx) => {
    const dir = tmpfs("full", "64k");
    if (!dir) return ctx.skip();
    try {
      const input = join(TMP, "full-in.npy");
      writeFileSync(input, npy(2_000, 32)); // 256 KB of output for a 64 KB disk
      const out = join(dir, "o.npy");
      const r = await runBin(["fix", input, "--pipeline", "l2", "-o", out]);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(`embcheck: ${out}: no space left on the device; free some space or write elsewhere\n`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      execFileSync("umount", [dir]);
    }
  });

  test("a read-only mount: exit 3, one line naming the output with EROFS, no file", async (ctx) => {
    const dir = tmpfs("ro", "1m");
    if (!dir) return ctx.skip();
    try {
      execFileSync("mount", ["-o", "remount,ro", dir]);
      const input = join(TMP, "ro-in.npy");
      writeFileSync(input, npy(50, 8));
      for (const [cmd, out] of [
        [["fix", input, "--pipeline", "l2", "-o"], join(dir, "o.npy")],
        [["report", input, "-o"], join(dir, "r.txt")],
      ] as const) {
        const r = await runBin([...cmd, out]);
        expect(r.code).toBe(3);
        expect(r.stderr).toBe(`embcheck: ${out}: cannot write the output (EROFS)\n`);
      }
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      execFileSync("umount", [dir]);
    }
  });
});
