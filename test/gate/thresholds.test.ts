import { describe, expect, test } from "vitest";
import { GATED_RULES } from "../../src/detect/registry.js";
import { UsageError } from "../../src/errors.js";
import { gatedRuleFor, parseNumber, parseThresholdArg } from "../../src/gate/thresholds.js";

describe("--threshold METRIC=SPEC", () => {
  test("a bare number sets the fail line and leaves the warn line alone", () => {
    expect(parseThresholdArg("cosine.meanExact=0.7")).toEqual(["anisotropy", { fail: 0.7 }]);
  });

  test("warn:N,fail:N sets both lines, in either order, spaces allowed", () => {
    expect(parseThresholdArg("cosine.meanExact=warn:0.5,fail:0.7")).toEqual(["anisotropy", { warn: 0.5, fail: 0.7 }]);
    expect(parseThresholdArg("cosine.meanExact= fail: 0.7 , warn: 0.5")).toEqual([
      "anisotropy",
      { warn: 0.5, fail: 0.7 },
    ]);
  });

  test("one part alone sets only that line", () => {
    expect(parseThresholdArg("norms.cv=warn:0.4")).toEqual(["norm-spread", { warn: 0.4 }]);
  });

  test("off disables the rule; warn:off or fail:off removes one line", () => {
    expect(parseThresholdArg("norms.cv=off")).toEqual(["norm-spread", { warn: null, fail: null }]);
    expect(parseThresholdArg("anisotropy=warn:off")).toEqual(["anisotropy", { warn: null }]);
  });

  test("a rule id names the same rule as its metric path", () => {
    expect(parseThresholdArg("collapse=0.05")).toEqual(parseThresholdArg("spectrum.effectiveRankRatio=0.05"));
  });

  test("a percentage is a share", () => {
    expect(parseThresholdArg("integrity.duplicateShare=5%")).toEqual(["duplicate-rows", { fail: 0.05 }]);
    expect(parseNumber("12.5%")).toBe(0.125);
  });

  test.each([
    [
      "cosine.meanExct=0.7",
      /unknown metric "cosine.meanExct"; valid: integrity.nanRows \(nan-rows\),.*cosine.meanExact/,
    ],
    ["cosine.meanExact", /expected METRIC=VALUE/],
    ["=0.7", /expected METRIC=VALUE/],
    ["cosine.meanExact=high", /cannot read "high"; give a number/],
    ["cosine.meanExact=warn:x", /"x" is not a number/],
    ["cosine.meanExact=warn:0.1,warn:0.2", /"warn" is given twice/],
    ["cosine.meanExact=1.5", /1.5 is out of range for cosine.meanExact; give a number in \[-1, 1\]/],
    ["integrity.nanRows=0.5", /out of range for integrity.nanRows; give an integer ≥ 0/],
    ["cosine.meanExact=warn:0.9,fail:0.5", /the warn line 0.9 is past the fail line 0.5/],
    ["collapse=warn:0.05,fail:0.1", /the warn line 0.05 is past the fail line 0.1 .*warn ≥ fail/],
  ])("%s is a usage error naming what is valid", (arg, message) => {
    expect(() => parseThresholdArg(arg)).toThrow(UsageError);
    expect(() => parseThresholdArg(arg)).toThrow(message);
  });
});

describe("the gated rules", () => {
  test("every default line of a gated rule lies in the rule's threshold range", () => {
    for (const r of GATED_RULES) {
      for (const v of [r.defaults.warn, r.defaults.fail]) {
        if (v !== null) expect(v >= r.range.min && v <= r.range.max, `${r.id} ${v}`).toBe(true);
      }
    }
  });

  test("each metric path names exactly one gated rule", () => {
    const metrics = GATED_RULES.map((r) => r.metric);
    expect(new Set(metrics).size).toBe(metrics.length);
    for (const r of GATED_RULES) expect(gatedRuleFor(r.metric)).toBe(r);
  });
});
