import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { keyPath, parseConfig } from "../../src/gate/config.js";
import { ROOT } from "../cli/helpers.js";

const GATE = "fixtures/gate";
const read = (file: string) => parseConfig(readFileSync(join(ROOT, file), "utf8"), file);

describe("parseConfig", () => {
  test("reads every field of a full config file, by rule id", () => {
    const c = read(`${GATE}/full.config.json`);
    expect(c).toEqual({
      file: `${GATE}/full.config.json`,
      profile: "unit-vectors",
      failOn: "warn",
      baseline: "healthy.baseline.json",
      thresholds: {
        anisotropy: { warn: 0.4, fail: 0.7 },
        collapse: { warn: 0.2, fail: null },
        "duplicate-rows": { warn: null, fail: null },
        "poor-uniformity": { warn: null },
      },
      tolerances: {
        "spectrum.effectiveRank": { relative: 0.3 },
        "norms.cv": null,
        "cosine.meanExact": { absolute: 0.05 },
      },
    });
  });

  test("an empty object is a valid config that changes nothing", () => {
    expect(parseConfig("{}", "c.json")).toEqual({ file: "c.json", thresholds: {}, tolerances: {} });
  });

  // Each bad file → one usage error naming the file and the key.
  test.each([
    [
      "unknown-metric",
      /unknown-metric.config.json: unknown key "cosine.meanExct" in thresholds; valid: .*cosine.meanExact, anisotropy/,
    ],
    ["unknown-key", /unknown-key.config.json: unknown key "failon" at the top level; valid: \$schema, profile, failOn/],
    [
      "out-of-range",
      /out-of-range.config.json: thresholds\["cosine.meanExact"\] must be a number in \[-1, 1\].*\(got 1.5\)/,
    ],
    [
      "warn-past-fail",
      /warn-past-fail.config.json: thresholds\["cosine.meanExact"\]: the warn line 0.9 is past the fail line 0.5/,
    ],
    [
      "bad-line",
      /bad-line.config.json: thresholds\["cosine.meanExact"\].warn must be a number in \[-1, 1\].*\(got "high"\)/,
    ],
    [
      "unknown-profile",
      /unknown-profile.config.json: profile must be one of "default", "unit-vectors", "strict", "lenient" \(got "stric"\)/,
    ],
    ["bad-fail-on", /bad-fail-on.config.json: failOn must be one of "warn", "fail" \(got "error"\)/],
    ["rule-twice", /rule-twice.config.json: thresholds name anisotropy twice \("anisotropy" and "cosine.meanExact"\)/],
    [
      "negative-tolerance",
      /negative-tolerance.config.json: tolerances\["spectrum.effectiveRank"\].relative must be >= 0/,
    ],
    ["not-json", /not-json.config.json: not valid JSON/],
    ["not-object", /not-object.config.json: the file must be object/],
  ])("bad/%s.config.json is a usage error naming the file and the key", (name, message) => {
    const file = `${GATE}/bad/${name}.config.json`;
    expect(() => read(file)).toThrow(UsageError);
    expect(() => read(file)).toThrow(message);
  });

  test("keyPath writes JSON pointers as the keys a person types", () => {
    expect(keyPath("/thresholds/cosine.meanExact/warn")).toBe('thresholds["cosine.meanExact"].warn');
    expect(keyPath("/profile")).toBe("profile");
    expect(keyPath("/a~1b")).toBe('["a/b"]');
  });
});
