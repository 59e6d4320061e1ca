/** The comparison of two embedding sets, schema `embcheck/compare@1` (schema/compare.schema.json). */
import type { Finding, ReportInput, Verdict } from "../detect/types.js";
import type { ClassifierResult } from "./classifier.js";
import type { ComponentsResult } from "./components.js";
import type { MetricDelta } from "./deltas.js";
import type { CentroidShift, DimensionShifts, FrechetDistance } from "./exact.js";
import type { ExactLeakage, NearLeakage } from "./leakage.js";
import type { MmdResult } from "./mmd.js";
import type { PairedMetrics } from "./paired.js";

export const COMPARE_SCHEMA = "embcheck/compare@1";

export interface DriftMetrics {
  /** Exact, from all valid rows of both sets. */
  centroid: CentroidShift;
  frechet: FrechetDistance;
  dimensions: DimensionShifts;
  /** Sampled (seeded). */
  mmd: MmdResult;
  classifier: ClassifierResult;
  components: ComponentsResult;
}

export interface LeakageMetrics {
  exact: ExactLeakage;
  near: NearLeakage;
}

/** What the rules read. */
export interface CompareMetrics {
  drift: DriftMetrics | null;
  paired: PairedMetrics | null;
  leakage: LeakageMetrics | null;
}

export interface SetSummary {
  input: ReportInput;
  verdict: Verdict;
  findings: Finding[];
}

export interface CompareResult extends CompareMetrics {
  schema: typeof COMPARE_SCHEMA;
  tool: { name: "embcheck"; version: string };
  /** A = the reference (or train), B = the current set (or test). */
  a: SetSummary;
  b: SetSummary;
  sample: { rows: number; seed: number; testRows: number };
  /** Report metrics side by side. */
  metrics: MetricDelta[];
  findings: Finding[];
  verdict: Verdict;
  timing: Record<string, number>;
}
