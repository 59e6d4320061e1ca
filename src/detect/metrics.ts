/**
 * Every metric of METRICS.md, computed from a Profile (pure; no I/O): each section of the registry
 * in report order, over intermediates they share (the sample's pair cosines, the covariance
 * eigenvalues), each computed once.
 */

import { InputError } from "../errors.js";
import type { Kernels } from "../linalg/backend.js";
import { referenceKernels } from "../linalg/reference.js";
import type { Profile } from "../profile/profile.js";
import { rowNorm } from "../profile/stats.js";
import { DEFAULT_REGISTRY, type DefaultSections, type Registry } from "./registry.js";
import type { AnySection, SectionValues, Shared } from "./section.js";
import type { MetricsHead } from "./types.js";

export { percentilesBySelection } from "./percentiles.js";

/** The metrics of the sections `S`, by section key, with the dims, the sample and the timings. */
export type MetricsOf<S extends readonly AnySection[]> = MetricsHead &
  SectionValues<S> & {
    /** Every eigenvalue of the covariance, descending (the report keeps only 64 ratios; the HTML spectrum draws all d). */
    eigenvalues: Float64Array;
    sample: { rows: number; seed: number; indices: Float64Array };
    /** Seconds spent per stage. */
    timing: Record<string, number>;
  };

export type Metrics = MetricsOf<DefaultSections>;

export interface MetricsOptions<S extends readonly AnySection[] = DefaultSections> {
  /** Label for errors (the input path). */
  file?: string;
  /** Clock for timings (injected so the core reads no global state); default: none recorded. */
  now?: () => number;
  /** The kernels for the sampled pairs and the eigendecomposition (default: the reference). */
  kernels?: Kernels;
  /** The sections to compute (default: report@1's). */
  registry?: Registry<S>;
}

/** The sample's unit rows (m × d): u = x / ‖x‖ (division, as the oracle does). */
export function sampleUnitRows(p: Profile): { indices: Float64Array; units: Float64Array; m: number } {
  const { indices, values } = p.sample.rowsByIndex();
  const d = p.dims;
  const m = indices.length;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += values[i * d + j] * values[i * d + j];
    const norm = rowNorm(s, values, i * d, d); // √s unless s overflowed or underflowed
    for (let j = 0; j < d; j++) values[i * d + j] /= norm;
  }
  return { indices, units: values, m };
}

/** Cosines of every sampled pair, clipped to [−1, 1], in np.triu_indices order. */
export function sampledPairCosines(
  p: Profile,
  kernels: Kernels = referenceKernels(),
): { cosines: Float64Array; indices: Float64Array } {
  const { indices, units, m } = sampleUnitRows(p);
  const out = new Float64Array((m * (m - 1)) / 2);
  const c = kernels.pairDotsUpper(units, m, p.dims, out);
  for (let i = 0; i < c.length; i++) c[i] = Math.min(1, Math.max(-1, c[i]));
  return { cosines: c, indices };
}

/** `f`, called at most once. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

export function computeMetrics<S extends readonly AnySection[] = DefaultSections>(
  p: Profile,
  hasPairs: boolean,
  opts: MetricsOptions<S> = {},
): MetricsOf<S> {
  const registry = opts.registry ?? (DEFAULT_REGISTRY as unknown as Registry<S>);
  const now = opts.now;
  const timing: Record<string, number> = {};
  let t = now?.() ?? 0;
  const lap = (name: string) => {
    if (!now) return;
    const t1 = now();
    timing[name] = (t1 - t) / 1000;
    t = t1;
  };
  if (p.validRows < 2) {
    throw new InputError(
      `only ${p.validRows} valid row${p.validRows === 1 ? "" : "s"} of ${p.rows} (null ${p.nullRows}, NaN ${p.nanRows}, Inf ${p.infRows}, zero ${p.zeroRows})`,
      { file: opts.file },
      "embcheck needs at least 2 finite, non-zero rows",
    );
  }
  const kernels = opts.kernels ?? referenceKernels();
  const shared: Shared = {
    pairCosines: once(() => sampledPairCosines(p, kernels)),
    eigenvalues: once(() => kernels.eigh(p.covariance(), p.dims).values),
  };
  const sections: Record<string, unknown> = {};
  for (const section of registry.sections) {
    sections[section.key] = section.compute({ profile: p, hasPairs, shared, kernels });
    if (section.lap) lap(section.lap);
  }
  const { indices } = shared.pairCosines();
  return {
    dims: p.dims,
    ...sections,
    eigenvalues: shared.eigenvalues(),
    sample: { rows: indices.length, seed: p.seed, indices },
    timing,
  } as MetricsOf<S>;
}
