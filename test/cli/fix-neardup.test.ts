/**
 * `fix --pipeline dedup-near:τ`, `--auto` and `apply` with it, and `--rows`, against NumPy's brute
 * force (fixtures/scripts/make_neardup_repair.py → fixtures/repair/neardup/reference.json: every
 * pair's cosine in float64, rows in order, a row dropped when an earlier kept row is at cosine ≥ τ).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { readNpyF32, writeNpyF32 } from "../helpers/npy.js";
import { ROOT, runCli } from "./helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "embcheck-fix-neardup-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;
const out = (ext: string) => join(TMP, `out-${++n}.${ext}`);

const PLANTED = "fixtures/repair/neardup/planted.npy";
interface DedupRef {
  kept: number[];
  drops: [number, number, number][];
}
const REF = JSON.parse(readFileSync(join(ROOT, "fixtures/repair/neardup/reference.json"), "utf8")) as {
  rows: number;
  dims: number;
  dedup_near: Record<string, DedupRef>;
};
const X = readNpyF32(join(ROOT, PLANTED));
const D = X.cols;

/** The rows `kept` of `x`, as one array. */
function rowsOf(x: Float32Array, kept: readonly number[]): Float32Array {
  const y = new Float32Array(kept.length * D);
  kept.forEach((r, i) => {
    y.set(x.subarray(r * D, (r + 1) * D), i * D);
  });
  return y;
}

describe("fix --pipeline dedup-near", () => {
  for (const tau of ["0.98", "0.99"]) {
    for (const threads of ["0", "2"]) {
      test(`dedup-near:${tau} writes exactly the rows NumPy's brute force keeps (--threads ${threads})`, async () => {
        const o = out("npy");
        const r = await runCli(["fix", PLANTED, "--pipeline", `dedup-near:${tau}`, "-o", o, "--threads", threads]);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const ref = REF.dedup_near[tau];
        const y = readNpyF32(o);
        expect(y.rows).toBe(ref.kept.length);
        expect(y.rows).toBeLessThan(REF.rows);
        expect(Buffer.from(y.data.buffer).equals(Buffer.from(rowsOf(X.data, ref.kept).buffer))).toBe(true);
        expect(r.stdout).toMatch(/pipeline dedup-near:0\.9\d · 4 passes over the input/);
      });
    }
  }

  test("--rows lists every dropped row with its group's kept row and their cosine (NumPy's to 1e-12, each ≥ τ)", async () => {
    const rows = join(TMP, "rows.json");
    const o = out("npy");
    const r = await runCli(["fix", PLANTED, "--pipeline", "dedup-near:0.98", "-o", o, "--rows", rows]);
    expect(r.code).toBe(0);
    const got = JSON.parse(readFileSync(rows, "utf8"));
    expect(got.schema).toBe("embcheck/rows@1");
    const ref = REF.dedup_near["0.98"];
    expect(got.nearDuplicates.map((t: number[]) => [t[0], t[1]])).toEqual(ref.drops.map((t) => [t[0], t[1]]));
    got.nearDuplicates.forEach((t: number[], i: number) => {
      expect(Math.abs(t[2] - ref.drops[i][2])).toBeLessThan(1e-12);
      expect(t[2]).toBeGreaterThanOrEqual(0.98);
    });
    // the output's rows are the kept ranges, which are the complement of the dropped rows
    const kept: number[] = [];
    for (const [a, b] of got.output.kept as [number, number][]) for (let i = a; i < b; i++) kept.push(i);
    expect(kept).toEqual(ref.kept);
    expect(got.output.rows).toBe(ref.kept.length);
  });

  test("a chain keeps its far end: rows whose only near-duplicates were dropped stay (greedy, first kept)", () => {
    // In the fixture some kept rows are within 0.98 of dropped rows only (a copy before its seed,
    // the seed dropped, a second copy at ~0.97 to the first): NumPy's rule keeps them; a
    // connected-components rule would drop them. This pins that the reference has such rows.
    const ref = REF.dedup_near["0.98"];
    const keptSet = new Set(ref.kept);
    expect(ref.drops.every(([row, kept]) => keptSet.has(kept) && !keptSet.has(row) && kept < row)).toBe(true);
    expect(ref.kept.length + ref.drops.length).toBe(REF.rows);
  });

  test("apply with a saved dedup-near transform finds the near-duplicates of the new input (a prefix: NumPy's kept prefix)", async () => {
    const t = join(TMP, "t.json");
    const first = await runCli([
      "fix",
      PLANTED,
      "--pipeline",
      "dedup-near:0.98",
      "-o",
      out("npy"),
      "--save-transform",
      t,
    ]);
    expect(first.code).toBe(0);
    const saved = JSON.parse(readFileSync(t, "utf8"));
    expect(saved.steps).toEqual([{ kind: "dedup-near", tau: 0.98 }]);
    // The greedy decision of row i reads rows < i only, so the first 600 rows keep NumPy's kept rows below 600.
    const prefix = join(TMP, "prefix.npy");
    writeNpyF32(prefix, X.data.subarray(0, 600 * D), 600, D);
    const o = out("npy");
    const r = await runCli(["apply", t, prefix, "-o", o]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("3 passes over the input");
    const kept = REF.dedup_near["0.98"].kept.filter((i) => i < 600);
    const y = readNpyF32(o);
    expect(Buffer.from(y.data.buffer).equals(Buffer.from(rowsOf(X.data, kept).buffer))).toBe(true);
  });

  test("apply refuses stdin for a transform with dedup-near (exit 2, one line)", async () => {
    const t = join(TMP, "t2.json");
    await runCli(["fix", PLANTED, "--pipeline", "l2,dedup-near", "-o", out("npy"), "--save-transform", t]);
    const r = await runCli(["apply", t, "-", "-o", out("npy")], { stdin: readFileSync(join(ROOT, PLANTED)) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/has a dedup-near step: .* needs a file, not stdin/);
  });

  for (const bad of ["dedup-near:1.5", "dedup-near:0", "dedup-near:-0.9", "dedup-near:abc", "dedup-near:0.9:1"]) {
    test(`a bad cosine line (${bad}) is a usage error: exit 2, one line, nothing written`, async () => {
      const o = out("npy");
      const r = await runCli(["fix", PLANTED, "--pipeline", bad, "-o", o]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/^embcheck: pipeline step "dedup-near/);
    });
  }
});

describe("fix --auto and near-duplicates", () => {
  test("--auto adds dedup-near:0.98 when ≥ 1 % of the valid rows have a near-duplicate, with its reason", async () => {
    const o = out("npy");
    const r = await runCli(["fix", PLANTED, "--auto", "-o", o, "--format", "json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.pipeline).toBe("dedup-near:0.98");
    // 126 of the 1,116 rows have another at cosine ≥ 0.98 (NumPy, every pair)
    expect(s.auto.reasons).toEqual([
      "dedup-near:0.98: 11.3 % of valid rows have a near-duplicate at cosine ≥ 0.98 (≥ 1 %, the duplicate-rows line): the first row of each group is kept",
    ]);
    // profile, near-duplicates for the finding (2), dedup-near's own (2), apply
    expect(s.passes).toBe(6);
    expect(s.output.rows).toBe(REF.dedup_near["0.98"].kept.length);
  });

  test("--auto leaves near-duplicates alone below 1 % (the prefix of 300 random rows has none)", async () => {
    const base = join(TMP, "few.npy");
    // rows 0..299 hold NumPy's kept rows only when no drop is below 300; take the kept rows instead
    const kept = REF.dedup_near["0.98"].kept.slice(0, 300);
    writeNpyF32(base, rowsOf(X.data, kept), kept.length, D);
    const r = await runCli(["fix", base, "--auto", "-o", out("npy")]);
    expect(r.stdout).not.toContain("dedup-near");
    expect(r.stderr).not.toContain("dedup-near");
  });
});
