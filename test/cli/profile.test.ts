/**
 * Profiles that travel: `embcheck profile --shard I/N`, `merge`, `report`/`check`/`plot` on a
 * profile file, and `fit` + per-shard `apply` as a distributed `fix`, against the one-pass commands
 * on the same dataset of several files (written here: 7 files of uneven sizes, 72 dims so profile
 * blocks are 1024 rows; NaN, zero and duplicate rows, copies across files).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { profile } from "../../src/api.js";
import { createKernels } from "../../src/backends.js";
import { mulberry32 } from "../../src/linalg/random.js";
import { npyBytesF32 } from "../helpers/npy.js";
import { runCli } from "./helpers.js";

const D = 72;
const SIZES = [3000, 517, 9100, 1, 4400, 6000, 3];
const TOTAL = SIZES.reduce((a, b) => a + b, 0);
const TMP = mkdtempSync(join(tmpdir(), "embcheck-profile-cli-"));
const DIR = join(TMP, "ds");
let n = 0;
const tmp = (ext: string) => join(TMP, `f-${++n}.${ext}`);
const kernels = createKernels({ threads: 1 });
afterAll(async () => {
  rmSync(TMP, { recursive: true, force: true });
  await kernels.close();
});

/** The data bytes of an NPY file (after its header). */
function npyData(path: string): Buffer {
  const b = readFileSync(path);
  return b.subarray(10 + b.readUInt16LE(8));
}

beforeAll(() => {
  const r = mulberry32(15);
  const all = new Float32Array(TOTAL * D);
  const dir = new Float32Array(D).map(() => r() - 0.5);
  for (let i = 0; i < TOTAL; i++) {
    const s = 0.2 + 2 * r(); // norms spread out, so the percentiles mean something
    for (let j = 0; j < D; j++) all[i * D + j] = 3 * dir[j] + s * (r() + r() + r() - 1.5);
  }
  const copy = (from: number, to: number) => all.copyWithin(to * D, from * D, from * D + D);
  copy(10, 3100); // copies in other files
  copy(10, 20000);
  copy(12000, 12001);
  all[5 * D + 3] = Number.NaN;
  all.fill(0, 700 * D, 701 * D);
  all[9999 * D] = Number.POSITIVE_INFINITY;
  mkdirSync(DIR);
  let at = 0;
  SIZES.forEach((rows, i) => {
    const part = all.subarray(at * D, (at + rows) * D);
    writeFileSync(join(DIR, `part-${String(i).padStart(2, "0")}.npy`), npyBytesF32(part, rows, D));
    at += rows;
  });
});

/** The JSON report without `input` and `timing`: what must not depend on where the numbers came from. */
async function body(args: string[]): Promise<{ body: string; input: Record<string, unknown> }> {
  const r = await runCli(["report", ...args, "--format", "json", "--near-dup", "0"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  // near-duplicates read the rows again, which a profile does not hold: null in a profile's report
  // (METRICS.md § Near-duplicates), so one-pass runs skip them too (--near-dup 0)
  const { input, timing: _t, ...rest } = JSON.parse(r.stdout);
  expect(rest.nearDuplicates).toBeNull();
  return { body: JSON.stringify(rest), input };
}

/** Profiles the dataset in `count` shards; the files in a shuffled order. */
async function shards(count: number, extra: string[] = []): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const out = tmp("profile");
    const r = await runCli(["profile", DIR, "--shard", `${i}/${count}`, "-o", out, "--sample", "300", ...extra]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^embcheck profile: part ${i}/${count}, `));
    files.push(out);
  }
  const r = mulberry32(count);
  return files
    .map((f) => [r(), f] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([, f]) => f);
}

async function merge(files: string[]): Promise<string> {
  const out = tmp("profile");
  const r = await runCli(["merge", ...files, "-o", out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe("--shard over a dataset of several files", () => {
  test("every row lands in exactly one shard, for N = 1…17", async () => {
    for (let count = 1; count <= 17; count++) {
      const ranges: number[] = [];
      let rows = 0;
      for (let index = 0; index < count; index++) {
        const { profile: p } = await profile(DIR, { shard: { index, count }, sampleSize: 8, kernels });
        ranges.push(...p.state.ranges);
        rows += p.rows;
      }
      expect(rows).toBe(TOTAL);
      // the parts' ranges, in shard order, tile [0, TOTAL) with no gap and no overlap
      expect(ranges[0]).toBe(0);
      for (let i = 1; i + 1 < ranges.length; i += 2) expect(ranges[i + 1]).toBe(ranges[i]);
      expect(ranges.at(-1)).toBe(TOTAL);
    }
  });
});

describe("merged shard profiles equal one pass", () => {
  for (const precision of ["float64", "mixed"]) {
    test.each([1, 2, 7, 16])(
      `%i shards, merged in a shuffled order: the report JSON of the merge is the one-pass report, to the last bit (--precision ${precision})`,
      async (count) => {
        const whole = await body([DIR, "--sample", "300", "--precision", precision]);
        const parts = await shards(count, ["--precision", precision]);
        const merged = await body([await merge(parts)]);
        expect(merged.body).toBe(whole.body);
        expect(merged.input).toMatchObject({ format: "profile", rows: TOTAL, dims: D, dtype: "float32" });
        expect(merged.input.profile).toMatchObject({ source: { path: DIR, format: "npy" }, ranges: [0, TOTAL] });
        const parsed = JSON.parse(whole.body);
        // the data's traps are really in it, so equal reports compare real numbers
        expect(parsed.integrity).toMatchObject({ nanRows: 1, zeroRows: 1, infRows: 1, duplicateRows: 3 });
      },
    );
  }

  test("merging in groups gives the same file as merging all at once (associative)", async () => {
    const parts = await shards(7);
    const all = await merge(parts);
    const grouped = await merge([
      await merge(parts.slice(0, 3)),
      await merge([parts[5], parts[3], parts[4]]),
      parts[6],
    ]);
    expect(readFileSync(grouped).equals(readFileSync(all))).toBe(true);
  });

  test("check and plot read a profile file as they read the input", async () => {
    const all = await merge(await shards(2));
    const a = await runCli(["check", DIR, "--dataset", "--sample", "300", "--format", "json"]);
    const b = await runCli(["check", all, "--format", "json"]);
    expect(b.code).toBe(a.code);
    const checks = (s: string) =>
      JSON.stringify(JSON.parse(s).files?.map((f: { checks: unknown }) => f.checks) ?? JSON.parse(s).checks);
    expect(checks(b.stdout)).toBe(checks(a.stdout));
    const p = await runCli(["plot", all, "--projection", "pca"]);
    expect(p.code, p.stderr).toBe(0);
  });
});

describe("fit from a merged profile, apply per shard", () => {
  test.each(["center,pca:16", "abtt:2,l2", "drop-invalid,whiten:8"])(
    "%s: fit all.profile then apply t.json on every file gives fix's bytes on the whole",
    async (pipeline) => {
      const whole = tmp("npy");
      const fix = await runCli(["fix", DIR, "--pipeline", pipeline, "--sample", "300", "-o", whole]);
      expect(fix.code, fix.stderr).toBe(0);
      const all = await merge(await shards(5));
      const t = tmp("json");
      const fit = await runCli(["fit", all, "--pipeline", pipeline, "--save-transform", t]);
      expect(fit.code, fit.stderr).toBe(0);
      expect(fit.stderr).toMatch(/^embcheck fit: /);
      const pieces: Buffer[] = [];
      // the shards of the workers: files, or several files as one (apply measures its input
      // before writing, so it needs 2 valid rows: part-03 holds one row and goes with its neighbours)
      for (const group of [[0], [1, 2, 3], [4], [5, 6]]) {
        const out = tmp("npy");
        const files = group.map((i) => join(DIR, `part-${String(i).padStart(2, "0")}.npy`));
        const r = await runCli(["apply", t, ...files, "-o", out]);
        expect(r.code, r.stderr).toBe(0);
        pieces.push(npyData(out));
      }
      expect(Buffer.concat(pieces).equals(npyData(whole))).toBe(true);
    },
  );

  test("fit refuses dedup and pipelines that need another pass over the vectors", async () => {
    const all = await merge(await shards(1));
    const a = await runCli(["fit", all, "--pipeline", "dedup,center", "--save-transform", tmp("json")]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/cannot include dedup/);
    const t = tmp("json");
    const b = await runCli(["fit", all, "--pipeline", "l2,pca:4", "--save-transform", t]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/needs another pass over the vectors/);
    expect(existsSync(t)).toBe(false);
  });
});

describe("merge refuses what does not add up, naming both files", () => {
  test.each([
    ["--seed", ["--seed", "5"]],
    ["--sample", ["--sample", "200"]],
    ["--precision", ["--precision", "float64"]],
  ])("profiles made with another %s", async (flag, extra) => {
    const a = tmp("profile");
    const b = tmp("profile");
    expect((await runCli(["profile", DIR, "--shard", "0/2", "-o", a, "--sample", "300"])).code).toBe(0);
    expect((await runCli(["profile", DIR, "--shard", "1/2", "-o", b, "--sample", "300", ...extra])).code).toBe(0);
    const out = tmp("profile");
    const r = await runCli(["merge", a, b, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(a);
    expect(r.stderr).toContain(b);
    expect(r.stderr).toContain(flag);
    expect(existsSync(out)).toBe(false);
  });

  test("profiles of other dims", async () => {
    const other = tmp("npy");
    writeFileSync(
      other,
      npyBytesF32(
        new Float32Array(40).map((_, i) => i + 1),
        5,
        8,
      ),
    );
    const a = tmp("profile");
    const b = tmp("profile");
    expect((await runCli(["profile", DIR, "-o", a])).code).toBe(0);
    expect((await runCli(["profile", other, "--row-offset", String(TOTAL), "-o", b])).code).toBe(0);
    const r = await runCli(["merge", a, b, "-o", tmp("profile")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`cannot merge ${b} \\(dims 8\\) with ${a} \\(dims 72\\)`));
  });

  test("overlapping row ranges: a part given twice under two names, or parts of different N", async () => {
    const [p] = await shards(1);
    const copy = tmp("profile");
    writeFileSync(copy, readFileSync(p));
    const r = await runCli(["merge", p, copy, "-o", tmp("profile")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot merge ${copy} with ${p}: both hold rows [0, ${TOTAL})`);
    const a = tmp("profile");
    const b = tmp("profile");
    await runCli(["profile", DIR, "--shard", "0/2", "-o", a]);
    await runCli(["profile", DIR, "--shard", "0/3", "-o", b]);
    const s = await runCli(["merge", a, b, "-o", tmp("profile")]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/both hold rows \[0, \d+\)/);
  });

  test("--shard with --row-offset is a usage error", async () => {
    const r = await runCli(["profile", DIR, "--shard", "0/2", "--row-offset", "5", "-o", tmp("profile")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard or --row-offset, not both/);
  });
});

describe("damaged or foreign profile files are refused with one line, exit 3", () => {
  let good: Buffer;
  beforeAll(async () => {
    const [p] = await shards(1);
    good = readFileSync(p);
  });
  const refused = async (bytes: Buffer, pattern: RegExp, cmd: "report" | "merge" | "fit" = "report") => {
    const f = tmp("profile");
    writeFileSync(f, bytes);
    const out = tmp(cmd === "fit" ? "json" : "profile");
    const args =
      cmd === "report"
        ? ["report", f]
        : cmd === "merge"
          ? ["merge", f, "-o", out]
          : ["fit", f, "--pipeline", "center", "--save-transform", out];
    const r = await runCli(args);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(f);
    expect(r.stderr).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  };

  test("a transform given as a profile", async () => {
    const t = Buffer.from(`${JSON.stringify({ kind: "embcheck/transform", schemaVersion: 1 })}\n`);
    await refused(t, /is a transform \(embcheck\/transform\), not a profile.*embcheck apply/, "merge");
    await refused(t, /is a transform/, "fit");
  });

  test("a newer format version or schema version", async () => {
    const v = Buffer.from(good);
    v.writeUInt32LE(v.readUInt32LE(8) + 1, 8);
    await refused(v, /format version \d+; this embcheck reads version \d+/);
    const s = Buffer.from(good);
    const at = s.indexOf('"schemaVersion":2');
    expect(at).toBeGreaterThan(0);
    s.write('"schemaVersion":9', at, "latin1");
    await refused(s, /schema version 9 .*this embcheck reads version 2/, "merge");
  });

  test("truncated and corrupt files", async () => {
    for (const cut of [20, good.length >> 1, good.length - 4]) {
      await refused(good.subarray(0, cut), /not a valid embcheck profile/);
      await refused(good.subarray(0, cut), /not a valid embcheck profile/, "merge");
    }
    const c = Buffer.from(good);
    c[c.length - 3] ^= 0x40;
    await refused(c, /checksum .* does not match/, "fit");
  });
});

describe("the library", () => {
  test("saveProfile then loadProfile gives the same report as the vectors (report() reads a profile path)", async () => {
    const { saveProfile, loadProfile, report } = await import("../../src/index.js");
    const p = (await profile(DIR, { sampleSize: 300, kernels })).profile;
    const f = tmp("profile");
    await saveProfile(p, f, { path: DIR, format: "npy", dtype: "float32" });
    const { profile: q, header } = await loadProfile(f, kernels);
    expect(header).toMatchObject({ kind: "embcheck/profile", dims: D, rows: TOTAL, ranges: [0, TOTAL] });
    expect(q.covariance()).toEqual(p.covariance());
    const strip = ({ input: _i, timing: _t, ...rest }: Record<string, unknown>) => rest;
    const a = await report(DIR, { sampleSize: 300, kernels, nearDup: 0 }); // a profile has no rows to re-read
    const b = await report(f, { kernels });
    expect(strip(b as never)).toEqual(strip(a as never));
    expect(b.input.format).toBe("profile");
  });
});
