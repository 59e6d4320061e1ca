// `npm run bench:formats` (also the last step of `npm run bench`): `embcheck report` on the same
// float32 values in every container issue 14 names, timed in one alternating loop, each with its
// ratio to the `.npy` of the same run and its peak RSS, and each report compared with the `.npy`'s
// (every number but input and timing must be equal). Not a test: it measures.
//
//   node bench/formats.mjs [--size 1m|100k] [--reps 3] [--out bench/RESULTS.md] [--print]
//
// Inputs (not committed) are made once into bench/data/: the .npy by bench/make_data.py, then
//   <size>-768.feather              pyarrow feather.write_feather defaults (LZ4 frames, 64k-row batches)
//   <size>-768-polars-zstd.arrow    polars write_ipc(compression="zstd"): one record batch
//   <size>-768.parquet              pyarrow pq.write_table defaults (snappy, one row group ≤ 1,048,576 rows)
//   <size>-768-shards/              8 uneven .npy shards of the same rows (a dataset folder)
// The table replaces the section between the FORMATS markers of bench/RESULTS.md (bench/run.mjs
// keeps it when it rewrites the file); --print only prints it. EMBCHECK_BENCH_CLI runs another build.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
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
const outFile = opt("out", join(HERE, "RESULTS.md"));
const DIMS = 768;
const BEGIN = "<!-- FORMATS: bench/formats.mjs writes this section -->";
const END = "<!-- /FORMATS -->";

const npy = join(DATA, `${size}-${DIMS}.npy`);
const feather = join(DATA, `${size}-${DIMS}.feather`);
const polars = join(DATA, `${size}-${DIMS}-polars-zstd.arrow`);
const parquet = join(DATA, `${size}-${DIMS}.parquet`);
const shards = join(DATA, `${size}-${DIMS}-shards`);

function python(code, ...args) {
  const r = spawnSync("python3", ["-c", code, ...args], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("python3 failed");
}

mkdirSync(DATA, { recursive: true });
if (!existsSync(npy)) {
  const r = spawnSync("python3", [join(HERE, "make_data.py"), String(SIZES[size]), String(DIMS), npy], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("make_data.py failed");
}
const LOAD = "import sys, numpy as np\nx = np.load(sys.argv[1], mmap_mode='r')\n";
if (!existsSync(feather)) {
  python(
    `${LOAD}import pyarrow as pa, pyarrow.feather as feather
emb = pa.FixedSizeListArray.from_arrays(pa.array(np.asarray(x).reshape(-1), pa.float32()), x.shape[1])
feather.write_feather(pa.table({"id": pa.array(np.arange(x.shape[0])), "embedding": emb}), sys.argv[2])`,
    npy,
    feather,
  );
}
if (!existsSync(polars)) {
  python(
    `${LOAD}import polars as pl
pl.DataFrame({"id": np.arange(x.shape[0]), "embedding": np.asarray(x)}).write_ipc(
    sys.argv[2], compression="zstd", record_batch_size=x.shape[0])`,
    npy,
    polars,
  );
}
if (!existsSync(parquet)) {
  python(
    `${LOAD}import pyarrow as pa, pyarrow.parquet as pq
emb = pa.FixedSizeListArray.from_arrays(pa.array(np.asarray(x).reshape(-1)), x.shape[1])
pq.write_table(pa.table({"id": pa.array(np.arange(x.shape[0])), "embedding": emb}), sys.argv[2])`,
    npy,
    parquet,
  );
}
if (!existsSync(shards)) {
  // uneven cut points (a fixed pattern), Hugging Face style names so the sorted order is the row order
  python(
    `${LOAD}import os
n = x.shape[0]; os.makedirs(sys.argv[2])
w = np.array([3, 1, 4, 1, 5, 9, 2, 6], float); cut = np.concatenate([[0], np.cumsum(w) / w.sum() * n]).astype(int)
for i in range(8):
    np.save(os.path.join(sys.argv[2], f"data-{i:05d}-of-00008.npy"), np.asarray(x[cut[i]:cut[i + 1]]))`,
    npy,
    shards,
  );
}

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
function report(file) {
  const args = [CLI, "report", file, "--format", "json"];
  const t0 = performance.now();
  const r = TIME
    ? spawnSync(TIME, ["-f", "__RSS_KB__ %M", "node", ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync("node", args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  // 0 = healthy, 1 = findings at fail level: both are a report
  if (r.status !== 0 && r.status !== 1) return { seconds, failed: (r.stderr ?? "").trim().split("\n")[0] };
  const m = /__RSS_KB__ (\d+)/.exec(r.stderr ?? "");
  const { input: _input, timing: _timing, ...rest } = JSON.parse(r.stdout);
  return { seconds, rssMB: m ? Number(m[1]) / 1024 : null, body: JSON.stringify(rest) };
}

const inputs = [
  ["`.npy`", npy],
  ["pyarrow `write_feather` (LZ4 frames, 64k-row batches)", feather],
  ["polars `write_ipc` (ZSTD, one record batch)", polars],
  ["pyarrow `pq.write_table` Parquet (snappy, default row groups)", parquet],
  ["a folder of 8 uneven `.npy` shards", shards],
];
const load0 = loadavg();
const started = new Date().toISOString();
const results = inputs.map(() => []);
for (let rep = 0; rep < reps; rep++) {
  inputs.forEach(([name, file], i) => {
    const r = report(file);
    results[i].push(r);
    console.error(`${name}: ${r.failed ?? `${r.seconds.toFixed(1)} s, ${r.rssMB?.toFixed(0)} MB`}`);
  });
}
const load1 = loadavg();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(results[0].map((r) => r.seconds));
const reference = results[0][0].body;

const lines = [BEGIN, "", `## \`embcheck report\` on every container (bench/formats.mjs)`, ""];
lines.push(
  `Made on ${started}: ${SIZES[size].toLocaleString("en")} × ${DIMS} float32 (bench/make_data.py), the same values in each container; ` +
    `${reps} runs each, alternating; median wall seconds, the ratio to the \`.npy\` of the same run, the largest peak RSS, and whether ` +
    `the report (all but \`input\` and \`timing\`) equals the \`.npy\`'s. ${cpus().length} CPUs; load average (1/5/15 min) before: ` +
    `${load0.map((x) => x.toFixed(2)).join(" / ")}, after: ${load1.map((x) => x.toFixed(2)).join(" / ")}` +
    (load0[0] > 1.5 ? " — **the machine was busy with other work: times are upper bounds, ratios indicative.**" : "."),
  "",
  "| input | report | ratio to `.npy` | peak RSS | same report as the `.npy` |",
  "|---|---|---|---|---|",
);
inputs.forEach(([name], i) => {
  const rs = results[i];
  const failed = rs.find((r) => r.failed);
  if (failed) {
    lines.push(`| ${name} | failed: ${failed.failed} | | | |`);
    return;
  }
  const s = median(rs.map((r) => r.seconds));
  const rss = rs[0].rssMB == null ? "?" : `${Math.max(...rs.map((r) => r.rssMB)).toFixed(0)} MB`;
  const same = rs.every((r) => r.body === reference) ? "yes" : "**no**";
  lines.push(`| ${name} | ${s.toFixed(1)} s | ${(s / base).toFixed(2)}× | ${rss} | ${same} |`);
});
lines.push("", END);
const section = lines.join("\n");

if (argv.includes("--print")) {
  console.log(section);
} else {
  const old = existsSync(outFile) ? readFileSync(outFile, "utf8") : "# Benchmark results\n";
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  const next =
    a >= 0 && b > a ? old.slice(0, a) + section + old.slice(b + END.length) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(outFile, next);
  console.error(`wrote the formats section of ${outFile}`);
}
