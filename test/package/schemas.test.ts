/**
 * The published JSON Schemas (schema/*.schema.json) against what the CLI really writes: reports of
 * several fixtures and formats (clean, dirty, paired, a dataset), `check --format json` results
 * (passing, failing, with a baseline, with an unreadable file), `report --save-baseline` files and
 * `fix --save-transform` files of several pipelines. Also: each schema is strict draft-07 with a
 * versioned `$id`, rejects documents that break it, and the report schema names every path of
 * docs/METRICS.md (the contract) and requires the contract's paths.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, runCli } from "../cli/helpers.js";

const NAMES = ["report", "check", "baseline", "transform", "embcheck.config"] as const;
type Name = (typeof NAMES)[number];
const schemaOf = (name: Name) => JSON.parse(readFileSync(join(ROOT, "schema", `${name}.schema.json`), "utf8"));
const validators = {} as Record<Name, ValidateFunction>;
let dir: string;

beforeAll(() => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  for (const name of NAMES) validators[name] = ajv.compile(schemaOf(name));
  dir = mkdtempSync(join(tmpdir(), "embcheck-schemas-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectValid(name: Name, doc: unknown, what: string): void {
  const v = validators[name];
  expect(v(doc), `${what}: ${JSON.stringify(v.errors, null, 1)}`).toBe(true);
}

async function json(args: string[]): Promise<unknown> {
  const r = await runCli(args);
  expect(r.stderr === "" || r.code !== 3, r.stderr).toBe(true);
  return JSON.parse(r.stdout);
}

describe("every schema", () => {
  test.each(NAMES)("%s compiles as strict draft-07 and has a versioned urn:embcheck $id", (name) => {
    const s = schemaOf(name);
    expect(s.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(s.$id).toMatch(/^urn:embcheck:schema:[a-z]+@\d+$/);
    expect(validators[name]).toBeTypeOf("function");
  });

  test("the schema folder holds exactly these five", () => {
    const listed = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).files as string[];
    expect(listed).toContain("schema");
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    for (const name of NAMES) expect(readme).toContain(`schema/${name}.schema.json`);
  });
});

describe("reports written by `embcheck report --format json` keep schema/report.schema.json", () => {
  test.each([
    ["the GloVe sample, Arrow", ["fixtures/sample/glove-6b-100d-top3000.arrow"]],
    ["the GloVe sample, npy", ["fixtures/sample/glove-6b-100d-top3000.npy"]],
    ["a dirty npy with fail findings", ["fixtures/scenarios/dirty.npy"]],
    ["NaN and Inf rows", ["fixtures/npy/nan_inf_f4.npy"]],
    ["a float64 input", ["fixtures/scenarios/healthy-f64.npy"]],
    ["paired rows (alignment)", ["fixtures/scenarios/docs-aligned.npy", "--pairs", "fixtures/scenarios/queries.npy"]],
    ["a Parquet file with null rows", ["fixtures/parquet/dirty.parquet"]],
    ["a compressed npz", ["fixtures/npz/compressed.npz"]],
    ["a dataset of several files", ["fixtures/dataset/shards"]],
    ["the float64 covariance", ["fixtures/scenarios/anisotropic.npy", "--precision", "float64"]],
  ])("%s", async (_what, args) => {
    const r = (await json(["report", ...args, "--format", "json"])) as Record<string, unknown>;
    expectValid("report", r, args.join(" "));
    expect(r.schema).toBe("embcheck/report@1");
  });

  test("a report measured from a profile file (input.format profile, input.profile)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "embcheck-schema-"));
    try {
      const file = join(dir, "shards.profile");
      const made = await runCli(["profile", "fixtures/dataset/shards", "-o", file]);
      expect(made.code, made.stderr).toBe(0);
      const r = (await json(["report", file, "--format", "json"])) as { input: { format: string } };
      expect(r.input.format).toBe("profile");
      expectValid("report", r, "report shards.profile");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a report that drops a contract field, or claims another schema, is rejected", async () => {
    const r = (await json(["report", "fixtures/scenarios/healthy.npy", "--format", "json"])) as {
      schema: string;
      spectrum: Record<string, unknown>;
    };
    const { effectiveRank: _, ...spectrum } = r.spectrum;
    expect(validators.report({ ...r, spectrum })).toBe(false);
    expect(validators.report.errors?.[0]).toMatchObject({ instancePath: "/spectrum", keyword: "required" });
    expect(validators.report({ ...r, schema: "embcheck/report@2" })).toBe(false);
    expect(validators.report({ ...r, verdict: "ok" })).toBe(false);
  });

  test("names every path of docs/METRICS.md and requires every contract path", () => {
    const s = schemaOf("report");
    const declared = (path: string, required: boolean): boolean => {
      let node = s;
      for (const key of path.split(".")) {
        const target = node.oneOf ? node.oneOf.find((o: { type?: string }) => o.type === "object") : node;
        if (!target?.properties?.[key]) return false;
        if (required && !target.required?.includes(key)) return false;
        node = target.properties[key];
      }
      return true;
    };
    const doc = readFileSync(join(ROOT, "docs", "METRICS.md"), "utf8");
    const paths = [
      ...new Set(
        [
          ...doc.matchAll(
            /`((?:input|integrity|norms|cosine|uniformity|alignment|spectrum|sample|tool)\.[A-Za-z0-9]+)`/g,
          ),
        ].map((m) => m[1]),
      ),
    ];
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((p) => !declared(p, false))).toEqual([]);
    // The contract of /work/shared/METRICS.md (schema embcheck/report@1): these must always be present.
    const contract = [
      "input.path",
      "input.format",
      "input.column",
      "input.dtype",
      "input.rows",
      "input.dims",
      ...["rows", "validRows", "nullRows", "nanRows", "infRows", "zeroRows", "duplicateRows"].map(
        (k) => `integrity.${k}`,
      ),
      ...["min", "max", "mean", "std", "cv", "p1", "p50", "p99", "histogram"].map((k) => `norms.${k}`),
      ...["meanExact", "meanVectorNorm", "sampledPairs", "mean", "std", "p5", "p50", "p95", "histogram"].map(
        (k) => `cosine.${k}`,
      ),
      "uniformity.value",
      "uniformity.t",
      "uniformity.sampledPairs",
      ...[
        "explainedVarianceRatio",
        "dominantShare",
        "top10Share",
        "effectiveRank",
        "effectiveRankRatio",
        "participationRatio",
        "dims90",
        "dims95",
        "dims99",
        "isoScore",
      ].map((k) => `spectrum.${k}`),
      "tool.version",
      "sample.rows",
      "sample.seed",
    ];
    expect(contract.filter((p) => !declared(p, true))).toEqual([]);
    for (const k of ["alignment.value", "alignment.meanCosine", "alignment.pairs", "alignment.alpha"])
      expect(declared(k, true), k).toBe(true);
    expect(s.required).toEqual(expect.arrayContaining(["schema", "alignment", "findings", "verdict", "timing"]));
  });
});

describe("gate results written by `embcheck check --format json` keep schema/check.schema.json", () => {
  test("a passing file, a failing file and an unreadable file", async () => {
    const r = await runCli([
      "check",
      "fixtures/scenarios/healthy.npy",
      "fixtures/scenarios/dirty.npy",
      "fixtures/npy/zero_rows.npy",
      "--format",
      "json",
      "--no-config",
    ]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expectValid("check", doc, "check healthy dirty zero_rows");
    expect(doc.files.map((f: { status: string }) => f.status)).toEqual(["passed", "failed", "error"]);
  });

  test("a check against a saved baseline, whose file keeps schema/baseline.schema.json", async () => {
    const base = join(dir, "base.json");
    const saved = await runCli([
      "report",
      "fixtures/scenarios/healthy.npy",
      "--save-baseline",
      base,
      "--format",
      "json",
    ]);
    expect(saved.code).toBe(0);
    expectValid("baseline", JSON.parse(readFileSync(base, "utf8")), "the saved baseline");
    const doc = await json([
      "check",
      "fixtures/scenarios/anisotropic.npy",
      "--baseline",
      base,
      "-f",
      "json",
      "--no-config",
    ]);
    expectValid("check", doc, "check --baseline");
    expect(
      (doc as { files: { checks: { kind: string }[] }[] }).files[0].checks.some((c) => c.kind === "baseline"),
    ).toBe(true);
  });

  test("a baseline of the Arrow sample keeps the baseline schema; one without metrics is rejected", async () => {
    const base = join(dir, "glove.json");
    await runCli(["report", "fixtures/sample/glove-6b-100d-top3000.arrow", "--save-baseline", base, "-f", "json"]);
    const doc = JSON.parse(readFileSync(base, "utf8"));
    expectValid("baseline", doc, "the Arrow baseline");
    expect(validators.baseline({ ...doc, metrics: {} })).toBe(false);
  });
});

describe("transforms written by `embcheck fix --save-transform` keep schema/transform.schema.json", () => {
  test.each([
    ["center,whiten,l2", "fixtures/scenarios/anisotropic.npy"],
    ["pca:16", "fixtures/scenarios/healthy.npy"],
    ["drop-invalid,dedup,abtt:2,l2", "fixtures/scenarios/dirty.npy"],
    ["l2", "fixtures/sample/glove-6b-100d-top3000.npy"],
  ])("--pipeline %s", async (pipeline, input) => {
    const name = pipeline.replace(/[^a-z0-9]/g, "_");
    const t = join(dir, `t-${name}.json`);
    const r = await runCli([
      "fix",
      input,
      "--pipeline",
      pipeline,
      "-o",
      join(dir, `${name}.npy`),
      "--save-transform",
      t,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(t, "utf8"));
    expectValid("transform", doc, pipeline);
    expect(doc.pipeline).toBe(pipeline);
  });

  test("a transform whose array is not float64 or whose kind is wrong is rejected", async () => {
    const t = join(dir, "t-center.json");
    await runCli([
      "fix",
      "fixtures/scenarios/healthy.npy",
      "--pipeline",
      "center",
      "-o",
      join(dir, "c.npy"),
      "--save-transform",
      t,
    ]);
    const doc = JSON.parse(readFileSync(t, "utf8"));
    expectValid("transform", doc, "center");
    const f4 = structuredClone(doc);
    f4.steps[0].mean.dtype = "<f4";
    expect(validators.transform(f4)).toBe(false);
    expect(validators.transform({ ...doc, kind: "embcheck/report" })).toBe(false);
  });
});
