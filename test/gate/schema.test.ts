import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { GATED_RULES } from "../../src/detect/registry.js";
import { BASELINE_METRICS } from "../../src/gate/baseline.js";
import { PROFILES } from "../../src/gate/profiles.js";
import { configSchema } from "../../src/gate/schema.js";
import { checkLine, checkOrder } from "../../src/gate/thresholds.js";
import { ROOT } from "../cli/helpers.js";

const SHIPPED = join(ROOT, "schema", "embcheck.config.schema.json");

describe("the shipped JSON Schema", () => {
  test("schema/embcheck.config.schema.json is configSchema() written out", () => {
    const text = `${JSON.stringify(configSchema(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === "1") writeFileSync(SHIPPED, text);
    expect(readFileSync(SHIPPED, "utf8")).toBe(text);
  });

  test("it is a valid draft-07 schema that accepts the committed config fixtures", () => {
    const validate = new Ajv({ strict: true }).compile(JSON.parse(readFileSync(SHIPPED, "utf8")));
    for (const f of ["full.config.json", "precedence.config.json"]) {
      const data = JSON.parse(readFileSync(join(ROOT, "fixtures/gate", f), "utf8"));
      expect(validate(data), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  test("its threshold keys are every gated rule's id and metric path; its tolerance keys every baseline metric", () => {
    const s = configSchema() as { properties: Record<string, { properties?: object; enum?: string[] }> };
    expect(Object.keys(s.properties.thresholds.properties!).sort()).toEqual(
      GATED_RULES.flatMap((r) => [r.id, r.metric]).sort(),
    );
    expect(Object.keys(s.properties.tolerances.properties!)).toEqual(BASELINE_METRICS.map((b) => b.metric));
    expect(s.properties.profile.enum).toEqual(PROFILES.map((p) => p.name));
  });

  test("package.json ships the schema folder", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("schema");
  });
});

describe("the built-in profiles", () => {
  test("name only gated rules and baseline metrics, with lines in range and in order", () => {
    for (const p of PROFILES) {
      for (const [id, t] of Object.entries(p.thresholds)) {
        const rule = GATED_RULES.find((r) => r.id === id);
        expect(rule, `${p.name}: ${id}`).toBeDefined();
        for (const v of [t.warn, t.fail]) if (v !== undefined && v !== null) checkLine(rule!, v, p.name);
        checkOrder(rule!, t, p.name);
      }
      for (const m of Object.keys(p.tolerances ?? {})) {
        expect(
          BASELINE_METRICS.map((b) => b.metric),
          `${p.name}: ${m}`,
        ).toContain(m);
      }
    }
  });
});
