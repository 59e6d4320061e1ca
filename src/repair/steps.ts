/**
 * Each step: how it is fitted from statistics (mean μ and covariance Σ of the rows that reach it),
 * what state the fit produces (plain data, saved as is), and how it maps a block of rows.
 *
 * Affine steps map x ↦ (x − m)P, so the statistics after them follow analytically:
 * μ' = (μ − m)P, Σ' = PᵀΣP (ARCHITECTURE.md). l2 and the row filters have no closed form.
 */
import { InputError, UsageError } from "../errors.js";
import { eigh } from "../linalg/eigh.js";
import { centredDeflate, centredProduct, congruence, transposed } from "../linalg/transform.js";
import { type FastKernels, PackedW } from "../linalg/wasm/fast.js";
import { rowHash } from "../profile/hash.js";
import { HashSet64 } from "../profile/hashset.js";
import { type Rows, selectRows } from "./rows.js";
import { DEFAULT_PCA_K, type StepSpec } from "./spec.js";

/**
 * Whitening divides by √(λ + ε) with ε = WHITEN_EPSILON · λ₁ (λ₁ the largest eigenvalue), so
 * directions with no variance (a rank-deficient covariance; float32 round-off is ~1e-14 λ₁) are
 * damped instead of blown up to unit variance. scikit-learn clips the same way in
 * decomposition/_base.py; Su et al. (2021) divide by √λ with no guard.
 */
export const WHITEN_EPSILON = 1e-10;

/** Mean and population covariance (1/n) of the rows reaching a step. */
export interface Stats {
  d: number;
  n: number;
  mean: Float64Array;
  cov: Float64Array;
}

export type FittedStep =
  | { kind: "l2" }
  | { kind: "drop-invalid" }
  | { kind: "dedup" }
  | { kind: "center"; dims: number; mean: Float64Array }
  | {
      kind: "pca";
      dims: number;
      k: number;
      mean: Float64Array;
      /** k × dims, row j the j-th principal axis (sign-canonical). */
      components: Float64Array;
      /** Variance along each kept axis. */
      variances: Float64Array;
      /** Σλ over all dims (so the kept share can be reported). */
      totalVariance: number;
    }
  | {
      kind: "whiten" | "zca";
      dims: number;
      k: number;
      mean: Float64Array;
      components: Float64Array;
      variances: Float64Array;
      /** ε added to every eigenvalue (WHITEN_EPSILON · λ₁). */
      epsilon: number;
    }
  | {
      kind: "abtt";
      dims: number;
      /** Removed directions D. */
      k: number;
      mean: Float64Array;
      /** D × dims, the removed principal directions. */
      components: Float64Array;
      variances: Float64Array;
    };

/** Dimensions out of a step, given dimensions in. */
export function dimsOut(step: FittedStep, dimsIn: number): number {
  if (step.kind === "pca" || step.kind === "whiten") return step.k;
  return dimsIn;
}

function topEigen(stats: Stats, fast: FastKernels | null): { values: Float64Array; vectors: Float64Array } {
  const e = fast ? fast.eigh(stats.cov, stats.d, { vectors: true }) : eigh(stats.cov, stats.d, { vectors: true });
  const values = e.values.map((v) => Math.max(0, v));
  return { values, vectors: e.vectors as Float64Array };
}

/**
 * Fits one step from the statistics of the rows that reach it. `fast`: the eigendecomposition
 * runs in the fast kernels (same contract as the reference eigh; results differ by rounding only
 * and do not depend on the thread count); null = the reference eigh.
 */
export function fitStep(spec: StepSpec, stats: Stats, fast: FastKernels | null = null): FittedStep {
  const d = stats.d;
  if (spec.kind === "l2" || spec.kind === "drop-invalid" || spec.kind === "dedup") return { kind: spec.kind };
  if (stats.n < 2) {
    throw new InputError(
      `cannot fit "${spec.kind}": only ${stats.n} valid row${stats.n === 1 ? "" : "s"} reach it`,
      {},
      "fitting needs at least 2 finite, non-zero rows",
    );
  }
  const mean = Float64Array.from(stats.mean);
  if (spec.kind === "center") return { kind: "center", dims: d, mean };
  const { values, vectors } = topEigen(stats, fast);
  let total = 0;
  for (const v of values) total += v;
  switch (spec.kind) {
    case "pca": {
      let k: number;
      if (spec.share !== undefined) {
        k = d;
        let acc = 0;
        for (let i = 0; i < d; i++) {
          acc += values[i];
          if (total > 0 && acc / total >= spec.share) {
            k = i + 1;
            break;
          }
        }
      } else k = Math.min(spec.k ?? DEFAULT_PCA_K, d);
      return {
        kind: "pca",
        dims: d,
        k,
        mean,
        components: vectors.slice(0, k * d),
        variances: values.slice(0, k),
        totalVariance: total,
      };
    }
    case "whiten":
    case "zca": {
      const k = spec.kind === "zca" ? d : Math.min(spec.k ?? d, d);
      if (!(values[0] > 0)) throw new InputError(`cannot fit "${spec.kind}": the rows have no variance`);
      return {
        kind: spec.kind,
        dims: d,
        k,
        mean,
        components: vectors.slice(0, k * d),
        variances: values.slice(0, k),
        epsilon: WHITEN_EPSILON * values[0],
      };
    }
    case "abtt": {
      const D = spec.k ?? defaultAbttD(d);
      if (D >= d) throw new UsageError(`abtt:${D} would remove every direction of ${d}-dim vectors; use D < ${d}`);
      return { kind: "abtt", dims: d, k: D, mean, components: vectors.slice(0, D * d), variances: values.slice(0, D) };
    }
  }
}

/** Mu & Viswanath (2018): D ≈ d/100. */
export function defaultAbttD(d: number): number {
  return Math.max(1, Math.round(d / 100));
}

/** The matrix P of an affine step x ↦ (x − m)P (dims × dimsOut, row-major); null for l2/filters. */
export function affineMatrix(step: FittedStep): { m: Float64Array; P: Float64Array; dout: number } | null {
  switch (step.kind) {
    case "center": {
      const d = step.dims;
      const P = new Float64Array(d * d);
      for (let i = 0; i < d; i++) P[i * d + i] = 1;
      return { m: step.mean, P, dout: d };
    }
    case "pca":
    case "whiten": {
      const { dims: d, k } = step;
      const P = new Float64Array(d * k);
      const scale = step.kind === "whiten" ? whitenScales(step) : null;
      for (let j = 0; j < k; j++) {
        const s = scale ? scale[j] : 1;
        for (let a = 0; a < d; a++) P[a * k + j] = step.components[j * d + a] * s;
      }
      return { m: step.mean, P, dout: k };
    }
    case "zca":
      return { m: step.mean, P: zcaMatrix(step), dout: step.dims };
    case "abtt": {
      const { dims: d, k: D, components: U } = step;
      const P = new Float64Array(d * d);
      for (let i = 0; i < d; i++) P[i * d + i] = 1;
      for (let t = 0; t < D; t++) {
        for (let a = 0; a < d; a++) {
          const ua = U[t * d + a];
          for (let b = 0; b < d; b++) P[a * d + b] -= ua * U[t * d + b];
        }
      }
      return { m: step.mean, P, dout: d };
    }
    default:
      return null;
  }
}

function whitenScales(step: { variances: Float64Array; epsilon: number }): Float64Array {
  return step.variances.map((v) => 1 / Math.sqrt(v + step.epsilon));
}

/** U Λ^{-1/2} Uᵀ with U's columns the eigenvectors (our rows), symmetric d × d. */
function zcaMatrix(step: {
  dims: number;
  k: number;
  components: Float64Array;
  variances: Float64Array;
  epsilon: number;
}): Float64Array {
  const { dims: d, k, components: U } = step;
  const s = whitenScales(step);
  const W = new Float64Array(d * d);
  for (let i = 0; i < k; i++) {
    const si = s[i];
    const ub = i * d;
    for (let a = 0; a < d; a++) {
      const ua = U[ub + a] * si;
      if (ua === 0) continue;
      const wb = a * d;
      for (let b = 0; b < d; b++) W[wb + b] += ua * U[ub + b];
    }
  }
  return W;
}

/** Statistics after an affine step: μ' = (μ − m)P, Σ' = PᵀΣP. */
export function propagate(stats: Stats, step: FittedStep): Stats {
  if (step.kind === "center") {
    // P = I: the same numbers congruence gives (every product is by 1 or skipped), in O(d²).
    const mean = new Float64Array(stats.d);
    for (let a = 0; a < stats.d; a++) mean[a] = stats.mean[a] - step.mean[a];
    return { d: stats.d, n: stats.n, mean, cov: symmetricCopy(stats.cov, stats.d) };
  }
  const aff = affineMatrix(step);
  if (!aff) throw new Error(`propagate: ${step.kind} is not affine`);
  const { m, P, dout } = aff;
  const d = stats.d;
  const mu = new Float64Array(dout);
  for (let a = 0; a < d; a++) {
    const c = stats.mean[a] - m[a];
    for (let j = 0; j < dout; j++) mu[j] += c * P[a * dout + j];
  }
  return { d: dout, n: stats.n, mean: mu, cov: congruence(stats.cov, d, P, dout) };
}

/** A copy of C with each off-diagonal pair replaced by its mean (as congruence ends). */
function symmetricCopy(C: Float64Array, d: number): Float64Array {
  const out = Float64Array.from(C.subarray(0, d * d));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (out[i * d + j] + out[j * d + i]);
      out[i * d + j] = v;
      out[j * d + i] = v;
    }
  }
  return out;
}

/** A step ready to map rows; `open()` makes the per-stream state (dedup's set of seen rows). */
export interface CompiledStep {
  readonly step: FittedStep;
  readonly dimsIn: number;
  readonly dimsOut: number;
  open(): (rows: Rows) => Rows;
}

/**
 * Inputs narrower than this keep the float64 products even with the fast kernels: their
 * projection costs little next to reading and writing, so there is no reason to trade digits for
 * time (and small outputs, such as the committed writer fixtures, stay byte-identical to the
 * float64 path).
 */
export const FAST_MIN_DIMS = 128;

/**
 * `kernels`: for inputs of FAST_MIN_DIMS dims or more, the products X·W of pca, whiten, zca and abtt run in the fast kernels' projectF32
 * (float32 products; see projectFast), else in the float64 reference kernels. Either way each
 * output row depends on its input row alone, so the output is bit-identical for any chunking and,
 * with `fast`, for any thread count ≥ 1.
 */
export function compileStep(step: FittedStep, dimsIn: number, kernels: FastKernels | null = null): CompiledStep {
  const dout = dimsOut(step, dimsIn);
  const fast = dimsIn >= FAST_MIN_DIMS ? kernels : null;
  const base = { step, dimsIn, dimsOut: dout };
  switch (step.kind) {
    case "l2":
      return { ...base, open: () => l2Rows };
    case "drop-invalid":
      return { ...base, open: () => dropInvalidRows };
    case "dedup":
      return {
        ...base,
        open: () => {
          const seen = new HashSet64();
          return (rows) => dedupRows(rows, seen);
        },
      };
    case "abtt": {
      if (fast) {
        // Coefficients c = z·Uᵀ through projectF32 (W = Uᵀ, dims × D), then y = z − c·U in float64.
        const W = new PackedW(transposed(step.components, step.k, dimsIn), dimsIn, step.k);
        return {
          ...base,
          open: () => (rows) =>
            mapNonNull(rows, dout, (x, n) => {
              const z = subtractMean(x, n, dimsIn, step.mean);
              const coef = projectFast(fast, z, n, W);
              return deflateBy(z, n, dimsIn, coef, step.components, step.k);
            }),
        };
      }
      return {
        ...base,
        open: () => (rows) =>
          mapNonNull(rows, dout, (x, n) => centredDeflate(x, n, dimsIn, step.mean, step.components, step.k)),
      };
    }
    default: {
      // center, pca, whiten, zca: one centred product (center subtracts only).
      if (step.kind === "center") {
        return {
          ...base,
          open: () => (rows) => mapNonNull(rows, dout, (x, n) => subtractMean(x, n, dimsIn, step.mean)),
        };
      }
      const aff = affineMatrix(step);
      if (!aff) throw new Error("unreachable");
      if (fast) {
        const W = new PackedW(aff.P, dimsIn, dout);
        return {
          ...base,
          open: () => (rows) =>
            mapNonNull(rows, dout, (x, n) => projectFast(fast, subtractMean(x, n, dimsIn, aff.m), n, W)),
        };
      }
      const Pt = transposed(aff.P, dimsIn, dout);
      return {
        ...base,
        open: () => (rows) => mapNonNull(rows, dout, (x, n) => centredProduct(x, n, dimsIn, aff.m, Pt, dout)),
      };
    }
  }
}

/** Rows per projectF32 call: bounds the kernels' working memory (n·d·4 + n·k·4 bytes). */
const FAST_ROWS = 16384;

/**
 * y = z·W (n × k, float64 holding float32 values) for centred float64 rows z (n × d) and W
 * (d × k, float32, packed once per fitted step): z is rounded once to float32, the products run in float32 within blocks of 64
 * terms added into float64, and each result is rounded to float32 (assembly/kernels.ts,
 * projectF32). Error bound, with u = 2⁻²⁴ and γ₆₄ = 64u/(1 − 64u) ≈ 3.8e-6:
 *   |y_c − exact_c| ≤ (γ₆₄ + 2u + 2⁻⁵³⌈d/64⌉)·Σ_j |z_j|·|w_jc| + u·|exact_c|
 * where the 2u covers rounding z and W to float32. Rows are independent, so the result does not
 * depend on how rows are grouped into calls or split across threads.
 */
export function projectFast(fast: FastKernels, z: Float64Array, n: number, W: PackedW): Float64Array {
  const { d, k } = W;
  const y = new Float64Array(n * k);
  const block = Math.max(1, Math.min(n, FAST_ROWS));
  const z32 = new Float32Array(block * d);
  const out = new Float32Array(block * k);
  for (let r = 0; r < n; r += block) {
    const m = Math.min(block, n - r);
    z32.set(z.subarray(r * d, (r + m) * d));
    const o = m === block ? out : out.subarray(0, m * k);
    fast.projectF32(z32.subarray(0, m * d), m, d, W, k, undefined, o);
    y.set(o.subarray(0, m * k), r * k);
  }
  return y;
}

/** y = z − Σ_t coef_t·U_t for every row (coef n × D, U D × d): abtt's deflation from its coefficients. */
function deflateBy(
  z: Float64Array,
  n: number,
  d: number,
  coef: Float64Array,
  U: Float64Array,
  D: number,
): Float64Array {
  for (let i = 0; i < n; i++) {
    const b = i * d;
    for (let t = 0; t < D; t++) {
      const s = coef[i * D + t];
      const ub = t * d;
      for (let k = 0; k < d; k++) z[b + k] -= s * U[ub + k];
    }
  }
  return z;
}

function subtractMean(x: Float64Array, n: number, d: number, m: Float64Array): Float64Array {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k] - m[k];
  return y;
}

/** Applies `f` to the non-null rows; null rows stay null (zeros) at the new width. */
function mapNonNull(rows: Rows, dout: number, f: (x: Float64Array, n: number) => Float64Array): Rows {
  const { n, d, nulls } = rows;
  if (!nulls) return { n, d: dout, data: f(rows.data, n), nulls: null, index: rows.index };
  let k = 0;
  for (let i = 0; i < n; i++) if (!nulls[i]) k++;
  const x = new Float64Array(k * d);
  for (let i = 0, o = 0; i < n; i++) if (!nulls[i]) x.set(rows.data.subarray(i * d, i * d + d), d * o++);
  const y = f(x, k);
  const out = new Float64Array(n * dout);
  for (let i = 0, o = 0; i < n; i++) if (!nulls[i]) out.set(y.subarray(o * dout, ++o * dout), i * dout);
  return { n, d: dout, data: out, nulls, index: rows.index };
}

/** x / ‖x‖ (norm in float64); zero rows stay zero, NaN rows stay NaN. */
function l2Rows(rows: Rows): Rows {
  const { n, d, data } = rows;
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    let s = 0;
    for (let k = 0; k < d; k++) s += data[b + k] * data[b + k];
    const norm = Math.sqrt(s);
    if (norm === 0) continue;
    for (let k = 0; k < d; k++) y[b + k] = data[b + k] / norm;
  }
  return { n, d, data: y, nulls: rows.nulls, index: rows.index };
}

/** Whether the row is valid in METRICS.md's sense: not null, every value finite, not all zero. */
export function isValidRow(data: Float64Array, base: number, d: number): boolean {
  let nonzero = false;
  for (let k = 0; k < d; k++) {
    const v = data[base + k];
    if (v - v !== 0) return false; // NaN or ±Inf
    if (v !== 0) nonzero = true;
  }
  return nonzero;
}

function dropInvalidRows(rows: Rows): Rows {
  const keep = new Uint8Array(rows.n);
  for (let i = 0; i < rows.n; i++) keep[i] = !rows.nulls?.[i] && isValidRow(rows.data, i * rows.d, rows.d) ? 1 : 0;
  return selectRows(rows, keep);
}

/** Keeps the first copy of each bit-identical row (null rows are never duplicates). */
function dedupRows(rows: Rows, seen: HashSet64): Rows {
  const { n, d } = rows;
  const words = new Uint32Array(rows.data.buffer, rows.data.byteOffset, n * d * 2);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rows.nulls?.[i]) {
      keep[i] = 1;
      continue;
    }
    const [a, b] = rowHash(words, i * d * 2, (i + 1) * d * 2);
    keep[i] = seen.add(a, b) ? 1 : 0;
  }
  return selectRows(rows, keep);
}
