/**
 * The symmetric eigensolver in WebAssembly: the reference's algorithm (src/linalg/eigh.ts:
 * Householder tridiagonalisation tred2, implicit QL tql2) with the heavy loops on the pool, on the
 * transposed layout T = Vᵀ (every walk is along rows):
 * - reduction: each step's trailing rank-2 update is fused with the next step's symmetric
 *   matrix–vector product, one pass over the upper triangle per step, split by rows into parts
 *   that depend only on the step (never on the thread count), so output is identical for any
 *   thread count. The update is elementwise as the reference; the products are summed in
 *   partial sums (fused multiply-add on relaxed SIMD), so results differ by rounding only;
 * - accumulation of the transformation: elementwise as the reference, 8 steps per pass over a row;
 * - QL: the reference's scalar iteration (the same tql2); its rotations are recorded and applied to
 *   W in batches, column strip by column strip, elementwise as the reference (bit for bit).
 */
import { type Eigen, sortedEigen, tql2 } from "../eigh.js";
import type { WasmContext } from "./context.js";
import { ARENA } from "./context.js";

/** Householder steps whose accumulation is applied in one pass over each row. */
const ACCUMULATE_STEPS = 8;
/** Recorded QL rotations applied per pass over W (each of c and s: 8 MiB). */
const ROTATION_CAP = 1 << 20;
const ROTATION_STEP_CAP = 1 << 14;

/** Parts of one reduction pass: a function of the step only, so output never depends on threads. */
const TRED_PARTS = 8;
function tredParts(i: number): number {
  return Math.max(1, Math.min(TRED_PARTS, Math.floor(i / 64)));
}

/**
 * Same contract as the reference eigh (values descending, sign-canonical row vectors), computed
 * as the reference (Householder tridiagonalisation tred2, implicit QL tql2) with the heavy loops
 * in WebAssembly SIMD on the pool, on the transposed layout T = Vᵀ (every walk is along rows):
 * - reduction: each step's trailing rank-2 update is fused with the next step's symmetric
 *   matrix–vector product, one pass over the upper triangle per step, split by rows into parts
 *   that depend only on the step (never on the thread count), so output is identical for any
 *   thread count. The update is elementwise as the reference; the products are summed in
 *   partial sums (fused multiply-add on relaxed SIMD), so results differ by rounding only;
 * - accumulation of the transformation: elementwise as the reference, 8 steps per pass over a row;
 * - QL: the reference's scalar iteration; its rotations are recorded and applied to W in batches,
 *   column strip by column strip, elementwise as the reference (bit for bit).
 * `a` must be symmetric.
 */
export function eighWasm(ctx: WasmContext, a: Float64Array, n: number, opts: { vectors?: boolean } = {}): Eigen {
  const wantVectors = opts.vectors ?? false;
  if (n === 0) return { values: new Float64Array(0), vectors: wantVectors ? new Float64Array(0) : undefined };
  const t = ARENA;
  const dOff = t + n * n * 8;
  const eOff = dOff + n * 8;
  const work = eOff + n * 8;
  ctx.ensure(work + (6 + TRED_PARTS + 2 * ACCUMULATE_STEPS) * n * 8 + 64);
  ctx.f64(t, n * n).set(a.subarray(0, n * n));
  tridiagonalise(ctx, t, n, dOff, eOff, work, wantVectors);
  const d = Float64Array.from(ctx.f64(dOff, n));
  const e = Float64Array.from(ctx.f64(eOff, n));
  let W: Float64Array | null = null;
  if (wantVectors) {
    tql2Rotating(ctx, t, n, d, e, work);
    W = ctx.f64(t, n * n);
  } else tql2(n, d, e);
  return sortedEigen(n, d, W);
}

/**
 * The reference tred2 (src/linalg/eigh.ts) on T = Vᵀ (n × n at byte offset t; reference V[a][b]
 * is T[b][a]), d and e (n each) out; scratch from `work`. See eigh.
 */
function tridiagonalise(
  ctx: WasmContext,
  t: number,
  n: number,
  dOff: number,
  eOff: number,
  work: number,
  accumulate: boolean,
): void {
  const T = ctx.f64(t, n * n);
  const D = ctx.f64(dOff, n);
  const E = ctx.f64(eOff, n);
  const dpOff = work;
  const epOff = dpOff + n * 8;
  const uOff = epOff + n * 8;
  const gOff = uOff + n * 8;
  const accOff = gOff + n * 8;
  const dP = ctx.f64(dpOff, n);
  const eP = ctx.f64(epOff, n);
  const u = ctx.f64(uOff, n);
  const g = ctx.f64(gOff, n);
  const acc = ctx.f64(accOff, TRED_PARTS * n);
  const ew = new Float64Array(n);
  for (let j = 0; j < n; j++) D[j] = T[j * n + n - 1];
  let pend = false;
  for (let i = n - 1; i > 0; i--) {
    if (pend) {
      // the previous step's update of column i (rows j ≤ i); the fused pass does the rest
      const ei = eP[i];
      const di = dP[i];
      for (let j = 0; j <= i; j++) {
        const o = j * n + i;
        T[o] -= dP[j] * ei + eP[j] * di;
        D[j] = T[o];
      }
      T[i * n + i + 1] = 0;
    }
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(D[k]);
    const parts = tredParts(i);
    if (scale === 0) {
      if (pend) ctx.run("tredPass", [t, n, i, 1, dpOff, epOff, 0, 0, 0, 0], parts);
      pend = false;
      E[i] = D[i - 1];
      for (let j = 0; j < i; j++) {
        D[j] = T[j * n + i - 1];
        T[i * n + j] = 0;
        T[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        const v = D[k] / scale;
        u[k] = v;
        h += v * v;
      }
      let f = u[i - 1];
      let gg = Math.sqrt(h);
      if (f > 0) gg = -gg;
      E[i] = scale * gg;
      h -= f * gg;
      u[i - 1] = f - gg;
      for (let j = 0; j < i; j++) T[i * n + j] = u[j];
      ctx.run("tredPass", [t, n, i, pend ? 1 : 0, dpOff, epOff, 1, uOff, gOff, accOff], parts);
      for (let k = 0; k < i; k++) {
        let s = g[k];
        for (let p = 0; p < parts; p++) s += acc[p * n + k];
        ew[k] = s;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        ew[j] /= h;
        f += ew[j] * u[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) ew[j] -= hh * u[j];
      dP.set(u.subarray(0, i));
      eP.set(ew.subarray(0, i));
      pend = true;
    }
    D[i] = h;
  }
  if (pend) {
    T[0] -= dP[0] * eP[0] + eP[0] * dP[0];
    if (n > 1) T[1] = 0;
  }
  E[0] = 0;
  if (!accumulate) {
    for (let j = 0; j < n; j++) D[j] = T[j * n + j];
    return;
  }
  const K = ACCUMULATE_STEPS;
  const reflOff = accOff + TRED_PARTS * n * 8;
  const dvOff = reflOff + K * n * 8;
  const hsOff = dvOff + K * n * 8;
  const refl = ctx.f64(reflOff, K * n);
  const dv = ctx.f64(dvOff, K * n);
  const hs = ctx.f64(hsOff, K);
  for (let i0 = 0; i0 < n - 1; i0 += K) {
    const cnt = Math.min(K, n - 1 - i0);
    for (let s = 0; s < cnt; s++) {
      const i = i0 + s;
      const h = D[i + 1];
      hs[s] = h;
      const r1 = (i + 1) * n;
      for (let k = 0; k <= i; k++) {
        const v = T[r1 + k];
        refl[s * n + k] = v;
        dv[s * n + k] = v / h;
      }
    }
    for (let s = 0; s < cnt; s++) {
      const i = i0 + s;
      T[i * n + n - 1] = T[i * n + i];
      T[i * n + i] = 1;
      T[(i + 1) * n + i] = 0;
      for (let k = 0; k < i; k++) T[(i + 1) * n + k] = 0;
    }
    ctx.run("accumulateSteps", [t, n, i0, cnt, reflOff, dvOff, hsOff], ctx.parts((i0 + cnt) >> 4));
  }
  for (let j = 0; j < n; j++) {
    const o = j * n + n - 1;
    D[j] = T[o];
    T[o] = 0;
  }
  T[n * n - 1] = 1;
}

/**
 * The reference tql2 (src/linalg/eigh.ts), with each step's rotations recorded in the kernels'
 * memory and applied to W (n × n at byte offset w) in batches of parallel calls, column strip by
 * column strip, in the reference's order: W ends bit-identical to the reference's.
 */
function tql2Rotating(ctx: WasmContext, w: number, n: number, d: Float64Array, e: Float64Array, scratch: number): void {
  const cap = Math.max(n, Math.min(ROTATION_CAP, 16 * n * n));
  const csOff = scratch;
  const ssOff = csOff + cap * 8;
  const topsOff = ssOff + cap * 8;
  const cntsOff = topsOff + ROTATION_STEP_CAP * 4;
  const offsOff = cntsOff + ROTATION_STEP_CAP * 4;
  const parts = ctx.parts(n >> 6);
  const stripOff = offsOff + ROTATION_STEP_CAP * 4;
  ctx.ensure(stripOff + parts * n * 64);
  const cs = ctx.f64(csOff, cap);
  const ss = ctx.f64(ssOff, cap);
  const tops = new Int32Array(ctx.buffer, topsOff, ROTATION_STEP_CAP);
  const cnts = new Int32Array(ctx.buffer, cntsOff, ROTATION_STEP_CAP);
  const offs = new Int32Array(ctx.buffer, offsOff, ROTATION_STEP_CAP);
  let steps = 0;
  let used = 0;
  const flush = () => {
    if (steps > 0)
      ctx.run("applyRotationSteps", [w, n, steps, topsOff, cntsOff, offsOff, csOff, ssOff, stripOff], parts);
    steps = 0;
    used = 0;
  };
  tql2(n, d, e, (top, count, c, s) => {
    if (used + count > cap || steps === ROTATION_STEP_CAP) flush();
    cs.set(c.subarray(0, count), used);
    ss.set(s.subarray(0, count), used);
    tops[steps] = top;
    cnts[steps] = count;
    offs[steps] = used;
    steps++;
    used += count;
  });
  flush();
}
