/**
 * The CI contract of ../shared/ARCHITECTURE.md: exit codes (2 usage, 3 unreadable input), one clear
 * line on stderr for bad input, no stack trace, no partial output file, no input overwritten; and
 * what only a real process shows (stdin pipes, a reader that goes away).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CliResult, ensureBuilt, ROOT, runBin, runCli, zeroTimings } from "./helpers.js";

const HEALTHY = "fixtures/scenarios/healthy.npy";
const SMALL = "fixtures/scenarios/healthy-f64.npy"; // 1000 × 32: the quickest full report
const QUERIES = "fixtures/scenarios/queries.npy";

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "embcheck-cli-"));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh empty directory under `tmp`. */
function freshDir(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  return dir;
}

/** A float32 C-order .npy (format 1.0), built by hand: magic, version, header length, padded dict, data. */
function npyBytes(rows: number, cols: number, values: number[]): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = 10 + dict.length + 1;
  const header = `${dict}${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const preamble = Buffer.alloc(10);
  preamble.write("\x93NUMPY", 0, "latin1");
  preamble.writeUInt8(1, 6);
  preamble.writeUInt8(0, 7);
  preamble.writeUInt16LE(header.length, 8);
  const data = Buffer.from(new Float32Array(values).buffer);
  return Buffer.concat([preamble, Buffer.from(header, "latin1"), data]);
}

/** Exit `code`, nothing on stdout, and on stderr one line `embcheck: …` without a stack trace. */
function expectOneLineError(result: CliResult, code: number, mentions?: string): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toContain("    at ");
  expect(result.stderr).toMatch(/^embcheck: [^\n]+\n$/);
  if (mentions !== undefined) expect(result.stderr).toContain(mentions);
}

/** Exit 2, nothing on stdout, no stack trace: what every usage error does today. */
function expectUsageExit(result: CliResult): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toContain("    at ");
  expect(result.stderr.trim()).not.toBe("");
}

/** The files that must be refused: every bad NPY/NPZ fixture, every Arrow fixture without expected values. */
function unreadableFixtures(): string[] {
  const list = (dir: string) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => /\.(npy|npz|arrow|arrows|feather)$/.test(f))
      .map((f) => `${dir}/${f}`);
  const readableArrow = Object.keys(JSON.parse(readFileSync(join(ROOT, "fixtures/arrow/expected.json"), "utf8")));
  // readable without expected values: the huge_* memory fixtures (test/io/arrow.test.ts reads them), the NumPy twins of
  // the big_* files, and unsupported_type.arrow (a ListView column beside the embedding: refused only when carried)
  const readableOther = /^(huge_.*|big_.*\.npy|unsupported_type\.arrow)$/;
  const arrowErrors = list("fixtures/arrow").filter((f) => {
    const name = f.slice("fixtures/arrow/".length);
    return !readableArrow.includes(name) && !readableOther.test(name);
  });
  return [...list("fixtures/npy/bad"), ...list("fixtures/npz/bad"), ...arrowErrors];
}

describe("unreadable input exits 3 with one line naming the file", () => {
  test("a missing file", async () => {
    expectOneLineError(await runCli(["report", "fixtures/no-such-file.npy"]), 3, "fixtures/no-such-file.npy");
  });

  test("a directory", async () => {
    const dir = freshDir("a-directory.npy");
    expectOneLineError(await runCli(["report", dir]), 3, dir);
  });

  test("an empty file", async () => {
    const file = join(tmp, "empty.npy");
    writeFileSync(file, "");
    expectOneLineError(await runCli(["report", file]), 3, file);
  });

  test("a file whose first bytes are no known format", async () => {
    const file = join(tmp, "unknown-magic.npy");
    writeFileSync(file, "id,x,y\n1,0.5,0.25\n");
    expectOneLineError(await runCli(["report", file]), 3, file);
  });

  test("a file with one row, since the statistics need at least 2 valid rows", async () => {
    const file = join(tmp, "one-row.npy");
    writeFileSync(file, npyBytes(1, 4, [1, 2, 3, 4]));
    expectOneLineError(await runCli(["report", file]), 3, file);
  });

  test("a file with two rows of which one is NaN", async () => {
    const file = join(tmp, "one-valid-row.npy");
    writeFileSync(file, npyBytes(2, 4, [1, 2, 3, 4, Number.NaN, 0, 0, 0]));
    expectOneLineError(await runCli(["report", file]), 3, file);
  });

  test("the hand-built npy writer makes files embcheck reads (two valid rows exit 0)", async () => {
    const file = join(tmp, "two-rows.npy");
    writeFileSync(file, npyBytes(2, 4, [1, 2, 3, 4, 0, 1, 0, 0]));
    const result = await runCli(["report", file, "--format", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).input).toMatchObject({ rows: 2, dims: 4 });
  });

  test("a pairs file with a different row count", async () => {
    const pairs = "fixtures/scenarios/large-sample.npy"; // 3000 × 32, the queries are 1000 × 32
    expectOneLineError(await runCli(["report", QUERIES, "--pairs", pairs]), 3, pairs);
    expectOneLineError(await runCli(["report", pairs, "--pairs", QUERIES]), 3, QUERIES);
  });

  test("a pairs file with a different dimension", async () => {
    expectOneLineError(await runCli(["report", HEALTHY, "--pairs", QUERIES]), 3, QUERIES);
  });

  test("an npz or Arrow IPC file piped on stdin (they need random access)", async () => {
    const stdin = readFileSync(join(ROOT, "fixtures/arrow/fsl_f32.arrow"));
    expectOneLineError(await runCli(["report", "-"], { stdin }), 3, "stdin");
  });

  for (const file of unreadableFixtures()) {
    test(file, async () => {
      expectOneLineError(await runCli(["report", file]), 3, file);
    });
  }

  test("the truncated NPY and Arrow fixtures are among those checked", () => {
    expect(unreadableFixtures()).toEqual(
      expect.arrayContaining([
        "fixtures/npy/bad/truncated_data.npy",
        "fixtures/npy/bad/truncated_header.npy",
        "fixtures/arrow/truncated.arrow",
        "fixtures/arrow/truncated.arrows",
      ]),
    );
  });
});

describe("usage errors exit 2", () => {
  // Rejected by commander while parsing, before embcheck's own code runs.
  const parseErrors: [string, string[]][] = [
    ["an unknown flag", ["report", HEALTHY, "--bogus"]],
    ["a --format that is not terminal, json or md", ["report", HEALTHY, "--format", "xml"]],
    ["--sample 1 (a pair needs two rows)", ["report", HEALTHY, "--sample", "1"]],
    ["a negative --seed", ["report", HEALTHY, "--seed", "-1"]],
    ["a --seed that is not a number", ["report", HEALTHY, "--seed", "abc"]],
    ["report without a file", ["report"]],
    ["an unknown command", ["frobnicate", HEALTHY]],
  ];

  for (const [what, args] of parseErrors) {
    test(`${what} exits 2 with nothing on stdout`, async () => {
      expectUsageExit(await runCli(args));
    });

    // Fails today: commander writes "error: …" and a second line "(add --help for usage)".
    test(`${what} prints one line starting with "embcheck: "`, async () => {
      expectOneLineError(await runCli(args), 2);
    });
  }

  test("--pairs together with --pair-column", async () => {
    const args = ["report", QUERIES, "--pairs", "fixtures/scenarios/docs-aligned.npy", "--pair-column", "doc"];
    expectOneLineError(await runCli(args), 2, "--pair-column");
  });
});

describe("-o never overwrites an input and never leaves a partial file", () => {
  test("-o naming the input exits 2 and leaves the input byte for byte as it was", async () => {
    const dir = freshDir("o-is-input");
    const input = join(dir, "in.npy");
    const before = readFileSync(join(ROOT, SMALL));
    writeFileSync(input, before);
    expectOneLineError(await runCli(["report", input, "-o", input]), 2, input);
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(["in.npy"]);
  });

  test("-o naming the input through a symlink or another spelling exits 2", async () => {
    const dir = freshDir("o-is-input-aliased");
    const input = join(dir, "in.npy");
    const before = readFileSync(join(ROOT, SMALL));
    writeFileSync(input, before);
    symlinkSync(input, join(dir, "link.npy"));
    expectOneLineError(await runCli(["report", input, "-o", join(dir, "link.npy")]), 2, input);
    expectOneLineError(await runCli(["report", input, "-o", join(dir, ".", "..", "o-is-input-aliased", "in.npy")]), 2);
    expect(readFileSync(input).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["in.npy", "link.npy"]);
  });

  test("-o naming the --pairs file exits 2", async () => {
    const dir = freshDir("o-is-pairs");
    const pairs = join(dir, "docs.npy");
    const before = readFileSync(join(ROOT, "fixtures/scenarios/docs-aligned.npy"));
    writeFileSync(pairs, before);
    expectOneLineError(await runCli(["report", QUERIES, "--pairs", pairs, "-o", pairs]), 2, pairs);
    expect(readFileSync(pairs).equals(before)).toBe(true);
  });

  test("-o into a missing directory exits 3 and creates nothing", async () => {
    const dir = freshDir("o-missing-dir");
    const result = await runCli(["report", SMALL, "-o", join(dir, "missing", "report.txt")]);
    expectOneLineError(result, 3, "report.txt");
    expect(readdirSync(dir)).toEqual([]);
  });

  // Fails today: the message names the temporary file (".report.txt.1a2b3c4d.tmp"), not the -o path.
  test("-o into a missing directory names the -o path, not a temporary file", async () => {
    const dir = freshDir("o-missing-dir-message");
    const result = await runCli(["report", SMALL, "-o", join(dir, "missing", "report.txt")]);
    expect(result.stderr).not.toContain(".tmp");
  });

  // Fails today: rename() onto a directory throws EISDIR, which main.ts reports as an internal error with a stack.
  test("-o naming an existing directory exits with one line and no stack trace", async () => {
    const dir = freshDir("o-is-dir");
    const result = await runCli(["report", SMALL, "-o", dir]);
    expect(result.code).not.toBe(0);
    expectOneLineError(result, result.code, dir);
  });

  test("a run that fails on its input leaves no output file behind", async () => {
    const dir = freshDir("o-bad-input");
    const result = await runCli(["report", "fixtures/npy/bad/truncated_data.npy", "-o", join(dir, "report.txt")]);
    expectOneLineError(result, 3, "truncated_data.npy");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("a report written with -o is the one file in its directory and holds what stdout would", async () => {
    const dir = freshDir("o-ok");
    for (const format of ["terminal", "md"]) {
      const out = join(dir, `report.${format}`);
      const written = await runCli(["report", SMALL, "--format", format, "-o", out]);
      expect(written).toEqual({ stdout: "", stderr: "", code: 0 });
      const printed = await runCli(["report", SMALL, "--format", format]);
      expect(printed.code).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(printed.stdout);
    }
    expect(readdirSync(dir).sort()).toEqual(["report.md", "report.terminal"]);
  });
});

describe("stdin", () => {
  test("an NPY on stdin gives the report of the file, in process", async () => {
    const stdin = readFileSync(join(ROOT, SMALL));
    const piped = await runCli(["report", "-", "--format", "json"], { stdin });
    const direct = await runCli(["report", SMALL, "--format", "json"]);
    expect(piped.code, piped.stderr).toBe(0);
    expectSameReport(piped.stdout, direct.stdout);
  });
});

/**
 * Two JSON reports are equal once timings are zeroed and input.path ("stdin" vs the file) is set
 * aside, and nearDuplicates: its passes re-read the input, which standard input cannot be (null).
 */
function expectSameReport(fromStdin: string, fromFile: string): void {
  const a = JSON.parse(zeroTimings(fromStdin));
  const b = JSON.parse(zeroTimings(fromFile));
  expect(a.input.path).toBe("stdin");
  a.input.path = b.input.path;
  expect(a.nearDuplicates).toBeNull();
  a.nearDuplicates = b.nearDuplicates;
  expect(a).toEqual(b);
}

describe("the real process (node bin/embcheck.js)", () => {
  beforeAll(() => ensureBuilt());

  test("`cat healthy.npy | embcheck report -` gives the same JSON as reading the file", async () => {
    const piped = await runBin([`cat ${HEALTHY} | embcheck report - --format json`], { shell: true });
    const direct = await runBin(["report", HEALTHY, "--format", "json"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe("");
    expectSameReport(piped.stdout, direct.stdout);
  });

  test("an Arrow IPC stream piped on stdin gives the report of the file", async () => {
    const file = "fixtures/arrow/polars_zstd.arrows";
    const piped = await runBin(["report", "-", "--format", "json"], { stdin: readFileSync(join(ROOT, file)) });
    const direct = await runBin(["report", file, "--format", "json"]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).input.format).toBe("arrow-stream");
    expectSameReport(piped.stdout, direct.stdout);
  });

  test("piping into `head -1` exits 0 and prints no EPIPE error", async () => {
    const result = await runBin([`embcheck report ${HEALTHY} | head -1; exit "\${PIPESTATUS[0]}"`], { shell: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS .*healthy\.npy/);
    expect(result.stdout.split("\n")).toHaveLength(2);
    expect(result.stderr).toBe("");
  });

  test("a reader that closes before any output is written gets exit 0 and no EPIPE error", async () => {
    const result = await runBin(["report", HEALTHY, "--format", "json"], { closeStdout: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
  });

  test("a bad input prints one line and no stack trace", async () => {
    const file = "fixtures/npy/bad/truncated_header.npy";
    expectOneLineError(await runBin(["report", file]), 3, file);
  });

  test("a usage error prints no stack trace", async () => {
    expectUsageExit(await runBin(["report", HEALTHY, "--seed", "abc"]));
  });
});
