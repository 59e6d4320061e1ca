// The exact kNN graph benchmark: embcheck's knnSearch (WebAssembly float32 X·W tile fused with
// per-query top-k, all cores) vs faiss IndexFlatIP on the same unit rows, in one run, alternating.
// Not a test: it measures. Prints a Markdown table for bench/RESULTS.md.
//
//   node bench/knn.mjs [--rows 20000] [--dims 768] [--k 10] [--reps 1]
//
// Rows: seeded standard normal with a decaying spectrum (column j scaled by 1/√(1 + j/8)),
// normalised to unit length, written once to a temporary .npy that both sides read.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createKernels } from "../dist/backends.js";
import { knnGraph } from "../dist/linalg/neighbours.js";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const n = opt("rows", 20000);
const d = opt("dims", 768);
const k = opt("k", 10);
const reps = opt("reps", 1);

let s = 0x9e3779b9;
const u = () => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
};
const x = new Float32Array(n * d);
for (let i = 0; i < n; i++) {
  let ss = 0;
  for (let j = 0; j < d; j++) {
    const v = (Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())) / Math.sqrt(1 + j / 8);
    x[i * d + j] = v;
    ss += v * v;
  }
  const inv = 1 / Math.sqrt(ss);
  for (let j = 0; j < d; j++) x[i * d + j] = Math.fround(x[i * d + j] * inv);
}
const dir = mkdtempSync(join(tmpdir(), "embcheck-knn-"));
const file = join(dir, "rows.npy");
{
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  header += `${" ".repeat(64 - ((10 + header.length + 1) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(x.buffer)]));
}
const FAISS = `
import sys, time, numpy as np, faiss
x = np.load(sys.argv[1]); k = int(sys.argv[2])
t = time.perf_counter()
index = faiss.IndexFlatIP(x.shape[1]); index.add(x)
D, I = index.search(x, k + 1)
print(time.perf_counter() - t, faiss.omp_get_max_threads())
np.save(sys.argv[3], I)
`;
const load0 = loadavg();
const kernels = createKernels({});
const ours = [];
const theirs = [];
let agree = 0;
for (let r = 0; r < reps; r++) {
  const t = performance.now();
  const g = knnGraph(kernels, x, n, d, k, "cosine");
  ours.push((performance.now() - t) / 1000);
  const out = join(dir, "faiss.npy");
  const p = spawnSync("python3", ["-c", FAISS, file, String(k), out], { encoding: "utf8" });
  if (p.status !== 0) throw new Error(p.stderr);
  const [secs, threads] = p.stdout.trim().split(/\s+/);
  theirs.push(Number(secs));
  if (r === 0) {
    // faiss's lists include the row itself first (self-similarity 1); compare the other k as sets
    const q = spawnSync("python3", [
      "-c",
      `import numpy as np,sys; I=np.load(sys.argv[1]); sys.stdout.buffer.write(I.astype('<i4').tobytes())`,
      out,
    ]);
    const I = new Int32Array(q.stdout.buffer, q.stdout.byteOffset, q.stdout.length / 4);
    for (let i = 0; i < n; i++) {
      const mine = new Set(g.ids.subarray(i * k, (i + 1) * k));
      let hit = 0;
      for (let t2 = 0; t2 <= k; t2++) if (I[i * (k + 1) + t2] !== i && mine.has(I[i * (k + 1) + t2])) hit++;
      agree += hit / k;
    }
    agree /= n;
    console.error(`faiss threads ${threads}`);
  }
}
await kernels.close();
rmSync(dir, { recursive: true, force: true });
const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const load1 = loadavg();
console.log(
  `| rows × dims, k | embcheck knnSearch (${kernels.threads} threads) | faiss IndexFlatIP | ratio embcheck/faiss | neighbour lists equal (share) | runs | load before / after |`,
);
console.log("|---|---|---|---|---|---|---|");
console.log(
  `| ${n.toLocaleString("en-US")} × ${d}, ${k} | ${med(ours).toFixed(2)} s | ${med(theirs).toFixed(2)} s | ${(med(ours) / med(theirs)).toFixed(2)}× | ${agree.toFixed(5)} | ${reps} | ${load0[0].toFixed(2)} / ${load1[0].toFixed(2)} |`,
);
console.log(`\n${cpus()[0].model}, ${cpus().length} CPUs; Node ${process.version}.`);
