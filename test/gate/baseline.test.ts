import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import { InputError, UsageError } from "../../src/errors.js";
import {
  BASELINE_METRICS,
  BASELINE_SCHEMA,
  type Baseline,
  baselineOf,
  compareBaseline,
  parseBaseline,
  parseToleranceArg,
  regressionMessage,
} from "../../src/gate/baseline.js";
import type { Report } from "../../src/report/types.js";
import { ROOT } from "../cli/helpers.js";

const defaults = Object.fromEntries(BASELINE_METRICS.map((b) => [b.metric, b.tolerance]));
let healthy: Report;

beforeAll(async () => {
  healthy = (await analyze(join(ROOT, "fixtures/scenarios/healthy.npy"))).report;
});

/** The healthy baseline with some metrics replaced. */
function withMetrics(metrics: Record<string, number>): Baseline {
  const b = baselineOf(healthy);
  return { ...b, metrics: { ...b.metrics, ...metrics } };
}

describe("baselineOf", () => {
  test("stores the schema, the input's shape and the key metrics, not vectors", () => {
    const b = baselineOf(healthy);
    expect(b.schema).toBe(BASELINE_SCHEMA);
    expect(b.input).toMatchObject({ rows: 1500, dims: 64, dtype: "float32" });
    expect(Object.keys(b.metrics)).toEqual(
      BASELINE_METRICS.map((m) => m.metric).filter((m) => m !== "alignment.value"),
    );
    expect(b.metrics["spectrum.effectiveRank"]).toBe(healthy.spectrum.effectiveRank);
    expect(JSON.stringify(b).length).toBeLessThan(1000);
  });

  test("the committed fixtures/gate/healthy.baseline.json holds healthy.npy's metrics", () => {
    const b = parseBaseline(readFileSync(join(ROOT, "fixtures/gate/healthy.baseline.json"), "utf8"), "x");
    for (const [k, v] of Object.entries(baselineOf(healthy).metrics)) expect(b.metrics[k], k).toBeCloseTo(v, 12);
  });
});

describe("compareBaseline", () => {
  test("an unchanged set passes every comparison", () => {
    const rows = compareBaseline(baselineOf(healthy), healthy, defaults);
    expect(rows.filter((r) => r.status !== "skipped").map((r) => r.status)).toEqual(Array(7).fill("pass"));
    expect(rows.find((r) => r.metric === "alignment.value")).toMatchObject({
      status: "skipped",
      reason: "not in the baseline",
    });
  });

  test("effective rank fallen by a third fails, though 31 of 64 is far above the collapse floor", () => {
    // The baseline says 1.5× the current rank: the current set lost a third of it.
    const rank = healthy.spectrum.effectiveRank;
    const row = compareBaseline(withMetrics({ "spectrum.effectiveRank": rank * 1.5 }), healthy, defaults).find(
      (r) => r.metric === "spectrum.effectiveRank",
    )!;
    expect(row.status).toBe("fail");
    expect(row.limit).toBeCloseTo(rank * 1.5 * 0.75, 12);
    expect(healthy.spectrum.effectiveRankRatio).toBeGreaterThan(0.15); // above the rule's warn floor
    expect(regressionMessage(row)).toMatch(
      /^effective rank fell from 70.16 to 46.77 \(−33.33%\) against the baseline; allowed: down to 52.62 \(25% relative\)$/,
    );
  });

  test("a fall inside the tolerance passes", () => {
    const rank = healthy.spectrum.effectiveRank;
    const rows = compareBaseline(withMetrics({ "spectrum.effectiveRank": rank * 1.2 }), healthy, defaults);
    expect(rows.find((r) => r.metric === "spectrum.effectiveRank")!.status).toBe("pass");
  });

  test("norm spread exploding fails; a unit-norm baseline does not trip on rounding", () => {
    const cv = healthy.norms.cv; // 0.098
    const tripled = compareBaseline(withMetrics({ "norms.cv": cv / 3 }), healthy, defaults);
    expect(tripled.find((r) => r.metric === "norms.cv")).toMatchObject({ status: "fail", limit: cv / 3 + 0.05 });
    // Unit rows (cv 5e-9) against a set whose cv is 0.03: within the absolute 0.05.
    const nearlyUnit = { ...healthy, norms: { ...healthy.norms, cv: 0.03 } };
    const unit = compareBaseline(withMetrics({ "norms.cv": 5e-9 }), nearlyUnit, defaults);
    expect(unit.find((r) => r.metric === "norms.cv")).toMatchObject({ status: "pass", limit: 5e-9 + 0.05 });
  });

  test("the allowed change is the larger of the relative and the absolute part", () => {
    const rows = compareBaseline(withMetrics({ "cosine.meanExact": 0.5 }), healthy, {
      ...defaults,
      "cosine.meanExact": { relative: 0.5, absolute: 0.1 },
    });
    expect(rows.find((r) => r.metric === "cosine.meanExact")!.limit).toBe(0.75);
  });

  test("a tolerance turned off skips the comparison", () => {
    const rows = compareBaseline(withMetrics({ "norms.cv": 0 }), healthy, { ...defaults, "norms.cv": null });
    expect(rows.find((r) => r.metric === "norms.cv")).toMatchObject({ status: "skipped", reason: "tolerance off" });
  });
});

describe("parseBaseline and --tolerance", () => {
  test.each([
    ["not json", /x.json: not JSON/],
    ["[]", /x.json: not a baseline/],
    [
      '{"schema": "embcheck/baseline@0", "metrics": {}}',
      /x.json: schema is "embcheck\/baseline@0", expected "embcheck\/baseline@1"/,
    ],
    ['{"schema": "embcheck/baseline@1"}', /x.json: "metrics" must be an object/],
    [
      '{"schema": "embcheck/baseline@1", "metrics": {"norms.cv": "x"}}',
      /x.json: metrics\["norms.cv"\] must be a finite number/,
    ],
  ])("%s is an input error naming the file", (text, message) => {
    expect(() => parseBaseline(text, "x.json")).toThrow(InputError);
    expect(() => parseBaseline(text, "x.json")).toThrow(message);
  });

  test.each([
    ["spectrum.effectiveRank=25%", ["spectrum.effectiveRank", { relative: 0.25 }]],
    ["norms.cv=rel:0.5,abs:0.05", ["norms.cv", { relative: 0.5, absolute: 0.05 }]],
    ["cosine.meanExact=abs:0.2", ["cosine.meanExact", { absolute: 0.2 }]],
    ["norms.cv=off", ["norms.cv", null]],
  ])("--tolerance %s", (arg, expected) => {
    expect(parseToleranceArg(arg)).toEqual(expected);
  });

  test.each([
    ["spectrum.rank=25%", /unknown baseline metric "spectrum.rank"; valid: integrity.invalidShare/],
    ["norms.cv=lots", /cannot read "lots"/],
    ["norms.cv=abs:-1", /not a number ≥ 0/],
    ["norms.cv", /expected METRIC=SPEC/],
  ])("--tolerance %s is a usage error", (arg, message) => {
    expect(() => parseToleranceArg(arg)).toThrow(UsageError);
    expect(() => parseToleranceArg(arg)).toThrow(message);
  });
});
