import type { Report } from "./types.js";

/** The machine-readable report: two-space JSON in the object's key order, ending in a newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
