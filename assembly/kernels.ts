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
function tile4x4Add(pa: usize, pb: usize, r0: i32, r1: i32, c: usize, ldc: i32, init: bool = false): void {
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
  if (init) {
    // the first block of rows: stored, so the caller need not zero c (0 + x = x, and a −0 here
    // only ever meets +0 in the caller's sums)
    v128.store(o, c00);
    v128.store(o, c01, 16);
    o += s;
    v128.store(o, c10);
    v128.store(o, c11, 16);
    o += s;
    v128.store(o, c20);
    v128.store(o, c21, 16);
    o += s;
    v128.store(o, c30);
    v128.store(o, c31, 16);
    return;
  }
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
 * C = Σ_r Y[r]ᵀ Y[r] (k ≥ 1) on the upper block triangle, Y packed as `np` panels of k rows × 4
 * columns (panel p at pack + 32·k·p). C is (4·np) × ldc doubles; tiles (ip, jp ≥ ip) are written
 * whole (the diagonal tiles' lower halves too), the first block of rows stored, so C need not be
 * zeroed. Thread `tid` of `nth` takes the block rows ip ≡ tid.
 */
export function syrkPacked(pack: usize, k: i32, np: i32, c: usize, ldc: i32, tid: i32, nth: i32): void {
  const panel = (<usize>k) << 5;
  for (let r0 = 0; r0 < k; r0 += KB) {
    const r1 = min(k, r0 + KB);
    for (let ip = tid; ip < np; ip += nth) {
      const pa = pack + panel * <usize>ip;
      const crow = c + ((<usize>(ip << 2) * <usize>ldc) << 3);
      for (let jp = ip; jp < np; jp++) {
        tile4x4Add(pa, pack + panel * <usize>jp, r0, r1, crow + ((<usize>jp) << 5), ldc, r0 === 0);
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
/** i32x4 rotate left by a constant. */
function rotl4(v: v128, k: i32): v128 {
  return v128.or(i32x4.shl(v, k), i32x4.shr_u(v, 32 - k));
}

/**
 * scanRows for 4 float32 rows at once (d a multiple of 4), one row per SIMD lane: the same class,
 * the same float64 sum of squares (column order, multiply then add, as the scalar loop) and the
 * same rowHash, bit for bit — only the 4 rows' independent chains are interleaved.
 */
function scanRows4(base: usize, d: i32, rowBytes: usize, r: i32, cls: usize, sumsq: usize, ha: usize, hb: usize): void {
  const p0 = base;
  const p1 = base + rowBytes;
  const p2 = p1 + rowBytes;
  const p3 = p2 + rowBytes;
  let a = i32x4.splat(0x243f6a88);
  let b = i32x4.splat(<i32>0x85a308d3);
  const m1 = i32x4.splat(<i32>0x9e3779b1);
  const m2 = i32x4.splat(<i32>0x85ebca77);
  let s01 = f64x2.splat(0); // rows 0, 1
  let s23 = f64x2.splat(0); // rows 2, 3
  let nan = i32x4.splat(0);
  let inf = i32x4.splat(0);
  let nz = i32x4.splat(0);
  const infv = f32x4.splat(Infinity);
  const zero = f32x4.splat(0);
  for (let j = 0; j < d; j += 4) {
    const o = (<usize>j) << 2;
    // 4 words of each row, transposed: wk holds word j + k of rows 0..3
    const q0 = v128.load(p0 + o);
    const q1 = v128.load(p1 + o);
    const q2 = v128.load(p2 + o);
    const q3 = v128.load(p3 + o);
    const t0 = i32x4.shuffle(q0, q1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(q2, q3, 0, 4, 1, 5);
    const t2 = i32x4.shuffle(q0, q1, 2, 6, 3, 7);
    const t3 = i32x4.shuffle(q2, q3, 2, 6, 3, 7);
    const w0 = i32x4.shuffle(t0, t1, 0, 1, 4, 5);
    const w1 = i32x4.shuffle(t0, t1, 2, 3, 6, 7);
    const w2 = i32x4.shuffle(t2, t3, 0, 1, 4, 5);
    const w3 = i32x4.shuffle(t2, t3, 2, 3, 6, 7);
    // class: any NaN (v ≠ v), any ±Inf, any non-zero
    nan = v128.or(
      nan,
      v128.or(v128.or(f32x4.ne(w0, w0), f32x4.ne(w1, w1)), v128.or(f32x4.ne(w2, w2), f32x4.ne(w3, w3))),
    );
    inf = v128.or(
      inf,
      v128.or(
        v128.or(f32x4.eq(f32x4.abs(w0), infv), f32x4.eq(f32x4.abs(w1), infv)),
        v128.or(f32x4.eq(f32x4.abs(w2), infv), f32x4.eq(f32x4.abs(w3), infv)),
      ),
    );
    nz = v128.or(
      nz,
      v128.or(v128.or(f32x4.ne(w0, zero), f32x4.ne(w1, zero)), v128.or(f32x4.ne(w2, zero), f32x4.ne(w3, zero))),
    );
    // sums of squares in column order (rows 0,1 in s01; rows 2,3 in s23)
    let lo = f64x2.promote_low_f32x4(w0);
    let hi = f64x2.promote_low_f32x4(i32x4.shuffle(w0, w0, 2, 3, 0, 1));
    s01 = f64x2.add(s01, f64x2.mul(lo, lo));
    s23 = f64x2.add(s23, f64x2.mul(hi, hi));
    lo = f64x2.promote_low_f32x4(w1);
    hi = f64x2.promote_low_f32x4(i32x4.shuffle(w1, w1, 2, 3, 0, 1));
    s01 = f64x2.add(s01, f64x2.mul(lo, lo));
    s23 = f64x2.add(s23, f64x2.mul(hi, hi));
    lo = f64x2.promote_low_f32x4(w2);
    hi = f64x2.promote_low_f32x4(i32x4.shuffle(w2, w2, 2, 3, 0, 1));
    s01 = f64x2.add(s01, f64x2.mul(lo, lo));
    s23 = f64x2.add(s23, f64x2.mul(hi, hi));
    lo = f64x2.promote_low_f32x4(w3);
    hi = f64x2.promote_low_f32x4(i32x4.shuffle(w3, w3, 2, 3, 0, 1));
    s01 = f64x2.add(s01, f64x2.mul(lo, lo));
    s23 = f64x2.add(s23, f64x2.mul(hi, hi));
    // rowHash, word by word
    a = rotl4(i32x4.mul(v128.xor(a, w0), m1), 13);
    b = i32x4.add(rotl4(i32x4.mul(v128.xor(b, w0), m2), 17), a);
    a = rotl4(i32x4.mul(v128.xor(a, w1), m1), 13);
    b = i32x4.add(rotl4(i32x4.mul(v128.xor(b, w1), m2), 17), a);
    a = rotl4(i32x4.mul(v128.xor(a, w2), m1), 13);
    b = i32x4.add(rotl4(i32x4.mul(v128.xor(b, w2), m2), 17), a);
    a = rotl4(i32x4.mul(v128.xor(a, w3), m1), 13);
    b = i32x4.add(rotl4(i32x4.mul(v128.xor(b, w3), m2), 17), a);
  }
  // rows r..r+3 are adjacent in every output array: one store each
  const cl = v128.bitselect(i32x4.splat(1), v128.bitselect(i32x4.splat(2), v128.andnot(i32x4.splat(3), nz), inf), nan);
  const row = <usize>r;
  v128.store(cls + (row << 2), cl);
  v128.store(sumsq + (row << 3), s01);
  v128.store(sumsq + (row << 3), s23, 16);
  v128.store(ha + (row << 2), fmix4(v128.xor(a, i32x4.splat(d))));
  v128.store(hb + (row << 2), fmix4(v128.xor(b, i32x4.splat(<i32>(<u32>d * 0xc2b2ae3d)))));
}

/** fmix32 on each i32x4 lane. */
function fmix4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(<i32>0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

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
  let r = r0;
  if (!f64in && (d & 3) === 0) {
    for (; r + 4 <= r1; r += 4) scanRows4(x + rowBytes * <usize>r, d, rowBytes, r, cls, sumsq, ha, hb);
  }
  for (; r < r1; r++) {
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
 * The centred, packed chunk for syrkPacked: for the k rows r = idx[i],
 * z = (x[r][j] − origin[j]) − rel[j], cm[j] = (Σ_i z) / k (summed in order of i), and
 * pack[((j >> 2)·k + i)·4 + (j & 3)] = z − cm[j]; pad lanes j ≥ d are 0. Columns split by part.
 * With us ≠ 0, also the unit-row sums in the same read of the rows: us[j] += x[r][j] / norms[i]
 * in order of i (the reference's row-by-row sum, bit for bit).
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
  norms: usize,
  us: usize,
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
    const nv = us ? load<f64>(norms + ((<usize>i) << 3)) : 1;
    for (let j = j0; j < j1; j++) {
      const v: f64 = f64in ? load<f64>(base + ((<usize>j) << 3)) : <f64>load<f32>(base + ((<usize>j) << 2));
      const z = v - load<f64>(origin + ((<usize>j) << 3)) - load<f64>(rel + ((<usize>j) << 3));
      store<f64>(pack + panelBytes * <usize>(j >> 2) + ((<usize>i) << 5) + ((<usize>(j & 3)) << 3), z);
      const o = cm + ((<usize>j) << 3);
      store<f64>(o, load<f64>(o) + z);
      if (us) {
        const u = us + ((<usize>j) << 3);
        store<f64>(u, load<f64>(u) + v / nv);
      }
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

// ---- mixed precision covariance: float32 products, float32 sums within blocks of KB32 rows,
// float64 across blocks (ProfileOptions.precision = "mixed", the default).
//
// Error bound, per chunk: each column j is scaled by a power of two s_j (exact) that puts
// |z − cm| below 1, so float32 never overflows, whatever the input's range; the packed values
// are y = fl32(s·(z − cm)) (z, cm float64 as in packCentred; one rounding: relative error
// ≤ u = 2⁻²⁴). Each 4 × 8 tile sums y_ri·y_rj over KB32 consecutive rows in float32 (fused
// multiply-add with relaxed SIMD, multiply then add without), then adds that block sum into the
// float64 output, which the caller unscales by 1/(s_i·s_j) (exact). So for every entry
//   |Ĉ_ij − C_ij| ≤ (γ_KB32 + 2u + u²)·Σ_r |w_ri·w_rj| + k·2⁻¹²⁴·max_r|w_ri|·max_r|w_rj| + (float64
//   rounding), with w = z − cm, γ_KB32 = KB32·u/(1 − KB32·u) ≈ 7.63e-6 for KB32 = 128 (the second
//   term is float32 underflow); as Σ_r |w_ri·w_rj| ≤ √(C_ii·C_jj) and max_r w_ri² ≤ C_ii,
//   |Ĉ_ij − C_ij| ≤ 7.8e-6 · √(C_ii·C_jj),
// hence every eigenvalue moves by at most ‖ΔC‖₂ ≤ ‖ΔC‖_F ≤ 7.8e-6 · trace(C) (Weyl). Rounding
// errors of independent blocks mostly cancel: observed errors are ~1e-9 of the trace.

/** Rows summed in float32 before a tile's sums go into the float64 output. */
const KB32: i32 = 128;

/**
 * The centred chunk of packCentred (same z, same cm, bit for bit), packed for syrkPackedF32 as
 * float32 panels of 8 columns: pack[((j >> 3)·k + i)·8 + (j & 7)] = fl32(s_j·(z_ij − cm[j])),
 * s_j = scale[j] = 2^−(e_j + 2) with 2^e_j ≤ max_i |z_ij| < 2^(e_j + 1) (1 for a zero column), so
 * |packed| < 1; lanes j ≥ d are 0. Panels are split by part. With us ≠ 0, the unit-row sums as
 * packCentred adds them.
 */
export function packCentredF32(
  x: usize,
  d: i32,
  f64in: i32,
  idx: usize,
  k: i32,
  origin: usize,
  rel: usize,
  cm: usize,
  scale: usize,
  norms: usize,
  us: usize,
  pack: usize,
  part: i32,
  parts: i32,
): void {
  const np = (d + 7) >> 3;
  const p0 = <i32>((<i64>np * <i64>part) / <i64>parts);
  const p1 = <i32>((<i64>np * <i64>(part + 1)) / <i64>parts);
  if (p0 >= p1) return;
  const j0 = p0 << 3;
  const j1 = min(d, p1 << 3);
  const jv = j0 + ((j1 - j0) & ~1); // columns [j0, jv) two at a time
  const sh: usize = f64in ? 3 : 2;
  const rowBytes = (<usize>d) << sh;
  for (let j = j0; j < j1; j++) {
    store<f64>(cm + ((<usize>j) << 3), 0);
    store<f64>(scale + ((<usize>j) << 3), 0); // max |z| until the end of this pass
  }
  // cm: Σ_i z_ij in row order (as packCentred), two columns per f64x2; and max_i |z_ij|
  for (let i = 0; i < k; i++) {
    const base = x + rowBytes * <usize>load<i32>(idx + ((<usize>i) << 2));
    const nv = us ? load<f64>(norms + ((<usize>i) << 3)) : 1;
    const n2 = f64x2.splat(nv);
    // (the input type is branched on outside the loops: a ternary would load both ways)
    if (f64in) {
      for (let j = j0; j < jv; j += 2) {
        const o = (<usize>j) << 3;
        const v = v128.load(base + o);
        const z = f64x2.sub(f64x2.sub(v, v128.load(origin + o)), v128.load(rel + o));
        v128.store(cm + o, f64x2.add(v128.load(cm + o), z));
        v128.store(scale + o, f64x2.pmax(v128.load(scale + o), f64x2.abs(z)));
        if (us) v128.store(us + o, f64x2.add(v128.load(us + o), f64x2.div(v, n2)));
      }
    } else {
      for (let j = j0; j < jv; j += 2) {
        const o = (<usize>j) << 3;
        const v = f64x2.promote_low_f32x4(v128.load64_zero(base + ((<usize>j) << 2)));
        const z = f64x2.sub(f64x2.sub(v, v128.load(origin + o)), v128.load(rel + o));
        v128.store(cm + o, f64x2.add(v128.load(cm + o), z));
        v128.store(scale + o, f64x2.pmax(v128.load(scale + o), f64x2.abs(z)));
        if (us) v128.store(us + o, f64x2.add(v128.load(us + o), f64x2.div(v, n2)));
      }
    }
    for (let j = jv; j < j1; j++) {
      const o = (<usize>j) << 3;
      const v: f64 = f64in ? load<f64>(base + o) : <f64>load<f32>(base + ((<usize>j) << 2));
      const z = v - load<f64>(origin + o) - load<f64>(rel + o);
      store<f64>(cm + o, load<f64>(cm + o) + z);
      store<f64>(scale + o, max(load<f64>(scale + o), abs(z)));
      if (us) store<f64>(us + o, load<f64>(us + o) + v / nv);
    }
  }
  const kf = <f64>k;
  for (let j = j0; j < j1; j++) {
    const o = cm + ((<usize>j) << 3);
    store<f64>(o, load<f64>(o) / kf);
    const so = scale + ((<usize>j) << 3);
    const mx = load<f64>(so);
    let s: f64 = 1;
    if (mx > 0) {
      // e = ⌊log₂ mx⌋ from the exponent bits (subnormals: −1023), clamped so 2^−(e + 2) is normal
      const e = <i32>((reinterpret<u64>(mx) >> 52) & 0x7ff) - 1023;
      const p = min(1021, max(-1020, -(e + 2)));
      s = reinterpret<f64>((<u64>(1023 + p)) << 52);
    }
    store<f64>(so, s);
  }
  // pack, 64 rows at a time so their source rows stay in L2 while every panel is written
  const panelBytes = (<usize>k) << 5;
  for (let i0 = 0; i0 < k; i0 += 64) {
    const i1 = min(k, i0 + 64);
    for (let p = p0; p < p1; p++) {
      const c0 = p << 3;
      const full = c0 + 8 <= d;
      const dst = pack + panelBytes * <usize>p;
      for (let i = i0; i < i1; i++) {
        const base = x + rowBytes * <usize>load<i32>(idx + ((<usize>i) << 2));
        const out = dst + ((<usize>i) << 5);
        if (full) {
          for (let h = 0; h < 2; h++) {
            const j = c0 + (h << 2);
            const o = (<usize>j) << 3;
            let va: v128;
            let vb: v128;
            if (f64in) {
              va = v128.load(base + o);
              vb = v128.load(base + o, 16);
            } else {
              const w = v128.load(base + ((<usize>j) << 2));
              va = f64x2.promote_low_f32x4(w);
              vb = f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1));
            }
            const ya = f64x2.mul(
              f64x2.sub(f64x2.sub(f64x2.sub(va, v128.load(origin + o)), v128.load(rel + o)), v128.load(cm + o)),
              v128.load(scale + o),
            );
            const yb = f64x2.mul(
              f64x2.sub(
                f64x2.sub(f64x2.sub(vb, v128.load(origin + o, 16)), v128.load(rel + o, 16)),
                v128.load(cm + o, 16),
              ),
              v128.load(scale + o, 16),
            );
            const fa = f32x4.demote_f64x2_zero(ya);
            const fb = f32x4.demote_f64x2_zero(yb);
            v128.store(out + ((<usize>h) << 4), i32x4.shuffle(fa, fb, 0, 1, 4, 5));
          }
        } else {
          for (let lane = 0; lane < 8; lane++) {
            const j = c0 + lane;
            let y: f32 = 0;
            if (j < d) {
              const o = (<usize>j) << 3;
              const v: f64 = f64in ? load<f64>(base + o) : <f64>load<f32>(base + ((<usize>j) << 2));
              y = <f32>((v - load<f64>(origin + o) - load<f64>(rel + o) - load<f64>(cm + o)) * load<f64>(scale + o));
            }
            store<f32>(out + ((<usize>lane) << 2), y);
          }
        }
      }
    }
  }
}

/** acc row (8 float64 at o) += the 8 float32 lanes of (lo, hi). */
function addRow8(o: usize, lo: v128, hi: v128): void {
  v128.store(o, f64x2.add(v128.load(o), f64x2.promote_low_f32x4(lo)));
  v128.store(o, f64x2.add(v128.load(o, 16), f64x2.promote_low_f32x4(i32x4.shuffle(lo, lo, 2, 3, 0, 1))), 16);
  v128.store(o, f64x2.add(v128.load(o, 32), f64x2.promote_low_f32x4(hi)), 32);
  v128.store(o, f64x2.add(v128.load(o, 48), f64x2.promote_low_f32x4(i32x4.shuffle(hi, hi, 2, 3, 0, 1))), 48);
}

/** The first block's float32 sums, widened, stored over the 8 doubles at o (see tile4x4Add's init). */
function storeRow8(o: usize, lo: v128, hi: v128): void {
  v128.store(o, f64x2.promote_low_f32x4(lo));
  v128.store(o, f64x2.promote_low_f32x4(i32x4.shuffle(lo, lo, 2, 3, 0, 1)), 16);
  v128.store(o, f64x2.promote_low_f32x4(hi), 32);
  v128.store(o, f64x2.promote_low_f32x4(i32x4.shuffle(hi, hi, 2, 3, 0, 1)), 48);
}

/**
 * 4 × 8 tile of Σ_r A[r] ⊗ B[r], r in [r0, r1), in float32: A is 4 float32 lanes at pa + as·r
 * (as = 32: 4 lanes of an 8-wide panel; 16: a 4-row panel), B a whole 8-wide panel (row r at
 * pb + 32·r); the float32 sums are added into the float64 4 × 8 tile at c (row stride cs bytes),
 * or stored over it with `init`.
 */
function tile4x8F32(pa: usize, as: usize, pb: usize, r0: i32, r1: i32, c: usize, cs: usize, init: bool): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let a = pa + as * <usize>r0;
  let b = pb + ((<usize>r0) << 5);
  const end = pa + as * <usize>r1;
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = fma32(x, b0, c00);
    c01 = fma32(x, b1, c01);
    x = v128.load32_splat(a, 4);
    c10 = fma32(x, b0, c10);
    c11 = fma32(x, b1, c11);
    x = v128.load32_splat(a, 8);
    c20 = fma32(x, b0, c20);
    c21 = fma32(x, b1, c21);
    x = v128.load32_splat(a, 12);
    c30 = fma32(x, b0, c30);
    c31 = fma32(x, b1, c31);
    a += as;
    b += 32;
  }
  if (init) {
    storeRow8(c, c00, c01);
    storeRow8(c + cs, c10, c11);
    storeRow8(c + 2 * cs, c20, c21);
    storeRow8(c + 3 * cs, c30, c31);
    return;
  }
  addRow8(c, c00, c01);
  addRow8(c + cs, c10, c11);
  addRow8(c + 2 * cs, c20, c21);
  addRow8(c + 3 * cs, c30, c31);
}

/**
 * C = Σ_r Y[r]ᵀ Y[r] (k ≥ 1; mixed precision, see above) on the upper block triangle, Y packed by
 * packCentredF32 as `np` float32 panels of k rows × 8 columns. C is (8·np) × ldc doubles; 4 × 8
 * tiles (rows 4·ib.., columns 8·jp.. with jp ≥ ib/2) are written whole, the first block stored. Part `tid` of `nth`
 * takes the 4-row blocks ib ≡ tid (mod nth).
 */
export function syrkPackedF32(pack: usize, k: i32, np: i32, c: usize, ldc: i32, tid: i32, nth: i32): void {
  const panel = (<usize>k) << 5;
  const nb = np << 1;
  for (let r0 = 0; r0 < k; r0 += KB32) {
    const r1 = min(k, r0 + KB32);
    for (let ib = tid; ib < nb; ib += nth) {
      const pa = pack + panel * <usize>(ib >> 1) + ((<usize>(ib & 1)) << 4);
      const crow = c + ((<usize>(ib << 2) * <usize>ldc) << 3);
      for (let jp = ib >> 1; jp < np; jp++) {
        tile4x8F32(pa, 32, pack + panel * <usize>jp, r0, r1, crow + ((<usize>jp) << 6), (<usize>ldc) << 3, r0 === 0);
      }
    }
  }
}

/**
 * C[i·d + j] += c[i·dp + j]·(inv_i·inv_j) + (w·δ_i)·δ_j for i ≤ j < d, rows split by area: a
 * kernel's padded upper-triangle output merged into the running scatter C (d × d), unscaled by the
 * column scales `inv` (0: none) and with Chan's rank-one merge term (delta = 0: none). Plain
 * multiplies and adds in this order (never fused), so the sums are those of the same loop in JS.
 */
export function mergeUpper(
  c: usize,
  dp: i32,
  C: usize,
  d: i32,
  inv: usize,
  delta: usize,
  w: f64,
  part: i32,
  parts: i32,
): void {
  const r0 = triRows(d, part, parts);
  const r1 = triRows(d, part + 1, parts);
  for (let i = r0; i < r1; i++) {
    const src = c + ((<usize>i * <usize>dp) << 3);
    const dst = C + ((<usize>i * <usize>d) << 3);
    const si = inv ? load<f64>(inv + ((<usize>i) << 3)) : 1;
    const di = delta ? load<f64>(delta + ((<usize>i) << 3)) * w : 0;
    const siv = f64x2.splat(si);
    const div = f64x2.splat(di);
    let j = i;
    if (inv && delta) {
      for (; j + 1 < d; j += 2) {
        const o = (<usize>j) << 3;
        const t = f64x2.add(
          f64x2.mul(v128.load(src + o), f64x2.mul(siv, v128.load(inv + o))),
          f64x2.mul(div, v128.load(delta + o)),
        );
        v128.store(dst + o, f64x2.add(v128.load(dst + o), t));
      }
    } else if (inv) {
      for (; j + 1 < d; j += 2) {
        const o = (<usize>j) << 3;
        const t = f64x2.mul(v128.load(src + o), f64x2.mul(siv, v128.load(inv + o)));
        v128.store(dst + o, f64x2.add(v128.load(dst + o), t));
      }
    } else if (delta) {
      for (; j + 1 < d; j += 2) {
        const o = (<usize>j) << 3;
        const t = f64x2.add(v128.load(src + o), f64x2.mul(div, v128.load(delta + o)));
        v128.store(dst + o, f64x2.add(v128.load(dst + o), t));
      }
    } else {
      for (; j + 1 < d; j += 2) {
        const o = (<usize>j) << 3;
        v128.store(dst + o, f64x2.add(v128.load(dst + o), v128.load(src + o)));
      }
    }
    for (; j < d; j++) {
      const o = (<usize>j) << 3;
      let t = load<f64>(src + o);
      if (inv) t *= si * load<f64>(inv + o);
      if (delta) t += di * load<f64>(delta + o);
      store<f64>(dst + o, load<f64>(dst + o) + t);
    }
  }
}

/**
 * Rows [r0, r1) of part `part` of `parts` of the upper triangle of an i × i block (row j holds
 * i − j entries), balanced by area. Depends on (i, part, parts) only.
 */
function triRows(i: i32, part: i32, parts: i32): i32 {
  if (part <= 0) return 0;
  if (part >= parts) return i;
  return i - <i32>Math.floor(<f64>i * Math.sqrt(1 - <f64>part / <f64>parts));
}

/**
 * One pass of the fused Householder tridiagonalisation (see FastKernels.eigh) over the rows
 * j ∈ [0, i) of part `part` (upper triangle, T row-major with row stride n):
 *   if pend ≠ 0: T[j][k] −= dP[j]·eP[k] + eP[j]·dP[k] for k ∈ [j, i) — the previous step's rank-2
 *     update, elementwise as the reference — and T[j][i + 1] = 0;
 *   if sym ≠ 0: with the updated row, g[j] = Σ_{k ≥ j, k < i} T[j][k]·u[k] (partial sums) and
 *     acc_part[k] += T[j][k]·u[j] for k ∈ (j, i), acc_part = acc + part·n (zeroed here first).
 * Each part's output is a function of (i, part, parts) only, so any thread count gives the same.
 */
export function tredPass(
  T: usize,
  n: i32,
  i: i32,
  pend: i32,
  dP: usize,
  eP: usize,
  sym: i32,
  u: usize,
  g: usize,
  acc: usize,
  part: i32,
  parts: i32,
): void {
  const r0 = triRows(i, part, parts);
  const r1 = triRows(i, part + 1, parts);
  const rs = (<usize>n) << 3;
  const ac = acc + <usize>part * rs;
  if (sym) memory.fill(ac, 0, (<usize>i) << 3);
  for (let j = r0; j < r1; j++) {
    const tj = T + <usize>j * rs;
    const jo = (<usize>j) << 3;
    let dj: f64 = 0;
    let ej: f64 = 0;
    if (pend) {
      dj = load<f64>(dP + jo);
      ej = load<f64>(eP + jo);
      store<f64>(tj + jo, load<f64>(tj + jo) - (dj * load<f64>(eP + jo) + ej * load<f64>(dP + jo)));
      store<f64>(tj + ((<usize>(i + 1)) << 3), 0);
    }
    if (!sym) {
      if (pend) {
        const djv = f64x2.splat(dj);
        const ejv = f64x2.splat(ej);
        let k = j + 1;
        for (; k + 1 < i; k += 2) {
          const o = (<usize>k) << 3;
          const t = f64x2.sub(
            v128.load(tj + o),
            f64x2.add(f64x2.mul(djv, v128.load(eP + o)), f64x2.mul(ejv, v128.load(dP + o))),
          );
          v128.store(tj + o, t);
        }
        for (; k < i; k++) {
          const o = (<usize>k) << 3;
          store<f64>(tj + o, load<f64>(tj + o) - (dj * load<f64>(eP + o) + ej * load<f64>(dP + o)));
        }
      }
      continue;
    }
    const uj = load<f64>(u + jo);
    const ujv = f64x2.splat(uj);
    let gs: f64 = load<f64>(tj + jo) * uj;
    let a0 = f64x2.splat(0);
    let a1 = f64x2.splat(0);
    let k = j + 1;
    if (pend) {
      const djv = f64x2.splat(dj);
      const ejv = f64x2.splat(ej);
      for (; k + 3 < i; k += 4) {
        const o = (<usize>k) << 3;
        const t0 = f64x2.sub(
          v128.load(tj + o),
          f64x2.add(f64x2.mul(djv, v128.load(eP + o)), f64x2.mul(ejv, v128.load(dP + o))),
        );
        const t1 = f64x2.sub(
          v128.load(tj + o, 16),
          f64x2.add(f64x2.mul(djv, v128.load(eP + o, 16)), f64x2.mul(ejv, v128.load(dP + o, 16))),
        );
        v128.store(tj + o, t0);
        v128.store(tj + o, t1, 16);
        a0 = fma(t0, v128.load(u + o), a0);
        a1 = fma(t1, v128.load(u + o, 16), a1);
        v128.store(ac + o, fma(t0, ujv, v128.load(ac + o)));
        v128.store(ac + o, fma(t1, ujv, v128.load(ac + o, 16)), 16);
      }
      for (; k < i; k++) {
        const o = (<usize>k) << 3;
        const t = load<f64>(tj + o) - (dj * load<f64>(eP + o) + ej * load<f64>(dP + o));
        store<f64>(tj + o, t);
        gs += t * load<f64>(u + o);
        store<f64>(ac + o, load<f64>(ac + o) + t * uj);
      }
    } else {
      for (; k + 3 < i; k += 4) {
        const o = (<usize>k) << 3;
        const t0 = v128.load(tj + o);
        const t1 = v128.load(tj + o, 16);
        a0 = fma(t0, v128.load(u + o), a0);
        a1 = fma(t1, v128.load(u + o, 16), a1);
        v128.store(ac + o, fma(t0, ujv, v128.load(ac + o)));
        v128.store(ac + o, fma(t1, ujv, v128.load(ac + o, 16)), 16);
      }
      for (; k < i; k++) {
        const o = (<usize>k) << 3;
        const t = load<f64>(tj + o);
        gs += t * load<f64>(u + o);
        store<f64>(ac + o, load<f64>(ac + o) + t * uj);
      }
    }
    const a = f64x2.add(a0, a1);
    store<f64>(g + jo, gs + (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)));
  }
}

/**
 * The reference tred2's accumulation of the transformation for the steps i ∈ [i0, i0 + cnt), on
 * the transposed layout, several steps per pass over a row (the row stays in cache): for rows
 * j ∈ [0, i0 + cnt) of this part, for each step i ≥ j in order with hs[i − i0] ≠ 0:
 *   g = Σ_{k ≤ i} R_i[k]·T[j][k] (partial sums as before), T[j][k] −= g·D_i[k] for k ≤ i,
 * where R_i (the reflector, row i + 1 of T before the steps) and D_i = R_i / h are stored at
 * refl + (i − i0)·n and dv + (i − i0)·n. Elementwise as the reference; each row is one part's.
 */
export function accumulateSteps(
  T: usize,
  n: i32,
  i0: i32,
  cnt: i32,
  refl: usize,
  dv: usize,
  hs: usize,
  part: i32,
  parts: i32,
): void {
  const rows = i0 + cnt;
  const r0 = <i32>((<i64>rows * <i64>part) / <i64>parts);
  const r1 = <i32>((<i64>rows * <i64>(part + 1)) / <i64>parts);
  const rs = (<usize>n) << 3;
  for (let j = r0; j < r1; j++) {
    const tj = T + <usize>j * rs;
    for (let s = max(0, j - i0); s < cnt; s++) {
      if (load<f64>(hs + ((<usize>s) << 3)) === 0) continue;
      const i = i0 + s;
      const ri = refl + <usize>s * rs;
      const di = dv + <usize>s * rs;
      let a0 = f64x2.splat(0);
      let a1 = f64x2.splat(0);
      let k = 0;
      for (; k + 3 <= i; k += 4) {
        const o = (<usize>k) << 3;
        a0 = f64x2.add(a0, f64x2.mul(v128.load(ri + o), v128.load(tj + o)));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(ri + o, 16), v128.load(tj + o, 16)));
      }
      const a = f64x2.add(a0, a1);
      let g = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
      for (; k <= i; k++) g += load<f64>(ri + ((<usize>k) << 3)) * load<f64>(tj + ((<usize>k) << 3));
      const gv = f64x2.splat(g);
      k = 0;
      for (; k + 1 <= i; k += 2) {
        const o = (<usize>k) << 3;
        v128.store(tj + o, f64x2.sub(v128.load(tj + o), f64x2.mul(gv, v128.load(di + o))));
      }
      for (; k <= i; k++) {
        const o = tj + ((<usize>k) << 3);
        store<f64>(o, load<f64>(o) - g * load<f64>(di + ((<usize>k) << 3)));
      }
    }
  }
}

/**
 * Applies several recorded QL steps' Givens rotations to the rows of W (n × n, row-major) in
 * order: step q rotates, for t = 0 .. cnts[q] − 1 and i = tops[q] − t, (W[i], W[i+1]) ←
 * (c·W[i] − s·W[i+1], s·W[i] + c·W[i+1]) with c = cs[offs[q] + t], s = ss[offs[q] + t] — the
 * reference tql2's update, elementwise (bit for bit, whatever the split into parts). Columns are
 * independent: this part's columns are done in strips of 8 that stay in cache through all the steps.
 */
export function applyRotationSteps(
  W: usize,
  n: i32,
  nsteps: i32,
  tops: usize,
  cnts: usize,
  offs: usize,
  cs: usize,
  ss: usize,
  buf: usize,
  part: i32,
  parts: i32,
): void {
  const range = colRange(n, part, parts);
  const k0 = <i32>(range >> 32);
  const k1 = <i32>range;
  const rs = (<usize>n) << 3;
  const strip = buf + <usize>part * ((<usize>n) << 6);
  for (let c0 = k0; c0 < k1; c0 += 8) {
    const w = min(8, k1 - c0);
    const base = W + ((<usize>c0) << 3);
    // a full strip is copied to contiguous memory (n × 64 bytes) for the steps: the walk down the
    // rows then stays on a few pages instead of one page per row
    if (w === 8) for (let r = 0; r < n; r++) memory.copy(strip + ((<usize>r) << 6), base + <usize>r * rs, 64);
    for (let q = 0; q < nsteps; q++) {
      const top = load<i32>(tops + ((<usize>q) << 2));
      const cnt = load<i32>(cnts + ((<usize>q) << 2));
      const off = <usize>load<i32>(offs + ((<usize>q) << 2));
      if (cnt <= 0) continue;
      if (w === 8) {
        // carry row i + 1 in registers down the sweep
        let p = strip + ((<usize>(top + 1)) << 6);
        let h0 = v128.load(p);
        let h1 = v128.load(p, 16);
        let h2 = v128.load(p, 32);
        let h3 = v128.load(p, 48);
        for (let t = 0; t < cnt; t++) {
          const c = load<f64>(cs + ((off + <usize>t) << 3));
          const s = load<f64>(ss + ((off + <usize>t) << 3));
          const cv = f64x2.splat(c);
          const sv = f64x2.splat(s);
          const ri = p - 64;
          const w0 = v128.load(ri);
          const w1 = v128.load(ri, 16);
          const w2 = v128.load(ri, 32);
          const w3 = v128.load(ri, 48);
          v128.store(p, f64x2.add(f64x2.mul(sv, w0), f64x2.mul(cv, h0)));
          v128.store(p, f64x2.add(f64x2.mul(sv, w1), f64x2.mul(cv, h1)), 16);
          v128.store(p, f64x2.add(f64x2.mul(sv, w2), f64x2.mul(cv, h2)), 32);
          v128.store(p, f64x2.add(f64x2.mul(sv, w3), f64x2.mul(cv, h3)), 48);
          h0 = f64x2.sub(f64x2.mul(cv, w0), f64x2.mul(sv, h0));
          h1 = f64x2.sub(f64x2.mul(cv, w1), f64x2.mul(sv, h1));
          h2 = f64x2.sub(f64x2.mul(cv, w2), f64x2.mul(sv, h2));
          h3 = f64x2.sub(f64x2.mul(cv, w3), f64x2.mul(sv, h3));
          p = ri;
        }
        v128.store(p, h0);
        v128.store(p, h1, 16);
        v128.store(p, h2, 32);
        v128.store(p, h3, 48);
      } else {
        for (let t = 0; t < cnt; t++) {
          const c = load<f64>(cs + ((off + <usize>t) << 3));
          const s = load<f64>(ss + ((off + <usize>t) << 3));
          const ri = base + <usize>(top - t) * rs;
          const rj = ri + rs;
          for (let k = 0; k < w; k++) {
            const o = (<usize>k) << 3;
            const wh = load<f64>(rj + o);
            const wi = load<f64>(ri + o);
            store<f64>(rj + o, s * wi + c * wh);
            store<f64>(ri + o, c * wi - s * wh);
          }
        }
      }
    }
    if (w === 8) for (let r = 0; r < n; r++) memory.copy(base + <usize>r * rs, strip + ((<usize>r) << 6), 64);
  }
}

/**
 * z = fl32(x − mu) for the float32 rows × d matrix x (mu float64; the difference in float64,
 * rounded once), rows split by part. The centring before projectF32.
 */
export function centreF32(x: usize, rows: i32, d: i32, mu: usize, z: usize, part: i32, parts: i32): void {
  const r0 = <i32>((<i64>rows * <i64>part) / <i64>parts);
  const r1 = <i32>((<i64>rows * <i64>(part + 1)) / <i64>parts);
  const rowBytes = (<usize>d) << 2;
  const jv = d & ~3;
  for (let r = r0; r < r1; r++) {
    const src = x + rowBytes * <usize>r;
    const dst = z + rowBytes * <usize>r;
    for (let j = 0; j < jv; j += 4) {
      const m = mu + ((<usize>j) << 3);
      v128.store(dst + ((<usize>j) << 2), centre4(v128.load(src + ((<usize>j) << 2)), v128.load(m), v128.load(m, 16)));
    }
    for (let j = jv; j < d; j++) {
      const o = (<usize>j) << 2;
      store<f32>(dst + o, <f32>(<f64>load<f32>(src + o) - load<f64>(mu + ((<usize>j) << 3))));
    }
  }
}

/**
 * The rows of a float32 n × d chunk x, centred and packed for projectF32: z = fl32(x − mu) (the
 * difference in float64, rounded once; mu float64), in panels of 4 rows, panel b at
 * pack + 16·d·b holding z[4b + lane][j] at j·4 + lane (rows ≥ n: 0). Panels split by part.
 */
export function packRowsF32(x: usize, n: i32, d: i32, mu: usize, pack: usize, part: i32, parts: i32): void {
  const blocks = (n + 3) >> 2;
  const b0 = <i32>((<i64>blocks * <i64>part) / <i64>parts);
  const b1 = <i32>((<i64>blocks * <i64>(part + 1)) / <i64>parts);
  const rowBytes = (<usize>d) << 2;
  const jv = d & ~3;
  for (let b = b0; b < b1; b++) {
    const panel = pack + ((<usize>b * <usize>d) << 4);
    const full = (b << 2) + 4 <= n;
    if (full) {
      const s0 = x + rowBytes * <usize>(b << 2);
      const s1 = s0 + rowBytes;
      const s2 = s1 + rowBytes;
      const s3 = s2 + rowBytes;
      // 4 columns of the 4 rows at a time: centre, round, transpose
      for (let j = 0; j < jv; j += 4) {
        const o = (<usize>j) << 2;
        const m = mu + ((<usize>j) << 3);
        const mlo = v128.load(m);
        const mhi = v128.load(m, 16);
        const q0 = centre4(v128.load(s0 + o), mlo, mhi);
        const q1 = centre4(v128.load(s1 + o), mlo, mhi);
        const q2 = centre4(v128.load(s2 + o), mlo, mhi);
        const q3 = centre4(v128.load(s3 + o), mlo, mhi);
        const t0 = i32x4.shuffle(q0, q1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(q2, q3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(q0, q1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(q2, q3, 2, 6, 3, 7);
        const dst = panel + ((<usize>j) << 4);
        v128.store(dst, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
        v128.store(dst, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
        v128.store(dst, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
        v128.store(dst, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
      }
      for (let j = jv; j < d; j++) {
        const mj = load<f64>(mu + ((<usize>j) << 3));
        const o = (<usize>j) << 2;
        const dst = panel + ((<usize>j) << 4);
        store<f32>(dst, <f32>(<f64>load<f32>(s0 + o) - mj));
        store<f32>(dst, <f32>(<f64>load<f32>(s1 + o) - mj), 4);
        store<f32>(dst, <f32>(<f64>load<f32>(s2 + o) - mj), 8);
        store<f32>(dst, <f32>(<f64>load<f32>(s3 + o) - mj), 12);
      }
    } else {
      for (let lane = 0; lane < 4; lane++) {
        const i = (b << 2) + lane;
        const src = x + rowBytes * <usize>min(i, n - 1);
        for (let j = 0; j < d; j++) {
          const dst = panel + ((<usize>j) << 4) + ((<usize>lane) << 2);
          store<f32>(
            dst,
            i < n ? <f32>(<f64>load<f32>(src + ((<usize>j) << 2)) - load<f64>(mu + ((<usize>j) << 3))) : 0,
          );
        }
      }
    }
  }
}

/** fl32(w − m) for the 4 float32 lanes of w, m as two f64x2 (lanes 0–1, 2–3). */
function centre4(w: v128, mlo: v128, mhi: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(w), mlo));
  const hi = f32x4.demote_f64x2_zero(f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)), mhi));
  return i32x4.shuffle(lo, hi, 0, 1, 4, 5);
}

/**
 * Projection out = Z·W for Z packed by packRowsF32 (⌈n/4⌉ panels of 4 rows) and W packed as
 * ⌈k/8⌉ panels of d rows × 8 float32 columns (panel q at wp + 32·d·q, zero beyond k). out is
 * n × k float32. Row panels are split by part (register-blocked 4 × 8 microkernel: 8 f32x4
 * accumulators; both operands read sequentially).
 *
 * Error bound (float32 products): products and sums run in float32 within blocks of JB = 64 terms
 * (fused with relaxed SIMD), each block's sums are added into float64, and the result is rounded
 * to float32 once, so |out − exact| ≤ (γ₆₄ + 2⁻⁵³·⌈d/64⌉)·Σ_j |z_j·w_jc| + 2⁻²⁴·|exact|, with
 * γ₆₄ = 64·2⁻²⁴/(1 − 64·2⁻²⁴) ≈ 3.8e-6. `scratch` is 256 bytes per part (at scratch + 256·part).
 */
export function projectF32(
  zp: usize,
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
  const panelBytes = (<usize>d) << 5;
  const acc = scratch + ((<usize>part) << 8);
  // groups of 16 row panels (64 rows, 16·d·16 bytes: in L2) × each W panel (in L1)
  for (let g0 = b0; g0 < b1; g0 += 16) {
    const g1 = min(b1, g0 + 16);
    for (let q = 0; q < kp; q++) {
      const panel = wp + panelBytes * <usize>q;
      for (let b = g0; b < g1; b++) projectTile(zp + ((<usize>b * <usize>d) << 4), n, d, k, panel, q, b << 2, out, acc);
    }
  }
}

/** One 4-row × 8-column tile of projectF32 (row panel at za, rows i0..i0+3, W panel q). */
function projectTile(za: usize, n: i32, d: i32, k: i32, panel: usize, q: i32, i0: i32, out: usize, acc: usize): void {
  const JB = 64;
  for (let t = 0; t < 32; t++) store<f64>(acc + ((<usize>t) << 3), 0);
  // blocks of JB terms summed in float32, each added into the float64 acc (rows of 64 bytes)
  for (let j0 = 0; j0 < d; j0 += JB) tile4x8F32(za, 16, panel, j0, min(d, j0 + JB), acc, 64, false);
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

/**
 * projectF32's scores (the same call, so the same bits: out is n × k float32) folded through a
 * threshold: after a part has written its rows of out, each score o of them becomes v (float64) by
 * `kind` — 0: v = o; 1: v = o·rowTerm[i]; 2: v = (2·o − colTerm[c]) − rowTerm[i] — and is kept as a
 * candidate (index i·k + c as u32, o as f32) only when v ≥ worstCol[c], or, with worstRow (≠ 0),
 * when v ≥ worstRow[i]. With `diag` set only entries with i + diagOff < c are kept (the upper
 * triangle of a symmetric product). A part's candidates go to cand + 8·k·(4·b0) (room for every
 * entry of its rows), their count to counts[part]. Parameters at prm (f64 each): kind, rowTerm,
 * colTerm, worstCol, worstRow, diag, diagOff, cand, counts. NaN never passes. The per-query top-k
 * lists (src/linalg/neighbours.ts, TopK) stay with the caller: a candidate is a score at or above
 * the entry its list had to beat when the call began. (The scan is a second loop, not fused into
 * the tile: the tile's registers stay the product's.)
 */
export function scoreTopF32(
  zp: usize,
  n: i32,
  d: i32,
  wp: usize,
  k: i32,
  out: usize,
  prm: usize,
  scratch: usize,
  part: i32,
  parts: i32,
): void {
  projectF32(zp, n, d, wp, k, out, scratch, part, parts);
  const blocks = (n + 3) >> 2;
  const b0 = <i32>((<i64>blocks * <i64>part) / <i64>parts);
  const b1 = <i32>((<i64>blocks * <i64>(part + 1)) / <i64>parts);
  const kind = <i32>load<f64>(prm);
  const rowTerm = <usize>load<f64>(prm, 8);
  const colTerm = <usize>load<f64>(prm, 16);
  const worstCol = <usize>load<f64>(prm, 24);
  const worstRow = <usize>load<f64>(prm, 32);
  const diag = load<f64>(prm, 40) !== 0;
  const diagOff = <i32>load<f64>(prm, 48);
  const cand = <usize>load<f64>(prm, 56) + ((<usize>k * <usize>(b0 << 2)) << 3);
  let count: i32 = 0;
  const i1 = min(n, b1 << 2);
  for (let i = b0 << 2; i < i1; i++) {
    const rt = kind === 0 ? 0 : load<f64>(rowTerm + ((<usize>i) << 3));
    const wr = worstRow !== 0 ? load<f64>(worstRow + ((<usize>i) << 3)) : Infinity;
    const orow = out + <usize>i * ((<usize>k) << 2);
    const c0 = diag ? max(0, i + diagOff + 1) : 0;
    for (let c = c0; c < k; c++) {
      const o = load<f32>(orow + ((<usize>c) << 2));
      let v = <f64>o;
      if (kind === 1) v = v * rt;
      else if (kind === 2) v = 2 * v - load<f64>(colTerm + ((<usize>c) << 3)) - rt;
      if (v >= load<f64>(worstCol + ((<usize>c) << 3)) || v >= wr) {
        const e = cand + ((<usize>count) << 3);
        store<u32>(e, <u32>(i * k + c));
        store<f32>(e, o, 4);
        count++;
      }
    }
  }
  store<i32>(<usize>load<f64>(prm, 64) + ((<usize>part) << 2), count);
}
