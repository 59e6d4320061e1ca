/**
 * Every metric of METRICS.md, computed from a Profile (pure; no I/O): each section of the registry
 * in report order, over intermediates they share (the sample's pair cosines, the covariance
 * eigenvalues), each computed once.
 */

import { InputError } from "../errors.js";
import type { Kernels } from "../linalg/backend.js";
import { covarianceEigen } from "../linalg/lowrank.js";
import { knnGraph } from "../linalg/neighbours.js";
import { referenceKernels } from "../linalg/reference.js";
import type { Profile } from "../profile/profile.js";
import { rowsForCosine } from "../profile/scale.js";
import { rowNorm } from "../profile/stats.js";
import type { NearDuplicateMetrics } from "./neardup.js";
import { NEIGHBOURS_K } from "./neighbourhoods.js";
import { DEFAULT_REGISTRY, type DefaultSections, type Registry } from "./registry.js";
import type { RetrievalMetrics } from "./retrieval.js";
import type { AnySection, SectionValues, Shared } from "./section.js";
import type { MetricsHead } from "./types.js";

export { percentilesBySelection } from "./percentiles.js";

/** The metrics of the sections `S`, by section key, with the dims, the sample and the timings. */
export type MetricsOf<S extends readonly AnySection[]> = MetricsHead &
  SectionValues<S> & {
    /**
     * Every eigenvalue of the covariance, descending (the report keeps only 64 ratios; the HTML
     * spectrum draws all d), in units of 2^eigenvalueLog2 (finite whatever the input).
     */
    eigenvalues: Float64Array;
    /** 0, unless entries reach 2^200 (src/profile/scale.ts): λ = eigenvalues[i]·2^eigenvalueLog2. */
    eigenvalueLog2: number;
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
  /**
   * Rows of the sample the pair statistics use (the first by priority, i.e. the sample a smaller
   * --sample would have kept); default: all of it.
   */
  pairSample?: number;
  /** Rows of the sample the neighbourhood sections use (first by priority); default: all of it. */
  neighboursSample?: number;
  /** The result of the retrieval pass (src/detect/retrieval.ts), when pairs were measured. */
  retrieval?: RetrievalMetrics | null;
  /** The result of the near-duplicate passes (src/detect/neardup.ts), when run. */
  nearDuplicates?: NearDuplicateMetrics | null;
  /** The sections to compute (default: report@1's). */
  registry?: Registry<S>;
}

/** The sample's unit rows (m × d): u = x / ‖x‖ (division, as the oracle does). */
export function sampleUnitRows(p: Profile, limit?: number): { indices: Float64Array; units: Float64Array; m: number } {
  const { indices, values } = p.sample.rowsByIndex(limit);
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
  limit?: number,
): { cosines: Float64Array; indices: Float64Array } {
  const { indices, units, m } = sampleUnitRows(p, limit);
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
  let eigenLog2 = 0;
  const shared: Shared = {
    pairCosines: once(() => sampledPairCosines(p, kernels, opts.pairSample)),
    eigenvalues: once(() => {
      const { c, log2 } = p.scaledCovariance();
      eigenLog2 = log2;
      return covarianceEigen(c, p.dims, p.validRows - 1, kernels).values;
    }),
    eigenvalueLog2: () => {
      shared.eigenvalues();
      return eigenLog2;
    },
    neighbourRows: once(() => {
      const { indices, values } = p.sample.rowsByIndex(opts.neighboursSample);
      return { indices, values, m: indices.length };
    }),
    cosineGraph: once(() => {
      const { values, m } = shared.neighbourRows();
      // huge or tiny rows brought near 1 by a power of two (cosines unchanged; scale.ts)
      return knnGraph(kernels, rowsForCosine(values, m, p.dims), m, p.dims, Math.min(NEIGHBOURS_K, m - 1), "cosine");
    }),
  };
  const sections: Record<string, unknown> = {};
  for (const section of registry.sections) {
    sections[section.key] = section.compute({
      profile: p,
      hasPairs,
      shared,
      kernels,
      retrieval: opts.retrieval ?? null,
      nearDuplicates: opts.nearDuplicates ?? null,
    });
    if (section.lap) lap(section.lap);
  }
  const { indices } = shared.pairCosines();
  return {
    dims: p.dims,
    ...sections,
    eigenvalues: shared.eigenvalues(),
    eigenvalueLog2: shared.eigenvalueLog2(),
    sample: { rows: indices.length, seed: p.seed, indices },
    timing,
  } as MetricsOf<S>;
}
