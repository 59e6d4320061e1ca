import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { parseConfig } from "../../src/gate/config.js";
import { resolveSettings } from "../../src/gate/settings.js";
import { parseThresholdArg } from "../../src/gate/thresholds.js";
import { ROOT } from "../cli/helpers.js";

const CONFIG = "fixtures/gate/precedence.config.json";
const config = () => parseConfig(readFileSync(join(ROOT, CONFIG), "utf8"), CONFIG);
const rule = (s: ReturnType<typeof resolveSettings>, id: string) => s.rules.find((r) => r.id === id)!;

describe("threshold precedence: defaults < profile < config file < command line", () => {
  test("with nothing given, every line is the rule registry's default", () => {
    const s = resolveSettings({});
    expect(rule(s, "anisotropy")).toMatchObject({ warn: 0.5, fail: 0.8, source: { warn: "default", fail: "default" } });
    expect(s.failOn).toBe("fail");
    expect(s.profile).toBe("default");
  });

  test("a profile replaces the lines it names", () => {
    const s = resolveSettings({ profile: "strict" });
    expect(rule(s, "anisotropy")).toMatchObject({ warn: 0.3, fail: 0.5, source: { warn: "profile strict" } });
    expect(rule(s, "nan-rows")).toMatchObject({ fail: 1, source: { fail: "default" } });
  });

  test("the config file overrides its profile line by line", () => {
    const s = resolveSettings({ config: config() });
    expect(s.profile).toBe("strict");
    // strict: warn 0.3, fail 0.5; the file: fail 0.45.
    expect(rule(s, "anisotropy")).toEqual({
      id: "anisotropy",
      metric: "cosine.meanExact",
      direction: "above",
      warn: 0.3,
      fail: 0.45,
      source: { warn: "profile strict", fail: `config ${CONFIG}` },
    });
    expect(rule(s, "norm-spread")).toMatchObject({ warn: 0.2, fail: 2 });
  });

  test("the command line overrides the config file", () => {
    const s = resolveSettings({
      config: config(),
      thresholds: Object.fromEntries([parseThresholdArg("anisotropy=warn:0.2")]),
    });
    expect(rule(s, "anisotropy")).toMatchObject({
      warn: 0.2,
      fail: 0.45,
      source: { warn: "command line", fail: `config ${CONFIG}` },
    });
    expect(s.overrides.anisotropy).toEqual({ warn: 0.2, fail: 0.45 });
  });

  test("--profile wins over the config file's profile, whose own thresholds still apply above it", () => {
    const s = resolveSettings({ profile: "default", config: config() });
    expect(s.profile).toBe("default");
    expect(rule(s, "anisotropy")).toMatchObject({ warn: 0.5, fail: 0.45 });
  });

  test("--fail-on wins over the config file's failOn, which wins over the default", () => {
    const c = { ...config(), failOn: "warn" as const };
    expect(resolveSettings({ config: c }).failOn).toBe("warn");
    expect(resolveSettings({ config: c, failOn: "fail" }).failOn).toBe("fail");
  });

  test("tolerances fold the same way, field by field, and off is null", () => {
    const s = resolveSettings({ config: config(), tolerances: { "norms.cv": null } });
    const tol = (m: string) => s.tolerances.find((t) => t.metric === m)!;
    // strict sets relative 0.1; the file 0.2; the absolute part stays the default's 0.
    expect(tol("spectrum.effectiveRank")).toMatchObject({
      tolerance: { relative: 0.2, absolute: 0 },
      source: `config ${CONFIG}`,
    });
    expect(tol("norms.cv")).toMatchObject({ tolerance: null, source: "command line" });
    expect(tol("cosine.meanExact")).toMatchObject({
      tolerance: { relative: 0, absolute: 0.05 },
      source: "profile strict",
    });
  });

  test("an unknown profile is a usage error listing the profiles", () => {
    expect(() => resolveSettings({ profile: "nope" })).toThrow(UsageError);
    expect(() => resolveSettings({ profile: "nope" })).toThrow(
      /unknown profile "nope"; valid: default, unit-vectors, strict, lenient/,
    );
  });
});
