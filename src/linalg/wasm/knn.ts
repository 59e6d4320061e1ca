/**
 * The exact kNN search (contract: ../neighbours.ts) on the WebAssembly X·W tile: queries packed
 * once as projectF32's W panels (blocks of QB queries), each added chunk scored in blocks of RB
 * rows (RB × QB float32 scores at a time, on every thread), and the block folded into the per-query
 * top-k lists at once, so no more than RB × QB scores ever exist. Each score depends on its query
 * and row alone (projectF32's order of operations is fixed per output), and the lists are filled
 * in row order with ties to the lower id, so the result is the same for any thread count.
 */
import type { FloatArray } from "../matrix.js";
import { type KnnOptions, type KnnSearch, rowNorm, TopK } from "../neighbours.js";
import type { WasmContext } from "./context.js";
import { PackedW, projectF32 } from "./product.js";

/** Queries per packed block (its W is d × QB float32: 6 MiB at d = 768). */
const QB = 2048;
/** Rows scored per call (RB × QB × 4 bytes of scores: 8 MiB). */
const RB = 1024;

interface QueryBlock {
  readonly q0: number;
  readonly n: number;
  readonly W: PackedW;
}

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
  const blocks: QueryBlock[] = [];
  for (let q0 = 0; q0 < nq; q0 += QB) {
    const n = Math.min(QB, nq - q0);
    const t = new Float32Array(d * n);
    for (let c = 0; c < n; c++) {
      const i = q0 + c;
      const inv = metric === "cosine" ? invOrZero(rowNorm(queries, i, d)) : 1;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const v = Math.fround(queries[i * d + j] * inv);
        t[j * n + c] = v;
        s += v * v;
      }
      qn2[i] = s;
    }
    blocks.push({ q0, n, W: new PackedW(t, d, n) });
  }
  const top = new TopK(nq, k);
  const x32 = new Float32Array(RB * d);
  const out = new Float32Array(RB * Math.min(QB, Math.max(1, nq)));
  const scale = new Float64Array(RB);

  return {
    add(chunk, rows, firstId) {
      if (nq === 0 || k === 0) return;
      for (let r0 = 0; r0 < rows; r0 += RB) {
        const rb = Math.min(RB, rows - r0);
        let x: Float32Array;
        if (chunk instanceof Float32Array) x = chunk.subarray(r0 * d, (r0 + rb) * d);
        else {
          x = x32.subarray(0, rb * d);
          x.set(chunk.subarray(r0 * d, (r0 + rb) * d));
        }
        for (let r = 0; r < rb; r++) {
          if (metric === "cosine") scale[r] = invOrZero(rowNorm(chunk, r0 + r, d));
          else if (metric === "l2") scale[r] = rowNorm(x, r, d) ** 2;
        }
        for (const b of blocks) {
          const o = out.subarray(0, rb * b.n);
          projectF32(ctx, x, rb, d, b.W, b.n, undefined, o);
          fold(top, o, rb, b, firstId + r0, scale, metric === "cosine" ? 1 : metric === "l2" ? 2 : 0, qn2, self);
        }
      }
    },
    result: () => top.result(metric),
  };
}

/** Folds an rb × b.n block of products into the lists (kind 0: ip, 1: cosine, 2: L2). */
function fold(
  top: TopK,
  o: Float32Array,
  rb: number,
  b: QueryBlock,
  id0: number,
  scale: Float64Array,
  kind: number,
  qn2: Float64Array,
  self: Int32Array | undefined,
): void {
  const worst = top.worst;
  const n = b.n;
  const q0 = b.q0;
  for (let r = 0; r < rb; r++) {
    const id = id0 + r;
    const s = scale[r];
    const base = r * n;
    for (let c = 0; c < n; c++) {
      const qi = q0 + c;
      let v = o[base + c];
      if (kind === 1) v *= s;
      else if (kind === 2) v = 2 * v - qn2[qi] - s;
      if (v >= worst[qi] && !(self && self[qi] === id)) top.offer(qi, v, id);
    }
  }
}

const invOrZero = (norm: number): number => (norm > 0 ? 1 / norm : 0);
