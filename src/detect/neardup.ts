/**
 * Near-duplicates over the whole input (METRICS.md § nearDuplicates): rows with another row at
 * cosine ≥ τ. Two more passes, memory O(n·BANDS) plus the candidate rows:
 * 1. signatures: each valid unit row's signs on H = BANDS·BAND_BITS random hyperplanes (SimHash,
 *    Charikar 2002; a pair at angle θ agrees on a bit with probability 1 − θ/π), cut into BANDS
 *    bands of BAND_BITS bits; rows sharing a band's key are candidates (LSH banding, Indyk &
 *    Motwani 1998). A pair at cosine τ is a candidate with probability 1 − (1 − p^b)^L,
 *    p = 1 − acos(τ)/π (0.994 at τ = 0.98). A band's pair is kept only when its whole H-bit
 *    signatures differ in at most MAX_HAMMING bits (a pair at cosine τ differs in Binomial(H, 1 − p)
 *    bits, mean 12.2 at τ = 0.98; one at cosine 0.3 in 77): this drops the chance pairs of the
 *    buckets, which grow as n²/2¹⁶ per band (10⁸ at 10⁶ rows), before they are stored, at a cost to
 *    recall below 3·10⁻⁷ at τ = 0.98 (counted in expectedRecall).
 * 2. verification: the candidate rows are read again and every candidate pair's cosine computed
 *    exactly in float64: no reported pair is below τ.
 * Groups are the connected components of the verified pairs; the first row of a group is its lowest.
 */
import type { Chunk } from "../io/types.js";
import type { Kernels } from "../linalg/backend.js";
import { mulberry32 } from "../linalg/random.js";

export const NEAR_DUP_TAU = 0.98;
export const BANDS = 12;
export const BAND_BITS = 16;
/** A bucket larger than this (a cone of near-identical rows) pairs each row with its next MAX_BUCKET neighbours by id only. */
export const MAX_BUCKET = 256;
/** Signature bits (of BANDS·BAND_BITS) a candidate pair may differ in. */
export const MAX_HAMMING = 32;
/** Groups the report lists, and ids per group. */
export const NEAR_DUP_EXAMPLES = 5;
/** Bytes of candidate rows (float64 unit rows) the verification holds at once (one pass per batch). */
export const NEAR_DUP_VERIFY_BYTES = 256 * 1024 * 1024;
export const NEAR_DUP_EXAMPLE_IDS = 10;

export interface NearDuplicateMetrics {
  tau: number;
  /** Valid rows with another row at cosine ≥ tau (exact duplicates included). */
  rows: number;
  /** rows / valid rows. */
  share: number;
  groups: number;
  /** The first groups by lowest row: their row indices, ascending (at most 10 each). */
  examples: { size: number; rows: number[] }[];
  /** Pairs verified exactly, and those at cosine ≥ tau. */
  candidatePairs: number;
  verifiedPairs: number;
  bands: number;
  bandBits: number;
  /** The chance that a pair at exactly cosine tau becomes a candidate: 1 − (1 − p^b)^L. */
  expectedRecall: number;
  /** Buckets larger than MAX_BUCKET (their pairs were only partly tried). */
  largeBuckets: number;
}

/**
 * The chance that a pair at cosine tau becomes a candidate: some band's BAND_BITS bits all agree and
 * the whole signature differs in at most maxHamming bits, each bit disagreeing independently with
 * probability q = acos(tau)/π. Exact, by the distribution of (disagreements so far, a band agreed)
 * over the bands; without the Hamming limit it is 1 − (1 − p^b)^L, p = 1 − q.
 */
export function expectedRecall(tau: number, bands = BANDS, bits = BAND_BITS, maxHamming = MAX_HAMMING): number {
  const q = Math.acos(Math.min(1, Math.max(-1, tau))) / Math.PI;
  // disagreements within one band: Binomial(bits, q)
  const band = new Float64Array(bits + 1);
  for (let m = 0; m <= bits; m++) band[m] = binomial(bits, m) * q ** m * (1 - q) ** (bits - m);
  const h = bands * bits;
  // state[agreed · (h + 1) + mismatches]
  let state = new Float64Array(2 * (h + 1));
  state[0] = 1;
  for (let b = 0; b < bands; b++) {
    const next = new Float64Array(2 * (h + 1));
    for (let agreed = 0; agreed < 2; agreed++) {
      for (let s = 0; s <= b * bits; s++) {
        const w = state[agreed * (h + 1) + s];
        if (w === 0) continue;
        for (let m = 0; m <= bits; m++) {
          const a = agreed === 1 || m === 0 ? 1 : 0;
          next[a * (h + 1) + s + m] += w * band[m];
        }
      }
    }
    state = next;
  }
  let total = 0;
  for (let s = 0; s <= Math.min(h, maxHamming); s++) total += state[h + 1 + s];
  return total;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

/** Bits set in each 16-bit value. */
const POPCOUNT16 = (() => {
  const t = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

/** d × H standard normal hyperplanes from a seeded generator (mulberry32 + Box–Muller). */
export function hyperplanes(d: number, h: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  // (x + 0.5) / 2³², exactly: never 0, so the logarithm stays finite
  const next = () => rand() + 2 ** -33;
  const out = new Float64Array(d * h);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

/**
 * The rows the passes read: a chunk, optionally with each row's id (`rowIds`, ascending; default
 * rowOffset + r). A repair step feeds the rows that reach it, filtered ones gone, by input row.
 */
export type NearDupChunk = Pick<Chunk, "matrix" | "rowOffset" | "nulls"> & { rowIds?: ArrayLike<number> };

/** Unit rows of a chunk's valid rows (finite, non-zero, not null): their global ids and values. */
function validUnitRows(c: NearDupChunk): { ids: number[]; units: Float64Array } {
  const { rows, cols: d, data } = c.matrix;
  const ids: number[] = [];
  const units = new Float64Array(rows * d);
  let m = 0;
  for (let r = 0; r < rows; r++) {
    if (c.nulls?.[r]) continue;
    let s = 0;
    for (let j = 0; j < d; j++) s += data[r * d + j] * data[r * d + j];
    const norm = Math.sqrt(s);
    if (!(norm > 0 && Number.isFinite(norm))) continue;
    for (let j = 0; j < d; j++) units[m * d + j] = data[r * d + j] / norm;
    ids.push(c.rowIds ? c.rowIds[r] : c.rowOffset + r);
    m++;
  }
  return { ids, units: units.subarray(0, m * d) };
}

/** Growable arrays of (row id, BANDS keys). */
class Signatures {
  ids = new Float64Array(1024);
  keys = new Uint16Array(1024 * BANDS);
  n = 0;
  push(id: number, proj: Float64Array, at: number): void {
    if (this.n === this.ids.length) {
      const ids = new Float64Array(this.n * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Uint16Array(this.n * 2 * BANDS);
      keys.set(this.keys);
      this.keys = keys;
    }
    this.ids[this.n] = id;
    for (let b = 0; b < BANDS; b++) {
      let key = 0;
      for (let t = 0; t < BAND_BITS; t++) if (proj[at + b * BAND_BITS + t] > 0) key |= 1 << t;
      this.keys[this.n * BANDS + b] = key;
    }
    this.n++;
  }
}

/** Candidate pairs (positions into the signatures, i < j) from every band's buckets. */
function candidates(sig: Signatures): { pairs: Map<number, Set<number>>; count: number; large: number } {
  const n = sig.n;
  const pairs = new Map<number, Set<number>>();
  let count = 0;
  let large = 0;
  const keys = sig.keys;
  const add = (a: number, b: number) => {
    let diff = 0;
    for (let t = 0; t < BANDS; t++) diff += POPCOUNT16[keys[a * BANDS + t] ^ keys[b * BANDS + t]];
    if (diff > MAX_HAMMING) return;
    const i = Math.min(a, b);
    const j = Math.max(a, b);
    let set = pairs.get(i);
    if (!set) {
      set = new Set();
      pairs.set(i, set);
    }
    if (!set.has(j)) {
      set.add(j);
      count++;
    }
  };
  const order = new Int32Array(n);
  for (let b = 0; b < BANDS; b++) {
    // the rows by (key, row): a counting sort over the 2^16 keys, or for few rows (under 2^13,
    // where its 2^16-entry passes cost more than sorting) a comparison sort to the same order
    const buckets = n < SMALL_SORT ? bucketsBySort(sig.keys, b, n, order) : bucketsByCount(sig.keys, b, n, order);
    for (let at = 0; at + 1 < buckets.length; at++) {
      const s0 = buckets[at];
      const s1 = buckets[at + 1];
      const size = s1 - s0;
      if (size < 2) continue;
      if (size > MAX_BUCKET) large++;
      for (let x = s0; x < s1; x++) {
        const end = Math.min(s1, x + 1 + MAX_BUCKET);
        for (let y = x + 1; y < end; y++) add(order[x], order[y]);
      }
    }
  }
  return { pairs, count, large };
}

const SMALL_SORT = 1 << 13;

/**
 * Counting sort of n rows by band b's key (keys: n × BANDS) into `order`; returns the bucket
 * starts, one per key (2^16 + 1 of them).
 */
export function bucketsByCount(keys: Uint16Array, b: number, n: number, order: Int32Array): Int32Array {
  const start = new Int32Array(65537);
  for (let i = 0; i < n; i++) start[keys[i * BANDS + b] + 1]++;
  for (let k = 0; k < 65536; k++) start[k + 1] += start[k];
  const fill = start.slice(0, 65536);
  for (let i = 0; i < n; i++) order[fill[keys[i * BANDS + b]]++] = i;
  return start;
}

/** The same order by sorting (key, row); returns the starts of the keys present, then n. */
export function bucketsBySort(keys: Uint16Array, b: number, n: number, order: Int32Array): Int32Array {
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = keys[i * BANDS + b] * 2 ** 32 + i;
  packed.sort();
  const starts: number[] = [];
  let last = -1;
  for (let x = 0; x < n; x++) {
    const key = Math.floor(packed[x] / 2 ** 32);
    order[x] = packed[x] - key * 2 ** 32;
    if (key !== last) starts.push(x);
    last = key;
  }
  starts.push(n);
  return Int32Array.from(starts);
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/** What the two passes found: every verified pair (row ids, i < j, and its exact cosine). */
export interface VerifiedPairs {
  tau: number;
  /** Valid rows signed (the rows the passes saw). */
  signed: number;
  /** Verified pairs: lo[p] < hi[p] row ids, cos[p] ≥ tau their float64 cosine. */
  lo: Float64Array;
  hi: Float64Array;
  cos: Float64Array;
  candidatePairs: number;
  largeBuckets: number;
}

/** Opens the rows afresh (called twice: signatures, then verification). */
export type NearDupOpen = () => Promise<{ chunks: AsyncIterable<NearDupChunk>; close(): Promise<void> }>;

/**
 * The two passes (signatures, then exact verification of the candidates), as verified pairs: the
 * engine both the report's metrics and the `dedup-near` repair read.
 */
export async function verifiedNearDuplicatePairs(
  open: NearDupOpen,
  d: number,
  kernels: Kernels,
  tau = NEAR_DUP_TAU,
  seed = 0,
  verifyBytes = NEAR_DUP_VERIFY_BYTES,
): Promise<VerifiedPairs> {
  const H = BANDS * BAND_BITS;
  const W = kernels.prepareProduct(hyperplanes(d, H, seed ^ 0x6e64), d, H);
  const sig = new Signatures();
  const first = await open();
  try {
    for await (const c of first.chunks) {
      const { ids, units } = validUnitRows(c);
      if (ids.length === 0) continue;
      const proj = kernels.centredProduct(units, ids.length, null, W);
      for (let i = 0; i < ids.length; i++) sig.push(ids[i], proj, i * H);
    }
  } finally {
    await first.close();
  }
  const cand = candidates(sig);
  const lo: number[] = [];
  const hi: number[] = [];
  const cos: number[] = [];
  // the candidate rows are held as float64 unit rows, at most verifyBytes of them at a time: the
  // anchors (and their partners) go in batches, one pass over the input per batch, so memory stays
  // bounded when the candidates touch most rows (anisotropic sets crowd the buckets)
  const batchRows = Math.max(1, Math.floor(verifyBytes / (8 * d)));
  const anchors = [...cand.pairs.keys()];
  let at = 0;
  while (at < anchors.length) {
    // positions whose rows this batch needs, by global id
    const need = new Map<number, number>();
    const batch: number[] = [];
    while (at < anchors.length) {
      const i = anchors[at];
      const set = cand.pairs.get(i) as Set<number>;
      let extra = need.has(sig.ids[i]) ? 0 : 1;
      for (const j of set) if (!need.has(sig.ids[j])) extra++;
      if (batch.length > 0 && need.size + extra > batchRows) break;
      need.set(sig.ids[i], i);
      for (const j of set) need.set(sig.ids[j], j);
      batch.push(i);
      at++;
    }
    const vec = new Map<number, Float64Array>();
    const pass = await open();
    try {
      for await (const c of pass.chunks) {
        const { ids, units } = validUnitRows(c);
        for (let r = 0; r < ids.length; r++) {
          const pos = need.get(ids[r]);
          if (pos !== undefined) vec.set(pos, units.slice(r * d, (r + 1) * d));
        }
      }
    } finally {
      await pass.close();
    }
    for (const i of batch) {
      const a = vec.get(i);
      if (!a) continue;
      for (const j of cand.pairs.get(i) as Set<number>) {
        const b = vec.get(j);
        if (!b) continue;
        let dot = 0;
        for (let t = 0; t < d; t++) dot += a[t] * b[t];
        if (dot < tau) continue;
        const x = sig.ids[i];
        const y = sig.ids[j];
        lo.push(Math.min(x, y));
        hi.push(Math.max(x, y));
        cos.push(dot);
      }
    }
  }
  return {
    tau,
    signed: sig.n,
    lo: Float64Array.from(lo),
    hi: Float64Array.from(hi),
    cos: Float64Array.from(cos),
    candidatePairs: cand.count,
    largeBuckets: cand.large,
  };
}

/**
 * The near-duplicates of the rows `open()` streams (called twice: signatures, then verification).
 * `validRows` is the profile's count (the share's denominator).
 */
export async function nearDuplicatePasses(
  open: NearDupOpen,
  d: number,
  validRows: number,
  kernels: Kernels,
  tau = NEAR_DUP_TAU,
  seed = 0,
  verifyBytes = NEAR_DUP_VERIFY_BYTES,
): Promise<NearDuplicateMetrics> {
  return nearDuplicateMetrics(await verifiedNearDuplicatePairs(open, d, kernels, tau, seed, verifyBytes), validRows);
}

/** The report's numbers from the verified pairs: groups are their connected components. */
export function nearDuplicateMetrics(v: VerifiedPairs, validRows: number): NearDuplicateMetrics {
  const pos = new Map<number, number>();
  const idOf: number[] = [];
  const at = (id: number) => {
    let p = pos.get(id);
    if (p === undefined) {
      p = idOf.length;
      pos.set(id, p);
      idOf.push(id);
    }
    return p;
  };
  const ends: [number, number][] = [];
  for (let p = 0; p < v.lo.length; p++) ends.push([at(v.lo[p]), at(v.hi[p])]);
  const parent = Int32Array.from({ length: idOf.length }, (_, i) => i);
  for (const [i, j] of ends) {
    const ri = find(parent, i);
    const rj = find(parent, j);
    if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < idOf.length; i++) {
    const root = find(parent, i);
    const g = groups.get(root);
    if (g) g.push(idOf[i]);
    else groups.set(root, [idOf[i]]);
  }
  const rows = idOf.length;
  const all = [...groups.values()].map((g) => g.sort((x, y) => x - y)).sort((x, y) => x[0] - y[0]);
  return {
    tau: v.tau,
    rows,
    share: validRows > 0 ? rows / validRows : 0,
    groups: all.length,
    examples: all.slice(0, NEAR_DUP_EXAMPLES).map((g) => ({ size: g.length, rows: g.slice(0, NEAR_DUP_EXAMPLE_IDS) })),
    candidatePairs: v.candidatePairs,
    verifiedPairs: v.lo.length,
    bands: BANDS,
    bandBits: BAND_BITS,
    expectedRecall: expectedRecall(v.tau),
    largeBuckets: v.largeBuckets,
  };
}

/** A row `dedup-near` drops: its id, the kept row it is a near-duplicate of, and their cosine (≥ τ). */
export interface NearDupDrop {
  row: number;
  kept: number;
  cosine: number;
}

/**
 * Which rows to drop so that no verified pair is left, first rows kept: rows in ascending id order,
 * a row is dropped when it has a verified pair with an earlier row that is kept, and is listed with
 * the lowest such kept row (the first of its group). So every dropped row is at cosine ≥ τ to its
 * kept row, and no two kept rows form a verified pair. In a chain a–b–c where only neighbours are
 * within τ, a is kept, b dropped and c kept (c has no kept row within τ). NumPy, C the cosines:
 * keep[i] = not any(keep[j] and C[i, j] >= tau for j < i). Ascending by row.
 */
export function keepFirstDrops(v: VerifiedPairs): NearDupDrop[] {
  const order = Array.from(v.lo.keys()).sort((a, b) => v.hi[a] - v.hi[b] || v.lo[a] - v.lo[b]);
  const dropped = new Set<number>();
  const out: NearDupDrop[] = [];
  for (let t = 0; t < order.length; ) {
    const row = v.hi[order[t]];
    let chosen = -1;
    for (; t < order.length && v.hi[order[t]] === row; t++) {
      const p = order[t];
      if (chosen < 0 && !dropped.has(v.lo[p])) chosen = p;
    }
    if (chosen >= 0) {
      dropped.add(row);
      out.push({ row, kept: v.lo[chosen], cosine: v.cos[chosen] });
    }
  }
  return out;
}
