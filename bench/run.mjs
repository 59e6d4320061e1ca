// `npm run bench`: embcheck vs NumPy on generated inputs, kernel GFLOPS, the machine; writes
// bench/RESULTS.md. Not a test: nothing here asserts, it measures.
//
//   node bench/run.mjs [--sizes 100k,1m] [--reps 3] [--reps-large 3] [--no-numpy] [--only report|fix]
//                      [--out bench/RESULTS.md]
//   (--reps-large: repetitions for inputs of 1M rows or more; --only: one half of the benchmark)
//
// Inputs (not committed) are made on first use by bench/make_data.py (NumPy) into bench/data/.
// Runs alternate embcheck and NumPy in the same loop so both see the same machine load; medians
// are reported, with the load average before and after. Peak RSS comes from /usr/bin/time -f %M
// where it exists. The `fix` half (benchFix) times `embcheck fix --pipeline center,pca:256` against
// bench/numpy_fix.py the same way. EMBCHECK_BENCH_CLI=path/to/cli.js runs another build.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const DATA = join(HERE, "data");
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const SIZES = { "100k": 100_000, "1m": 1_000_000 };
const sizes = opt("sizes", "100k,1m").split(",");
const reps = Number(opt("reps", "3"));
const repsLarge = Number(opt("reps-large", String(reps)));
const outFile = opt("out", join(HERE, "RESULTS.md"));
const DIMS = 768;
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const only = opt("only", "");

function sh(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}
const python = !argv.includes("--no-numpy") && sh("python3", ["-c", "import numpy; print(numpy.__version__)"]);

/** Runs a command; returns wall seconds, peak RSS (MB, or null) and stdout. */
function timed(cmd, args, env = {}) {
  const full = TIME ? [TIME, ["-f", "__RSS_KB__ %M", cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(full[0], full[1], { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const m = /__RSS_KB__ (\d+)/.exec(r.stderr ?? "");
  return { seconds, rssMB: m ? Number(m[1]) / 1024 : null, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : Number.NaN;
};
const fmt = (x, digits = 1) => (x == null || Number.isNaN(x) ? "–" : x.toFixed(digits));

function ensureData(size) {
  const file = join(DATA, `${size}-${DIMS}.npy`);
  if (existsSync(file)) return file;
  if (!python) return null;
  mkdirSync(DATA, { recursive: true });
  console.error(`making ${file} ...`);
  execFileSync("python3", [join(HERE, "make_data.py"), String(SIZES[size]), String(DIMS), file], { stdio: "inherit" });
  return file;
}

function embcheckReport(file, env) {
  const r = timed("node", [CLI, "report", file, "--format", "json"], env);
  const j = JSON.parse(r.stdout);
  return { ...r, timing: j.timing, check: j.spectrum.totalVariance };
}

function numpyReport(file) {
  const r = timed("python3", [join(HERE, "numpy_report.py"), file]);
  const j = JSON.parse(r.stdout);
  return { ...r, timing: j.seconds, check: j.spectrum.totalVariance };
}

const FIX_PIPELINE = "center,pca:256";
const FIX_OUT = join(tmpdir(), `embcheck-bench-fix-${process.pid}`);
const CLI = process.env.EMBCHECK_BENCH_CLI ?? join(ROOT, "bin", "embcheck.js");

/**
 * `embcheck fix FILE --pipeline center,pca:256 -o OUT.npy` vs bench/numpy_fix.py (mean,
 * covariance, eigh, X·W, np.save), alternating in one loop; the outputs go to a temporary
 * directory and are deleted after each run. Returns the runs (seconds, peak RSS) of both.
 */
function benchFix(file, n) {
  mkdirSync(FIX_OUT, { recursive: true });
  const ours = [];
  const np = [];
  const size = file.split("/").pop();
  for (let r = 0; r < n; r++) {
    const a = join(FIX_OUT, "embcheck.npy");
    const x = timed("node", [CLI, "fix", file, "--pipeline", FIX_PIPELINE, "-o", a, "--format", "json", "--force"]);
    rmSync(a, { force: true });
    ours.push({ ...x, passes: JSON.parse(x.stdout).passes });
    console.error(`${size} fix embcheck ${x.seconds.toFixed(2)} s, ${fmt(x.rssMB, 0)} MB`);
    if (python) {
      const b = join(FIX_OUT, "numpy.npy");
      const y = timed("python3", [join(HERE, "numpy_fix.py"), file, b, "--k", "256"]);
      rmSync(b, { force: true });
      np.push({ ...y, timing: JSON.parse(y.stdout).seconds });
      console.error(`${size} fix numpy    ${y.seconds.toFixed(2)} s, ${fmt(y.rssMB, 0)} MB`);
    }
  }
  rmSync(FIX_OUT, { recursive: true, force: true });
  return { ours, np };
}

function kernelGflops() {
  const out = [];
  for (const [env, label] of [
    [{}, "default"],
    [{ EMBCHECK_KERNELS: "simd" }, "simd"],
  ]) {
    const r = spawnSync(
      "node",
      [join(HERE, "kernels.mjs"), "1", "2", ...(label === "default" ? ["--reference"] : [])],
      {
        encoding: "utf8",
        env: { ...process.env, ...env },
      },
    );
    for (const line of r.stdout.split("\n")) if (line.startsWith("{")) out.push(JSON.parse(line));
  }
  return out;
}

function machine() {
  const lscpu = sh("lscpu", []) ?? "";
  const pick = (k) => new RegExp(`^${k}:\\s*(.+)$`, "m").exec(lscpu)?.[1] ?? "?";
  const blas =
    python &&
    sh("python3", [
      "-c",
      "import json\ntry:\n import threadpoolctl\n print(json.dumps([(i['internal_api'], i['num_threads'], i.get('version')) for i in threadpoolctl.threadpool_info()]))\nexcept ImportError:\n print('threadpoolctl not installed; OpenBLAS uses all cores unless OPENBLAS_NUM_THREADS is set: ' + repr(__import__('os').environ.get('OPENBLAS_NUM_THREADS')))",
    ]);
  return {
    cpu: `${pick("Model name")}, ${pick("CPU\\(s\\)")} CPUs, L2 ${pick("L2 cache")}, L3 ${pick("L3 cache")}`,
    flags: ["avx2", "fma", "avx512f"].filter((f) => new RegExp(`\\b${f}\\b`).test(pick("Flags"))).join(" "),
    node: process.version,
    numpy: python || "not available",
    blas: blas ?? "–",
    cores: cpus().length,
  };
}

const started = new Date().toISOString();
const load0 = loadavg();
const m = machine();
console.error(`machine: ${JSON.stringify(m)}; load ${load0.map((x) => x.toFixed(2)).join(" ")}`);
const rows = [];
for (const size of sizes) {
  const file = ensureData(size);
  if (!file) {
    rows.push({ size, note: "no input (Python/NumPy missing to generate it)" });
    continue;
  }
  const ours = [];
  const one = [];
  const np = [];
  const n = SIZES[size] >= 1_000_000 ? repsLarge : reps;
  const fix = only === "report" ? null : benchFix(file, n);
  if (only === "fix") {
    rows.push({ size, fix });
    continue;
  }
  for (let r = 0; r < n; r++) {
    const a = embcheckReport(file, {});
    ours.push(a);
    console.error(`${size} embcheck ${a.seconds.toFixed(2)} s (${JSON.stringify(a.timing)})`);
    if (python) {
      const b = numpyReport(file);
      np.push(b);
      console.error(`${size} numpy    ${b.seconds.toFixed(2)} s (${JSON.stringify(b.timing)})`);
      if (Math.abs(a.check - b.check) > 1e-9 * Math.abs(b.check)) console.error("  totalVariance differs!");
    }
  }
  const t1 = embcheckReport(file, { EMBCHECK_THREADS: "1" });
  one.push(t1);
  console.error(`${size} embcheck 1 thread ${t1.seconds.toFixed(2)} s`);
  rows.push({ size, ours, np, one, fix });
}
const kernels = only === "fix" ? [] : kernelGflops();
const load1 = loadavg();

const lines = [];
lines.push("# Benchmark results", "");
lines.push(
  `Made by \`npm run bench\` (bench/run.mjs) on ${started}. Inputs: bench/make_data.py, float32, d = ${DIMS}, realistic spectrum. ` +
    `Load average (1/5/15 min) before: ${load0.map((x) => x.toFixed(2)).join(" / ")}, after: ${load1.map((x) => x.toFixed(2)).join(" / ")}` +
    // the benchmark itself keeps both cores busy, so only the load before it says whether others were
    (load0[0] > 1
      ? " — **the machine was busy (other work running): treat the times as upper bounds and the ratios as indicative.**"
      : " (the load after is the benchmark's own; the machine was otherwise idle)."),
  "",
);
lines.push("## Machine", "");
lines.push(`- CPU: ${m.cpu} (${m.flags})`, `- Node ${m.node}; NumPy ${m.numpy}; BLAS threads: ${m.blas}`, "");
lines.push("## `embcheck report` vs the NumPy script (bench/numpy_report.py)", "");
lines.push(
  "Wall seconds, median of the runs (alternating embcheck / NumPy; runs per input in the last column); peak RSS in MB (NumPy's includes the pages of its np.load memory map); the stage split is embcheck's own `timing` (read = pass 1 incl. covariance) and the script's (pass, pairs, spectrum).",
  "",
);
lines.push(
  "| input | embcheck (all cores) | NumPy | ratio embcheck/NumPy | embcheck 1 thread | peak RSS embcheck | peak RSS NumPy | embcheck stages (read / pairs / spectrum) | NumPy stages (pass / pairs / spectrum) | runs |",
);
lines.push("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  if (!r.ours) continue;
  if (r.note) {
    lines.push(`| ${r.size} | ${r.note} | | | | | | | | |`);
    continue;
  }
  const o = median(r.ours.map((x) => x.seconds));
  const n = r.np.length ? median(r.np.map((x) => x.seconds)) : null;
  const st = (xs, keys) => keys.map((k) => fmt(median(xs.map((x) => x.timing[k] ?? Number.NaN)), 2)).join(" / ");
  lines.push(
    `| ${r.size}×${DIMS} | ${fmt(o)} s | ${n == null ? "skipped (no Python/NumPy)" : `${fmt(n)} s`} | ${n == null ? "–" : `${fmt(o / n, 2)}×`} | ${fmt(r.one[0].seconds)} s | ${fmt(Math.max(...r.ours.map((x) => x.rssMB ?? 0)), 0)} | ${r.np.length ? fmt(Math.max(...r.np.map((x) => x.rssMB ?? 0)), 0) : "–"} | ${st(r.ours, ["read", "pairs", "spectrum"])} | ${r.np.length ? st(r.np, ["pass", "pairs", "spectrum"]) : "–"} | ${r.ours.length} |`,
  );
}
lines.push("");
lines.push("## `embcheck fix --pipeline center,pca:256` vs NumPy (bench/numpy_fix.py)", "");
lines.push(
  "Wall seconds, median of the runs (alternating embcheck / NumPy), writing a 256-column float32 .npy; peak RSS in MB (NumPy's includes its np.load memory map and the whole 256-column output it np.saves). embcheck (defaults): pass 1 (profile, mixed-precision covariance), fast eigh, apply pass (centring and float32 products X·W in WebAssembly on the float32 chunks, all cores; the after-profile and metrics; the kNN cost); NumPy: the same stages (its stage split in the last column: profile / eigh / project / save).",
  "",
);
lines.push(
  "| input | embcheck fix | NumPy | ratio embcheck/NumPy | peak RSS embcheck | peak RSS NumPy | NumPy stages | runs |",
  "|---|---|---|---|---|---|---|---|",
);
for (const r of rows) {
  if (!r.fix) continue;
  const o = median(r.fix.ours.map((x) => x.seconds));
  const n = r.fix.np.length ? median(r.fix.np.map((x) => x.seconds)) : null;
  const st = r.fix.np.length
    ? ["profile", "eigh", "project", "save"].map((k) => fmt(median(r.fix.np.map((x) => x.timing[k])), 2)).join(" / ")
    : "–";
  lines.push(
    `| ${r.size}×${DIMS} | ${fmt(o)} s | ${n == null ? "skipped" : `${fmt(n)} s`} | ${n == null ? "–" : `${fmt(o / n, 2)}×`} | ${fmt(Math.max(...r.fix.ours.map((x) => x.rssMB ?? 0)), 0)} | ${r.fix.np.length ? fmt(Math.max(...r.fix.np.map((x) => x.rssMB ?? 0)), 0) : "–"} | ${st} | ${r.fix.ours.length} |`,
  );
}
lines.push("");
lines.push("## Kernels (bench/kernels.mjs)", "");
lines.push(
  "GFLOPS counted as n·d² for syrk (k = 2730 rows = one 8 MiB chunk, d = 768, packed panels → upper triangle) and m(m−1)·d for the sampled pairs (m = 4096, d = 768). 'syrk f64' is the float64 kernel alone (f64x2 lanes; `--precision float64`); 'covariance chunk' is the whole per-chunk covariance step a profile runs (centring and packing, the product, the merge into the running scatter), in float64 and in the default mixed precision (float32 products in f32x4 lanes, float32 sums over 128-row blocks, float64 across); 'syrk f32 (its product kernel alone)' is that step's product job alone (the issue's XᵀX). X·W is the float32 projection of `fix` per chunk, W packed once as fix packs it (centring and packing of X, the product, the copy out), and its product job alone. Medians of 15 runs; the kernels-alone times are the pool jobs' own, measured inside those runs.",
  "",
);
lines.push("| kernel | backend | threads | seconds | GFLOPS |", "|---|---|---|---|---|");
for (const k of kernels) {
  if (!k.gflops) continue;
  lines.push(`| ${k.kernel} | ${k.backend} | ${k.threads} | ${fmt(k.seconds, 3)} | ${fmt(k.gflops, 1)} |`);
}
lines.push("");
// the section bench/formats.mjs writes survives this rewrite
const kept = existsSync(outFile) ? /<!-- FORMATS:[\s\S]*?<!-- \/FORMATS -->/.exec(readFileSync(outFile, "utf8")) : null;
if (kept) lines.push(kept[0], "");
// and so does the one bench/zstd.mjs writes
const keptZstd = existsSync(outFile) ? /<!-- ZSTD:[\s\S]*?<!-- \/ZSTD -->/.exec(readFileSync(outFile, "utf8")) : null;
if (keptZstd) lines.push(keptZstd[0], "");
writeFileSync(outFile, `${lines.join("\n")}\n`);
console.error(`wrote ${outFile}`);
process.exit(0);
