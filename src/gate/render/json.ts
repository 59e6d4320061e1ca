import type { GateResult } from "../gate.js";

/** The gate result as JSON (schema embcheck/check@1): two-space indent, ending in a newline. */
export function renderGateJson(result: GateResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
