/**
 * Issue 21, end to end: `fix --auto` never removes the directions that carry the signal, a repair
 * that scrambles the neighbourhoods is refused (exit 1, nothing written), and the repro
 * (50,000 × 768, rank 3 plus 1e-3 noise). Reference numbers: fixtures/scripts/make_issue21_fixtures.py.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { lowRank, writeNpyF32 } from "../helpers/npy.js";
import { runCli } from "./helpers.js";

const TMP = mkdtempSync(join(tmpdir(), "embcheck-repairs-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));
let n = 0;
const out = (ext: string) => join(TMP, `out-${++n}.${ext}`);

const DIR = "fixtures/repair/issue21";
const GLOVE = "fixtures/sample/glove-6b-100d-top3000.arrow";
const REF = JSON.parse(readFileSync(join(DIR, "reference.json"), "utf8"));

const fixJson = async (args: string[]) => {
  const r = await runCli(["fix", ...args, "-f", "json"]);
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : null };
};

describe("fix --auto on a rank-3 set keeps the signal", () => {
  test("the report counts the rank-3 fixture's signal directions as NumPy's Gavish–Donoho threshold does", async () => {
    for (const precision of ["float64", "mixed"]) {
      const r = await runCli(["report", `${DIR}/rank3.npy`, "-f", "json", "--precision", precision]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout).spectrum;
      expect(s.signalDims).toBe(precision === "float64" ? REF.rank3.signalDims : REF.rank3.signalDimsMixed);
      expect(s.signalDims).toBe(3);
    }
  });

  test("--auto picks the collapse hint center,pca:0.99 (3 dims out) and keeps the neighbours", async () => {
    const r = await fixJson([`${DIR}/rank3.npy`, "--auto", "-o", out("npy")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.pipeline).toBe("center,pca:0.99,l2");
    expect(r.json.output.dims).toBe(3);
    expect(r.json.cost.knnOverlap).toBeGreaterThan(0.9);
    // the rank is kept, not inflated with noise directions
    expect(r.json.after.effectiveRank).toBeCloseTo(r.json.before.effectiveRank, 0);
  });

  test("abtt:8 on the rank-3 fixture is refused with exit 1 and one line, and nothing is written", async () => {
    const o = out("npy");
    const r = await runCli(["fix", `${DIR}/rank3.npy`, "--pipeline", "abtt:8,l2", "-o", o]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^embcheck: abtt:8,l2 would keep \d+\.\d % of each sampled row's 10 nearest neighbours/);
    expect(r.stderr).toContain("3 directions above the noise floor");
    expect(r.stderr).toContain("nothing written");
    expect(existsSync(o)).toBe(false);
  });

  test("--min-kept 0 writes the same repair anyway, and the table shows its cost", async () => {
    const o = out("npy");
    const r = await fixJson([`${DIR}/rank3.npy`, "--pipeline", "abtt:8,l2", "-o", o, "--min-kept", "0"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.cost.knnOverlap).toBeLessThan(0.05);
    expect(existsSync(o)).toBe(true);
  });

  test("--min-kept outside [0, 1] is a usage error", async () => {
    const r = await runCli(["fix", `${DIR}/rank3.npy`, "--pipeline", "l2", "-o", out("npy"), "--min-kept", "2"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--min-kept 2");
  });
});

describe("the issue's repro: 50,000 × 768, rank 3 plus 1e-3 noise", () => {
  const input = join(TMP, "rank3-50k.npy");
  test("--auto writes center,pca:0.99,l2 (not abtt:8,l2), keeps > 90 % of the neighbours; abtt:8,l2 is refused", async () => {
    writeNpyF32(input, lowRank(50_000, 768, 3, 1e-3, 21), 50_000, 768);
    const r = await fixJson([input, "--auto", "-o", out("npy")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.pipeline).toBe("center,pca:0.99,l2");
    expect(r.json.output.dims).toBe(3);
    expect(r.json.before.effectiveRank).toBeCloseTo(3, 0);
    expect(r.json.after.effectiveRank).toBeLessThan(3.01);
    expect(r.json.cost.knnOverlap).toBeGreaterThan(0.9);
    const o = out("npy");
    const bad = await runCli(["fix", input, "--pipeline", "abtt:8,l2", "-o", o]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("abtt:8,l2 would keep");
    expect(existsSync(o)).toBe(false);
  }, 240_000);
});

describe("every d whose d × d state fits the limit", () => {
  test("fix center,pca:5 on 30 × 4096 (the low-rank solve) writes scikit-learn's PCA(5).transform to 1e-5", async () => {
    const o = out("npy");
    const r = await runCli(["fix", `${DIR}/wide.npy`, "--pipeline", "center,pca:5", "-o", o, "--threads", "0"]);
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(o);
    const y = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + 10 + bytes.readUInt16LE(8), bytes.byteOffset + bytes.length),
    );
    const ref: number[][] = REF.wide.pca5;
    let worst = 0;
    for (let i = 0; i < 30; i++)
      for (let j = 0; j < 5; j++) worst = Math.max(worst, Math.abs(y[i * 5 + j] - ref[i][j]));
    // float32 output of values ~30: 2 ulp
    expect(worst).toBeLessThan(1e-5);
  });

  test("2 × 12,000 (an internal RangeError before) reports λ₁ = ‖x₁ − x₂‖²/4, one direction, exit 0", async () => {
    const d = 12_000;
    const x = lowRank(2, d, 2, 0, 5);
    const input = join(TMP, "two-wide.npy");
    writeNpyF32(input, x, 2, d);
    const r = await runCli(["report", input, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout).spectrum;
    let dist = 0;
    for (let j = 0; j < d; j++) dist += (x[j] - x[d + j]) ** 2;
    expect(s.totalVariance / (dist / 4)).toBeCloseTo(1, 5);
    expect(s.dominantShare).toBeCloseTo(1, 9);
  }, 120_000);

  test("30,000 dims are refused in one line before any row is read: what they need, the limit, exit 3", async () => {
    const input = join(TMP, "too-wide.npy");
    writeNpyF32(input, new Float32Array(30_000).fill(1), 1, 30_000);
    const r = await runCli(["report", input]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(
      "30,000 dims need 13.4 GiB for the d × d covariance (16·d² bytes), over the 8.0 GiB limit (at most 23,170 dims)",
    );
    expect(r.stderr).not.toContain("    at ");
  });
});

describe("the after numbers are those of the file written", () => {
  for (const dtype of ["float32", "float16"]) {
    test(`abtt:1,l2 to ${dtype}: the table's after metrics equal a report of the written file`, async () => {
      const o = out("npy");
      const r = await fixJson([GLOVE, "--pipeline", "abtt:1,l2", "-o", o, "--dtype", dtype]);
      expect(r.code, r.stderr).toBe(0);
      const again = await runCli(["report", o, "-f", "json"]);
      expect(again.code).toBe(0);
      const rep = JSON.parse(again.stdout);
      // float64 unit rows have cv ~1e-16; as written (float32 ~1e-9, float16 ~1e-4) they do not
      expect(r.json.after.normsCv).toBeGreaterThan(dtype === "float32" ? 1e-10 : 1e-5);
      expect(r.json.after.normsCv).toBe(rep.norms.cv);
      expect(r.json.after.meanCosine).toBe(rep.cosine.meanExact);
      expect(r.json.after.effectiveRank).toBe(rep.spectrum.effectiveRank);
    });
  }

  test("the HTML page's after side shows the written values' norms cv, not 1.9e-16", async () => {
    const page = join(TMP, "page.html");
    const r = await runCli(["fix", GLOVE, "--pipeline", "abtt:1,l2", "-o", out("npy"), "--html", page, "-f", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(page, "utf8");
    const cv = JSON.parse(r.stdout).after.normsCv;
    expect(cv).toBeGreaterThan(1e-10);
    // the norms chart's caption (before this fix: "CV 1.856e-16.")
    expect(html).toContain(`CV ${cv.toPrecision(4)}.`);
  });
});

describe("refused before the work, or said", () => {
  test("an output directory that cannot be written is one line, exit 3, before pass 1 reads the input", async () => {
    // the input is truncated: reading it would fail, so the directory error proves nothing was read
    const input = join(TMP, "truncated.npy");
    writeNpyF32(input, new Float32Array(64 * 10), 10, 64);
    writeFileSync(input, readFileSync(input).subarray(0, 300));
    // /proc takes no new files, even for root (a chmod 555 directory would not stop root)
    const r = await runCli(["fix", input, "--pipeline", "center", "-o", "/proc/embcheck-out.npy"]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toBe("embcheck: /proc/embcheck-out.npy: cannot write the output (ENOENT)\n");
    expect(r.stderr).not.toMatch(/truncated|rows/);
  });

  test("pca:256 on 100 dims is a usage error naming the input, nothing written; bare pca caps at d", async () => {
    const o = out("npy");
    const r = await runCli(["fix", GLOVE, "--pipeline", "center,pca:256", "-o", o]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `embcheck: pca:256 asks for 256 components, but the 100-dim vectors of ${GLOVE} have only 100; use pca:100 or less (or pca:0.99)\n`,
    );
    expect(existsSync(o)).toBe(false);
    const capped = await fixJson([GLOVE, "--pipeline", "pca", "-o", out("npy")]);
    expect(capped.code, capped.stderr).toBe(0);
    expect(capped.json.output.dims).toBe(100);
  });

  test("whiten:K and abtt:D past the dims reaching them are usage errors too (after pca:8: 8 dims)", async () => {
    const w = await runCli(["fix", GLOVE, "--pipeline", "pca:8,whiten:9", "-o", out("npy")]);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain("whiten:9 asks for 9 components, but the 8-dim vectors");
    const a = await runCli(["fix", GLOVE, "--pipeline", "abtt:100", "-o", out("npy")]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("abtt:100 would remove every direction of the 100-dim vectors");
  });

  test("check --baseline of other dims says so on stderr, naming both widths, and still compares", async () => {
    const base = join(TMP, "glove.baseline.json");
    const saved = await runCli(["report", GLOVE, "--save-baseline", base]);
    expect(saved.code, saved.stderr).toBe(0);
    const r = await runCli(["check", `${DIR}/rank3.npy`, "--baseline", base, "-f", "json"]);
    expect(r.stderr).toBe(
      `embcheck check: note: the baseline ${base} was saved from 100-dim vectors (${GLOVE}), but ${DIR}/rank3.npy has 64 dims: its numbers are compared anyway, though they come from another space\n`,
    );
    expect(JSON.parse(r.stdout).files[0].checks.some((c: { kind: string }) => c.kind === "baseline")).toBe(true);
    const same = await runCli(["check", GLOVE, "--baseline", base]);
    expect(same.stderr).toBe("");
  });

  const small: [string, number, number][] = [
    ["2 rows", 2, 64],
    ["3 rows", 3, 64],
    ["d = 1", 500, 1],
  ];
  for (const [name, rows, d] of small) {
    test(`${name}: dominant-direction does not fail (one direction of r = min(n − 1, d) is at least 1/r)`, async () => {
      const input = join(TMP, `small-${rows}x${d}.npy`);
      writeNpyF32(input, lowRank(rows, d, 0, 1, rows * 100 + d), rows, d); // isotropic noise
      const r = await runCli(["check", input, "-f", "json"]);
      const c = JSON.parse(r.stdout).files[0].checks.find((x: { id: string }) => x.id === "dominant-direction");
      const rank = Math.min(rows - 1, d);
      if (rank < 2) {
        expect(c.status).toBe("skipped");
      } else {
        // 3 rows: the 50 % fail line is read above the equal share 1/2: 0.5 + 0.5·0.5
        expect(c.fail).toBeCloseTo(0.75, 12);
        expect(c.warn).toBeCloseTo(0.6, 12);
        expect(c.status).not.toBe("fail");
      }
    });
  }
});

describe("--rows FILE: the rows behind the findings, and where each output row came from", () => {
  const ROWS = JSON.parse(readFileSync(join(DIR, "rows.json"), "utf8"));
  /** [start, end) ranges → the indices they hold. */
  const expand = (ranges: [number, number][]) =>
    ranges.flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i));

  for (const name of ["wide-dirty.npy", "table.arrow"]) {
    test(`fix ${name} --pipeline drop-invalid,dedup --rows lists what NumPy/pyarrow find, and the kept rows`, async () => {
      const o = out(name.endsWith(".npy") ? "npy" : "arrow");
      const rowsFile = join(TMP, `rows-${name}.json`);
      const r = await runCli([
        "fix",
        `fixtures/repair/${name}`,
        "--pipeline",
        "drop-invalid,dedup",
        "-o",
        o,
        "--rows",
        rowsFile,
        "-f",
        "json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(readFileSync(rowsFile, "utf8"));
      const want = ROWS[name];
      expect(got.schema).toBe("embcheck/rows@1");
      for (const k of ["null", "nan", "inf", "zero", "duplicates"]) expect(got[k], k).toEqual(want[k]);
      if (want.ids) expect(got.ids).toEqual(want.ids);
      else expect(got.ids).toBeUndefined();
      expect(expand(got.output.kept)).toEqual(want.kept);
      expect(got.output.rows).toBe(JSON.parse(r.stdout).output.rows);
    });
  }

  test("the row map says which input row each written row is: their bytes match", async () => {
    const o = out("npy");
    const rowsFile = join(TMP, "rows-map.json");
    const r = await runCli([
      "fix",
      "fixtures/repair/wide-dirty.npy",
      "--pipeline",
      "drop-invalid,dedup",
      "-o",
      o,
      "--rows",
      rowsFile,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const body = (b: Buffer) => b.subarray(10 + b.readUInt16LE(8));
    const input = body(readFileSync("fixtures/repair/wide-dirty.npy"));
    const output = body(readFileSync(o));
    const kept = expand(JSON.parse(readFileSync(rowsFile, "utf8")).output.kept);
    const row = 160 * 4;
    kept.forEach((src, i) => {
      expect(output.subarray(i * row, (i + 1) * row).equals(input.subarray(src * row, (src + 1) * row))).toBe(true);
    });
  });

  for (const name of ["wide-dirty.npy", "table.arrow"]) {
    test(`report ${name} --rows lists the same rows (no output map)`, async () => {
      const rowsFile = join(TMP, `report-rows-${name}.json`);
      const r = await runCli(["report", `fixtures/repair/${name}`, "--rows", rowsFile, "-f", "json"]);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(readFileSync(rowsFile, "utf8"));
      const want = ROWS[name];
      for (const k of ["null", "nan", "inf", "zero", "duplicates"]) expect(got[k], k).toEqual(want[k]);
      if (want.ids) expect(got.ids).toEqual(want.ids);
      expect(got.output).toBeNull();
      // the report counts the same rows
      const integrity = JSON.parse(r.stdout).integrity;
      expect(got.nan.length).toBe(integrity.nanRows);
      expect(got.zero.length).toBe(integrity.zeroRows);
    });
  }

  test("--rows - is a usage error (stdout carries the table), and nothing is written", async () => {
    const o = out("npy");
    const r = await runCli(["fix", "fixtures/repair/wide-dirty.npy", "--pipeline", "l2", "-o", o, "--rows", "-"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rows needs a file name");
    expect(existsSync(o)).toBe(false);
  });
});
