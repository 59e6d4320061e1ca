/**
 * The fast kernels: WebAssembly SIMD (f64x2; relaxed-SIMD fused multiply-add where the engine has
 * it) on a pool of worker threads sharing one WebAssembly.Memory. Same contracts as the reference
 * kernels in ../kernels.ts, which stay the oracle (test/linalg/parity.test.ts).
 *
 * Backend choice, first that works: relaxed SIMD → SIMD → none (callers use the reference kernel).
 * EMBCHECK_KERNELS=reference|simd|relaxed forces one; EMBCHECK_THREADS=N sets the pool size
 * (default: all cores). Node 20 needs V8's --experimental-wasm-relaxed-simd for relaxed SIMD: it is
 * set here with v8.setFlagsFromString before the module is compiled (on by default from Node 22).
 *
 * Memory layout of the shared memory: [0, 1 MiB) belongs to the module (it keeps no data there;
 * 128 bytes of scratch per part at SCRATCH); an arena from 1 MiB is reset at each call (calls are
 * synchronous, so nothing lives across them).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { setFlagsFromString } from "node:v8";
import { InternalError } from "../../errors.js";
import { KernelPool } from "../../parallel/pool.js";
import { type Eigen, tql2 } from "../eigh.js";
import { type WasmMemory, type WasmModule, wasm } from "./api.js";

export type FastKind = "relaxed-simd" | "simd";

const PAGE = 65536;
const MAX_PAGES = 65536;
const SCRATCH = 65536;
const ARENA = 1 << 20;
/** 256 bytes of float64 accumulators per part for projectF32. */
const SCRATCH_PROJECT = 256 << 10;
const KERNELS = [
  "syrkPacked",
  "pairsPacked",
  "scanRows",
  "packCentred",
  "packCentredF32",
  "syrkPackedF32",
  "mergeUpper",
  "projectF32",
  "packRowsF32",
  "centreF32",
  "tredPass",
  "accumulateSteps",
  "applyRotationSteps",
];
/** Householder steps whose accumulation is applied in one pass over each row. */
const ACCUMULATE_STEPS = 8;
/** Recorded QL rotations applied per pass over W (each of c and s: 8 MiB). */
const ROTATION_CAP = 1 << 20;
const ROTATION_STEP_CAP = 1 << 14;
/** Parts per thread: more parts than threads lets a thread on a busy core fall behind gracefully. */
const PARTS_PER_THREAD = 4;

/** Parts of one reduction pass: a function of the step only, so output never depends on threads. */
const TRED_PARTS = 8;
function tredParts(i: number): number {
  return Math.max(1, Math.min(TRED_PARTS, Math.floor(i / 64)));
}

/**
 * W (d × k) packed once for projectF32, for callers that project many chunks with the same W: ⌈k/8⌉
 * float32 panels of d rows × 8 columns (columns ≥ k zero). A copy: later changes to W do not reach it.
 */
export class PackedW {
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

export class FastKernels {
  readonly kind: FastKind;
  private readonly memory: WasmMemory;
  private readonly pool: KernelPool;

  constructor(kind: FastKind, module: WasmModule, threads: number) {
    this.kind = kind;
    this.memory = new wasm.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    const inst = new wasm.Instance(module, { env: { memory: this.memory, abort() {} } });
    this.pool = new KernelPool(module, this.memory, inst.exports, KERNELS, threads);
  }

  get threads(): number {
    return this.pool.threads;
  }

  private parts(units: number): number {
    return Math.max(1, Math.min(units, this.pool.threads * PARTS_PER_THREAD));
  }

  /** Makes the memory at least `bytes` long (shared memories only grow). */
  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError("fast kernels: more than 4 GiB of working memory");
    this.memory.grow(pages);
  }

  private f64(byteOffset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, byteOffset, length);
  }

  /**
   * A packed-panel buffer for k rows of d columns: the caller writes value (row i, column j) at
   * index ((j >> 2)·k + i)·4 + (j & 3); columns d .. 4⌈d/4⌉ are zero. Valid until the next call.
   * Then `syrkPacked(k, d, C)` adds the upper triangle of YᵀY into C (d × d).
   */
  packBuffer(k: number, d: number): Float64Array {
    const dp = (d + 3) & ~3;
    const n = k * dp;
    this.ensure(ARENA + n * 8 + dp * dp * 8);
    const p = this.f64(ARENA, n);
    if (dp !== d)
      for (let lane = d; lane < dp; lane++) for (let i = 0; i < k; i++) p[((lane >> 2) * k + i) * 4 + (lane & 3)] = 0;
    return p;
  }

  /** C[i·d + j] += Σ_r Y[r][i]·Y[r][j] for i ≤ j < d, Y in the buffer from packBuffer(k, d). */
  syrkPacked(k: number, d: number, C: Float64Array): void {
    const dp = (d + 3) & ~3;
    this.syrkAt(ARENA, k, d, ARENA + k * dp * 8, C);
  }

  private syrkAt(
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
    this.ensure(cOff + dp * dp * 8);
    this.pool.run("syrkPacked", [pack, k, np, cOff, dp], this.parts(np));
    this.mergeInto(cOff, dp, C, d, null, delta, w);
  }

  /**
   * C[i·d + j] += c[i·dp + j]·(inv_i·inv_j) + (w·δ_i)·δ_j for i ≤ j < d (WASM mergeUpper on the
   * pool): a kernel's padded upper-triangle output at byte offset cOff, unscaled by the column
   * scales `inv` (null: none), merged into the running scatter C with Chan's rank-one term
   * (delta null or w = 0: none). The same sums as a plain JS loop, element for element.
   */
  private mergeInto(
    cOff: number,
    dp: number,
    C: Float64Array,
    d: number,
    inv: Float64Array | null,
    delta: Float64Array | null,
    w: number,
  ): void {
    const al = (b: number) => (b + 63) & ~63;
    const cc = al(cOff + dp * dp * 8);
    const invOff = al(cc + d * d * 8);
    const deltaOff = al(invOff + d * 8);
    this.ensure(deltaOff + d * 8);
    this.f64(cc, d * d).set(C.subarray(0, d * d));
    if (inv) this.f64(invOff, d).set(inv);
    const useDelta = delta !== null && w > 0;
    if (useDelta) this.f64(deltaOff, d).set(delta);
    const args = [cOff, dp, cc, d, inv ? invOff : 0, useDelta ? deltaOff : 0, w];
    this.pool.run("mergeUpper", args, this.parts(d >> 4));
    C.set(this.f64(cc, d * d));
  }

  /** Same contract as the reference syrkUpperT: yt is d × k (a chunk transposed). */
  syrkUpperT(yt: Float64Array, d: number, k: number, C: Float64Array): void {
    if (k === 0 || d === 0) return;
    const p = this.packBuffer(k, d);
    for (let j = 0; j < d; j++) {
      const base = (j >> 2) * k * 4 + (j & 3);
      const src = j * k;
      for (let i = 0; i < k; i++) p[base + i * 4] = yt[src + i];
    }
    this.syrkPacked(k, d, C);
  }

  /** Same contract as the reference pairDotsUpper: every U_i · U_j, i < j, in triu order. */
  pairDotsUpper(U: Float64Array, m: number, d: number, out: Float64Array): Float64Array {
    const pairs = (m * (m - 1)) / 2;
    if (pairs === 0) return out;
    const mp = (m + 3) & ~3;
    const np = mp >> 2;
    const packBytes = mp * d * 8;
    const outOff = ARENA + packBytes;
    this.ensure(outOff + pairs * 8);
    const p = this.f64(ARENA, mp * d);
    // panel q holds sample rows 4q..4q+3 transposed: p[(q·d + r)·4 + lane] = U[(4q + lane)·d + r]
    for (let i = 0; i < mp; i++) {
      const base = (i >> 2) * d * 4 + (i & 3);
      if (i >= m) {
        for (let r = 0; r < d; r++) p[base + r * 4] = 0;
        continue;
      }
      const src = i * d;
      for (let r = 0; r < d; r++) p[base + r * 4] = U[src + r];
    }
    this.pool.run("pairsPacked", [ARENA, d, np, m, outOff, SCRATCH], this.parts(np));
    out.set(this.f64(outOff, pairs));
    return out;
  }

  /**
   * Whether a rows × d chunk (and its packed copy and scatter) fits the kernels' 4 GiB memory;
   * callers use the reference path for chunks that do not.
   */
  fitsChunk(rows: number, d: number, bytesPerValue: number): boolean {
    const dp = (d + 7) & ~7;
    const bytes = ARENA + rows * (d * bytesPerValue + 64 + dp * 8) + dp * dp * 8 + 5 * d * 8 + 4096;
    return bytes < (MAX_PAGES - 1) * PAGE;
  }

  // ---- the streaming pass, one chunk at a time: loadChunk, then scanRows, covarianceChunk

  /** Where the current chunk's pieces live (byte offsets into the memory). */
  private chunk = { x: 0, rows: 0, d: 0, f64in: 0, cls: 0, sumsq: 0, ha: 0, hb: 0, idx: 0, norms: 0, vec: 0, end: 0 };

  /**
   * Copies a rows × d chunk into the kernels' memory (a float32 or float64 matrix). Returns
   * per-row views filled by scanRows: class (0 valid, 1 NaN, 2 Inf, 3 zero), float64 sum of
   * squares and the two 32-bit halves of rowHash. Valid until the next loadChunk.
   */
  loadChunk(
    data: Float32Array | Float64Array,
    rows: number,
    d: number,
  ): { cls: Int32Array; sumsq: Float64Array; ha: Uint32Array; hb: Uint32Array; idx: Int32Array; norms: Float64Array } {
    const f64in = data.BYTES_PER_ELEMENT === 8 ? 1 : 0;
    const al = (n: number) => (n + 63) & ~63;
    const x = ARENA;
    const cls = al(x + rows * d * data.BYTES_PER_ELEMENT);
    const sumsq = al(cls + rows * 4);
    const ha = al(sumsq + rows * 8);
    const hb = al(ha + rows * 4);
    const idx = al(hb + rows * 4);
    const norms = al(idx + rows * 4);
    const vec = al(norms + rows * 8); // 5 vectors of d doubles: origin, rel, cm, unit sums, scale
    const end = al(vec + 5 * d * 8);
    this.ensure(end);
    this.chunk = { x, rows, d, f64in, cls, sumsq, ha, hb, idx, norms, vec, end };
    const buf = this.memory.buffer;
    if (f64in) new Float64Array(buf, x, rows * d).set(data.subarray(0, rows * d));
    else new Float32Array(buf, x, rows * d).set(data.subarray(0, rows * d));
    return {
      cls: new Int32Array(buf, cls, rows),
      sumsq: new Float64Array(buf, sumsq, rows),
      ha: new Uint32Array(buf, ha, rows),
      hb: new Uint32Array(buf, hb, rows),
      idx: new Int32Array(buf, idx, rows),
      norms: new Float64Array(buf, norms, rows),
    };
  }

  /** Fills the views loadChunk returned (class, sum of squares, hash of every row). */
  scanRows(): void {
    const c = this.chunk;
    this.pool.run("scanRows", [c.x, c.d, c.rows, c.f64in, c.cls, c.sumsq, c.ha, c.hb], this.parts(c.rows >> 6));
  }

  /**
   * C (d × d, upper triangle) += the scatter of the k rows idx[i] centred as the reference does:
   * z = (x − origin) − rel, cm = mean of z (written to cm), scatter of z − cm; plus, with w > 0,
   * Chan's merge term (w·cm_i)·cm_j in the same pass (C the running scatter, w = n_a·k/(n_a + k)).
   * With `mixed`, the scatter has float32 products summed in float32 over blocks of 128 rows and
   * in float64 across blocks (error bound in assembly/kernels.ts); otherwise float64 products and
   * sums. cm is the same float64 value either way.
   * With `us`, also us[j] += x[idx[i]][j] / norms[i] for i < k in order of i (the unit-row sums,
   * bit for bit the reference's; idx, norms: the views from loadChunk), in the same read of the rows.
   */
  covarianceChunk(
    k: number,
    origin: Float64Array,
    rel: Float64Array,
    cm: Float64Array,
    C: Float64Array,
    mixed = false,
    w = 0,
    us: Float64Array | null = null,
  ): void {
    const c = this.chunk;
    const d = c.d;
    const buf = () => this.memory.buffer;
    const cmOff = c.vec + 2 * d * 8;
    const usOff = us ? c.vec + 3 * d * 8 : 0;
    if (us) new Float64Array(buf(), usOff, d).set(us);
    const pack = c.end;
    if (mixed) {
      const dp = (d + 7) & ~7;
      const cOff = (pack + k * dp * 4 + 63) & ~63;
      this.ensure(cOff + dp * dp * 8);
      new Float64Array(buf(), c.vec, d).set(origin);
      new Float64Array(buf(), c.vec + d * 8, d).set(rel);
      const scaleOff = c.vec + 4 * d * 8;
      this.pool.run(
        "packCentredF32",
        [c.x, d, c.f64in, c.idx, k, c.vec, c.vec + d * 8, cmOff, scaleOff, c.norms, usOff, pack],
        this.parts(dp >> 5),
      );
      cm.set(new Float64Array(buf(), cmOff, d));
      if (us) us.set(new Float64Array(buf(), usOff, d));
      if (k === 0) return;
      this.pool.run("syrkPackedF32", [pack, k, dp >> 3, cOff, dp], this.parts(dp >> 2));
      // undo the power-of-two column scales (exact)
      const inv = new Float64Array(buf(), scaleOff, d).map((s) => 1 / s);
      this.mergeInto(cOff, dp, C, d, inv, cm, w);
      return;
    }
    const dp = (d + 3) & ~3;
    const cOff = pack + k * dp * 8;
    this.ensure(cOff + dp * dp * 8);
    new Float64Array(buf(), c.vec, d).set(origin);
    new Float64Array(buf(), c.vec + d * 8, d).set(rel);
    this.pool.run(
      "packCentred",
      [c.x, d, c.f64in, c.idx, k, c.vec, c.vec + d * 8, cmOff, c.norms, usOff, pack],
      this.parts(dp >> 5),
    );
    cm.set(new Float64Array(buf(), cmOff, d));
    if (us) us.set(new Float64Array(buf(), usOff, d));
    this.syrkAt(pack, k, d, cOff, C, cm, w);
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
  eigh(a: Float64Array, n: number, opts: { vectors?: boolean } = {}): Eigen {
    const wantVectors = opts.vectors ?? false;
    if (n === 0) return { values: new Float64Array(0), vectors: wantVectors ? new Float64Array(0) : undefined };
    const t = ARENA;
    const dOff = t + n * n * 8;
    const eOff = dOff + n * 8;
    const work = eOff + n * 8;
    this.ensure(work + (6 + TRED_PARTS + 2 * ACCUMULATE_STEPS) * n * 8 + 64);
    this.f64(t, n * n).set(a.subarray(0, n * n));
    this.tridiagonalise(t, n, dOff, eOff, work, wantVectors);
    const d = Float64Array.from(this.f64(dOff, n));
    const e = Float64Array.from(this.f64(eOff, n));
    let W: Float64Array | null = null;
    if (wantVectors) {
      this.tql2Rotating(t, n, d, e, work);
      W = this.f64(t, n * n);
    } else tql2(null, n, d, e);
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x] || x - y);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = d[order[i]];
    if (!W) return { values };
    const vectors = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const src = order[i] * n;
      let big = 0;
      for (let k = 1; k < n; k++) if (Math.abs(W[src + k]) > Math.abs(W[src + big])) big = k;
      const sign = W[src + big] < 0 ? -1 : 1;
      for (let k = 0; k < n; k++) vectors[i * n + k] = sign * W[src + k];
    }
    return { values, vectors };
  }

  /**
   * The reference tred2 (src/linalg/eigh.ts) on T = Vᵀ (n × n at byte offset t; reference V[a][b]
   * is T[b][a]), d and e (n each) out; scratch from `work`. See eigh.
   */
  private tridiagonalise(t: number, n: number, dOff: number, eOff: number, work: number, accumulate: boolean): void {
    const T = this.f64(t, n * n);
    const D = this.f64(dOff, n);
    const E = this.f64(eOff, n);
    const dpOff = work;
    const epOff = dpOff + n * 8;
    const uOff = epOff + n * 8;
    const gOff = uOff + n * 8;
    const accOff = gOff + n * 8;
    const dP = this.f64(dpOff, n);
    const eP = this.f64(epOff, n);
    const u = this.f64(uOff, n);
    const g = this.f64(gOff, n);
    const acc = this.f64(accOff, TRED_PARTS * n);
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
        if (pend) this.pool.run("tredPass", [t, n, i, 1, dpOff, epOff, 0, 0, 0, 0], parts);
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
        this.pool.run("tredPass", [t, n, i, pend ? 1 : 0, dpOff, epOff, 1, uOff, gOff, accOff], parts);
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
    const refl = this.f64(reflOff, K * n);
    const dv = this.f64(dvOff, K * n);
    const hs = this.f64(hsOff, K);
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
      this.pool.run("accumulateSteps", [t, n, i0, cnt, reflOff, dvOff, hsOff], this.parts((i0 + cnt) >> 4));
    }
    for (let j = 0; j < n; j++) {
      const o = j * n + n - 1;
      D[j] = T[o];
      T[o] = 0;
    }
    T[n * n - 1] = 1;
  }

  /**
   * The reference tql2 (src/linalg/eigh.ts), same scalar arithmetic, with the rotations of the
   * QL steps recorded and applied to W (n × n at byte offset w, in the kernels' memory) in batches
   * of parallel calls: W ends bit-identical to the reference's.
   */
  private tql2Rotating(w: number, n: number, d: Float64Array, e: Float64Array, scratch: number): void {
    const cap = Math.max(n, Math.min(ROTATION_CAP, 16 * n * n));
    const csOff = scratch;
    const ssOff = csOff + cap * 8;
    const topsOff = ssOff + cap * 8;
    const cntsOff = topsOff + ROTATION_STEP_CAP * 4;
    const offsOff = cntsOff + ROTATION_STEP_CAP * 4;
    const parts = this.parts(n >> 6);
    const stripOff = offsOff + ROTATION_STEP_CAP * 4;
    this.ensure(stripOff + parts * n * 64);
    const cs = this.f64(csOff, cap);
    const ss = this.f64(ssOff, cap);
    const tops = new Int32Array(this.memory.buffer, topsOff, ROTATION_STEP_CAP);
    const cnts = new Int32Array(this.memory.buffer, cntsOff, ROTATION_STEP_CAP);
    const offs = new Int32Array(this.memory.buffer, offsOff, ROTATION_STEP_CAP);
    let steps = 0;
    let used = 0;
    const flush = () => {
      if (steps > 0)
        this.pool.run("applyRotationSteps", [w, n, steps, topsOff, cntsOff, offsOff, csOff, ssOff, stripOff], parts);
      steps = 0;
      used = 0;
    };
    for (let i = 1; i < n; i++) e[i - 1] = e[i];
    e[n - 1] = 0;
    let f = 0;
    let tst1 = 0;
    const eps = 2 ** -52;
    const maxIter = 60 * n + 100;
    let iterations = 0;
    for (let l = 0; l < n; l++) {
      tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
      let m = l;
      while (m < n) {
        if (Math.abs(e[m]) <= eps * tst1) break;
        m++;
      }
      if (m > l) {
        do {
          if (++iterations > maxIter) throw new InternalError("eigh: the QL iteration did not converge");
          if (used + n > cap || steps === ROTATION_STEP_CAP) flush();
          let g = d[l];
          let p = (d[l + 1] - g) / (2 * e[l]);
          let r = Math.hypot(p, 1);
          if (p < 0) r = -r;
          d[l] = e[l] / (p + r);
          d[l + 1] = e[l] * (p + r);
          const dl1 = d[l + 1];
          let h = g - d[l];
          for (let i = l + 2; i < n; i++) d[i] -= h;
          f += h;
          p = d[m];
          let c = 1;
          let c2 = c;
          let c3 = c;
          const el1 = e[l + 1];
          let s = 0;
          let s2 = 0;
          let cnt = 0;
          for (let i = m - 1; i >= l; i--) {
            c3 = c2;
            c2 = c;
            s2 = s;
            g = c * e[i];
            h = c * p;
            r = Math.hypot(p, e[i]);
            e[i + 1] = s * r;
            s = e[i] / r;
            c = p / r;
            p = c * d[i] - s * g;
            d[i + 1] = h + s * (c * g + s * d[i]);
            cs[used + cnt] = c;
            ss[used + cnt] = s;
            cnt++;
          }
          tops[steps] = m - 1;
          cnts[steps] = cnt;
          offs[steps] = used;
          steps++;
          used += cnt;
          p = (-s * s2 * c3 * el1 * e[l]) / dl1;
          e[l] = s * p;
          d[l] = c * p;
        } while (Math.abs(e[l]) > eps * tst1);
      }
      d[l] += f;
      e[l] = 0;
    }
    flush();
  }

  /** fl32(X − mu) for a float32 n × d chunk X (the difference in float64, rounded once), into `out`. */
  centreF32(
    X: Float32Array,
    n: number,
    d: number,
    mu: Float64Array,
    out: Float32Array = new Float32Array(n * d),
  ): Float32Array {
    const al = (b: number) => (b + 63) & ~63;
    const muOff = ARENA;
    const xOff = al(muOff + d * 8);
    const zOff = al(xOff + n * d * 4);
    this.ensure(zOff + n * d * 4);
    const buf = this.memory.buffer;
    new Float32Array(buf, xOff, n * d).set(X.subarray(0, n * d));
    new Float64Array(buf, muOff, d).set(mu);
    this.pool.run("centreF32", [xOff, n, d, muOff, zOff], this.parts(n >> 6));
    out.set(new Float32Array(buf, zOff, n * d));
    return out;
  }

  /**
   * out (n × k, float32) = (X − mu)·W for a float32 chunk X (n × d) and W (d × k, row-major,
   * float64 or float32; used as float32). Centring is done first (centreF32: in float64, rounded
   * once to float32); the products are float32 (error bound in assembly/kernels.ts, projectF32:
   * about 3.8e-6 · Σ_j |z_j·w_jc| plus the final float32 rounding). For the PCA projection of `fix`.
   * W may be given packed (PackedW), to pack it once for many chunks.
   */
  projectF32(
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
    const al = (b: number) => (b + 63) & ~63;
    const wOff = ARENA;
    const muOff = al(wOff + kp * d * 32);
    const xOff = al(muOff + d * 8);
    const zOff = al(xOff + n * d * 4);
    const oOff = al(zOff + ((n + 3) >> 2) * 16 * d);
    this.ensure(oOff + n * k * 4);
    const buf = this.memory.buffer;
    if (W instanceof PackedW && (W.d !== d || W.k !== k)) {
      throw new RangeError(`projectF32: W was packed as ${W.d} × ${W.k}, used as ${d} × ${k}`);
    }
    new Float32Array(buf, wOff, kp * d * 8).set(W instanceof PackedW ? W.panels : new PackedW(W, d, k).panels);
    new Float32Array(buf, xOff, n * d).set(X.subarray(0, n * d));
    const m = new Float64Array(buf, muOff, d);
    if (mu) m.set(mu);
    else m.fill(0); // x − 0 is exact
    this.pool.run("packRowsF32", [xOff, n, d, muOff, zOff], this.parts(n >> 6));
    this.pool.run("projectF32", [zOff, n, d, wOff, k, oOff, SCRATCH_PROJECT], this.parts((n + 3) >> 2));
    out.set(new Float32Array(buf, oOff, n * k));
    return out;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let cached: FastKernels | null | undefined;
let cachedThreads = 0;

/** Where the build puts the .wasm files: beside this module in dist/, or dist/ when run from src/. */
function wasmBytes(file: string): Uint8Array | null {
  for (const rel of [`./${file}`, `../../../dist/linalg/wasm/${file}`]) {
    try {
      return readFileSync(new URL(rel, import.meta.url));
    } catch {
      // next place
    }
  }
  return null;
}

function compile(kind: FastKind): WasmModule | null {
  const bytes = wasmBytes(kind === "relaxed-simd" ? "kernels-relaxed.wasm" : "kernels.wasm");
  if (!bytes) return null;
  if (kind === "relaxed-simd" && !wasm.validate(bytes)) {
    try {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
    } catch {
      return null;
    }
  }
  if (!wasm.validate(bytes)) return null;
  try {
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}

/** Default thread count: EMBCHECK_THREADS, else every core. */
export function defaultThreads(): number {
  const env = Number(process.env.EMBCHECK_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : availableParallelism();
}

/**
 * The fast kernels, or null when WebAssembly SIMD is unavailable (or EMBCHECK_KERNELS=reference):
 * callers then use the reference kernels. One pool per process; asking for another thread count
 * replaces it.
 */
export function fastKernels(threads = defaultThreads()): FastKernels | null {
  if (cached !== undefined && (cached === null || cachedThreads === threads)) return cached;
  if (cached) void cached.close();
  const want = process.env.EMBCHECK_KERNELS;
  cached = null;
  cachedThreads = threads;
  if (want === "reference") return cached;
  const kinds: FastKind[] =
    want === "simd" ? ["simd"] : want === "relaxed" ? ["relaxed-simd"] : ["relaxed-simd", "simd"];
  for (const kind of kinds) {
    const module = compile(kind);
    if (!module) continue;
    try {
      cached = new FastKernels(kind, module, threads);
      return cached;
    } catch {
      // shared memory or workers unavailable: try the next kind, then the reference
    }
  }
  return cached;
}
