/**
 * The floating-point sums of pass 1 (mean, scatter, unit-row sums, pair sums) kept as a list of
 * nodes of a fixed merge tree over the global row index, so that their bits do not depend on how
 * the rows were split into shards or in which order the shards were merged.
 *
 * Every block of B = blockRowsFor(d) rows starting at a multiple of B is a leaf; two aligned
 * nodes that are siblings in the dyadic tree ([a, a+w) and [a+w, a+2w) with a a multiple of 2w
 * blocks) are merged as soon as both are present, left into right order fixed. Floating-point
 * addition is not associative, so this fixed tree is what makes merge(profile(shard 1..N)) give the
 * one-pass bits for any N whose shard boundaries fall on block boundaries (`--shard` cuts there),
 * and for any merge order (sibling merges commute: the tree decides who merges with whom). The
 * nodes still unmerged form the canonical decomposition of the covered rows (at most about
 * 2·log2(rows / B) of them); the totals are their left-to-right fold.
 *
 * Nodes that are not aligned (a last short block, a shard starting off a block boundary) take in
 * their contiguous right neighbour at once (a plain left fold, as a single pass would), so the list
 * stays short whatever the input; only their bits then depend on the split.
 */
import { scaleByPow2 } from "./scale.js";

/** One node: the moments of the valid rows among global rows [lo, hi). */
export interface Moments {
  lo: number;
  hi: number;
  /** Valid rows. */
  n: number;
  /**
   * The power-of-two exponent e ≥ 0 of the node's rows (scale.ts): origin and meanRel hold
   * values of x·2^-e, m2 of (x·2^-e)(x·2^-e)ᵀ, so they stay finite for any finite x. 0 (the rows
   * as they are) unless an entry reaches 2^200.
   */
  scale: number;
  /** The node's first valid row; moments are kept for z = x − origin (see state.ts). */
  origin: Float64Array | null;
  /** Mean of z over the valid rows. */
  meanRel: Float64Array;
  /** Σ (x − mean)(x − mean)ᵀ, upper triangle (d × d). */
  m2: Float64Array;
  /** Σ x / ‖x‖ over the valid rows. */
  unitSum: Float64Array;
  /** Σ ‖u − v‖² and Σ cos(u, v) over the positive pairs. */
  alignSqSum: number;
  alignCosSum: number;
  /**
   * Mean and Σ (‖x‖ − mean)² of the valid rows' norms: the norms' mean and std once they are
   * sketched (sketches.ts), on the same tree so their bits do not depend on the split either.
   */
  normMean: number;
  normM2: number;
}

export function emptyMoments(d: number, lo: number, hi: number): Moments {
  return {
    lo,
    hi,
    n: 0,
    scale: 0,
    origin: null,
    meanRel: new Float64Array(d),
    m2: new Float64Array(d * d),
    unitSum: new Float64Array(d),
    alignSqSum: 0,
    alignCosSum: 0,
    normMean: 0,
    normM2: 0,
  };
}

export function copyMoments(m: Moments): Moments {
  return {
    ...m,
    origin: m.origin ? Float64Array.from(m.origin) : null,
    meanRel: Float64Array.from(m.meanRel),
    m2: Float64Array.from(m.m2),
    unitSum: Float64Array.from(m.unitSum),
  };
}

/**
 * Folds b (the rows right after a's) into a. Chan, Golub & LeVeque (1979): δ = mean_b − mean_a,
 * M2 += M2_b + (n_a·n_b/n)·δδᵀ. With n_a = 0 the result is b's bits exactly. Nodes of different
 * scales are first brought to the larger one (exact but for entries that underflow there); nodes
 * of equal scale (all of them, for data below 2^200) fold as they are.
 */
export function foldMoments(a: Moments, b: Moments): Moments {
  const d = a.meanRel.length;
  const na = a.n;
  if (b.n > 0 && b.origin && a.scale !== b.scale) {
    if (na === 0 || !a.origin) a.scale = b.scale;
    else if (a.scale < b.scale) rescaleMoments(a, b.scale);
    else b = rescaleMoments(copyMoments(b), a.scale);
  }
  for (let j = 0; j < d; j++) a.unitSum[j] += b.unitSum[j];
  a.alignSqSum += b.alignSqSum;
  a.alignCosSum += b.alignCosSum;
  a.lo = Math.min(a.lo, b.lo);
  a.hi = Math.max(a.hi, b.hi);
  if (b.n === 0 || !b.origin) return a;
  if (!a.origin) a.origin = Float64Array.from(b.origin);
  const delta = new Float64Array(d);
  for (let j = 0; j < d; j++) delta[j] = b.origin[j] - a.origin[j] + b.meanRel[j] - a.meanRel[j];
  const nb = b.n;
  const w = (na * nb) / (na + nb);
  const m2 = a.m2;
  for (let i = 0; i < d; i++) {
    const di = delta[i] * w;
    for (let j = i; j < d; j++) m2[i * d + j] += b.m2[i * d + j] + di * delta[j];
  }
  const f = nb / (na + nb);
  for (let j = 0; j < d; j++) a.meanRel[j] += delta[j] * f;
  const dn = b.normMean - a.normMean;
  a.normM2 += b.normM2 + dn * dn * w;
  a.normMean += dn * f;
  a.n = na + nb;
  return a;
}

/** Brings m (in place) to the larger exponent `scale`: origin and mean ·2^-Δ, m2 ·2^-2Δ. */
function rescaleMoments(m: Moments, scale: number): Moments {
  const by = scale - m.scale;
  if (m.origin) scaleByPow2(m.origin, -by);
  scaleByPow2(m.meanRel, -by);
  scaleByPow2(m.m2, -2 * by);
  m.scale = scale;
  return m;
}

/** Whether the node is a whole dyadic node of the tree over blocks of `block` rows. */
export function isAligned(m: Moments, block: number): boolean {
  const len = m.hi - m.lo;
  if (len <= 0 || len % block !== 0) return false;
  const w = len / block;
  return (w & (w - 1)) === 0 && (m.lo / block) % w === 0;
}

/** Whether b is a's right sibling in the tree. */
function siblings(a: Moments, b: Moments, block: number): boolean {
  if (a.hi !== b.lo || !isAligned(a, block) || !isAligned(b, block)) return false;
  const w = (a.hi - a.lo) / block;
  return b.hi - b.lo === a.hi - a.lo && (a.lo / block) % (2 * w) === 0;
}

/** Whether the adjacent pair (a, b) merges now: tree siblings, or a contiguous unaligned a. */
function mergesWith(a: Moments, b: Moments, block: number): boolean {
  if (a.hi !== b.lo) return false;
  return siblings(a, b, block) || !isAligned(a, block);
}

/** Adds a node to a list sorted by `lo` and merges what the tree merges (list changed in place). */
export function pushMoments(list: Moments[], m: Moments, block: number): void {
  let at = list.length;
  while (at > 0 && list[at - 1].lo > m.lo) at--;
  list.splice(at, 0, m);
  normalize(list, block);
}

/** Merges adjacent pairs until none merges (any order of the pushes gives the same list). */
export function normalize(list: Moments[], block: number): void {
  let i = 0;
  while (i + 1 < list.length) {
    if (mergesWith(list[i], list[i + 1], block)) {
      foldMoments(list[i], list[i + 1]);
      list.splice(i + 1, 1);
      if (i > 0) i--; // the grown node may now merge with its left neighbour
    } else i++;
  }
}

/** The totals: the nodes folded left to right into a copy (the list is unchanged). */
export function totalMoments(list: readonly Moments[], d: number): Moments {
  if (list.length === 0) return emptyMoments(d, 0, 0);
  const out = copyMoments(list[0]);
  for (let i = 1; i < list.length; i++) foldMoments(out, list[i]);
  return out;
}
