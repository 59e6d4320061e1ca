/**
 * A hand-built report for the renderer tests: 2,000 × 64 float32 rows around one common direction
 * (norm 12.6) plus Gaussian noise, so random pairs sit in a narrow cone (mean cosine 0.83) while
 * the covariance spectrum stays broad. Numbers come from simulating that set (seeded) and
 * computing each METRICS.md definition; 4 rows are exact copies of earlier rows. The finding's
 * text is what the rule templates in src/detect/sections/ write for it.
 */
import type { Report } from "../../src/report/types.js";

export const sampleReport: Report = {
  schema: "embcheck/report@1",
  tool: { name: "embcheck", version: "0.1.0" },
  input: {
    path: "fixtures/anisotropic.npy",
    format: "npy",
    column: null,
    key: null,
    pairs: null,
    pairColumn: null,
    dtype: "float32",
    rows: 2000,
    dims: 64,
  },
  integrity: {
    rows: 2000,
    validRows: 2000,
    nullRows: 0,
    nanRows: 0,
    infRows: 0,
    zeroRows: 0,
    duplicateRows: 4,
    duplicateShare: 0.002,
    invalidShare: 0,
  },
  norms: {
    min: 11.407,
    max: 17.5052,
    mean: 13.8082,
    std: 0.884062,
    cv: 0.0640245,
    p1: 11.9354,
    p50: 13.7812,
    p99: 15.9441,
    histogram: {
      edges: [
        11.407, 11.6611, 11.9152, 12.1693, 12.4234, 12.6775, 12.9316, 13.1857, 13.4398, 13.6939, 13.9479, 14.202,
        14.4561, 14.7102, 14.9643, 15.2184, 15.4725, 15.7266, 15.9807, 16.2348, 16.4889, 16.7429, 16.997, 17.2511,
        17.5052,
      ],
      counts: [3, 14, 34, 63, 79, 129, 162, 225, 231, 208, 210, 180, 150, 119, 78, 47, 22, 26, 7, 5, 6, 1, 0, 1],
    },
  },
  cosine: {
    meanExact: 0.828873,
    meanVectorNorm: 0.910472,
    sampledPairs: 1999000,
    mean: 0.828873,
    std: 0.0440913,
    p5: 0.749293,
    p50: 0.83356,
    p95: 0.892381,
    histogram: {
      edges: Array.from({ length: 41 }, (_, i) => -1 + i * 0.05),
      counts: [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 212, 1993, 14071,
        86131, 365429, 844017, 631091, 56003, 25,
      ],
    },
    isotropicStd: 0.125,
  },
  uniformity: { value: -0.669531, t: 2, sampledPairs: 1999000 },
  alignment: null,
  spectrum: {
    explainedVarianceRatio: [
      0.0722033, 0.0676499, 0.0607455, 0.0536677, 0.051034, 0.0486293, 0.0412557, 0.0400672, 0.0369193, 0.034877,
      0.0322043, 0.0304109, 0.027892, 0.0253182, 0.0242352, 0.0223462, 0.0215345, 0.0191233, 0.0184803, 0.0165058,
      0.015535, 0.0138731, 0.0136528, 0.0133022, 0.0123403, 0.0113969, 0.010614, 0.00963231, 0.00931266, 0.00845835,
      0.00822915, 0.00769518, 0.00745929, 0.00695523, 0.00672168, 0.00649976, 0.00581604, 0.00568301, 0.00524824,
      0.005021, 0.00493055, 0.00457275, 0.00432032, 0.00405755, 0.00373287, 0.00364141, 0.00359463, 0.00342887,
      0.00337626, 0.00321001, 0.00302382, 0.00290504, 0.0027367, 0.00262004, 0.00248784, 0.00240269, 0.00232583,
      0.00220012, 0.00217636, 0.00211072, 0.00201078, 0.00195823, 0.00187872, 0.00175221,
    ],
    dominantShare: 0.0722033,
    top10Share: 0.507049,
    effectiveRank: 38.2656,
    effectiveRankRatio: 0.597899,
    participationRatio: 28.3775,
    dims90: 35,
    dims95: 45,
    dims99: 59,
    isoScore: 0.434563,
    totalVariance: 33.3102,
    signalDims: 40,
  },
  // neighbourhoods: illustrative numbers of the same size as a 2,000-row sample's (not simulated)
  hubness: {
    k: 10,
    sampleRows: 2000,
    skewness: 1.05412,
    hubShare: 0.0415,
    antihubShare: 0.0235,
    robinHood: 0.231475,
    maxOccurrence: 58,
    topHubs: [
      { row: 1877, occurrence: 58 },
      { row: 312, occurrence: 51 },
      { row: 4410, occurrence: 49 },
      { row: 96, occurrence: 47 },
      { row: 2583, occurrence: 44 },
    ],
  },
  outliers: {
    k: 10,
    sampleRows: 2000,
    count: 14,
    share: 0.007,
    q1: 0.141237,
    q3: 0.166802,
    limit: 0.20515,
    examples: [
      { row: 3021, score: 0.241187 },
      { row: 77, score: 0.229051 },
    ],
  },
  retrieval: null,
  nearDuplicates: null,
  labels: null,
  intrinsicDimension: { twoNN: 21.8741, sampleRows: 2000, fitted: 1800, discard: 0.1, duplicates: 4 },
  sample: { rows: 2000, seed: 0 },
  findings: [
    {
      id: "anisotropy",
      severity: "fail",
      metric: "cosine.meanExact",
      value: 0.828873,
      threshold: 0.8,
      message: "vectors sit in a narrow cone: mean cosine over all pairs 0.8289 (≥ 0.8)",
      hint: "remove the common direction: `embcheck fix IN --pipeline center,l2 -o OUT` (or `abtt:D`, all-but-the-top), then re-check",
    },
  ],
  verdict: "fail",
  timing: { read: 0.041, profile: 0.112, metrics: 0.384 },
};

/** A copy of the sample with other findings (and the verdict they imply). */
export function withFindings(findings: Report["findings"]): Report {
  const verdict = findings.some((f) => f.severity === "fail")
    ? "fail"
    : findings.some((f) => f.severity === "warn")
      ? "warn"
      : "pass";
  return { ...structuredClone(sampleReport), findings, verdict };
}
