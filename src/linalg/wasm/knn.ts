/**
 * The exact kNN search (contract: ../neighbours.ts) on the WebAssembly X·W tile: queries packed
 * once as projectF32's W panels, each added chunk scored in blocks of at most RB rows × QB queries
 * by scoreTopF32 (assembly/kernels.ts), which computes projectF32's scores (the same bits) and keeps
 * only those at or above the entry each list has to beat when the call began; the per-query top-k
 * lists take those candidates. No more than RB × QB scores exist at once, and after the first rows
 * only a few per query leave the kernel. Each score depends on its query and row alone, and a list's
 * content does not depend on the order it was offered candidates in (TopK keeps a total order, ties
 * to the lower id), so the result is the same for any thread count or chunking.
 *
 * knnGraph (all pairs inside one set) is symmetric: wasmKnnGraph scores each unordered pair once
 * (the upper block triangle) and offers the score to both rows' lists, half the products.
 */
import type { FloatArray } from "../matrix.js";
import { type KnnMetric, type KnnOptions, type KnnResult, type KnnSearch, rowNorm, TopK } from "../neighbours.js";
import { ARENA, align64, SCRATCH_PROJECT, type WasmContext } from "./context.js";
import { PackedW } from "./product.js";

/** Queries per kernel call (their W is d × QB float32: 6 MiB at d = 768). */
const QB = 2048;
/** Rows per kernel call at most (the candidate room is RB × QB × 8 bytes: 16 MiB). */
const RB = 1024;
/**
 * Rows of a search's first call: the lists start empty, so every score of the first call is a
 * candidate; the blocks then double up to RB as the lists fill (seen rows).
 */
const FIRST_RB = 64;
/** Columns per block of the symmetric graph (the wasted lower half of a diagonal block is 1/2 of it). */
const GQB = 1024;
/** The symmetric graph keeps the whole set packed twice in the 4 GiB memory: beyond this, the search. */
const GRAPH_MAX_BYTES = 2 ** 31;

/** Kinds of scoreTopF32's score: v = o (0), o·rowTerm (1), 2·o − colTerm − rowTerm (2). */
const IP = 0;
const SCALED = 1;
const L2 = 2;
/** f64 words of scoreTopF32's parameter block. */
const PRM_WORDS = 9;

export function wasmKnnSearch(
  ctx: WasmContext,
  queries: FloatArray,
  nq: number,
  d: number,
  opts: KnnOptions,
): KnnSearch {
  const { metric } = opts;
  const k = Math.max(0, opts.k);
  const self = opts.queryIds;
  const qn2 = new Float64Array(nq);
  const t = new Float32Array(d * nq);
  for (let i = 0; i < nq; i++) {
    const inv = metric === "cosine" ? invOrZero(rowNorm(queries, i, d)) : 1;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.fround(queries[i * d + j] * inv);
      t[j * nq + i] = v;
      s += v * v;
    }
    qn2[i] = s;
  }
  const W = new PackedW(t, d, nq);
  const top = new TopK(nq, k);
  const kind = metric === "cosine" ? SCALED : metric === "l2" ? L2 : IP;
  const scale = new Float64Array(RB);
  let seen = 0;

  return {
    add(chunk, rows, firstId) {
      if (nq === 0 || k === 0 || rows === 0) return;
      const qbMax = Math.min(QB, nq);
      const lay = layout(d, W.panels.length * 4, Math.min(RB, rows), qbMax, nq, ctx.threads);
      ctx.ensure(lay.end);
      const buf = ctx.buffer;
      new Float32Array(buf, lay.w, W.panels.length).set(W.panels);
      new Float64Array(buf, lay.mu, d).fill(0);
      new Float64Array(buf, lay.colTerm, nq).set(qn2);
      const rowTerm = new Float64Array(buf, lay.rowTerm, RB);
      const worst = new Float64Array(buf, lay.worst, nq);
      const x32 = new Float32Array(buf, lay.x, Math.min(RB, rows) * d);
      for (let r0 = 0; r0 < rows; ) {
        const rb = Math.min(RB, rows - r0, Math.max(FIRST_RB, seen));
        x32.set(chunk.subarray(r0 * d, (r0 + rb) * d));
        for (let r = 0; r < rb; r++) {
          if (kind === SCALED) scale[r] = invOrZero(rowNorm(chunk, r0 + r, d));
          else if (kind === L2) scale[r] = rowNorm(x32, r, d) ** 2;
        }
        rowTerm.set(scale.subarray(0, rb));
        ctx.run("packRowsF32", [lay.x, rb, d, lay.mu, lay.z], ctx.parts(rb >> 6));
        for (let c0 = 0; c0 < nq; c0 += QB) {
          const qb = Math.min(QB, nq - c0);
          worst.set(top.worst);
          const id0 = firstId + r0;
          scores(ctx, lay, rb, d, lay.w + c0 * d * 4, qb, {
            kind,
            rowTerm: lay.rowTerm,
            colTerm: lay.colTerm + c0 * 8,
            worstCol: lay.worst + c0 * 8,
            worstRow: 0,
            diagOff: null,
            each(i, c, v) {
              const qi = c0 + c;
              const id = id0 + i;
              if (!(self && self[qi] === id)) top.offer(qi, v, id);
            },
          });
        }
        r0 += rb;
        seen += rb;
      }
    },
    result: () => top.result(metric),
  };
}

/**
 * The k nearest other rows of each of the n rows of x (knnGraph's contract) from the upper block
 * triangle of the symmetric product U·Uᵀ, U the rows as float32 (cosine: fl32(x/‖x‖), so every
 * score is a float32 dot product of two unit rows; L2: 2·u·v − ‖u‖² − ‖v‖² with the norms summed
 * in float64). Null when the packed set does not fit the memory (the caller then searches).
 */
export function wasmKnnGraph(
  ctx: WasmContext,
  x: FloatArray,
  n: number,
  d: number,
  kIn: number,
  metric: KnnMetric,
): KnnResult | null {
  const k = Math.max(0, kIn);
  const top = new TopK(n, k);
  if (n < 2 || k === 0) return top.result(metric);
  const panels8 = Math.ceil(n / 8);
  const wBytes = panels8 * 8 * d * 4;
  const uBytes = n * d * 4;
  const zBytes = Math.ceil(n / 4) * 16 * d;
  if (uBytes + zBytes + wBytes > GRAPH_MAX_BYTES) return null;
  const kind = metric === "l2" ? L2 : IP;
  const lay = layout(d, wBytes, n, GQB, n, ctx.threads);
  ctx.ensure(lay.end);
  const buf = ctx.buffer;
  // U (n × d float32) at lay.x, then packed as rows (4-row panels) at lay.z and as W panels at lay.w
  const u = new Float32Array(buf, lay.x, n * d);
  const n2 = new Float64Array(buf, lay.colTerm, n);
  for (let i = 0; i < n; i++) {
    const inv = metric === "cosine" ? invOrZero(rowNorm(x, i, d)) : 1;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = Math.fround(x[i * d + j] * inv);
      u[i * d + j] = v;
      s += v * v;
    }
    n2[i] = s;
  }
  new Float64Array(buf, lay.rowTerm, n).set(n2);
  new Float64Array(buf, lay.mu, d).fill(0);
  ctx.run("packRowsF32", [lay.x, n, d, lay.mu, lay.z], ctx.parts(n >> 6));
  const wp = new Float32Array(buf, lay.w, panels8 * 8 * d);
  for (let q = 0; q < panels8; q++) {
    for (let c = 0; c < 8; c++) {
      const i = q * 8 + c;
      if (i >= n) break;
      for (let j = 0; j < d; j++) wp[(q * d + j) * 8 + c] = u[i * d + j];
    }
  }
  const worst = new Float64Array(buf, lay.worst, n);
  for (let c0 = 0; c0 < n; c0 += GQB) {
    const qb = Math.min(GQB, n - c0);
    const rEnd = c0 + qb;
    let seen = 0;
    for (let r0 = 0; r0 < rEnd; ) {
      const rb = Math.min(RB, rEnd - r0, Math.max(FIRST_RB, seen));
      worst.set(top.worst);
      scores(ctx, lay, rb, d, lay.w + c0 * d * 4, qb, {
        kind,
        zOff: lay.z + r0 * 4 * d,
        rowTerm: lay.rowTerm + r0 * 8,
        colTerm: lay.rowTerm + c0 * 8,
        worstCol: lay.worst + c0 * 8,
        worstRow: lay.worst + r0 * 8,
        diagOff: r0 - c0,
        each(i, c, v) {
          top.offer(c0 + c, v, r0 + i);
          top.offer(r0 + i, v, c0 + c);
        },
      });
      r0 += rb;
      seen += rb;
    }
  }
  return top.result(metric);
}

interface Layout {
  readonly w: number;
  readonly mu: number;
  readonly x: number;
  readonly z: number;
  readonly rowTerm: number;
  readonly colTerm: number;
  readonly worst: number;
  readonly cand: number;
  readonly out: number;
  readonly counts: number;
  readonly prm: number;
  readonly end: number;
}

/**
 * The arena for rb rows × qb queries per call: W panels (wBytes), zeros for the centring, the rows
 * (float32, rb × d) and their 4-row panels, the per-row terms (rb) and per-query terms and entries
 * to beat (nq), the candidate room (min(rb, RB) × qb × 8 bytes), the scores (× 4) and the per-part counts.
 */
function layout(d: number, wBytes: number, rb: number, qb: number, nq: number, threads: number): Layout {
  const w = ARENA;
  const mu = align64(w + wBytes);
  const x = align64(mu + d * 8);
  const z = align64(x + rb * d * 4);
  const rowTerm = align64(z + Math.ceil(rb / 4) * 16 * d);
  const colTerm = align64(rowTerm + Math.max(rb, RB) * 8);
  const worst = align64(colTerm + nq * 8);
  const cand = align64(worst + nq * 8);
  const out = align64(cand + Math.min(rb, RB) * qb * 8);
  const counts = align64(out + Math.min(rb, RB) * qb * 4);
  const prm = align64(counts + 4 * 4 * Math.max(1, threads));
  return { w, mu, x, z, rowTerm, colTerm, worst, cand, out, counts, prm, end: prm + PRM_WORDS * 8 };
}

interface ScoreCall {
  readonly kind: number;
  /** The rows' 4-row panels (default: the layout's). */
  readonly zOff?: number;
  readonly rowTerm: number;
  readonly colTerm: number;
  readonly worstCol: number;
  /** 0: only the queries' lists take candidates. */
  readonly worstRow: number;
  /** Row id − query id of entry (0, 0), when only entries with row id < query id count (the graph). */
  readonly diagOff: number | null;
  each(i: number, c: number, v: number): void;
}

/** One scoreTopF32 call over rb rows × qb queries; each candidate (row i, query c, score v) to `each`. */
function scores(ctx: WasmContext, lay: Layout, rb: number, d: number, wOff: number, qb: number, call: ScoreCall): void {
  const buf = ctx.buffer;
  const p = new Float64Array(buf, lay.prm, PRM_WORDS);
  p[0] = call.kind;
  p[1] = call.rowTerm;
  p[2] = call.colTerm;
  p[3] = call.worstCol;
  p[4] = call.worstRow;
  p[5] = call.diagOff === null ? 0 : 1;
  p[6] = call.diagOff ?? 0;
  p[7] = lay.cand;
  p[8] = lay.counts;
  const blocks = (rb + 3) >> 2;
  const parts = ctx.parts(blocks);
  ctx.run("scoreTopF32", [call.zOff ?? lay.z, rb, d, wOff, qb, lay.out, lay.prm, SCRATCH_PROJECT], parts);
  const counts = new Int32Array(buf, lay.counts, parts);
  const idx = new Uint32Array(buf, lay.cand, rb * qb * 2);
  const val = new Float32Array(buf, lay.cand, rb * qb * 2);
  const rowTerm = new Float64Array(buf, call.rowTerm, rb);
  const colTerm = new Float64Array(buf, call.colTerm, qb);
  const kind = call.kind;
  for (let part = 0; part < parts; part++) {
    const b0 = Math.floor((blocks * part) / parts);
    const base = 2 * qb * 4 * b0;
    const count = counts[part];
    for (let e = 0; e < count; e++) {
      const at = idx[base + 2 * e];
      const o = val[base + 2 * e + 1];
      const i = Math.floor(at / qb);
      const c = at - i * qb;
      // the kernel's arithmetic, in the same order (the same float64 value)
      let v = o;
      if (kind === SCALED) v *= rowTerm[i];
      else if (kind === L2) v = 2 * v - colTerm[c] - rowTerm[i];
      call.each(i, c, v);
    }
  }
}

const invOrZero = (norm: number): number => (norm > 0 ? 1 / norm : 0);
