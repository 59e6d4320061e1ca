/**
 * The types detect hands to the renderers and the gate: severities, findings and the part of the
 * report every section can read (schema `embcheck/report@1`, ../shared/METRICS.md, copied to
 * docs/METRICS.md). Each metric section's own type lives in its file under ./sections/; the whole
 * Report, with one field per section, is assembled in ../report/types.ts.
 */
import type { DatasetFile, InputFormat, ProfileOrigin, StoredDtype } from "../io/types.js";

export type { Histogram } from "../profile/stats.js";

export const REPORT_SCHEMA = "embcheck/report@1";

export type Severity = "info" | "warn" | "fail";
export type Verdict = "pass" | "warn" | "fail";

/** A finding as the report holds it: data plus its English, rendered from (id, args) by formatMessage. */
export interface Finding {
  /** Stable code, e.g. "anisotropy" (tests assert codes, never prose). */
  id: string;
  severity: Severity;
  /** A report path such as "cosine.meanExact". */
  metric: string;
  value: number;
  /** The threshold that was crossed (null for findings without one). */
  threshold: number | null;
  message: string;
  hint: string;
}

export interface ReportInput {
  path: string;
  /** "mixed" for a dataset whose files have different formats; "profile" for a profile file */
  format: InputFormat | "mixed" | "memory" | "profile";
  column: string | null;
  /** extra: the npz member read */
  key: string | null;
  /** extra: the --pairs file, else null */
  pairs: string | null;
  /** extra: the --pair-column, else null */
  pairColumn: string | null;
  /** "mixed" for a dataset whose files store different dtypes */
  dtype: StoredDtype | "mixed";
  rows: number;
  dims: number;
  /** extra: a dataset of several files (src/io/dataset.ts), each with its format, rows and dtype */
  files?: DatasetFile[];
  /** extra: read from a profile file (`embcheck profile`/`merge`): what it profiled */
  profile?: ProfileOrigin;
}

/** The report's fields outside the metric sections that a section's renderers may read. */
export interface ReportHead {
  schema: typeof REPORT_SCHEMA;
  tool: { name: "embcheck"; version: string };
  input: ReportInput;
  sample: { rows: number; seed: number };
}

/** What every section's rules may read besides the sections: the dimension. */
export interface MetricsHead {
  dims: number;
}
