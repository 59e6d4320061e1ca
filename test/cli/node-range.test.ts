/**
 * The declared Node range (package.json engines: >= 20) starts. Only one Node is installed here, so
 * the test runs the built CLI with node:zlib's crc32 hidden (test/cli/node20/: module hooks serve
 * node:zlib without it, as on Node 20.0 – 20.14, where a named import of it fails at link time) and
 * scans src/ for named imports of Node APIs newer than 20.0.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BIN, ensureBuilt, ROOT } from "./helpers.js";

const HOOK = join(ROOT, "test", "cli", "node20", "register.mjs");
const TMP = mkdtempSync(join(tmpdir(), "embcheck-node20-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function node(args: string[], hideCrc32: boolean) {
  const r = spawnSync(process.execPath, [...(hideCrc32 ? ["--import", HOOK] : []), ...args], {
    cwd: ROOT,
    encoding: "buffer",
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString("utf8") };
}

describe("Node 20 before 20.15 (no zlib.crc32)", () => {
  test("the simulation is faithful: a named import of crc32 fails at link time", () => {
    const probe = join(TMP, "probe.mjs");
    writeFileSync(probe, 'import { crc32 } from "node:zlib";\nconsole.log(typeof crc32);\n');
    const r = node([probe], true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("The requested module 'node:zlib' does not provide an export named 'crc32'");
    expect(node([probe], false).stdout.toString()).toBe("function\n");
  });

  test("the CLI starts and writes an NPZ byte-identical to the one with zlib's crc32", () => {
    ensureBuilt();
    // main.ts imports every command's module (and so every module of the CLI; src has one dynamic import: node:fs)
    const help = node([BIN, "--help"], true);
    expect(help.stderr).toBe("");
    expect(help.code).toBe(0);
    const a = join(TMP, "a.npz");
    const b = join(TMP, "b.npz");
    const args = ["fix", "fixtures/scenarios/healthy.npy", "--pipeline", "drop-invalid,l2", "--sample", "100"];
    const hidden = node([BIN, ...args, "-o", a], true);
    expect(hidden.stderr).toBe("");
    expect(hidden.code).toBe(0);
    expect(node([BIN, ...args, "-o", b], false).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    // and the npz reads back
    const back = node([BIN, "report", a, "--format", "json", "--sample", "100"], true);
    expect(back.stderr).toBe("");
    expect(JSON.parse(back.stdout.toString()).input.format).toBe("npz");
  });
});

test("package.json declares Node >= 20 and src imports no Node API newer than 20.0 by name", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  expect(pkg.engines.node).toBe(">=20");
  // Named imports fail at link time where the export is missing; such APIs must be feature-tested.
  const newer = [
    /import\s*\{[^}]*\b(crc32|zstd\w*|ZstdCompress|ZstdDecompress)\b[^}]*\}\s*from\s*"node:zlib"/, // 20.15 / 22.15
    /import\s*\{[^}]*\b(glob|globSync)\b[^}]*\}\s*from\s*"node:fs(\/promises)?"/, // 22.0
    /import\s*\{[^}]*\bstyleText\b[^}]*\}\s*from\s*"node:util"/, // 20.12
    /import\.meta\.(dirname|filename)/, // 20.11
    /\bPromise\.withResolvers\b|\bArray\.fromAsync\b|\bprocess\.getBuiltinModule\b|\bFloat16Array\b/, // 22
  ];
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
    );
  const hits = files(join(ROOT, "src")).flatMap((f) => {
    const text = readFileSync(f, "utf8");
    return newer.filter((re) => re.test(text)).map((re) => `${f}: ${re}`);
  });
  expect(hits).toEqual([]);
  expect(execFileSync(process.execPath, ["--version"]).toString()).toMatch(/^v2\d\./);
});
