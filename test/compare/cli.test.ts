/**
 * `embcheck compare` end to end: the exit codes, the published schema (schema/compare.schema.json)
 * against what --format json writes, the three modes on the oracle fixtures, bad input, and
 * `check --reference`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, describe, expect, test } from "vitest";
import type { CompareResult } from "../../src/compare/types.js";
import { ROOT, runCli } from "../cli/helpers.js";

const F = "fixtures/compare";
const oracle = JSON.parse(readFileSync(join(ROOT, F, "oracle.json"), "utf8"));
const schema = JSON.parse(readFileSync(join(ROOT, "schema", "compare.schema.json"), "utf8"));
const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);
const dir = mkdtempSync(join(tmpdir(), "embcheck-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function json(args: string[]): Promise<{ code: number; doc: CompareResult }> {
  const r = await runCli(["compare", ...args, "--format", "json", "--threads", "0"]);
  expect(r.stderr, r.stderr).toBe("");
  const doc = JSON.parse(r.stdout);
  expect(validate(doc), JSON.stringify(validate.errors, null, 1)).toBe(true);
  return { code: r.code, doc };
}

describe("embcheck compare", () => {
  test("a drifted set exits 1 with the classifier's fail finding; its JSON keeps the schema", async () => {
    const { code, doc } = await json([`${F}/ref.npy`, `${F}/shifted.npy`, "--precision", "float64"]);
    expect(code).toBe(1);
    expect(doc.schema).toBe("embcheck/compare@1");
    expect(doc.verdict).toBe("fail");
    expect(doc.findings.map((f) => f.id)).toEqual(["drift-classifier", "drift-mmd", "drift-components"]);
    const want = oracle.drift.ref_shifted;
    expect(Math.abs((doc.drift?.frechet.value ?? 0) - want.frechet.value) / want.frechet.value).toBeLessThan(1e-9);
    expect(Math.abs((doc.drift?.classifier.auc ?? 0) - want.classifier.auc)).toBeLessThan(1e-9);
    expect(doc.paired).toBeNull();
    expect(doc.leakage).toBeNull();
    const cos = doc.metrics.find((m) => m.metric === "cosine.meanExact");
    expect(cos?.delta).toBeCloseTo((cos?.b ?? 0) - (cos?.a ?? 0), 15);
  });

  test("the same distribution exits 0; --fail-on warn and --threshold move the gate", async () => {
    expect((await json([`${F}/ref.npy`, `${F}/same.npy`])).code).toBe(0);
    const strict = await json([
      `${F}/ref.npy`,
      `${F}/same.npy`,
      "--threshold",
      "drift-centroid=0.001",
      "--fail-on",
      "warn",
    ]);
    expect(strict.doc.findings.map((f) => [f.id, f.severity])).toEqual([["drift-centroid", "fail"]]);
    expect(strict.code).toBe(1);
    const off = await json([`${F}/ref.npy`, `${F}/shifted.npy`, "--threshold", "drift.classifier.auc=off"]);
    expect(off.code).toBe(0);
  });

  test("--paired with other dims gives CKA and no drift", async () => {
    const { code, doc } = await json([`${F}/ref.npy`, `${F}/projected.npy`, "--paired", "--precision", "float64"]);
    expect(code).toBe(0);
    expect(doc.drift).toBeNull();
    expect(
      Math.abs((doc.paired?.cka ?? 0) - oracle.paired.ref_projected.cka) / oracle.paired.ref_projected.cka,
    ).toBeLessThan(1e-9);
    expect(doc.paired?.rowCosine).toBeNull();
  });

  test("--leakage finds the copied test rows and fails the gate", async () => {
    const { code, doc } = await json([`${F}/train.npy`, `${F}/test.npy`, "--leakage"]);
    expect(code).toBe(1);
    expect(doc.leakage?.exact.testRowsInTrain).toBe(oracle.leakage.exact);
    expect(doc.leakage?.near.above).toBe(oracle.leakage.nearAbove);
    expect(doc.findings.map((f) => [f.id, f.severity])).toContainEqual(["leakage-exact", "fail"]);
    const strict = await json([`${F}/train.npy`, `${F}/test.npy`, "--leakage", "--leakage-threshold", "0.9999999"]);
    expect(strict.doc.leakage?.near.above).toBe(oracle.leakage.exact);
  });

  test("the terminal and Markdown formats show every block and the side-by-side metrics", async () => {
    const t = await runCli(["compare", `${F}/train.npy`, `${F}/test.npy`, "--leakage", "--threads", "0"]);
    expect(t.stdout).toMatch(/^FAIL {2}/);
    for (const s of ["Findings", "Drift", "Leakage", "Metrics", "cosine.meanExact", "B − A"])
      expect(t.stdout).toContain(s);
    const md = await runCli([
      "compare",
      `${F}/ref.npy`,
      `${F}/rotated.npy`,
      "--paired",
      "--format",
      "md",
      "--threads",
      "0",
    ]);
    for (const s of ["## ", "### Drift", "### Paired", "| metric |"]) expect(md.stdout).toContain(s);
  });

  test("a profile file is an input for drift, and -o writes the file", async () => {
    const p = join(dir, "ref.profile");
    expect((await runCli(["profile", `${F}/ref.npy`, "-o", p])).code).toBe(0);
    const out = join(dir, "c.json");
    const r = await runCli(["compare", p, `${F}/shifted.npy`, "--format", "json", "-o", out, "--threads", "0"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(out, "utf8")).a.input.format).toBe("profile");
  });

  test("bad use is one line and exit 2; unequal rows with --paired are exit 3 naming the file", async () => {
    const dims = await runCli(["compare", `${F}/ref.npy`, `${F}/projected.npy`, "--threads", "0"]);
    expect(dims.code).toBe(2);
    expect(dims.stderr).toMatch(/^embcheck: .*16 dims.*12.*--paired\n$/);
    const rows = await runCli(["compare", `${F}/ref.npy`, `${F}/shifted.npy`, "--paired", "--threads", "0"]);
    expect(rows.code).toBe(3);
    expect(rows.stderr).toMatch(/^embcheck: .*shifted\.npy: ends after 380 rows/);
    const th = await runCli(["compare", `${F}/ref.npy`, `${F}/same.npy`, "--threshold", "nope=1"]);
    expect(th.code).toBe(2);
    expect(th.stderr).toContain("drift-classifier");
    const lt = await runCli(["compare", `${F}/ref.npy`, `${F}/same.npy`, "--leakage-threshold", "0.9"]);
    expect(lt.code).toBe(2);
  });
});

describe("embcheck check --reference", () => {
  const checkSchema = JSON.parse(readFileSync(join(ROOT, "schema", "check.schema.json"), "utf8"));
  const validateCheck = new Ajv({ strict: true, allErrors: true }).compile(checkSchema);

  test("gates on the drift rules: a drifted file fails, the same distribution passes, each with four drift checks", async () => {
    const bad = await runCli([
      "check",
      `${F}/shifted.npy`,
      "--reference",
      `${F}/ref.npy`,
      "--format",
      "json",
      "--threads",
      "0",
    ]);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout);
    expect(validateCheck(doc), JSON.stringify(validateCheck.errors)).toBe(true);
    const drift = doc.files[0].checks.filter((c: { id: string }) => c.id.startsWith("drift-"));
    expect(drift.map((c: { id: string; status: string }) => [c.id, c.status])).toEqual([
      ["drift-classifier", "fail"],
      ["drift-mmd", "warn"],
      ["drift-centroid", "pass"],
      ["drift-components", "warn"],
    ]);
    const good = await runCli(["check", `${F}/same.npy`, "--reference", `${F}/ref.npy`, "--threads", "0"]);
    expect(good.code).toBe(0);
  });

  test("--threshold sets a drift line; without --reference a drift rule is a usage error", async () => {
    const r = await runCli([
      "check",
      `${F}/shifted.npy`,
      "--reference",
      `${F}/ref.npy`,
      "--threshold",
      "drift-classifier=0.95",
      "--threads",
      "0",
    ]);
    expect(r.code).toBe(0);
    const u = await runCli(["check", `${F}/same.npy`, "--threshold", "drift-mmd=0.1"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toBe("embcheck: --threshold drift-mmd=0.1: a drift rule needs --reference\n");
  });
});
