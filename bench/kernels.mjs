// Kernel GFLOPS of the fast (WASM) and reference kernels. Usage: node bench/kernels.mjs [threads...]
// Prints one JSON line per measurement. Needs `npm run build` first (runs dist/).
// `--eigh[=768,1536,3072]` times the fast symmetric eigendecomposition instead (values only and
// with vectors, on a random covariance-like matrix), once per size and thread count.

import { pairDotsUpper, syrkUpperT } from "../dist/linalg/kernels.js";
import { fastKernels, PackedW } from "../dist/linalg/wasm/fast.js";

const args = process.argv.slice(2);
const threadsList = args.filter((a) => /^\d+$/.test(a)).map(Number);
const withRef = args.includes("--reference");
const d = 768;
const k = 2730; // one default 8 MiB chunk of 768-d float32
const m = 4096;

function rand(n, seed) {
  const a = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
function time(fn, reps) {
  fn();
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return median(ts);
}

const eighArg = args.find((a) => a.startsWith("--eigh"));
if (eighArg) {
  const sizes = eighArg.includes("=") ? eighArg.split("=")[1].split(",").map(Number) : [768, 1536, 3072];
  const noVectors = args.includes("--values-only");
  for (const t of threadsList.length ? threadsList : [1, 2]) {
    const fk = fastKernels(t);
    if (!fk) {
      console.log(JSON.stringify({ kernel: "fast", note: "unavailable" }));
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const n of sizes) {
      // a symmetric matrix with a decaying spectrum, like an embedding covariance
      const r = rand(n * n, n);
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = i; j < n; j++) {
          const v = r[i * n + j] / (1 + Math.abs(i - j)) + (i === j ? 1 / (1 + i) : 0);
          a[i * n + j] = v;
          a[j * n + i] = v;
        }
      for (const vectors of noVectors ? [false] : [false, true]) {
        const t0 = performance.now();
        fk.eigh(a, n, { vectors });
        const s = (performance.now() - t0) / 1000;
        console.log(JSON.stringify({ kernel: "eigh", backend: fk.kind, threads: t, n, vectors, seconds: s }));
      }
    }
  }
  process.exit(0);
}

const yt = rand(d * k, 1);
const U = rand(m * d, 2);
const C = new Float64Array(d * d);
const out = new Float64Array((m * (m - 1)) / 2);
const syrkFlops = k * d * d; // n·d² (the upper triangle's multiply-adds, ×2)
const pairFlops = m * (m - 1) * d; // m(m−1)/2 dots of 2d flops

for (const t of threadsList.length ? threadsList : [1, 2]) {
  const fk = fastKernels(t);
  if (!fk) {
    console.log(JSON.stringify({ kernel: "fast", note: "unavailable" }));
    break;
  }
  await new Promise((r) => setTimeout(r, 200)); // let the workers come online
  // Seconds per pool job by kernel name, to report the product kernels alone inside their steps
  // (bench only: wraps the private pool's run).
  const jobs = {};
  const pool = fk.pool;
  const run = pool.run.bind(pool);
  pool.run = (name, args, parts) => {
    const t0 = performance.now();
    run(name, args, parts);
    jobs[name] = (jobs[name] ?? 0) + (performance.now() - t0) / 1000;
  };
  /** The step's median seconds and the median seconds of `kernel`'s jobs within it. */
  const timeWith = (kernel, fn, reps) => {
    const per = [];
    const step = time(() => {
      jobs[kernel] = 0;
      fn();
      per.push(jobs[kernel]);
    }, reps);
    return [step, median(per.slice(1))];
  };
  const pb = fk.packBuffer(k, d);
  pb.set(yt.subarray(0, pb.length));
  const s = time(() => fk.syrkPacked(k, d, C), 5);
  console.log(
    JSON.stringify({ kernel: "syrk f64", backend: fk.kind, threads: t, d, k, seconds: s, gflops: syrkFlops / s / 1e9 }),
  );
  const X = Float32Array.from(yt.subarray(0, k * d));
  // the profile's whole covariance step for one chunk: centring, packing, the product, the merge
  // into C (what Profile.add runs), float64 products and the default mixed precision
  for (const mixed of [false, true]) {
    const v = fk.loadChunk(X, k, d);
    for (let i = 0; i < k; i++) v.idx[i] = i;
    const origin = new Float64Array(d);
    const rel = new Float64Array(d);
    const cm = new Float64Array(d);
    const [cc, alone] = timeWith(
      mixed ? "syrkPackedF32" : "syrkPacked",
      () => fk.covarianceChunk(k, origin, rel, cm, C, mixed),
      15,
    );
    console.log(
      JSON.stringify({
        kernel: mixed ? "covariance chunk, mixed (f32 products)" : "covariance chunk, float64",
        backend: fk.kind,
        threads: t,
        d,
        k,
        seconds: cc,
        gflops: syrkFlops / cc / 1e9,
      }),
    );
    if (mixed) {
      console.log(
        JSON.stringify({
          kernel: "syrk f32 (its product kernel alone)",
          backend: fk.kind,
          threads: t,
          d,
          k,
          seconds: alone,
          gflops: syrkFlops / alone / 1e9,
        }),
      );
    }
  }
  // fix's projection: W packed once per fitted step (PackedW), then every chunk
  const W = new PackedW(U.subarray(0, d * 256), d, 256);
  const proj = new Float32Array(k * 256);
  const [pr, prAlone] = timeWith("projectF32", () => fk.projectF32(X, k, d, W, 256, undefined, proj), 15);
  for (const [kernel, seconds] of [
    ["X·W f32 (k = 256)", pr],
    ["X·W f32 (k = 256, its product kernel alone)", prAlone],
  ]) {
    console.log(
      JSON.stringify({
        kernel,
        backend: fk.kind,
        threads: t,
        n: k,
        d,
        seconds,
        gflops: (2 * k * d * 256) / seconds / 1e9,
      }),
    );
  }
  const p = time(() => fk.pairDotsUpper(U, m, d, out), 3);
  console.log(
    JSON.stringify({
      kernel: "pairs f64",
      backend: fk.kind,
      threads: t,
      m,
      d,
      seconds: p,
      gflops: pairFlops / p / 1e9,
    }),
  );
}
if (withRef) {
  const s = time(() => syrkUpperT(yt, d, k, C), 2);
  console.log(
    JSON.stringify({
      kernel: "syrk f64",
      backend: "reference",
      threads: 1,
      d,
      k,
      seconds: s,
      gflops: syrkFlops / s / 1e9,
    }),
  );
  const p = time(() => pairDotsUpper(U, m, d, out), 1);
  console.log(
    JSON.stringify({
      kernel: "pairs f64",
      backend: "reference",
      threads: 1,
      m,
      d,
      seconds: p,
      gflops: pairFlops / p / 1e9,
    }),
  );
}
process.exit(0);
