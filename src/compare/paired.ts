/**
 * The same rows embedded twice (model A vs model B, before/after a repair): row i of A and row i of B
 * are one item; the dims may differ. One streaming pass feeds the concatenated rows [a_i | b_i] into
 * an ordinary Profile, whose covariance holds Σ_AA, Σ_AB (the cross-covariance, d_A × d_B) and Σ_BB —
 * exact, mergeable like any profile — and whose row sample keeps the same rows of both. Pure.
 */
import type { Chunk } from "../io/types.js";
import type { Kernels } from "../linalg/backend.js";
import { knnGraph } from "../linalg/neighbours.js";
import { Profile } from "../profile/profile.js";
import type { Precision } from "../profile/state.js";
import { percentileSorted } from "../profile/stats.js";

/** Row-aligned chunks of A and B: the same global rows. */
export interface AlignedChunk {
  rowOffset: number;
  a: Chunk;
  b: Chunk;
}

export interface RowCosines {
  /** Rows where both versions are valid (finite, non-zero, not null). */
  rows: number;
  mean: number;
  min: number;
  p5: number;
  p50: number;
  /** The rows whose two versions agree least: [row, cosine], lowest first. */
  lowest: [number, number][];
}

export interface NeighbourAgreement {
  k: number;
  /** Sampled rows whose neighbourhoods were compared. */
  rows: number;
  /** Mean over sampled rows of |N_A(i) ∩ N_B(i)| / k (N: the k nearest other sampled rows by cosine). */
  mean: number;
  /** The sampled rows of least overlap: [row, overlap], lowest first (ties to the lower row). */
  lowest: [number, number][];
}

export interface PairedMetrics {
  rows: number;
  /** Rows valid in both (the CKA's n). */
  validRows: number;
  dimsA: number;
  dimsB: number;
  /**
   * Linear CKA (Kornblith et al. 2019, eq. 5 with the linear kernel) over every valid row:
   * ‖Σ_AB‖²_F / (‖Σ_AA‖_F·‖Σ_BB‖_F), centred. 1 = the same geometry up to rotation and scale.
   */
  cka: number;
  neighbours: NeighbourAgreement;
  /** Spearman correlation of cos_A(i, j) and cos_B(i, j) over the sampled pairs i < j. */
  pairSpearman: number;
  pairs: number;
  /** Per-row cosine of the two versions (only when the dims are equal; else null). */
  rowCosine: RowCosines | null;
}

/** ‖Σ_AB‖²_F / (‖Σ_AA‖_F ‖Σ_BB‖_F) of a (dA + dB)² covariance of concatenated rows. */
export function ckaOf(cov: Float64Array, dA: number, dB: number): number {
  const D = dA + dB;
  let aa = 0;
  let bb = 0;
  let ab = 0;
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const v = cov[i * D + j];
      if (i < dA && j < dA) aa += v * v;
      else if (i >= dA && j >= dA) bb += v * v;
      else if (i < dA) ab += v * v;
    }
  }
  const denom = Math.sqrt(aa) * Math.sqrt(bb);
  return denom > 0 ? ab / denom : 0;
}

/** Average ranks (1-based, ties share their mean rank), as scipy.stats.rankdata. */
export function ranks(v: Float64Array): Float64Array {
  const n = v.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
  const r = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && v[order[j + 1]] === v[order[i]]) j++;
    for (let t = i; t <= j; t++) r[order[t]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's ρ: the Pearson correlation of the average ranks (scipy.stats.spearmanr). */
export function spearman(x: Float64Array, y: Float64Array): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += rx[i];
    my += ry[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = rx[i] - mx;
    const b = ry[i] - my;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

const unitRows = (X: Float64Array, m: number, d: number): Float64Array => {
  const U = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X[i * d + j] * X[i * d + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) U[i * d + j] = X[i * d + j] * inv;
  }
  return U;
};

/** Neighbourhood agreement of the m sampled rows (ids[i] = global row) between A (m × dA) and B (m × dB). */
export function neighbourAgreement(
  A: Float64Array,
  dA: number,
  B: Float64Array,
  dB: number,
  m: number,
  ids: Float64Array,
  k: number,
  kernels: Pick<Kernels, "knnSearch">,
  lowest = 10,
): NeighbourAgreement {
  const kk = Math.min(k, m - 1);
  if (kk < 1) return { k: kk, rows: m, mean: Number.NaN, lowest: [] };
  const na = knnGraph(kernels, A, m, dA, kk, "cosine").ids;
  const nb = knnGraph(kernels, B, m, dB, kk, "cosine").ids;
  const overlap = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    const set = new Set(na.subarray(i * kk, i * kk + kk));
    let hit = 0;
    for (let t = 0; t < kk; t++) if (set.has(nb[i * kk + t])) hit++;
    overlap[i] = hit / kk;
    total += overlap[i];
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => overlap[x] - overlap[y] || ids[x] - ids[y]);
  return {
    k: kk,
    rows: m,
    mean: total / m,
    lowest: order.slice(0, lowest).map((i) => [ids[i], overlap[i]] as [number, number]),
  };
}

/** Spearman of the pair cosines among the first `m` sampled rows of A and B. */
export function pairSpearman(
  A: Float64Array,
  dA: number,
  B: Float64Array,
  dB: number,
  m: number,
  kernels: Pick<Kernels, "pairDotsUpper">,
): { rho: number; pairs: number } {
  const pairs = (m * (m - 1)) / 2;
  if (pairs < 2) return { rho: Number.NaN, pairs };
  const ca = kernels.pairDotsUpper(unitRows(A, m, dA), m, dA, new Float64Array(pairs));
  const cb = kernels.pairDotsUpper(unitRows(B, m, dB), m, dB, new Float64Array(pairs));
  return { rho: spearman(ca, cb), pairs };
}

/** Whether row r of x (d values) is valid: finite and not all zero. */
function validRow(x: ArrayLike<number>, r: number, d: number): { ok: boolean; sumsq: number } {
  let s = 0;
  let nonzero = false;
  for (let j = 0; j < d; j++) {
    const v = x[r * d + j];
    if (!Number.isFinite(v)) return { ok: false, sumsq: 0 };
    if (v !== 0) nonzero = true;
    s += v * v;
  }
  return { ok: nonzero, sumsq: s };
}

export interface PairedOptions {
  kernels: Kernels;
  sampleSize: number;
  seed: number;
  precision?: Precision;
  /** k of the neighbourhoods (default 10). */
  k?: number;
  /** Sampled rows whose pair cosines enter the Spearman correlation (default 1000). */
  spearmanRows?: number;
  /** How many lowest-agreement rows to list (default 10). */
  lowest?: number;
}

/** The paired pass over row-aligned chunks, then the sampled neighbourhood statistics. */
export async function pairedPass(
  chunks: AsyncIterable<AlignedChunk>,
  dA: number,
  dB: number,
  opts: PairedOptions,
): Promise<PairedMetrics> {
  const D = dA + dB;
  const profile = new Profile({
    dims: D,
    sampleSize: opts.sampleSize,
    seed: opts.seed,
    precision: opts.precision,
    kernels: opts.kernels,
  });
  const same = dA === dB;
  let cosines = new Float64Array(1024);
  let cosIds = new Float64Array(1024);
  let nc = 0;
  let rows = 0;
  for await (const c of chunks) {
    const n = c.a.matrix.rows;
    const xa = c.a.matrix.data;
    const xb = c.b.matrix.data;
    const cat = new Float64Array(n * D);
    const nulls = new Uint8Array(n);
    let anyNull = false;
    for (let r = 0; r < n; r++) {
      if (c.a.nulls?.[r] || c.b.nulls?.[r]) {
        nulls[r] = 1;
        anyNull = true;
      }
      for (let j = 0; j < dA; j++) cat[r * D + j] = xa[r * dA + j];
      for (let j = 0; j < dB; j++) cat[r * D + dA + j] = xb[r * dB + j];
      if (!same || nulls[r]) continue;
      const va = validRow(xa, r, dA);
      const vb = validRow(xb, r, dB);
      if (!va.ok || !vb.ok) continue;
      let dot = 0;
      for (let j = 0; j < dA; j++) dot += xa[r * dA + j] * xb[r * dB + j];
      if (nc === cosines.length) {
        const grow = (x: Float64Array) => {
          const y = new Float64Array(x.length * 2);
          y.set(x);
          return y;
        };
        cosines = grow(cosines);
        cosIds = grow(cosIds);
      }
      cosines[nc] = dot / (Math.sqrt(va.sumsq) * Math.sqrt(vb.sumsq));
      cosIds[nc++] = c.rowOffset + r;
    }
    profile.add({
      matrix: { rows: n, cols: D, data: cat },
      rowOffset: c.rowOffset,
      ...(anyNull ? { nulls } : {}),
    });
    rows += n;
  }
  const cka = ckaOf(profile.covariance(), dA, dB);
  const { indices, values } = profile.sample.rowsByIndex();
  const m = indices.length;
  const A = new Float64Array(m * dA);
  const B = new Float64Array(m * dB);
  for (let i = 0; i < m; i++) {
    A.set(values.subarray(i * D, i * D + dA), i * dA);
    B.set(values.subarray(i * D + dA, (i + 1) * D), i * dB);
  }
  const lowest = opts.lowest ?? 10;
  const neighbours = neighbourAgreement(A, dA, B, dB, m, indices, opts.k ?? 10, opts.kernels, lowest);
  const sm = Math.min(m, opts.spearmanRows ?? 1000);
  const sp = pairSpearman(A, dA, B, dB, sm, opts.kernels);
  let rowCosine: RowCosines | null = null;
  if (same) {
    const v = cosines.subarray(0, nc);
    const order = Array.from({ length: nc }, (_, i) => i).sort((x, y) => v[x] - v[y] || cosIds[x] - cosIds[y]);
    const sorted = Float64Array.from(order, (i) => v[i]);
    let s = 0;
    for (let i = 0; i < nc; i++) s += v[i];
    rowCosine = {
      rows: nc,
      mean: nc > 0 ? s / nc : Number.NaN,
      min: nc > 0 ? sorted[0] : Number.NaN,
      p5: percentileSorted(sorted, 5),
      p50: percentileSorted(sorted, 50),
      lowest: order.slice(0, lowest).map((i) => [cosIds[i], v[i]] as [number, number]),
    };
  }
  return {
    rows,
    validRows: profile.validRows,
    dimsA: dA,
    dimsB: dB,
    cka,
    neighbours,
    pairSpearman: sp.rho,
    pairs: sp.pairs,
    rowCosine,
  };
}
