/**
 * The JSON report, schema `embcheck/report@1`. Every field and its definition is in
 * ../shared/METRICS.md (copied to docs/METRICS.md); extra keys beyond the contract are marked in
 * the section types. The section fields are the registry's: one per metric section, by its key,
 * of the type its compute returns (../detect/sections/).
 */
import type { DefaultSections } from "../detect/registry.js";
import type { AnySection, SectionValues } from "../detect/section.js";
import type { Finding, ReportHead, Verdict } from "../detect/types.js";

export type { AlignmentMetrics } from "../detect/sections/alignment.js";
export type { CosineMetrics } from "../detect/sections/cosine.js";
export type { IntegrityMetrics } from "../detect/sections/integrity.js";
export type { NormMetrics } from "../detect/sections/norms.js";
export type { SpectrumMetrics } from "../detect/sections/spectrum.js";
export type { UniformityMetrics } from "../detect/sections/uniformity.js";
export type { Finding, Histogram, ReportHead, ReportInput, Severity, Verdict } from "../detect/types.js";
export { REPORT_SCHEMA } from "../detect/types.js";

/** The report of the sections `S`. */
export type ReportOf<S extends readonly AnySection[]> = ReportHead &
  SectionValues<S> & {
    findings: Finding[];
    verdict: Verdict;
    timing: Record<string, number>;
  };

export type Report = ReportOf<DefaultSections>;
