/**
 * Spectrum metrics from the eigenvalues of the covariance (METRICS.md § spectrum).
 */
import type { SpectrumMetrics } from "../report/types.js";

/** `values` descending; tiny negatives (round-off) are clipped to 0. */
export function spectrumMetrics(values: Float64Array): SpectrumMetrics {
  const d = values.length;
  const lam = Float64Array.from(values, (v) => Math.max(0, v));
  let total = 0;
  let sumSq = 0;
  for (const v of lam) {
    total += v;
    sumSq += v * v;
  }
  const p = lam.map((v) => (total > 0 ? v / total : 0));
  let entropy = 0;
  for (const pi of p) if (pi > 0) entropy -= pi * Math.log(pi);
  const effectiveRank = Math.exp(entropy);
  const dimsFor = (share: number): number => {
    let cum = 0;
    for (let k = 0; k < d; k++) {
      cum += p[k];
      if (cum >= share) return k + 1;
    }
    return d;
  };
  let top10 = 0;
  for (let k = 0; k < Math.min(10, d); k++) top10 += p[k];
  return {
    explainedVarianceRatio: Array.from(p.subarray(0, Math.min(64, d))),
    dominantShare: p[0],
    top10Share: top10,
    effectiveRank,
    effectiveRankRatio: effectiveRank / d,
    participationRatio: sumSq > 0 ? (total * total) / sumSq : 0,
    dims90: dimsFor(0.9),
    dims95: dimsFor(0.95),
    dims99: dimsFor(0.99),
    isoScore: isoScore(lam),
    totalVariance: total,
  };
}

/**
 * IsoScore (Rudman, Gillman, Rayne & Eickhoff 2022, "IsoScore: Measuring the Uniformity of
 * Embedding Space Utilization", Algorithm 1) from the covariance eigenvalues (the variances in
 * the PCA-rotated basis): σ̂ = λ·√d/‖λ‖, δ = ‖σ̂ − 1‖/√(2(d − √d)), φ = (d − δ²(d − √d))²/d²,
 * isoScore = (d·φ − 1)/(d − 1). 1 when every direction carries equal variance, 0 for one.
 */
export function isoScore(lam: Float64Array): number {
  const d = lam.length;
  if (d < 2) return 0;
  let norm = 0;
  for (const v of lam) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm === 0) return 0;
  const sd = Math.sqrt(d);
  let dist = 0;
  for (const v of lam) {
    const t = (v * sd) / norm - 1;
    dist += t * t;
  }
  const delta = Math.sqrt(dist) / Math.sqrt(2 * (d - sd));
  const phi = (d - delta * delta * (d - sd)) ** 2 / (d * d);
  return (d * phi - 1) / (d - 1);
}
