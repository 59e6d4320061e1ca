/** Side by side: the report metrics of A and B and how far each moved (B − A). Pure. */
import type { Report } from "../report/types.js";

export interface MetricDelta {
  metric: string;
  a: number | null;
  b: number | null;
  /** b − a (null when either is missing). */
  delta: number | null;
  /** Which way is worse for the embedding's health ("none": neither). */
  worse: "up" | "down" | "none";
}

/** The report paths compared, each with the direction that is worse (METRICS.md for each). */
export const DELTA_METRICS: readonly { metric: string; worse: MetricDelta["worse"] }[] = [
  { metric: "integrity.validRows", worse: "none" },
  { metric: "integrity.invalidShare", worse: "up" },
  { metric: "integrity.duplicateShare", worse: "up" },
  { metric: "norms.mean", worse: "none" },
  { metric: "norms.p50", worse: "none" },
  { metric: "norms.cv", worse: "up" },
  { metric: "cosine.meanExact", worse: "up" },
  { metric: "cosine.meanVectorNorm", worse: "up" },
  { metric: "cosine.std", worse: "none" },
  { metric: "uniformity.value", worse: "up" },
  { metric: "alignment.value", worse: "up" },
  { metric: "spectrum.dominantShare", worse: "up" },
  { metric: "spectrum.top10Share", worse: "up" },
  { metric: "spectrum.effectiveRank", worse: "down" },
  { metric: "spectrum.effectiveRankRatio", worse: "down" },
  { metric: "spectrum.participationRatio", worse: "down" },
  { metric: "spectrum.isoScore", worse: "down" },
];

const at = (r: unknown, path: string): number | null => {
  const v = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | null)?.[k], r);
  return typeof v === "number" ? v : null;
};

/** The metrics present in either report, in DELTA_METRICS order. */
export function metricDeltas(a: Report, b: Report): MetricDelta[] {
  const out: MetricDelta[] = [];
  for (const { metric, worse } of DELTA_METRICS) {
    const x = at(a, metric);
    const y = at(b, metric);
    if (x === null && y === null) continue;
    out.push({ metric, a: x, b: y, delta: x !== null && y !== null ? y - x : null, worse });
  }
  return out;
}
