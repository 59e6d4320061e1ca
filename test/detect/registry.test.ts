/**
 * The metric-section registry: a new metric is one section plus one registry line. A toy section
 * (the largest norm over the smallest) is registered beside report@1's sections and goes through
 * the whole path: metrics, the one evaluation loop, findings with their English, and the terminal
 * and Markdown renderers. The `@ts-expect-error` lines are checked by `tsc --noEmit -p .`: a rule
 * without its English or range, or a misspelt rule id, does not compile.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { profile } from "../../src/api.js";
import { evaluate } from "../../src/detect/evaluate.js";
import { findingsOf } from "../../src/detect/findings.js";
import { computeMetrics } from "../../src/detect/metrics.js";
import {
  buildRegistry,
  DEFAULT_REGISTRY,
  DEFAULT_SECTIONS,
  type GatedRuleId,
  RULES,
  type RuleId,
} from "../../src/detect/registry.js";
import type { Overrides, Rule } from "../../src/detect/rules.js";
import type { AnySection, Section } from "../../src/detect/section.js";
import type { MetricsHead } from "../../src/detect/types.js";
import type { GateProfile } from "../../src/gate/profiles.js";
import { buildReport } from "../../src/report/build.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { formatMessage } from "../../src/report/messages.js";
import { renderTerminal } from "../../src/report/terminal.js";
import type { ReportOf } from "../../src/report/types.js";
import { formatNumber } from "../../src/text/format.js";
import { table } from "../../src/text/markdown.js";
import { ROOT } from "../cli/helpers.js";

// ---- the toy metric: this block is the whole of what adding it takes (plus the registry line below)

const TOY_RULES = [
  {
    id: "norm-ratio",
    metric: "maxNormRatio",
    direction: "above",
    defaults: { warn: 10, fail: 100 },
    range: { min: 1, max: Number.POSITIVE_INFINITY, what: "a ratio of norms" },
    source: "a toy rule for the registry test",
    message: (a, k) => `the largest norm is ${k.num(a.value)} times the smallest${k.th(a.threshold)}`,
    hint: "normalise: `embcheck fix IN --pipeline l2 -o OUT`",
  },
] as const satisfies readonly Rule<MetricsHead & { maxNormRatio: number }>[];

const maxNormRatio: Section<"maxNormRatio", number, typeof TOY_RULES> = {
  key: "maxNormRatio",
  compute: ({ profile: p }) => {
    const norms = p.norms();
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const v of norms) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return max / min;
  },
  rules: TOY_RULES,
  terminal: { title: "Norm ratio", lines: (r) => [`max / min ${formatNumber(r.maxNormRatio)}`] },
  markdown: (r) => ["### Max norm ratio", "", ...table(["max / min"], [[formatNumber(r.maxNormRatio)]]), ""],
};

const registry = buildRegistry([...DEFAULT_SECTIONS, maxNormRatio]);

// ----

const SCEN = join(ROOT, "fixtures/scenarios");
/** NumPy's norms of healthy.npy. Ref: fixtures/scripts/oracle.py wrote fixtures/reference/healthy.json. */
const HEALTHY_REF = JSON.parse(readFileSync(join(ROOT, "fixtures/reference/healthy.json"), "utf8")) as {
  norms: { min: number; max: number };
};

async function toyReport(name: string) {
  const { info, profile: p } = await profile(join(SCEN, `${name}.npy`), { threads: 0 });
  const metrics = computeMetrics(p, false, { registry });
  const evaluations = evaluate(registry.rules, metrics);
  const report = buildReport(metrics, info, { toolVersion: "test", evaluations, registry });
  return { metrics, evaluations, report };
}

describe("a section registered beside report@1's", () => {
  let healthy: Awaited<ReturnType<typeof toyReport>>;
  let skewed: Awaited<ReturnType<typeof toyReport>>;
  beforeAll(async () => {
    healthy = await toyReport("healthy");
    skewed = await toyReport("skewed-norms");
  });

  test("is computed into the metrics: max/min norm of healthy.npy equals NumPy's within 1e-12", () => {
    const expected = HEALTHY_REF.norms.max / HEALTHY_REF.norms.min;
    expect(Math.abs(healthy.metrics.maxNormRatio - expected)).toBeLessThanOrEqual(1e-12 * expected);
    expect(healthy.metrics.maxNormRatio).toBe(healthy.metrics.norms.max / healthy.metrics.norms.min);
  });

  test("is judged by the one evaluation loop: a pass on healthy.npy, a fail past 100 on skewed-norms.npy", () => {
    const toy = (e: typeof healthy.evaluations) => e.find((x) => x.rule.id === "norm-ratio");
    expect(toy(healthy.evaluations)).toMatchObject({ status: "pass", lines: { warn: 10, fail: 100 }, threshold: null });
    expect(toy(skewed.evaluations)).toMatchObject({ status: "fail", threshold: 100 });
    expect(toy(skewed.evaluations)!.value).toBeGreaterThan(280); // NumPy: 284.977
  });

  test("its finding carries args and its English is rendered from them", () => {
    const f = findingsOf(skewed.evaluations).find((x) => x.id === "norm-ratio")!;
    expect(f.args).toEqual({ value: skewed.metrics.maxNormRatio, threshold: 100 });
    expect(formatMessage(f, registry).message).toBe(
      `the largest norm is ${formatNumber(skewed.metrics.maxNormRatio)} times the smallest (≥ 100)`,
    );
    const inReport = skewed.report.findings.find((x) => x.id === "norm-ratio")!;
    expect(inReport).toMatchObject({ severity: "fail", metric: "maxNormRatio", threshold: 100 });
    expect(inReport.hint).toBe("normalise: `embcheck fix IN --pipeline l2 -o OUT`");
  });

  test("sits in the report after the sections of report@1, which keep their order", () => {
    const keys = Object.keys(healthy.report);
    expect(keys.slice(keys.indexOf("integrity"), keys.indexOf("sample"))).toEqual([
      "integrity",
      "norms",
      "cosine",
      "uniformity",
      "alignment",
      "spectrum",
      "hubness",
      "outliers",
      "intrinsicDimension",
      "retrieval",
      "nearDuplicates",
      "labels",
      "maxNormRatio",
    ]);
  });

  test("shows its lines in the terminal report and its section in the Markdown report", () => {
    const r: ReportOf<typeof registry.sections> = healthy.report;
    const ratio = formatNumber(healthy.metrics.maxNormRatio);
    const text = renderTerminal(r, { color: false, width: 80, registry });
    expect(text).toContain(`\nNorm ratio  max / min ${ratio}\n`);
    expect(text.indexOf("Norm ratio")).toBeGreaterThan(text.indexOf("Spectrum"));
    const md = renderMarkdown(r, { registry });
    expect(md).toContain(`### Max norm ratio\n\n| max / min |\n| ---: |\n| ${ratio} |\n`);
    // the default registry's renderers do not know it
    expect(renderTerminal(r, { color: false })).not.toContain("Norm ratio");
  });

  test("leaves the default registry as it was (no global registry is mutated)", () => {
    expect(DEFAULT_REGISTRY.rule("norm-ratio")).toBeUndefined();
    expect(DEFAULT_REGISTRY.sections.map((s) => s.key)).not.toContain("maxNormRatio");
    expect(registry.rules.map((r) => r.id)).toEqual([
      ...DEFAULT_REGISTRY.sections.flatMap((s) => s.rules.map((x) => x.id)),
      "norm-ratio",
    ]);
  });
});

describe("buildRegistry", () => {
  test("refuses a section key or a rule id given twice", () => {
    expect(() => buildRegistry([...DEFAULT_SECTIONS, maxNormRatio, maxNormRatio])).toThrow(
      'metric section "maxNormRatio" is registered twice',
    );
    const toy: AnySection = maxNormRatio;
    const again: AnySection = { ...toy, key: "again" };
    expect(() => buildRegistry([maxNormRatio, again])).toThrow('rule "norm-ratio" is declared twice');
  });

  test("lists report@1's rules in its finding order: the spectrum's before uniformity's and alignment's", () => {
    expect(RULES.map((r) => r.id)).toEqual([
      "nan-rows",
      "inf-rows",
      "zero-rows",
      "null-rows",
      "duplicate-rows",
      "norm-spread",
      "unit-norm",
      "anisotropy",
      "collapse",
      "dominant-direction",
      "few-rows",
      "poor-uniformity",
      "poor-alignment",
      "alignment-no-better-than-random",
      "hubness",
      "knn-outliers",
      "label-imbalance",
      "label-dominant",
      "label-tiny-group",
      "label-collapsed-group",
      "label-silhouette",
      "label-knn-accuracy",
      "label-groups-pooled",
    ]);
  });
});

describe("the rule ids are types", () => {
  test("a misspelt id, an informational rule's id as a gated one, or a rule missing its English or range does not compile", () => {
    const ok: RuleId = "anisotropy";
    // @ts-expect-error: no such rule
    const misspelt: RuleId = "anisotrpy";
    // @ts-expect-error: unit-norm has no lines to set
    const info: GatedRuleId = "unit-norm";
    // @ts-expect-error: thresholds are keyed by gated rule id
    const overrides: Overrides<GatedRuleId> = { "cosine-mean": { fail: 0.7 } };
    // @ts-expect-error: a profile naming no rule
    const profile: GateProfile = { name: "p", description: "d", thresholds: { "anisotropy ": { fail: 0.5 } } };
    const base = { id: "r", metric: "norms.cv", direction: "above", source: "s" } as const;
    const range = { min: 0, max: 1, what: "w" };
    const rules = [
      { ...base, defaults: { warn: null, fail: 1 }, range, message: () => "m", hint: "h" },
      // @ts-expect-error: a rule without its message
      { ...base, defaults: { warn: null, fail: 1 }, range, hint: "h" },
      // @ts-expect-error: a rule without its hint
      { ...base, defaults: { warn: null, fail: 1 }, range, message: () => "m" },
      // @ts-expect-error: a gated rule without the range its lines may take
      { ...base, defaults: { warn: null, fail: 1 }, message: () => "m", hint: "h" },
    ] satisfies readonly Rule[];
    expect([ok, misspelt, info, overrides, profile, rules.length]).toHaveLength(6);
  });
});
