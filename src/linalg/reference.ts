/**
 * The reference backend: the Kernels interface (backend.ts) in plain TypeScript over the float64
 * reference kernels (kernels.ts, eigh.ts, transform.ts). It is the oracle every fast backend is
 * tested against, and what `--threads 0` runs.
 */

import { InternalError } from "../errors.js";
import {
  type BlockScan,
  type Kernels,
  type PreparedProduct,
  ROW_INF,
  ROW_NAN,
  ROW_VALID,
  ROW_ZERO,
} from "./backend.js";
import { eigh } from "./eigh.js";
import { rowHash } from "./hash.js";
import { pairDotsUpper, syrkUpperT } from "./kernels.js";
import type { FloatArray } from "./matrix.js";
import { referenceKnnSearch } from "./neighbours.js";
import { centredProduct, transposed } from "./transform.js";

/** P prepared for the reference product: its transpose (rows of Pt = columns of P). */
class ReferenceProduct implements PreparedProduct {
  readonly Pt: Float64Array;
  constructor(
    P: Float64Array,
    readonly d: number,
    readonly k: number,
  ) {
    this.Pt = transposed(P, d, k);
  }
}

/** Class of the row at data[base .. base + d) and its float64 sum of squares. */
function classify(data: FloatArray, base: number, d: number): [number, number] {
  let sumsq = 0;
  let nan = false;
  let inf = false;
  let nonzero = false;
  for (let j = 0; j < d; j++) {
    const v = data[base + j];
    sumsq += v * v;
    if (v !== 0) {
      nonzero = true;
      if (Number.isNaN(v)) nan = true;
      else if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) inf = true;
    }
  }
  if (nan) return [ROW_NAN, sumsq];
  if (inf) return [ROW_INF, sumsq];
  if (!nonzero) return [ROW_ZERO, sumsq];
  return [ROW_VALID, sumsq];
}

/** Scratch of the reference scatter, kept per kernels object (never shared between objects). */
interface Scratch {
  yt: Float64Array;
  chunkM2: Float64Array;
}

function scanBlock(data: FloatArray, n: number, d: number, scratch: Scratch): BlockScan {
  const cls = new Int32Array(n);
  const sumsq = new Float64Array(n);
  const ha = new Uint32Array(n);
  const hb = new Uint32Array(n);
  const wordsPerValue = data.BYTES_PER_ELEMENT / 4;
  const words = new Uint32Array(data.buffer, data.byteOffset, n * d * wordsPerValue);
  for (let r = 0; r < n; r++) {
    const base = r * d;
    const [c, s] = classify(data, base, d);
    cls[r] = c;
    sumsq[r] = s;
    const [a, b] = rowHash(words, base * wordsPerValue, (base + d) * wordsPerValue);
    ha[r] = a;
    hb[r] = b;
  }
  const idx = new Int32Array(n);
  const norms = new Float64Array(n);
  return {
    rows: n,
    cls,
    sumsq,
    ha,
    hb,
    idx,
    norms,
    scatter(k, origin, rel, cm, C, _mixed, w, unitSum) {
      for (let i = 0; i < k; i++) {
        const base = idx[i] * d;
        const norm = norms[i];
        for (let j = 0; j < d; j++) unitSum[j] += data[base + j] / norm;
      }
      // Rows are shifted by the origin and the running mean before summing:
      // y = (x − origin) − rel − cm with cm = mean((x − origin) − rel), so every sum is over values
      // of the spread's size and keeps its digits.
      cm.fill(0);
      if (scratch.chunkM2.length !== d * d) scratch.chunkM2 = new Float64Array(d * d);
      const c = scratch.chunkM2.fill(0);
      if (scratch.yt.length < d * k) scratch.yt = new Float64Array(d * k);
      const yt = scratch.yt;
      for (let i = 0; i < k; i++) {
        const base = idx[i] * d;
        for (let j = 0; j < d; j++) {
          const z = data[base + j] - origin[j] - rel[j];
          yt[j * k + i] = z;
          cm[j] += z;
        }
      }
      for (let j = 0; j < d; j++) cm[j] /= k;
      for (let i = 0; i < k; i++) for (let j = 0; j < d; j++) yt[j * k + i] -= cm[j];
      syrkUpperT(yt, d, k, c);
      for (let i = 0; i < d; i++) {
        const di = cm[i] * w;
        for (let j = i; j < d; j++) C[i * d + j] += c[i * d + j] + di * cm[j];
      }
    },
  };
}

/** The reference backend (each call a new object with its own scratch buffers). */
export function referenceKernels(): Kernels {
  const scratch: Scratch = { yt: new Float64Array(0), chunkM2: new Float64Array(0) };
  return {
    name: "reference",
    threads: 1,
    mixedPrecision: false,
    scanBlock: (data, rows, d) => scanBlock(data, rows, d, scratch),
    pairDotsUpper,
    eigh,
    prepareProduct: (P, d, k) => new ReferenceProduct(P, d, k),
    centredProduct(x, n, m, W) {
      if (!(W instanceof ReferenceProduct))
        throw new InternalError("centredProduct: W was prepared by another backend");
      return centredProduct(x, n, W.d, m ?? new Float64Array(W.d), W.Pt, W.k);
    },
    knnSearch: referenceKnnSearch,
    float32: null,
    close: async () => {},
  };
}
