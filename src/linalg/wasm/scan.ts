/**
 * Pass 1 in WebAssembly: one block of rows is copied into the kernels' memory, scanned (class, sum
 * of squares and hash of every row: scanRows), then its valid rows are centred into packed panels
 * (packCentred / packCentredF32, with the unit-row sums in the same read) and their scatter merged
 * into the running one (syrkPacked / syrkPackedF32, then mergeUpper). Same contracts as the
 * reference (src/linalg/reference.ts): bit-identical classes, sums of squares, hashes, chunk means
 * and unit sums; the scatter differs by summation order (float64) or by the mixed bound.
 */
import type { BlockScan } from "../backend.js";
import type { FloatArray } from "../matrix.js";
import { ARENA, align64, MAX_PAGES, PAGE, type WasmContext } from "./context.js";

/**
 * Whether a rows × d block (and its packed copy, its scatter and the running scatter merged into
 * it: mergeInto) fits the kernels' 4 GiB memory; callers use the reference for blocks that do not.
 */
export function fitsBlock(rows: number, d: number, bytesPerValue: number): boolean {
  const dp = (d + 7) & ~7;
  const bytes = ARENA + rows * (d * bytesPerValue + 64 + dp * 8) + dp * dp * 8 + d * d * 8 + 6 * d * 8 + 8192;
  return bytes < (MAX_PAGES - 1) * PAGE;
}

/** Where a loaded block's pieces live (byte offsets into the memory). */
interface Layout {
  x: number;
  rows: number;
  d: number;
  f64in: number;
  cls: number;
  sumsq: number;
  ha: number;
  hb: number;
  idx: number;
  norms: number;
  /** 5 vectors of d doubles: origin, rel, cm, unit sums, column scales. */
  vec: number;
  end: number;
}

/** Copies the block into the memory, scans it, and returns the views and the scatter. */
export function scanBlockWasm(ctx: WasmContext, data: FloatArray, rows: number, d: number): BlockScan {
  const f64in = data.BYTES_PER_ELEMENT === 8 ? 1 : 0;
  const x = ARENA;
  const cls = align64(x + rows * d * data.BYTES_PER_ELEMENT);
  const sumsq = align64(cls + rows * 4);
  const ha = align64(sumsq + rows * 8);
  const hb = align64(ha + rows * 4);
  const idx = align64(hb + rows * 4);
  const norms = align64(idx + rows * 4);
  const vec = align64(norms + rows * 8);
  const end = align64(vec + 5 * d * 8);
  ctx.ensure(end);
  const at: Layout = { x, rows, d, f64in, cls, sumsq, ha, hb, idx, norms, vec, end };
  const buf = ctx.buffer;
  if (f64in) new Float64Array(buf, x, rows * d).set(data.subarray(0, rows * d));
  else new Float32Array(buf, x, rows * d).set(data.subarray(0, rows * d));
  ctx.run("scanRows", [x, d, rows, f64in, cls, sumsq, ha, hb], ctx.parts(rows >> 6));
  return {
    rows,
    cls: new Int32Array(buf, cls, rows),
    sumsq: new Float64Array(buf, sumsq, rows),
    ha: new Uint32Array(buf, ha, rows),
    hb: new Uint32Array(buf, hb, rows),
    idx: new Int32Array(buf, idx, rows),
    norms: new Float64Array(buf, norms, rows),
    scatter: (k, origin, rel, cm, C, mixed, w, unitSum) =>
      covarianceChunk(ctx, at, k, origin, rel, cm, C, mixed, w, unitSum),
  };
}

/** See BlockScan.scatter. */
function covarianceChunk(
  ctx: WasmContext,
  c: Layout,
  k: number,
  origin: Float64Array,
  rel: Float64Array,
  cm: Float64Array,
  C: Float64Array,
  mixed: boolean,
  w: number,
  us: Float64Array,
): void {
  const d = c.d;
  const buf = () => ctx.buffer;
  const cmOff = c.vec + 2 * d * 8;
  const usOff = c.vec + 3 * d * 8;
  new Float64Array(buf(), usOff, d).set(us);
  const pack = c.end;
  if (mixed) {
    const dp = (d + 7) & ~7;
    const cOff = align64(pack + k * dp * 4);
    ctx.ensure(cOff + dp * dp * 8);
    new Float64Array(buf(), c.vec, d).set(origin);
    new Float64Array(buf(), c.vec + d * 8, d).set(rel);
    const scaleOff = c.vec + 4 * d * 8;
    ctx.run(
      "packCentredF32",
      [c.x, d, c.f64in, c.idx, k, c.vec, c.vec + d * 8, cmOff, scaleOff, c.norms, usOff, pack],
      ctx.parts(dp >> 5),
    );
    cm.set(new Float64Array(buf(), cmOff, d));
    us.set(new Float64Array(buf(), usOff, d));
    if (k === 0) return;
    ctx.run("syrkPackedF32", [pack, k, dp >> 3, cOff, dp], ctx.parts(dp >> 2));
    // undo the power-of-two column scales (exact)
    const inv = new Float64Array(buf(), scaleOff, d).map((s) => 1 / s);
    mergeInto(ctx, cOff, dp, C, d, inv, cm, w);
    return;
  }
  const dp = (d + 3) & ~3;
  const cOff = pack + k * dp * 8;
  ctx.ensure(cOff + dp * dp * 8);
  new Float64Array(buf(), c.vec, d).set(origin);
  new Float64Array(buf(), c.vec + d * 8, d).set(rel);
  ctx.run(
    "packCentred",
    [c.x, d, c.f64in, c.idx, k, c.vec, c.vec + d * 8, cmOff, c.norms, usOff, pack],
    ctx.parts(dp >> 5),
  );
  cm.set(new Float64Array(buf(), cmOff, d));
  us.set(new Float64Array(buf(), usOff, d));
  syrkAt(ctx, pack, k, d, cOff, C, cm, w);
}

/**
 * C += the upper triangle of YᵀY for Y the k × d float64 panels at byte offset `pack` (layout of
 * packBuffer), plus Chan's rank-one term (w·δ)δᵀ when delta is given and w > 0.
 */
export function syrkAt(
  ctx: WasmContext,
  pack: number,
  k: number,
  d: number,
  cOff: number,
  C: Float64Array,
  delta: Float64Array | null = null,
  w = 0,
): void {
  if (k === 0) return;
  const dp = (d + 3) & ~3;
  const np = dp >> 2;
  ctx.ensure(cOff + dp * dp * 8);
  ctx.run("syrkPacked", [pack, k, np, cOff, dp], ctx.parts(np));
  mergeInto(ctx, cOff, dp, C, d, null, delta, w);
}

/**
 * C[i·d + j] += c[i·dp + j]·(inv_i·inv_j) + (w·δ_i)·δ_j for i ≤ j < d (WASM mergeUpper on the
 * pool): a kernel's padded upper-triangle output at byte offset cOff, unscaled by the column
 * scales `inv` (null: none), merged into the running scatter C with Chan's rank-one term
 * (delta null or w = 0: none). The same sums as a plain JS loop, element for element.
 */
function mergeInto(
  ctx: WasmContext,
  cOff: number,
  dp: number,
  C: Float64Array,
  d: number,
  inv: Float64Array | null,
  delta: Float64Array | null,
  w: number,
): void {
  const cc = align64(cOff + dp * dp * 8);
  const invOff = align64(cc + d * d * 8);
  const deltaOff = align64(invOff + d * 8);
  ctx.ensure(deltaOff + d * 8);
  ctx.f64(cc, d * d).set(C.subarray(0, d * d));
  if (inv) ctx.f64(invOff, d).set(inv);
  const useDelta = delta !== null && w > 0;
  if (useDelta) ctx.f64(deltaOff, d).set(delta);
  const args = [cOff, dp, cc, d, inv ? invOff : 0, useDelta ? deltaOff : 0, w];
  ctx.run("mergeUpper", args, ctx.parts(d >> 4));
  C.set(ctx.f64(cc, d * d));
}

/**
 * A packed-panel buffer for k rows of d columns: the caller writes value (row i, column j) at
 * index ((j >> 2)·k + i)·4 + (j & 3); columns d .. 4⌈d/4⌉ are zero. Valid until the next call.
 * Then `syrkPacked(ctx, k, d, C)` adds the upper triangle of YᵀY into C (d × d).
 */
export function packBuffer(ctx: WasmContext, k: number, d: number): Float64Array {
  const dp = (d + 3) & ~3;
  const n = k * dp;
  ctx.ensure(ARENA + n * 8 + dp * dp * 8);
  const p = ctx.f64(ARENA, n);
  if (dp !== d)
    for (let lane = d; lane < dp; lane++) for (let i = 0; i < k; i++) p[((lane >> 2) * k + i) * 4 + (lane & 3)] = 0;
  return p;
}

/** C[i·d + j] += Σ_r Y[r][i]·Y[r][j] for i ≤ j < d, Y in the buffer from packBuffer(k, d). */
export function syrkPacked(ctx: WasmContext, k: number, d: number, C: Float64Array): void {
  const dp = (d + 3) & ~3;
  syrkAt(ctx, ARENA, k, d, ARENA + k * dp * 8, C);
}

/** Same contract as the reference syrkUpperT: yt is d × k (a chunk transposed). */
export function syrkUpperT(ctx: WasmContext, yt: Float64Array, d: number, k: number, C: Float64Array): void {
  if (k === 0 || d === 0) return;
  const p = packBuffer(ctx, k, d);
  for (let j = 0; j < d; j++) {
    const base = (j >> 2) * k * 4 + (j & 3);
    const src = j * k;
    for (let i = 0; i < k; i++) p[base + i * 4] = yt[src + i];
  }
  syrkPacked(ctx, k, d, C);
}
