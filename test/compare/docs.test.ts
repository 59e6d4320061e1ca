/** docs/compare.md's rule table says what COMPARE_RULES holds: every id, metric and default line. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { COMPARE_RULES } from "../../src/compare/rules.js";
import { ROOT } from "../cli/helpers.js";

const doc = readFileSync(join(ROOT, "docs", "compare.md"), "utf8");
/** The leakage rules' lines are written as percentages ("1 %"), the drift rules' as numbers. */
const line = (metric: string, x: number) => (metric.startsWith("leakage") ? `${x * 100} %` : String(x));

test.each(COMPARE_RULES.map((r) => [r.id, r] as const))(
  "docs/compare.md lists %s with its metric and lines",
  (id, r) => {
    const row = doc.split("\n").find((l) => l.startsWith(`| \`${id}\` |`));
    expect(row, id).toBeDefined();
    expect(row).toContain(`\`${r.metric}\``);
    for (const [level, v] of [
      ["warn", r.defaults.warn],
      ["fail", r.defaults.fail],
    ] as const) {
      if (v === null) expect(row).not.toContain(`${level} ≥`);
      else expect(row).toContain(`${level} ≥ ${line(r.metric, v)}`);
    }
  },
);
