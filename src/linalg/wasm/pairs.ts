/**
 * Sampled pair dot products in WebAssembly (pairsPacked): same contract as the reference
 * pairDotsUpper (src/linalg/kernels.ts), float64, summed in another order.
 */
import { ARENA, SCRATCH, type WasmContext } from "./context.js";

/** Every U_i · U_j, i < j, of the m rows of U (m × d), in np.triu_indices(m, 1) order. */
export function pairDotsUpperWasm(
  ctx: WasmContext,
  U: Float64Array,
  m: number,
  d: number,
  out: Float64Array,
): Float64Array {
  const pairs = (m * (m - 1)) / 2;
  if (pairs === 0) return out;
  const mp = (m + 3) & ~3;
  const np = mp >> 2;
  const packBytes = mp * d * 8;
  const outOff = ARENA + packBytes;
  ctx.ensure(outOff + pairs * 8);
  const p = ctx.f64(ARENA, mp * d);
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
  ctx.run("pairsPacked", [ARENA, d, np, m, outOff, SCRATCH], ctx.parts(np));
  out.set(ctx.f64(outOff, pairs));
  return out;
}
