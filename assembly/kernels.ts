// AssemblyScript (compiled by `npm run build` with asc into dist/linalg/wasm/kernels*.wasm).
// Fast kernels over raw pointers into one shared WebAssembly.Memory laid out by the JS loader
// (src/linalg/wasm/fast.ts). No allocation here (runtime "stub", nothing calls __new), so several
// instances of this module — one per worker thread — can run on the same shared memory at once.
//
// Arithmetic: float64 throughout (f64x2 SIMD lanes). The relaxed build (ASC_FEATURE_RELAXED_SIMD)
// uses f64x2.relaxed_madd, which V8 lowers to a fused multiply-add (one rounding instead of two)
// on CPUs with FMA; the plain build multiplies then adds. Both are float64 dot products whose
// error is bounded by the usual γ_k·Σ|a_r·b_r| (γ_k = k·u/(1 − k·u), u = 2⁻⁵³), like the
// reference kernel's; only the order of the additions differs (two interleaved partial sums per
// output pair of lanes, blocks of KB terms added into the output in increasing r).
//
// Determinism: every output tile is computed by exactly one thread, always with the same
// sequence of operations, so results do not depend on the thread count.

/** Rows of the packed panel summed before the 4 × 4 tile goes back to memory (L1/L2 blocking). */
const KB: i32 = 128;

function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

/**
 * 4 × 4 tile of Σ_r A[r] ⊗ B[r] for r in [r0, r1), over packed panels: a panel holds 4 columns,
 * row r at panel + 32·r (4 doubles). Added into c (row stride ldc doubles).
 */
function tile4x4Add(pa: usize, pb: usize, r0: i32, r1: i32, c: usize, ldc: i32): void {
  let c00 = f64x2.splat(0);
  let c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0);
  let c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0);
  let c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0);
  let c31 = f64x2.splat(0);
  let a = pa + ((<usize>r0) << 5);
  let b = pb + ((<usize>r0) << 5);
  const end = pa + ((<usize>r1) << 5);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const x0 = v128.load64_splat(a);
    const x1 = v128.load64_splat(a, 8);
    const x2 = v128.load64_splat(a, 16);
    const x3 = v128.load64_splat(a, 24);
    c00 = fma(x0, b0, c00);
    c01 = fma(x0, b1, c01);
    c10 = fma(x1, b0, c10);
    c11 = fma(x1, b1, c11);
    c20 = fma(x2, b0, c20);
    c21 = fma(x2, b1, c21);
    c30 = fma(x3, b0, c30);
    c31 = fma(x3, b1, c31);
    a += 32;
    b += 32;
  }
  const s = (<usize>ldc) << 3;
  let o = c;
  v128.store(o, f64x2.add(v128.load(o), c00));
  v128.store(o, f64x2.add(v128.load(o, 16), c01), 16);
  o += s;
  v128.store(o, f64x2.add(v128.load(o), c10));
  v128.store(o, f64x2.add(v128.load(o, 16), c11), 16);
  o += s;
  v128.store(o, f64x2.add(v128.load(o), c20));
  v128.store(o, f64x2.add(v128.load(o, 16), c21), 16);
  o += s;
  v128.store(o, f64x2.add(v128.load(o), c30));
  v128.store(o, f64x2.add(v128.load(o, 16), c31), 16);
}

/**
 * C += Σ_r Y[r]ᵀ Y[r] on the upper block triangle, Y packed as `np` panels of k rows × 4 columns
 * (panel p at pack + 32·k·p). C is (4·np) × ldc doubles; tiles (ip, jp ≥ ip) are written, whole
 * (the diagonal tiles' lower halves too). Thread `tid` of `nth` takes the block rows ip ≡ tid.
 */
export function syrkPacked(pack: usize, k: i32, np: i32, c: usize, ldc: i32, tid: i32, nth: i32): void {
  const panel = (<usize>k) << 5;
  for (let r0 = 0; r0 < k; r0 += KB) {
    const r1 = min(k, r0 + KB);
    for (let ip = tid; ip < np; ip += nth) {
      const pa = pack + panel * <usize>ip;
      const crow = c + ((<usize>(ip << 2) * <usize>ldc) << 3);
      for (let jp = ip; jp < np; jp++) {
        tile4x4Add(pa, pack + panel * <usize>jp, r0, r1, crow + ((<usize>jp) << 5), ldc);
      }
    }
  }
}

/**
 * Every dot product i < j < m of the rows of U, U packed as `np` panels of k (= d) rows × 4 sample
 * rows (panel p holds sample rows 4p..4p+3, transposed). Written to out in np.triu_indices(m, 1)
 * order; `tmp` is 16 doubles of scratch per thread (at tmp + 128·tid).
 * Panels are visited in column blocks of JB so the B panels of a block stay in L2.
 */
export function pairsPacked(pack: usize, k: i32, np: i32, m: i32, out: usize, tmp: usize, tid: i32, nth: i32): void {
  const panel = (<usize>k) << 5;
  const t = tmp + ((<usize>tid) << 7);
  const JB: i32 = 8;
  for (let jb = 0; jb < np; jb += JB) {
    const je = min(np, jb + JB);
    for (let ip = tid; ip < je; ip += nth) {
      const pa = pack + panel * <usize>ip;
      for (let jp = max(ip, jb); jp < je; jp++) {
        for (let z = 0; z < 16; z++) store<f64>(t + ((<usize>z) << 3), 0);
        tile4x4Add(pa, pack + panel * <usize>jp, 0, k, t, 4);
        const i0 = ip << 2;
        const j0 = jp << 2;
        for (let p = 0; p < 4; p++) {
          const i = i0 + p;
          if (i >= m) break;
          // row i of the strict upper triangle starts at i·m − i(i+1)/2 − i − 1 (+ j)
          const rowStart = <i64>i * <i64>m - ((<i64>i * <i64>(i + 1)) >> 1) - <i64>i - 1;
          for (let q = 0; q < 4; q++) {
            const j = j0 + q;
            if (j <= i || j >= m) continue;
            store<f64>(out + ((<usize>(rowStart + <i64>j)) << 3), load<f64>(t + ((<usize>((p << 2) + q)) << 3)));
          }
        }
      }
    }
  }
}

function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

/**
 * Per row of the rows × d matrix at x (float32, or float64 when f64in ≠ 0): its class (0 valid,
 * 1 any NaN, 2 any ±Inf, 3 all zero) into cls (i32), its float64 sum of squares (summed in column
 * order, as the reference) into sumsq, and rowHash of src/profile/hash.ts into ha / hb (u32).
 * Rows are split into contiguous ranges by part.
 */
export function scanRows(
  x: usize,
  d: i32,
  rows: i32,
  f64in: i32,
  cls: usize,
  sumsq: usize,
  ha: usize,
  hb: usize,
  part: i32,
  parts: i32,
): void {
  const r0 = <i32>((<i64>rows * <i64>part) / <i64>parts);
  const r1 = <i32>((<i64>rows * <i64>(part + 1)) / <i64>parts);
  const wordsPerValue: i32 = f64in ? 2 : 1;
  const rowBytes = (<usize>(d * wordsPerValue)) << 2;
  for (let r = r0; r < r1; r++) {
    const base = x + rowBytes * <usize>r;
    let s: f64 = 0;
    let nan = false;
    let inf = false;
    let nonzero = false;
    for (let j = 0; j < d; j++) {
      const v: f64 = f64in ? load<f64>(base + ((<usize>j) << 3)) : <f64>load<f32>(base + ((<usize>j) << 2));
      s += v * v;
      if (v !== 0) {
        nonzero = true;
        if (!(Math.abs(v) <= Infinity)) nan = true;
        else if (v === Infinity || v === -Infinity) inf = true;
      }
    }
    let c = 0;
    if (nan) c = 1;
    else if (inf) c = 2;
    else if (!nonzero) c = 3;
    store<i32>(cls + ((<usize>r) << 2), c);
    store<f64>(sumsq + ((<usize>r) << 3), s);
    let a: u32 = 0x243f6a88;
    let b: u32 = 0x85a308d3;
    const n = d * wordsPerValue;
    for (let i = 0; i < n; i++) {
      const w = load<u32>(base + ((<usize>i) << 2));
      a = rotl<u32>((a ^ w) * 0x9e3779b1, 13);
      b = rotl<u32>((b ^ w) * 0x85ebca77, 17);
      b = b + a;
    }
    store<u32>(ha + ((<usize>r) << 2), fmix32(a ^ <u32>n));
    store<u32>(hb + ((<usize>r) << 2), fmix32(b ^ (<u32>n * 0xc2b2ae3d)));
  }
}

/** Columns [j0, j1) of part `part` of `parts`, in whole panels of 4. */
function colRange(d: i32, part: i32, parts: i32): i64 {
  const np = (d + 3) >> 2;
  const p0 = <i32>((<i64>np * <i64>part) / <i64>parts);
  const p1 = <i32>((<i64>np * <i64>(part + 1)) / <i64>parts);
  return ((<i64>(p0 << 2)) << 32) | <i64>min(d, p1 << 2);
}

/**
 * us[j] += x[r][j] / norm[i] for the k rows r = idx[i], in order of i (so each us[j] is the same
 * float64 sum as the reference's row-by-row loop). Columns are split by part.
 */
export function unitSumAdd(
  x: usize,
  d: i32,
  f64in: i32,
  idx: usize,
  norms: usize,
  k: i32,
  us: usize,
  part: i32,
  parts: i32,
): void {
  const range = colRange(d, part, parts);
  const j0 = <i32>(range >> 32);
  const j1 = <i32>range;
  const rowBytes = (<usize>d) << (f64in ? 3 : 2);
  for (let i = 0; i < k; i++) {
    const base = x + rowBytes * <usize>load<i32>(idx + ((<usize>i) << 2));
    const nv = load<f64>(norms + ((<usize>i) << 3));
    const n2 = f64x2.splat(nv);
    let j = j0;
    for (; j + 1 < j1; j += 2) {
      const v = f64in
        ? v128.load(base + ((<usize>j) << 3))
        : f64x2.promote_low_f32x4(v128.load64_zero(base + ((<usize>j) << 2)));
      const o = us + ((<usize>j) << 3);
      v128.store(o, f64x2.add(v128.load(o), f64x2.div(v, n2)));
    }
    for (; j < j1; j++) {
      const v: f64 = f64in ? load<f64>(base + ((<usize>j) << 3)) : <f64>load<f32>(base + ((<usize>j) << 2));
      const o = us + ((<usize>j) << 3);
      store<f64>(o, load<f64>(o) + v / nv);
    }
  }
}

/**
 * The centred, packed chunk for syrkPacked: for the k rows r = idx[i],
 * z = (x[r][j] − origin[j]) − rel[j], cm[j] = (Σ_i z) / k (summed in order of i), and
 * pack[((j >> 2)·k + i)·4 + (j & 3)] = z − cm[j]; pad lanes j ≥ d are 0. Columns split by part.
 */
export function packCentred(
  x: usize,
  d: i32,
  f64in: i32,
  idx: usize,
  k: i32,
  origin: usize,
  rel: usize,
  cm: usize,
  pack: usize,
  part: i32,
  parts: i32,
): void {
  const range = colRange(d, part, parts);
  const j0 = <i32>(range >> 32);
  const j1 = <i32>range;
  const rowBytes = (<usize>d) << (f64in ? 3 : 2);
  const panelBytes = (<usize>k) << 5;
  for (let j = j0; j < j1; j++) store<f64>(cm + ((<usize>j) << 3), 0);
  for (let i = 0; i < k; i++) {
    const base = x + rowBytes * <usize>load<i32>(idx + ((<usize>i) << 2));
    for (let j = j0; j < j1; j++) {
      const v: f64 = f64in ? load<f64>(base + ((<usize>j) << 3)) : <f64>load<f32>(base + ((<usize>j) << 2));
      const z = v - load<f64>(origin + ((<usize>j) << 3)) - load<f64>(rel + ((<usize>j) << 3));
      store<f64>(pack + panelBytes * <usize>(j >> 2) + ((<usize>i) << 5) + ((<usize>(j & 3)) << 3), z);
      const o = cm + ((<usize>j) << 3);
      store<f64>(o, load<f64>(o) + z);
    }
  }
  for (let j = j0; j < j1; j++) {
    const o = cm + ((<usize>j) << 3);
    const mj = load<f64>(o) / <f64>k;
    store<f64>(o, mj);
    const col = pack + panelBytes * <usize>(j >> 2) + ((<usize>(j & 3)) << 3);
    for (let i = 0; i < k; i++) {
      const p = col + ((<usize>i) << 5);
      store<f64>(p, load<f64>(p) - mj);
    }
  }
  // zero pad lanes of the last panel (only the part holding it)
  if (j1 === d && (d & 3) !== 0) {
    const last = pack + panelBytes * <usize>(d >> 2);
    for (let i = 0; i < k; i++)
      for (let lane = d & 3; lane < 4; lane++) store<f64>(last + ((<usize>i) << 5) + ((<usize>lane) << 3), 0);
  }
}

/**
 * Householder tridiagonalisation: the reference tred2 of src/linalg/eigh.ts (JAMA/EISPACK) with the
 * same arithmetic (elementwise updates bit for bit; the two dot products summed in four SIMD
 * partial sums instead of left to right, so results differ from the reference by rounding only),
 * on the TRANSPOSED layout: every reference access V[a][b] is
 * T[b][a] here. The input is symmetric, so T starts as the input itself; the hot loops, which walk
 * down columns of V, walk along rows of T (contiguous). On return d, e are the reference's and T
 * holds Vᵀ (the accumulated transformation, transposed) when accumulate ≠ 0.
 */
export function tred2T(T: usize, n: i32, d: usize, e: usize, accumulate: i32): void {
  const rs = (<usize>n) << 3;
  // element helpers: V[a][b] ≡ T[b][a] at T + b·rs + a·8
  for (let j = 0; j < n; j++) store<f64>(d + ((<usize>j) << 3), load<f64>(T + <usize>j * rs + ((<usize>(n - 1)) << 3)));
  for (let i = n - 1; i > 0; i--) {
    let scale: f64 = 0;
    let h: f64 = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(load<f64>(d + ((<usize>k) << 3)));
    if (scale === 0) {
      store<f64>(e + ((<usize>i) << 3), load<f64>(d + ((<usize>(i - 1)) << 3)));
      for (let j = 0; j < i; j++) {
        store<f64>(d + ((<usize>j) << 3), load<f64>(T + <usize>j * rs + ((<usize>(i - 1)) << 3)));
        store<f64>(T + <usize>j * rs + ((<usize>i) << 3), 0); // V[i][j]
        store<f64>(T + <usize>i * rs + ((<usize>j) << 3), 0); // V[j][i]
      }
    } else {
      for (let k = 0; k < i; k++) {
        const o = d + ((<usize>k) << 3);
        const v = load<f64>(o) / scale;
        store<f64>(o, v);
        h += v * v;
      }
      let f = load<f64>(d + ((<usize>(i - 1)) << 3));
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      store<f64>(e + ((<usize>i) << 3), scale * g);
      h -= f * g;
      store<f64>(d + ((<usize>(i - 1)) << 3), f - g);
      for (let j = 0; j < i; j++) store<f64>(e + ((<usize>j) << 3), 0);
      for (let j = 0; j < i; j++) {
        f = load<f64>(d + ((<usize>j) << 3));
        const tj = T + <usize>j * rs;
        store<f64>(T + <usize>i * rs + ((<usize>j) << 3), f); // V[j][i] = f
        g = load<f64>(e + ((<usize>j) << 3)) + load<f64>(tj + ((<usize>j) << 3)) * f;
        // g += T[j][k]·d[k] (a dot: four partial sums) and e[k] += T[j][k]·f (elementwise, exact
        // as the reference) for k in (j, i)
        const fv = f64x2.splat(f);
        let acc0 = f64x2.splat(0);
        let acc1 = f64x2.splat(0);
        let k = j + 1;
        for (; k + 3 < i; k += 4) {
          const o = (<usize>k) << 3;
          const v0 = v128.load(tj + o);
          const v1 = v128.load(tj + o, 16);
          acc0 = f64x2.add(acc0, f64x2.mul(v0, v128.load(d + o)));
          acc1 = f64x2.add(acc1, f64x2.mul(v1, v128.load(d + o, 16)));
          v128.store(e + o, f64x2.add(v128.load(e + o), f64x2.mul(v0, fv)));
          v128.store(e + o, f64x2.add(v128.load(e + o, 16), f64x2.mul(v1, fv)), 16);
        }
        const acc = f64x2.add(acc0, acc1);
        g += f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
        for (; k <= i - 1; k++) {
          const vkj = load<f64>(tj + ((<usize>k) << 3));
          g += vkj * load<f64>(d + ((<usize>k) << 3));
          const ek = e + ((<usize>k) << 3);
          store<f64>(ek, load<f64>(ek) + vkj * f);
        }
        store<f64>(e + ((<usize>j) << 3), g);
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        const o = e + ((<usize>j) << 3);
        const v = load<f64>(o) / h;
        store<f64>(o, v);
        f += v * load<f64>(d + ((<usize>j) << 3));
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) {
        const o = e + ((<usize>j) << 3);
        store<f64>(o, load<f64>(o) - hh * load<f64>(d + ((<usize>j) << 3)));
      }
      for (let j = 0; j < i; j++) {
        f = load<f64>(d + ((<usize>j) << 3));
        g = load<f64>(e + ((<usize>j) << 3));
        const tj = T + <usize>j * rs;
        // T[j][k] −= f·e[k] + g·d[k] for k in [j, i): elementwise, exact as the reference
        const fv2 = f64x2.splat(f);
        const gv = f64x2.splat(g);
        let k2 = j;
        for (; k2 + 1 < i; k2 += 2) {
          const o = (<usize>k2) << 3;
          const t = tj + o;
          v128.store(
            t,
            f64x2.sub(v128.load(t), f64x2.add(f64x2.mul(fv2, v128.load(e + o)), f64x2.mul(gv, v128.load(d + o)))),
          );
        }
        for (; k2 <= i - 1; k2++) {
          const o = tj + ((<usize>k2) << 3);
          store<f64>(o, load<f64>(o) - (f * load<f64>(e + ((<usize>k2) << 3)) + g * load<f64>(d + ((<usize>k2) << 3))));
        }
        store<f64>(d + ((<usize>j) << 3), load<f64>(tj + ((<usize>(i - 1)) << 3)));
        store<f64>(tj + ((<usize>i) << 3), 0); // V[i][j]
      }
    }
    store<f64>(d + ((<usize>i) << 3), h);
  }
  if (!accumulate) {
    for (let j = 0; j < n; j++) store<f64>(d + ((<usize>j) << 3), load<f64>(T + <usize>j * rs + ((<usize>j) << 3)));
    store<f64>(e, 0);
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    const ti = T + <usize>i * rs;
    const ti1 = T + <usize>(i + 1) * rs;
    store<f64>(ti + ((<usize>(n - 1)) << 3), load<f64>(ti + ((<usize>i) << 3))); // V[n-1][i] = V[i][i]
    store<f64>(ti + ((<usize>i) << 3), 1);
    const h = load<f64>(d + ((<usize>(i + 1)) << 3));
    if (h !== 0) {
      for (let k = 0; k <= i; k++) store<f64>(d + ((<usize>k) << 3), load<f64>(ti1 + ((<usize>k) << 3)) / h);
      for (let j = 0; j <= i; j++) {
        const tj = T + <usize>j * rs;
        let g: f64 = 0;
        let a0 = f64x2.splat(0);
        let a1 = f64x2.splat(0);
        let k = 0;
        for (; k + 3 <= i; k += 4) {
          const o = (<usize>k) << 3;
          a0 = f64x2.add(a0, f64x2.mul(v128.load(ti1 + o), v128.load(tj + o)));
          a1 = f64x2.add(a1, f64x2.mul(v128.load(ti1 + o, 16), v128.load(tj + o, 16)));
        }
        const a = f64x2.add(a0, a1);
        g = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
        for (; k <= i; k++) g += load<f64>(ti1 + ((<usize>k) << 3)) * load<f64>(tj + ((<usize>k) << 3));
        const gv = f64x2.splat(g);
        k = 0;
        for (; k + 1 <= i; k += 2) {
          const o = (<usize>k) << 3;
          v128.store(tj + o, f64x2.sub(v128.load(tj + o), f64x2.mul(gv, v128.load(d + o))));
        }
        for (; k <= i; k++) {
          const o = tj + ((<usize>k) << 3);
          store<f64>(o, load<f64>(o) - g * load<f64>(d + ((<usize>k) << 3)));
        }
      }
    }
    for (let k = 0; k <= i; k++) store<f64>(ti1 + ((<usize>k) << 3), 0);
  }
  for (let j = 0; j < n; j++) {
    const o = T + <usize>j * rs + ((<usize>(n - 1)) << 3);
    store<f64>(d + ((<usize>j) << 3), load<f64>(o));
    store<f64>(o, 0);
  }
  store<f64>(T + <usize>(n - 1) * rs + ((<usize>(n - 1)) << 3), 1);
  store<f64>(e, 0);
}

/**
 * Applies the Givens rotations of one QL step to the rows of W (n × n, row-major): for
 * t = 0 .. cnt − 1, i = top − t: (W[i], W[i+1]) ← (c·W[i] − s·W[i+1], s·W[i] + c·W[i+1]) with
 * c = cs[t], s = ss[t] — the reference tql2's inner update, elementwise (bit for bit). Columns are
 * independent, so they are split by part.
 */
export function applyRotations(
  W: usize,
  n: i32,
  top: i32,
  cnt: i32,
  cs: usize,
  ss: usize,
  part: i32,
  parts: i32,
): void {
  const range = colRange(n, part, parts);
  const k0 = <i32>(range >> 32);
  const k1 = <i32>range;
  const rs = (<usize>n) << 3;
  for (let t = 0; t < cnt; t++) {
    const i = top - t;
    const c = load<f64>(cs + ((<usize>t) << 3));
    const s = load<f64>(ss + ((<usize>t) << 3));
    const cv = f64x2.splat(c);
    const sv = f64x2.splat(s);
    const ri = W + <usize>i * rs;
    const rj = ri + rs;
    let k = k0;
    for (; k + 1 < k1; k += 2) {
      const o = (<usize>k) << 3;
      const wh = v128.load(rj + o);
      const wi = v128.load(ri + o);
      v128.store(rj + o, f64x2.add(f64x2.mul(sv, wi), f64x2.mul(cv, wh)));
      v128.store(ri + o, f64x2.sub(f64x2.mul(cv, wi), f64x2.mul(sv, wh)));
    }
    for (; k < k1; k++) {
      const o = (<usize>k) << 3;
      const wh = load<f64>(rj + o);
      const wi = load<f64>(ri + o);
      store<f64>(rj + o, s * wi + c * wh);
      store<f64>(ri + o, c * wi - s * wh);
    }
  }
}

/**
 * Projection out = Z·W for a float32 chunk Z (n × d, row-major, already centred by the caller)
 * and W packed as ⌈k/8⌉ panels of d rows × 8 float32 columns (panel q at wp + 32·d·q, zero
 * beyond k). out is n × k float32. Rows are split by part in blocks of 4 (register-blocked 4 × 8
 * microkernel: 8 f32x4 accumulators).
 *
 * Error bound (float32 products): products and sums run in float32 within blocks of JB = 64 terms
 * (fused with relaxed SIMD), each block's sums are added into float64, and the result is rounded
 * to float32 once, so |out − exact| ≤ (γ₆₄ + 2⁻⁵³·⌈d/64⌉)·Σ_j |z_j·w_jc| + 2⁻²⁴·|exact|, with
 * γ₆₄ = 64·2⁻²⁴/(1 − 64·2⁻²⁴) ≈ 3.8e-6. `scratch` is 256 bytes per part (at scratch + 256·part).
 */
export function projectF32(
  z: usize,
  n: i32,
  d: i32,
  wp: usize,
  k: i32,
  out: usize,
  scratch: usize,
  part: i32,
  parts: i32,
): void {
  const blocks = (n + 3) >> 2;
  const b0 = <i32>((<i64>blocks * <i64>part) / <i64>parts);
  const b1 = <i32>((<i64>blocks * <i64>(part + 1)) / <i64>parts);
  const kp = (k + 7) >> 3;
  const rowBytes = (<usize>d) << 2;
  const panelBytes = (<usize>d) << 5;
  const acc = scratch + ((<usize>part) << 8);
  // groups of 16 row blocks (64 rows, ≤ 64·d·4 bytes: in L2) × each W panel (in L1)
  for (let g0 = b0; g0 < b1; g0 += 16) {
    const g1 = min(b1, g0 + 16);
    for (let q = 0; q < kp; q++) {
      const panel = wp + panelBytes * <usize>q;
      for (let b = g0; b < g1; b++) projectTile(z, n, d, k, panel, q, b << 2, out, acc, rowBytes);
    }
  }
}

/** One 4-row × 8-column tile of projectF32 (rows i0..i0+3, panel q). */
function projectTile(
  z: usize,
  n: i32,
  d: i32,
  k: i32,
  panel: usize,
  q: i32,
  i0: i32,
  out: usize,
  acc: usize,
  rowBytes: usize,
): void {
  const JB = 64;
  // rows past n read row n − 1 (never stored)
  const r0 = z + rowBytes * <usize>min(i0, n - 1);
  const r1 = z + rowBytes * <usize>min(i0 + 1, n - 1);
  const r2 = z + rowBytes * <usize>min(i0 + 2, n - 1);
  const r3 = z + rowBytes * <usize>min(i0 + 3, n - 1);
  for (let t = 0; t < 32; t++) store<f64>(acc + ((<usize>t) << 3), 0);
  for (let j0 = 0; j0 < d; j0 += JB) {
    const j1 = min(d, j0 + JB);
    let c00 = f32x4.splat(0);
    let c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0);
    let c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0);
    let c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0);
    let c31 = f32x4.splat(0);
    for (let j = j0; j < j1; j++) {
      const wo = panel + ((<usize>j) << 5);
      const w0 = v128.load(wo);
      const w1 = v128.load(wo, 16);
      const jo = (<usize>j) << 2;
      const x0 = v128.load32_splat(r0 + jo);
      const x1 = v128.load32_splat(r1 + jo);
      const x2 = v128.load32_splat(r2 + jo);
      const x3 = v128.load32_splat(r3 + jo);
      c00 = fma32(x0, w0, c00);
      c01 = fma32(x0, w1, c01);
      c10 = fma32(x1, w0, c10);
      c11 = fma32(x1, w1, c11);
      c20 = fma32(x2, w0, c20);
      c21 = fma32(x2, w1, c21);
      c30 = fma32(x3, w0, c30);
      c31 = fma32(x3, w1, c31);
    }
    addBlock(acc, 0, c00, c01);
    addBlock(acc, 1, c10, c11);
    addBlock(acc, 2, c20, c21);
    addBlock(acc, 3, c30, c31);
  }
  for (let p = 0; p < 4; p++) {
    const i = i0 + p;
    if (i >= n) break;
    const orow = out + <usize>i * ((<usize>k) << 2);
    for (let c = 0; c < 8; c++) {
      const col = (q << 3) + c;
      if (col >= k) break;
      store<f32>(orow + ((<usize>col) << 2), <f32>load<f64>(acc + ((<usize>((p << 3) + c)) << 3)));
    }
  }
}

function fma32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** acc[row][0..8) (float64) += the 8 float32 lanes of (lo, hi). */
function addBlock(acc: usize, row: i32, lo: v128, hi: v128): void {
  const o = acc + ((<usize>row) << 6);
  v128.store(o, f64x2.add(v128.load(o), f64x2.promote_low_f32x4(lo)));
  v128.store(o, f64x2.add(v128.load(o, 16), f64x2.promote_low_f32x4(i32x4.shuffle(lo, lo, 2, 3, 0, 1))), 16);
  v128.store(o, f64x2.add(v128.load(o, 32), f64x2.promote_low_f32x4(hi)), 32);
  v128.store(o, f64x2.add(v128.load(o, 48), f64x2.promote_low_f32x4(i32x4.shuffle(hi, hi, 2, 3, 0, 1))), 48);
}
