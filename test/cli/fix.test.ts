/**
 * `embcheck fix` and `embcheck apply` end to end: snapshots of the before/after table (markdown,
 * as in snapshots.test.ts; regenerate with UPDATE_SNAPSHOTS=1), exit codes and one-line errors,
 * stdout piping into `embcheck report -`, a reader that goes away, and what is left on disk.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { type CliResult, ROOT, runBin, runCli } from "./helpers.js";

const SNAPSHOTS = join(ROOT, "test", "cli", "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";
const TMP = mkdtempSync(join(tmpdir(), "embcheck-fix-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const GLOVE = "fixtures/sample/glove-6b-100d-top3000.arrow";
const S = "fixtures/scenarios";

/** A fresh output path; its directory is replaced by OUT/ in snapshots. */
let n = 0;
const out = (ext: string) => join(TMP, `out-${++n}.${ext}`);
const hide = (text: string) =>
  text
    .split(TMP)
    .join("OUT")
    .replace(/out-\d+\./g, "out.");

function block(text: string): string {
  return `\`\`\`\n${text}${text.endsWith("\n") || text === "" ? "" : "\n"}\`\`\`\n`;
}

/** JSON numbers to 9 significant digits, so kernel changes in the last bits do not churn snapshots. */
const roundNumbers = (text: string) =>
  text.replace(
    /(": )(-?\d+\.\d+(?:e[+-]?\d+)?)/g,
    (_m, p: string, v: string) => `${p}${Number(Number(v).toPrecision(9))}`,
  );

function snapshot(name: string, args: string[], r: CliResult): void {
  const parts = [`# embcheck ${hide(args.join(" "))}\n`, block(roundNumbers(hide(r.stdout)))];
  if (r.stderr !== "") parts.push(`stderr:\n\n${block(hide(r.stderr))}`);
  parts.push(`Exit code: ${r.code}\n`);
  const actual = parts.join("\n");
  const file = join(SNAPSHOTS, `${name}.md`);
  if (UPDATE) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `missing ${file}; run with UPDATE_SNAPSHOTS=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const SNAPSHOT_CASES: [string, () => string[]][] = [
  ["fix-help", () => ["fix", "--help"]],
  ["fix-apply-help", () => ["apply", "--help"]],
  ["fix-glove", () => ["fix", GLOVE, "--pipeline", "abtt:1,l2", "-o", out("arrow")]],
  ["fix-anisotropic-auto", () => ["fix", `${S}/anisotropic.npy`, "--auto", "-o", out("npy")]],
  ["fix-dirty-auto", () => ["fix", `${S}/dirty.npy`, "--auto", "-o", out("npz")]],
  [
    "fix-dominant-json",
    () => [
      "fix",
      `${S}/dominant-direction.npy`,
      "--pipeline",
      "center,pca:0.95",
      "-o",
      out("arrows"),
      "--format",
      "json",
    ],
  ],
];

describe("fix snapshots", () => {
  test.each(SNAPSHOT_CASES)("%s matches its snapshot", async (name, args) => {
    const a = args();
    snapshot(name, a, await runCli(a));
  });

  test("every fix-*.md snapshot belongs to a case", () => {
    const names = new Set(SNAPSHOT_CASES.map(([name]) => `${name}.md`));
    expect(readdirSync(SNAPSHOTS).filter((f) => f.startsWith("fix-") && !names.has(f))).toEqual([]);
  });
});

describe("fix", () => {
  test("repairs the anisotropic scenario: mean cosine from ≈ 0.90 to ≈ 0, unit norms", async () => {
    const r = await runCli([
      "fix",
      `${S}/anisotropic.npy`,
      "--pipeline",
      "center,l2",
      "-o",
      out("npy"),
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.before.meanCosine).toBeCloseTo(0.902, 3); // fixtures/reference/anisotropic.json
    expect(Math.abs(s.after.meanCosine)).toBeLessThan(0.01);
    expect(s.after.normsCv).toBeLessThan(1e-6);
    expect(s.passes).toBe(2);
    expect(s.cost.k).toBe(10);
    expect(s.cost.knnOverlap).toBeGreaterThan(0);
    expect(s.cost.knnOverlap).toBeLessThanOrEqual(1);
  });

  test("gives the same output bytes for any chunk size", async () => {
    const a = out("npy");
    const b = out("npy");
    const args = (o: string, rows: string) => [
      "fix",
      `${S}/dirty.npy`,
      "--pipeline",
      "dedup,l2,whiten:8",
      "-o",
      o,
      "--chunk-rows",
      rows,
    ];
    expect((await runCli(args(a, "1000"))).code).toBe(0);
    expect((await runCli(args(b, "7"))).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  test("saves a transform that apply re-applies to the same bytes", async () => {
    const o1 = out("npy");
    const o2 = out("npy");
    const t = join(TMP, "t.json");
    expect(
      (
        await runCli([
          "fix",
          `${S}/healthy.npy`,
          "--pipeline",
          "center,pca:8",
          "-o",
          o1,
          "--save-transform",
          t,
          "--sample",
          "200",
        ])
      ).code,
    ).toBe(0);
    const saved = JSON.parse(readFileSync(t, "utf8"));
    expect([saved.kind, saved.schemaVersion, saved.pipeline]).toEqual(["embcheck/transform", 1, "center,pca:8"]);
    const r = await runCli(["apply", t, `${S}/healthy.npy`, "-o", o2, "--sample", "200"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("1 pass over the input");
    expect(readFileSync(o1).equals(readFileSync(o2))).toBe(true);
  });

  test.each([
    [["fix", `${S}/healthy.npy`, "-o", "x.npy"], /--pipeline STEPS or --auto/],
    [["fix", `${S}/healthy.npy`, "--pipeline", "center,sharpen", "-o", "x.npy"], /unknown pipeline step "sharpen"/],
    [["fix", `${S}/healthy.npy`, "--pipeline", "l2", "-o", `${S}/healthy.npy`], /refusing to write over the input/],
    [["fix", `${S}/healthy.npy`, "--pipeline", "l2", "-o", "x.parquet"], /extension/],
    [["fix", `${S}/healthy.npy`, "--pipeline", "l2", "-o", "-"], /--to npy or --to arrow/],
    [["fix", "-", "--pipeline", "l2", "-o", "x.npy"], /needs a file, not stdin/],
    [
      ["fix", `${S}/healthy.npy`, "--pipeline", "abtt:64", "-o", "/tmp/never-written.npy"],
      /abtt:64 would remove every direction/,
    ],
  ])("refuses %j with exit 2 and one line", async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });

  test("refuses an existing output without --force and leaves it untouched", async () => {
    const o = out("npy");
    writeFileSync(o, "precious");
    const r = await runCli(["fix", `${S}/healthy.npy`, "--pipeline", "l2", "-o", o, "--sample", "200"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists; pass --force/);
    expect(readFileSync(o, "utf8")).toBe("precious");
    expect(
      (await runCli(["fix", `${S}/healthy.npy`, "--pipeline", "l2", "-o", o, "--force", "--sample", "200"])).code,
    ).toBe(0);
    expect(statSync(o).size).toBe(128 + 1500 * 64 * 4);
  });

  test("leaves no file behind when the input turns out unreadable", async () => {
    const dir = mkdtempSync(join(TMP, "bad-"));
    const r = await runCli(["fix", "fixtures/npy/bad/three_d.npy", "--pipeline", "l2", "-o", join(dir, "o.npy")]);
    expect(r.code).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("tiny inputs", () => {
  const npy = async (name: string, rows: number[][]) => {
    const { npyHeader } = await import("../../src/io/writers/npy.js");
    const path = join(TMP, name);
    const body = Buffer.from(new Float32Array(rows.flat()).buffer);
    writeFileSync(path, Buffer.concat([npyHeader(rows.length, rows[0].length, "float32"), body]));
    return path;
  };

  test("an input with fewer than 2 valid rows fails with exit 3 before anything is written", async () => {
    const input = await npy("one-valid.npy", [
      [1, 2],
      [Number.NaN, 0],
      [0, 0],
    ]);
    const o = out("npy");
    const r = await runCli(["fix", input, "--pipeline", "drop-invalid", "-o", o]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/only 1 valid row of 3/);
    expect(existsSync(o)).toBe(false);
  });

  test("an output left with one row is written, and its metrics show as —", async () => {
    // l2 maps all three rows to the same unit vector; dedup keeps the first.
    const input = await npy("one-direction.npy", [
      [1, 2],
      [1, 2],
      [2, 4],
    ]);
    const o = out("npy");
    const r = await runCli(["fix", input, "--pipeline", "l2,dedup", "-o", o]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows\s+3\s+1\n/);
    expect(r.stdout).toMatch(/mean cosine\s+1\.0000\s+—/);
    expect(statSync(o).size).toBe(128 + 2 * 4);
  });
});

describe("apply", () => {
  test("refuses vectors of another dimension with exit 3 and says both dimensions", async () => {
    const t = join(TMP, "t64.json");
    await runCli([
      "fix",
      `${S}/healthy.npy`,
      "--pipeline",
      "pca:4",
      "-o",
      out("npy"),
      "--save-transform",
      t,
      "--sample",
      "200",
    ]);
    const o = out("npy");
    const r = await runCli(["apply", t, `${S}/dirty.npy`, "-o", o]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the input has 32-dim vectors but .*t64\.json was fitted on 64-dim vectors/);
    expect(existsSync(o)).toBe(false);
  });

  test("refuses a file that is not a transform with exit 3", async () => {
    const r = await runCli(["apply", `${S}/../reference/healthy.json`, `${S}/healthy.npy`, "-o", out("npy")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not a valid embcheck transform: "kind"/);
  });
});

describe("pipes", () => {
  test("fix -o - --to npy pipes into embcheck report -", async () => {
    const r = await runBin(
      [
        `embcheck fix ${S}/skewed-norms.npy --pipeline l2 -o - --to npy --sample 200 2>/dev/null | embcheck report - --sample 200 --format json`,
      ],
      { shell: true },
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.input.rows).toBe(1200);
    expect(rep.norms.cv).toBeLessThan(1e-6);
  });

  test("apply - reads stdin and -o - --to arrow writes an Arrow stream that report reads", async () => {
    const t = join(TMP, "t-pipe.json");
    await runCli([
      "fix",
      `${S}/healthy.npy`,
      "--pipeline",
      "pca:6",
      "-o",
      out("npy"),
      "--save-transform",
      t,
      "--sample",
      "200",
    ]);
    const r = await runBin(
      [
        `cat ${S}/healthy.npy | embcheck apply ${t} - -o - --to arrow --sample 200 2>/dev/null | embcheck report - --sample 200 --format json`,
      ],
      { shell: true },
    );
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect([rep.input.format, rep.input.rows, rep.input.dims]).toEqual(["arrow-stream", 1500, 6]);
  });

  test("a reader that goes away (| head) ends the run quietly with exit 0", async () => {
    const r = await runBin(
      [
        `embcheck fix ${S}/large-sample.npy --pipeline l2 -o - --to arrow --sample 200 2>${join(TMP, "err.txt")} | head -c 100 >/dev/null; echo "status=\${PIPESTATUS[0]}"`,
      ],
      { shell: true },
    );
    expect(r.stdout.trim()).toBe("status=0");
    expect(readFileSync(join(TMP, "err.txt"), "utf8")).not.toMatch(/Error|at .*\.js/);
  });
});

describe("signals", () => {
  test("a run killed by SIGTERM while writing removes its temporary file", async () => {
    const { spawn } = await import("node:child_process");
    const { ensureBuilt, BIN } = await import("./helpers.js");
    const { npyHeader } = await import("../../src/io/writers/npy.js");
    ensureBuilt();
    // 600 000 × 64 float32 (154 MB): the apply pass takes long enough to be caught mid-way (at 300k a
    // loaded machine could finish the write between seeing the temp file and the kill)
    const rows = 600_000;
    const d = 64;
    const values = new Float32Array(rows * d);
    let seed = 1;
    for (let i = 0; i < values.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      values[i] = seed / 2 ** 32 - 0.5;
    }
    const input = join(TMP, "big.npy");
    writeFileSync(input, Buffer.concat([npyHeader(rows, d, "float32"), Buffer.from(values.buffer)]));
    const outDir = mkdtempSync(join(TMP, "sig-out-"));
    const child = spawn(
      process.execPath,
      [BIN, "fix", input, "--pipeline", "center,pca:64", "-o", join(outDir, "o.npy")],
      {
        stdio: ["ignore", "ignore", "ignore"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    let seen = false;
    for (let i = 0; i < 6000 && !seen; i++) {
      seen = readdirSync(outDir).some((f) => f.endsWith(".tmp"));
      if (!seen) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen).toBe(true);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(readdirSync(outDir)).toEqual([]);
    rmSync(input);
  });
});
