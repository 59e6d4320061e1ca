/**
 * The JSON Schema of `embcheck.config.json`, built from the rule registry, the profiles and the
 * baseline metrics so it cannot drift from them. The shipped copy, schema/embcheck.config.schema.json,
 * is this object written out (test/gate/schema.test.ts checks they are equal; regenerate with
 * `UPDATE_SCHEMA=1 npx vitest run test/gate/schema.test.ts`).
 */
import { GATED_RULES } from "../detect/registry.js";
import type { GatedRule } from "../detect/rules.js";
import { BASELINE_METRICS } from "./baseline.js";
import { PROFILES } from "./profiles.js";
import { rangeText } from "./thresholds.js";

type JsonSchema = Record<string, unknown>;

function lineSchema(rule: GatedRule): JsonSchema {
  const r = rule.range;
  const s: JsonSchema = { type: r.integer ? "integer" : "number", minimum: r.min };
  if (r.max !== Number.POSITIVE_INFINITY) s.maximum = r.max;
  return s;
}

function thresholdSchema(rule: GatedRule, key: string): JsonSchema {
  const { id: ruleId, metric } = rule;
  const line = lineSchema(rule);
  const range = rangeText(rule);
  const lineOrOff = {
    description: `${range}, or null / "off" for no line`,
    anyOf: [line, { type: "null" }, { const: "off" }],
  };
  return {
    description: `${key === ruleId ? `rule ${ruleId} (${metric})` : `${metric} (rule ${ruleId})`}: ${range} as the fail line, "off", or an object {"warn": …, "fail": …}`,
    anyOf: [
      line,
      { const: "off" },
      {
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        properties: { warn: lineOrOff, fail: lineOrOff },
      },
    ],
  };
}

function toleranceSchema(metric: string): JsonSchema {
  const n = { type: "number", minimum: 0 };
  return {
    description: `${metric}: "off", or {"relative": share of |baseline|, "absolute": in the metric's unit} (a regression is a change past the larger)`,
    anyOf: [
      { const: "off" },
      {
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        properties: { relative: n, absolute: n },
      },
    ],
  };
}

export function configSchema(): JsonSchema {
  const thresholds: Record<string, JsonSchema> = {};
  for (const r of GATED_RULES) {
    thresholds[r.metric] = thresholdSchema(r, r.metric);
    thresholds[r.id] = thresholdSchema(r, r.id);
  }
  const tolerances: Record<string, JsonSchema> = {};
  for (const b of BASELINE_METRICS) tolerances[b.metric] = toleranceSchema(b.metric);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "urn:embcheck:schema:config@1",
    title: "embcheck configuration (embcheck.config.json)",
    description:
      "Thresholds and baseline settings for `embcheck check`. Precedence: rule defaults < profile < this file < command line. See docs/check.md.",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string", description: "the path or URL of this schema, for editors" },
      profile: {
        description: "a built-in profile applied under this file's thresholds (--profile wins over it)",
        enum: PROFILES.map((p) => p.name),
      },
      failOn: {
        description: "the lowest severity that fails the gate (--fail-on wins over it); default fail",
        enum: ["warn", "fail"],
      },
      baseline: {
        description: "a baseline file (from `embcheck report FILE --save-baseline`), relative to this file",
        type: "string",
        minLength: 1,
      },
      thresholds: {
        description: 'by metric path or rule id: a number (the fail line), "off", or {warn, fail}',
        type: "object",
        additionalProperties: false,
        properties: thresholds,
      },
      tolerances: {
        description: "baseline tolerances by metric path",
        type: "object",
        additionalProperties: false,
        properties: tolerances,
      },
    },
  };
}
