/**
 * The JSON report, schema `embcheck/report@1`. Every field and its definition is in
 * ../shared/METRICS.md (copied to docs/METRICS.md); extra keys beyond the contract are marked.
 */
import type { DatasetFile, InputFormat, StoredDtype } from "../io/types.js";

export const REPORT_SCHEMA = "embcheck/report@1";

export type Severity = "info" | "warn" | "fail";
export type Verdict = "pass" | "warn" | "fail";

export interface Histogram {
  edges: number[];
  counts: number[];
}

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

export interface IntegrityMetrics {
  rows: number;
  validRows: number;
  nullRows: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  duplicateRows: number;
  /** extra: duplicateRows / validRows */
  duplicateShare: number;
  /** extra: (rows − validRows) / rows */
  invalidShare: number;
}

export interface NormMetrics {
  min: number;
  max: number;
  mean: number;
  std: number;
  cv: number;
  p1: number;
  p50: number;
  p99: number;
  histogram: Histogram;
}

export interface CosineMetrics {
  meanExact: number;
  meanVectorNorm: number;
  sampledPairs: number;
  mean: number;
  std: number;
  p5: number;
  p50: number;
  p95: number;
  histogram: Histogram;
  /** extra: standard deviation of cos between random directions in R^dims, 1/sqrt(dims). */
  isotropicStd: number;
}

export interface UniformityMetrics {
  value: number;
  t: number;
  sampledPairs: number;
}

export interface AlignmentMetrics {
  value: number;
  meanCosine: number;
  pairs: number;
  alpha: number;
}

export interface SpectrumMetrics {
  explainedVarianceRatio: number[];
  dominantShare: number;
  top10Share: number;
  effectiveRank: number;
  effectiveRankRatio: number;
  participationRatio: number;
  dims90: number;
  dims95: number;
  dims99: number;
  isoScore: number;
  /** extra: Σλ, the total variance. */
  totalVariance: number;
  /** extra: the covariance arithmetic ("mixed": float32 products in blocks; "float64"). */
  precision?: "mixed" | "float64";
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  tool: { name: "embcheck"; version: string };
  input: {
    path: string;
    /** "mixed" for a dataset whose files have different formats */
    format: InputFormat | "mixed";
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
  };
  integrity: IntegrityMetrics;
  norms: NormMetrics;
  cosine: CosineMetrics;
  uniformity: UniformityMetrics;
  alignment: AlignmentMetrics | null;
  spectrum: SpectrumMetrics;
  sample: { rows: number; seed: number };
  findings: Finding[];
  verdict: Verdict;
  timing: Record<string, number>;
}
