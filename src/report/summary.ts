/** One-line summaries of a report that every renderer and the gate show. Pure. */
import type { ReportHead, Severity } from "../detect/types.js";
import { formatCount } from "../text/format.js";

/** "2 fail, 1 warn" (zero counts left out); "no findings" when there are none. */
export function findingCounts(findings: readonly { severity: Severity }[]): string {
  const parts = (["fail", "warn", "info"] as const)
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${formatCount(n)} ${s}`);
  return parts.length > 0 ? parts.join(", ") : "no findings";
}

/** "2,000 × 64 float32 (npy)", with the column or npz member when there is one. */
export function describeShape(report: Pick<ReportHead, "input">): string {
  const { input } = report;
  const where: string[] = [input.format];
  if (input.profile) where.push(`of ${input.profile.source.path}`);
  if (input.files) where.push(`${formatCount(input.files.length)} file${input.files.length === 1 ? "" : "s"}`);
  if (input.column !== null) where.push(`column ${input.column}`);
  if (input.key !== null) where.push(`key ${input.key}`);
  return `${formatCount(input.rows)} × ${formatCount(input.dims)} ${input.dtype} (${where.join(", ")})`;
}
