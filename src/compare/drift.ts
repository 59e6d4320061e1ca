/**
 * Drift between two profiles of vectors from one model: the exact statistics from their moments and
 * the sampled tests on their row samples (the first `testRows` rows of each sample by priority, so a
 * larger --sample keeps the same test rows). Pure.
 */
import type { Kernels } from "../linalg/backend.js";
import { covarianceOf, meanOf, type ProfileState } from "../profile/state.js";
import { domainClassifier } from "./classifier.js";
import { driftedComponents } from "./components.js";
import { centroidShift, dimensionShifts, frechetDistance, type Moments2 } from "./exact.js";
import { mmdTest } from "./mmd.js";
import type { DriftMetrics } from "./types.js";

/** Rows of each sample the MMD and the classifier use (Evidently's MMD bandwidth takes 1,000). */
export const TEST_ROWS = 1000;
/** Principal components of the reference tested for drift (the report lists as many). */
export const COMPONENTS = 64;

export interface DriftOptions {
  kernels: Kernels;
  testRows?: number;
  permutations?: number;
  folds?: number;
  components?: number;
}

export function momentsOf(s: ProfileState): Moments2 {
  return { n: s.validRows, mean: meanOf(s), cov: covarianceOf(s) };
}

/**
 * The covariance of A and B pooled (as one set): (n_A Σ_A + n_B Σ_B)/n + (n_A n_B/n²)(μ_A − μ_B)(μ_A − μ_B)ᵀ.
 * Its principal directions favour neither set: directions fitted on A alone carry A's sampling
 * noise as extra variance, which the test would then report as drift.
 */
export function pooledCovariance(a: Moments2, b: Moments2, d: number): Float64Array {
  const n = a.n + b.n;
  const c = new Float64Array(d * d);
  const w = (a.n * b.n) / (n * n);
  for (let i = 0; i < d; i++) {
    const di = a.mean[i] - b.mean[i];
    for (let j = 0; j < d; j++) {
      c[i * d + j] = (a.n * a.cov[i * d + j] + b.n * b.cov[i * d + j]) / n + w * di * (a.mean[j] - b.mean[j]);
    }
  }
  return c;
}

/** The drift of B (current) from A (reference): same dims and seed. */
export function driftOf(a: ProfileState, b: ProfileState, opts: DriftOptions): DriftMetrics {
  const d = a.dims;
  const ma = momentsOf(a);
  const mb = momentsOf(b);
  const kernels = opts.kernels;
  const want = opts.testRows ?? TEST_ROWS;
  const sa = a.sample.rowsByIndex(want);
  const sb = b.sample.rowsByIndex(want);
  const m = sa.indices.length;
  const n = sb.indices.length;
  const mmd = mmdTest(sa.values, m, sb.values, n, d, kernels, { permutations: opts.permutations, seed: a.seed });
  const classifier = domainClassifier(sa.values, m, sb.values, n, d, { folds: opts.folds });
  const fa = a.sample.rowsByIndex();
  const fb = b.sample.rowsByIndex();
  const eig = kernels.eigh(pooledCovariance(ma, mb, d), d, { vectors: true });
  const K = Math.min(d, opts.components ?? COMPONENTS);
  const components = driftedComponents(
    fa.values,
    fa.indices.length,
    fb.values,
    fb.indices.length,
    d,
    eig.vectors as Float64Array,
    eig.values,
    K,
  );
  return {
    centroid: centroidShift(ma, mb, d),
    frechet: frechetDistance(ma, mb, d, kernels),
    dimensions: dimensionShifts(ma, mb, d),
    mmd,
    classifier,
    components,
  };
}
