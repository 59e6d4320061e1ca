/**
 * The English of findings, rendered at the edge from (id, args) by one function, as publint's
 * formatMessage: the rules hold the templates, findings hold only data.
 */
import type { FindingData } from "../detect/findings.js";
import { DEFAULT_REGISTRY, type Registry } from "../detect/registry.js";
import type { Direction, MessageKit } from "../detect/rules.js";
import type { Finding } from "../detect/types.js";
import { InternalError } from "../errors.js";
import { formatCount, formatNumber, formatPercent } from "../text/format.js";

const num = (x: number) => (Number.isInteger(x) ? formatCount(x) : formatNumber(x));

function kit(direction: Direction): MessageKit {
  return {
    num,
    pct: formatPercent,
    th: (threshold, unit = num) =>
      threshold === null ? "" : ` (${direction === "above" ? "≥" : "<"} ${unit(threshold)})`,
  };
}

/** The message and hint of a finding. */
export function formatMessage(
  f: FindingData,
  registry: Registry = DEFAULT_REGISTRY,
): { message: string; hint: string } {
  const rule = registry.rule(f.id);
  if (!rule) throw new InternalError(`no rule "${f.id}" in the registry for this finding`);
  return { message: rule.message(f.args, kit(rule.direction)), hint: rule.hint };
}

/** A finding as the report holds it: its data (args left out) and its English. */
export function toFinding(f: FindingData, registry: Registry = DEFAULT_REGISTRY): Finding {
  const { message, hint } = formatMessage(f, registry);
  return { id: f.id, severity: f.severity, metric: f.metric, value: f.value, threshold: f.threshold, message, hint };
}
