/**
 * The row budget (state.exactRows): up to it a profile keeps every valid row's norm and every
 * distinct row's hash, so percentiles and duplicates are exact; above it
 *
 * - the norms go into a NormSketch (normsketch.ts): exact counts of 512 buckets per octave, every
 *   percentile within 2^-10 relative of the exact one;
 * - the hashes become a sample of the hash space (a θ-sketch, as Apache DataSketches' Theta: keep
 *   the hashes below a threshold, here those whose first word has ≥ hashLevel leading zero bits,
 *   a 2^-hashLevel share), raised one level each time more than exactRows distinct hashes are
 *   kept. Every copy of a row has the same hash, so a kept row comes with all its copies
 *   (`repeats`), and the duplicate share of the kept rows estimates that of all rows.
 *
 * Both are functions of the rows alone, not of the split or the merge order: the sketch's counts
 * add, and the sample at the end is {h : ≥ k leading zeros} for the least k that keeps at most
 * exactRows of the distinct hashes — the same k whatever the order (each part's level is at most
 * it, since the union has at least a part's hashes at every level). So merged shards give the
 * one-pass state, and the same file bytes, in any order.
 */
import { HashCount64 } from "./hashcount.js";
import { HashSet64 } from "./hashset.js";
import { NormSketch } from "./normsketch.js";

/** The parts of a SketchedParts (state.ts) the sketches read and write. */
export interface SketchedParts {
  validRows: number;
  norms: Float64Array;
  distinct: HashSet64;
  repeats: HashCount64;
  repeatRows: number;
  hashLevel: number;
  exactRows: number;
  normSketch: NormSketch | null;
}

/** Levels beyond 32 would need more than exactRows · 2^32 distinct rows. */
const MAX_LEVEL = 32;

/** Whether a hash (first word `a`) lies in the sample at `level`. */
export const inHashSample = (a: number, level: number): boolean => level === 0 || Math.clz32(a) >= level;

/** Counts a valid row's hash (a, b): into the duplicate set when in the sample, a repeat when there already. */
export function addRowHash(s: SketchedParts, a: number, b: number): void {
  if (inHashSample(a, s.hashLevel) && !s.distinct.add(a, b)) {
    s.repeats.add(a, b);
    s.repeatRows++;
  }
}

/** Moves the exact norms into a sketch (no-op when sketched already). */
export function sketchNorms(s: SketchedParts): NormSketch {
  if (s.normSketch) return s.normSketch;
  const sk = new NormSketch();
  sk.addAll(s.norms, s.validRows);
  s.normSketch = sk;
  s.norms = new Float64Array(0);
  return sk;
}

/** Keeps the hashes (and their repeats) of the sample at `level` ≥ the current one. */
export function raiseHashLevel(s: SketchedParts, level: number): void {
  if (level <= s.hashLevel) return;
  let kept = 0;
  s.distinct.forEach((a) => {
    if (inHashSample(a, level)) kept++;
  });
  const distinct = new HashSet64(kept);
  s.distinct.forEach((a, b) => {
    if (inHashSample(a, level)) distinct.add(a, b);
  });
  const repeats = new HashCount64();
  let repeatRows = 0;
  s.repeats.forEach((a, b, c) => {
    if (inHashSample(a, level)) {
      repeats.add(a, b, c);
      repeatRows += c;
    }
  });
  s.distinct = distinct;
  s.repeats = repeats;
  s.repeatRows = repeatRows;
  s.hashLevel = level;
}

/** Hashes of the set by leading zero bits of their first word (0 … 32). */
function byLeadingZeros(set: HashSet64): Float64Array {
  const out = new Float64Array(MAX_LEVEL + 1);
  set.forEach((a) => {
    out[Math.clz32(a)]++;
  });
  return out;
}

/** The least level ≥ `from` at which the hashes counted by `byZeros` are at most `budget`. */
function levelFor(byZeros: Float64Array, from: number, budget: number): number {
  let kept = 0;
  for (let z = from; z <= MAX_LEVEL; z++) kept += byZeros[z];
  let level = from;
  while (kept > budget && level < MAX_LEVEL) kept -= byZeros[level++];
  return level;
}

/** Sketches what passed the budget: the norms past exactRows valid rows, the hashes past exactRows distinct. */
export function enforceBudget(s: SketchedParts): void {
  if (!s.normSketch && s.validRows > s.exactRows) sketchNorms(s);
  if (s.distinct.size <= s.exactRows) return;
  raiseHashLevel(s, levelFor(byLeadingZeros(s.distinct), s.hashLevel, s.exactRows));
}

/**
 * The sketch half of merging b into a (before the ranges join, a.validRows still a's): the smaller
 * budget; the norms sketched when either part is or the sum passes it; the hash samples on the
 * higher level, raised to the level the union needs (counted first), then united (a hash in both
 * is one more copy).
 */
export function mergeSketchedParts(a: SketchedParts, b: SketchedParts): void {
  a.exactRows = Math.min(a.exactRows, b.exactRows);
  if (a.normSketch || b.normSketch || a.validRows + b.validRows > a.exactRows) {
    const sk = sketchNorms(a);
    // b's norms straight into a's sketch: no second 8 MiB sketch per part merged
    if (b.normSketch) sk.merge(b.normSketch);
    else sk.addAll(b.norms, b.validRows);
  }
  raiseHashLevel(a, b.hashLevel);
  if (a.distinct.size + b.distinct.size > a.exactRows) {
    // the union's level, counted before inserting, so the set never grows past what the budget keeps
    const byZeros = byLeadingZeros(a.distinct);
    b.distinct.forEach((x, y) => {
      if (inHashSample(x, a.hashLevel) && !a.distinct.has(x, y)) byZeros[Math.clz32(x)]++;
    });
    raiseHashLevel(a, levelFor(byZeros, a.hashLevel, a.exactRows));
  }
  const level = a.hashLevel;
  b.distinct.forEach((x, y) => {
    if (inHashSample(x, level) && !a.distinct.add(x, y)) {
      a.repeats.add(x, y, 1);
      a.repeatRows++;
    }
  });
  b.repeats.forEach((x, y, c) => {
    if (inHashSample(x, level)) {
      a.repeats.add(x, y, c);
      a.repeatRows += c;
    }
  });
  enforceBudget(a);
}

export interface DuplicateEstimate {
  /** Estimated duplicate rows (validRows · share, rounded). */
  rows: number;
  /** Estimated duplicateRows / validRows. */
  share: number;
  /** The share's standard error (see duplicateEstimate). */
  standardError: number;
  /** Valid rows whose hash is in the sample, and distinct ones among them. */
  sampledRows: number;
  sampledDistinct: number;
  /** The share of the hash space sampled, 2^-hashLevel. */
  fraction: number;
}

/**
 * The duplicate share from the hash sample: ŝ = repeats / rows in the sample (a ratio estimator
 * over a Bernoulli(p) sample of the distinct rows, p = 2^-hashLevel, each taken with all its m_v
 * copies). Its standard error by the delta method (Cochran, Sampling Techniques, 3rd ed., § 6.4):
 * Var ŝ ≈ (1 − p)/(p·n)² · Σ_v x_v² with x_v = (m_v − 1) − ŝ·m_v over all distinct rows, estimated
 * by (1/p) · Σ over the sampled ones; p·n ≈ the sampled rows. It is 0 when no sampled row repeats
 * (x_v = 0), and it can understate the error when a few rows hold most of the copies and none of
 * them was sampled. Null at hashLevel 0 (exact).
 */
export function duplicateEstimate(s: SketchedParts): DuplicateEstimate | null {
  if (s.hashLevel === 0) return null;
  const p = 2 ** -s.hashLevel;
  const distinct = s.distinct.size;
  const rows = distinct + s.repeatRows;
  const share = rows > 0 ? s.repeatRows / rows : 0;
  // singletons: x = −ŝ; repeated rows: x = c − ŝ(1 + c)
  let sumSq = (distinct - s.repeats.size) * share * share;
  s.repeats.forEach((_a, _b, c) => {
    const x = c - share * (1 + c);
    sumSq += x * x;
  });
  const standardError = rows > 0 ? Math.sqrt((1 - p) * sumSq) / rows : 0;
  return {
    rows: Math.round(share * s.validRows),
    share,
    standardError,
    sampledRows: rows,
    sampledDistinct: distinct,
    fraction: p,
  };
}
