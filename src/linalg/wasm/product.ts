/**
 * The products of `fix`/`apply` in WebAssembly: (X − μ)·W with float32 products (projectF32 on
 * 4-row panels packed by packRowsF32) and the plain centring fl32(X − μ) (centreF32). Error bound
 * in assembly/kernels.ts (projectF32) and src/linalg/backend.ts (Kernels.centredProduct).
 */
import { InternalError } from "../../errors.js";
import type { PreparedProduct } from "../backend.js";
import { ARENA, align64, SCRATCH_PROJECT, type WasmContext } from "./context.js";

/**
 * W (d × k) packed once for projectF32, for callers that project many chunks with the same W: ⌈k/8⌉
 * float32 panels of d rows × 8 columns (columns ≥ k zero). A copy: later changes to W do not reach it.
 */
export class PackedW implements PreparedProduct {
  readonly panels: Float32Array;
  constructor(
    W: Float32Array | Float64Array,
    readonly d: number,
    readonly k: number,
  ) {
    const kp = (k + 7) >> 3;
    const wp = new Float32Array(kp * d * 8);
    for (let q = 0; q < kp; q++) {
      for (let j = 0; j < d; j++) {
        const o = (q * d + j) * 8;
        for (let c = 0; c < 8 && q * 8 + c < k; c++) wp[o + c] = W[j * k + q * 8 + c];
      }
    }
    this.panels = wp;
  }
}

/** fl32(X − mu) for a float32 n × d chunk X (the difference in float64, rounded once), into `out`. */
export function centreF32(
  ctx: WasmContext,
  X: Float32Array,
  n: number,
  d: number,
  mu: Float64Array,
  out: Float32Array = new Float32Array(n * d),
): Float32Array {
  const muOff = ARENA;
  const xOff = align64(muOff + d * 8);
  const zOff = align64(xOff + n * d * 4);
  ctx.ensure(zOff + n * d * 4);
  const buf = ctx.buffer;
  new Float32Array(buf, xOff, n * d).set(X.subarray(0, n * d));
  new Float64Array(buf, muOff, d).set(mu);
  ctx.run("centreF32", [xOff, n, d, muOff, zOff], ctx.parts(n >> 6));
  out.set(new Float32Array(buf, zOff, n * d));
  return out;
}

/**
 * out (n × k, float32) = (X − mu)·W for a float32 chunk X (n × d) and W (d × k, row-major,
 * float64 or float32; used as float32). Centring is done first (in float64, rounded once to
 * float32); the products are float32 (error bound in assembly/kernels.ts, projectF32: about
 * 3.8e-6 · Σ_j |z_j·w_jc| plus the final float32 rounding). W may be given packed (PackedW).
 */
export function projectF32(
  ctx: WasmContext,
  X: Float32Array,
  n: number,
  d: number,
  W: Float32Array | Float64Array | PackedW,
  k: number,
  mu?: Float64Array,
  out: Float32Array = new Float32Array(n * k),
): Float32Array {
  if (n === 0 || k === 0) return out;
  const kp = (k + 7) >> 3;
  const wOff = ARENA;
  const muOff = align64(wOff + kp * d * 32);
  const xOff = align64(muOff + d * 8);
  const zOff = align64(xOff + n * d * 4);
  const oOff = align64(zOff + ((n + 3) >> 2) * 16 * d);
  ctx.ensure(oOff + n * k * 4);
  const buf = ctx.buffer;
  if (W instanceof PackedW && (W.d !== d || W.k !== k)) {
    throw new InternalError(`projectF32: W was packed as ${W.d} × ${W.k}, used as ${d} × ${k}`);
  }
  new Float32Array(buf, wOff, kp * d * 8).set(W instanceof PackedW ? W.panels : new PackedW(W, d, k).panels);
  new Float32Array(buf, xOff, n * d).set(X.subarray(0, n * d));
  const m = new Float64Array(buf, muOff, d);
  if (mu) m.set(mu);
  else m.fill(0); // x − 0 is exact
  ctx.run("packRowsF32", [xOff, n, d, muOff, zOff], ctx.parts(n >> 6));
  ctx.run("projectF32", [zOff, n, d, wOff, k, oOff, SCRATCH_PROJECT], ctx.parts((n + 3) >> 2));
  out.set(new Float32Array(buf, oOff, n * k));
  return out;
}

/** Rows per projectF32 call in centredProduct: bounds the working memory (n·d·4 + n·k·4 bytes). */
const FAST_ROWS = 16384;

/**
 * y = (x − m)·W (n × k, float64 holding float32 values) for float64 rows x: x − m in float64,
 * rounded once to float32, then projectF32 (Kernels.centredProduct states the bound). Rows are
 * independent, so the result does not depend on how rows are grouped into calls or threads.
 */
export function centredProductWasm(
  ctx: WasmContext,
  x: Float64Array,
  n: number,
  m: Float64Array | null,
  W: PackedW,
): Float64Array {
  const { d, k } = W;
  const z = m ? subtractMean(x, n, d, m) : x;
  const y = new Float64Array(n * k);
  const block = Math.max(1, Math.min(n, FAST_ROWS));
  const z32 = new Float32Array(block * d);
  const out = new Float32Array(block * k);
  for (let r = 0; r < n; r += block) {
    const rows = Math.min(block, n - r);
    z32.set(z.subarray(r * d, (r + rows) * d));
    const o = rows === block ? out : out.subarray(0, rows * k);
    projectF32(ctx, z32.subarray(0, rows * d), rows, d, W, k, undefined, o);
    y.set(o.subarray(0, rows * k), r * k);
  }
  return y;
}

function subtractMean(x: Float64Array, n: number, d: number, m: Float64Array): Float64Array {
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) y[i * d + k] = x[i * d + k] - m[k];
  return y;
}
