// `embcheck report` on a Parquet file vs on the .npy of the same values (issue 14: ≤ 1.3× the
// .npy time, peak RSS < 600 MB). Not a test: it measures and prints; it writes no RESULTS.md.
//
//   node bench/parquet.mjs [--size 1m|100k] [--reps 3]
//
// The .npy comes from bench/make_data.py (as in bench/run.mjs); its Parquet twin is written once
// by pyarrow with its defaults (`pq.write_table`: snappy, dictionary then PLAIN, 1 MiB pages, one
// row group per 1,048,576 rows) into bench/data/. Runs alternate .npy and Parquet in one loop so
// both see the same load; medians, the per-run ratio and the load average are printed, with the
// report JSONs compared (all but input and timing must be equal).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = join(HERE, "data");
const CLI = process.env.EMBCHECK_BENCH_CLI ?? join(HERE, "..", "bin", "embcheck.js");
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const SIZES = { "100k": 100_000, "1m": 1_000_000 };
const size = opt("size", "1m");
const reps = Number(opt("reps", "3"));
const DIMS = 768;

const npy = join(DATA, `${size}-${DIMS}.npy`);
const parquet = join(DATA, `${size}-${DIMS}.parquet`);
mkdirSync(DATA, { recursive: true });
if (!existsSync(npy)) {
  execFileSync("python3", [join(HERE, "make_data.py"), String(SIZES[size]), String(DIMS), npy], { stdio: "inherit" });
}
if (!existsSync(parquet)) {
  const py = [
    "import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq",
    "x = np.load(sys.argv[1])",
    "emb = pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1)), x.shape[1])",
    "pq.write_table(pa.table({'id': pa.array(np.arange(x.shape[0])), 'embedding': emb}), sys.argv[2])",
  ].join("\n");
  execFileSync("python3", ["-c", py, npy, parquet], { stdio: "inherit" });
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
function report(file) {
  const cmd = TIME
    ? [TIME, ["-f", "__RSS_KB__ %M", "node", CLI, "report", file, "--format", "json"]]
    : ["node", [CLI, "report", file, "--format", "json"]];
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd[1], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`report ${file} failed (${r.status}): ${r.stderr}`);
  const m = /__RSS_KB__ (\d+)/.exec(r.stderr ?? "");
  const json = JSON.parse(r.stdout);
  const { input: _i, timing: _t, ...rest } = json;
  return { seconds, rssMB: m ? Number(m[1]) / 1024 : null, body: JSON.stringify(rest) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load0 = loadavg();
const runs = [];
for (let i = 0; i < reps; i++) {
  const a = report(npy);
  const b = report(parquet);
  runs.push({ npy: a, parquet: b, ratio: b.seconds / a.seconds, same: a.body === b.body });
  console.error(
    `run ${i + 1}: npy ${a.seconds.toFixed(2)} s ${a.rssMB?.toFixed(0)} MB, parquet ${b.seconds.toFixed(2)} s ${b.rssMB?.toFixed(0)} MB, ratio ${(b.seconds / a.seconds).toFixed(2)}${a.body === b.body ? "" : " — REPORTS DIFFER"}`,
  );
}
const load1 = loadavg();
const n = median(runs.map((r) => r.npy.seconds));
const p = median(runs.map((r) => r.parquet.seconds));
const rss = Math.max(...runs.map((r) => r.parquet.rssMB ?? 0));
console.log(
  `| report ${size}×${DIMS} Parquet (pyarrow defaults, snappy) | ${p.toFixed(1)} s | .npy ${n.toFixed(1)} s | ${(p / n).toFixed(2)}× (runs: ${runs.map((r) => r.ratio.toFixed(2)).join(", ")}) | ${rss.toFixed(0)} MB | reports equal: ${runs.every((r) => r.same) ? "yes" : "NO"} | load ${load0[0].toFixed(2)} → ${load1[0].toFixed(2)} |`,
);
