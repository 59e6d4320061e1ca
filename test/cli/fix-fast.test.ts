/**
 * `embcheck fix`/`apply` with the fast kernels (--threads) and `fix --html`: the written vectors
 * are byte-identical for any --threads ≥ 1 and --chunk-rows; --threads 0 runs the float64
 * reference path; the HTML page is written atomically, self-contained, with both verdicts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { wasmAvailable } from "../helpers/kernels.js";
import { runCli } from "./helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "embcheck-fix-fast-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
const INPUT = join(TMP, "wide.npy");
const ROWS = 400;
const DIMS = 160;

/** A float32 .npy of ROWS × DIMS seeded values with a decaying spectrum and an offset mean. */
function writeNpy(path: string, rows: number, d: number): void {
  let s = 7;
  const data = new Float32Array(rows * d);
  for (let i = 0; i < rows * d; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = 0.2 + (s / 4294967296 - 0.5) / Math.sqrt(1 + (i % d));
  }
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${d}), }`;
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]));
}

beforeAll(() => writeNpy(INPUT, ROWS, DIMS));

let n = 0;
const out = (ext: string) => join(TMP, `out-${++n}.${ext}`);

async function fix(pipeline: string, extra: string[]): Promise<Buffer> {
  const o = out("npy");
  const r = await runCli(["fix", INPUT, "--pipeline", pipeline, "-o", o, ...extra]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return readFileSync(o);
}

describe.skipIf(!wasmAvailable())("fix and apply with the fast kernels", () => {
  test.each(["center,pca:16", "whiten:8", "abtt:2,l2"])(
    "fix %s writes the same bytes for --threads 1 and 2 and any --chunk-rows",
    async (pipeline) => {
      const a = await fix(pipeline, ["--threads", "1"]);
      expect(a.equals(await fix(pipeline, ["--threads", "2"]))).toBe(true);
      expect(a.equals(await fix(pipeline, ["--threads", "2", "--chunk-rows", "7"]))).toBe(true);
      expect(a.equals(await fix(pipeline, ["--threads", "1", "--chunk-rows", "1"]))).toBe(true);
      // --threads 0: the float64 TypeScript path, float64 products, so other low bits.
      expect(a.equals(await fix(pipeline, ["--threads", "0"]))).toBe(false);
    },
  );

  test("apply takes --threads and writes the same bytes for 1 and 2 threads", async () => {
    const t = join(TMP, "t.json");
    await fix("center,pca:16", ["--threads", "1", "--save-transform", t]);
    const outs: Buffer[] = [];
    for (const args of [
      ["--threads", "1"],
      ["--threads", "2", "--chunk-rows", "9"],
    ]) {
      const o = out("npy");
      const r = await runCli(["apply", t, INPUT, "-o", o, ...args]);
      expect(r.code).toBe(0);
      outs.push(readFileSync(o));
    }
    expect(outs[0].equals(outs[1])).toBe(true);
  });
});

describe("fix --html", () => {
  test("writes a self-contained before/after page with both verdicts and both maps", async () => {
    const html = out("html");
    const o = out("npy");
    const r = await runCli([
      "fix",
      "fixtures/scenarios/anisotropic.npy",
      "--pipeline",
      "abtt:1,l2",
      "-o",
      o,
      "--html",
      html,
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(o)).toBe(true);
    const page = readFileSync(html, "utf8");
    expect(page.startsWith("<!doctype html>") || page.startsWith("<!DOCTYPE html>")).toBe(true);
    // Self-contained: no external scripts, styles, images or fonts.
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/url\(["']?https?:/i);
    // Both verdicts: the input's (anisotropic: fail) and the output's.
    const verdicts = [...page.matchAll(/data-verdict="(\w+)"/g)].map((m) => m[1]);
    expect(verdicts.length).toBe(2);
    expect(verdicts[0]).toBe("fail");
    expect(page.includes("abtt:1,l2")).toBe(true);
    expect(page.includes('id="chart-map-before"')).toBe(true);
    expect(page.includes('id="chart-map-after"')).toBe(true);
    // Atomic: no temporary file left beside it.
    expect(readdirSync(TMP).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("refuses an existing page without --force, and the input or -o as the page (exit 2)", async () => {
    const html = out("html");
    writeFileSync(html, "keep");
    const r = await runCli(["fix", INPUT, "--pipeline", "l2", "-o", out("npy"), "--html", html]);
    expect(r.code).toBe(2);
    expect(readFileSync(html, "utf8")).toBe("keep");
    const o = out("npy");
    const same = await runCli(["fix", INPUT, "--pipeline", "l2", "-o", o, "--html", o]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--html names the same file as -o/);
    const input = await runCli(["fix", INPUT, "--pipeline", "l2", "-o", out("npy"), "--html", INPUT]);
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(/refusing to write over the input/);
  });

  test("with --force replaces an existing page", async () => {
    const html = out("html");
    writeFileSync(html, "old");
    const r = await runCli(["fix", INPUT, "--pipeline", "l2", "-o", out("npy"), "--html", html, "--force"]);
    expect(r.code).toBe(0);
    expect(readFileSync(html, "utf8")).toContain("data-verdict");
  });
});
