/** docs/check.md states the defaults; these tests keep its tables equal to the code. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { GATED_RULES } from "../../src/detect/registry.js";
import { BASELINE_METRICS } from "../../src/gate/baseline.js";
import { PROFILES } from "../../src/gate/profiles.js";
import { ROOT } from "../cli/helpers.js";

const DOC = readFileSync(join(ROOT, "docs", "check.md"), "utf8");

/** The table rows of the doc whose first cell is a code span. */
function rows(): string[][] {
  return DOC.split("\n")
    .filter((l) => /^\| `/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim()),
    );
}

describe("docs/check.md", () => {
  test("its default-threshold table is the rule registry: id, metric, direction, lines and source", () => {
    const line = (dir: string, v: number | null) => (v === null ? "—" : `${dir === "above" ? "≥" : "<"} ${v}`);
    const expected = GATED_RULES.map((r) => [
      `\`${r.id}\``,
      `\`${r.metric}\``,
      r.direction,
      line(r.direction, r.defaults.warn),
      line(r.direction, r.defaults.fail),
      r.source,
    ]);
    const ids = new Set(GATED_RULES.map((r) => `\`${r.id}\``));
    expect(rows().filter((r) => ids.has(r[0]) && r.length === 6)).toEqual(expected);
  });

  test("its tolerance table is BASELINE_METRICS", () => {
    const expected = BASELINE_METRICS.map((b) => [
      `\`${b.metric}\``,
      b.worse,
      String(b.tolerance.relative),
      String(b.tolerance.absolute),
      b.source,
    ]);
    const metrics = new Set(BASELINE_METRICS.map((b) => `\`${b.metric}\``));
    expect(rows().filter((r) => metrics.has(r[0]) && r.length === 5)).toEqual(expected);
  });

  test("it documents every profile", () => {
    const documented = rows()
      .map((r) => r[0])
      .filter((c) => PROFILES.some((p) => `\`${p.name}\`` === c));
    expect(documented).toEqual(PROFILES.map((p) => `\`${p.name}\``));
  });
});
