// `node bench/arrow.mjs`: `embcheck report` on the same 1,000,000 × 768 float32 values in an
// `.npy` and in the Arrow containers issue 14 names, timed in one alternating loop, with the
// ratio of each to the `.npy` of the same run. Not a test: it measures.
//
//   node bench/arrow.mjs [--rows 1000000] [--reps 3] [--node PATH]...
//   (--node may be given several times, e.g. a Node ≥ 22.15 whose zlib has zstd; default: this node)
//
// Inputs (not committed) go to bench/data/: the .npy by bench/make_data.py, then with pyarrow and
// polars: `<rows>-768.feather` (pyarrow feather.write_feather defaults: LZ4, 64k-row batches) and
// `<rows>-768-polars-zstd.arrow` (polars write_ipc, compression="zstd", one record batch).
// Peak RSS comes from /usr/bin/time -f %M. Prints a Markdown table; add it to bench/RESULTS.md by hand.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
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
const nodes = argv.flatMap((a, i) => (a === "--node" ? [argv[i + 1]] : []));
if (nodes.length === 0) nodes.push(process.execPath);
const rows = Number(opt("rows", "1000000"));
const reps = Number(opt("reps", "3"));
const tag = rows % 1_000_000 === 0 ? `${rows / 1_000_000}m` : `${rows / 1000}k`;

const npy = join(DATA, `${tag}-768.npy`);
const feather = join(DATA, `${tag}-768.feather`);
const polars = join(DATA, `${tag}-768-polars-zstd.arrow`);

function python(code) {
  const r = spawnSync("python3", ["-c", code], { stdio: "inherit", cwd: ROOT });
  if (r.status !== 0) throw new Error("python3 failed");
}

if (!existsSync(npy)) {
  const r = spawnSync("python3", [join(HERE, "make_data.py"), String(rows), "768", npy], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("make_data.py failed");
}
if (!existsSync(feather)) {
  python(`
import numpy as np, pyarrow as pa, pyarrow.feather as feather
x = np.load(${JSON.stringify(npy)}, mmap_mode="r")
emb = pa.FixedSizeListArray.from_arrays(pa.array(np.asarray(x).reshape(-1), pa.float32()), x.shape[1])
feather.write_feather(pa.table({"id": pa.array(np.arange(x.shape[0])), "embedding": emb}), ${JSON.stringify(feather)})`);
}
if (!existsSync(polars)) {
  python(`
import numpy as np, polars as pl
x = np.load(${JSON.stringify(npy)}, mmap_mode="r")
pl.DataFrame({"id": np.arange(x.shape[0]), "embedding": np.asarray(x)}).write_ipc(
    ${JSON.stringify(polars)}, compression="zstd", record_batch_size=x.shape[0])`);
}

const time = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

function report(node, file) {
  const args = [join(ROOT, "bin", "embcheck.js"), "report", file, "--format", "json"];
  const t0 = performance.now();
  const r = time
    ? spawnSync(time, ["-f", "%M", node, ...args], { encoding: "utf8", maxBuffer: 1 << 28 })
    : spawnSync(node, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) return { seconds, rss: null, failed: r.stderr.trim().split("\n").at(-2) ?? "failed" };
  const rss = time ? Number(r.stderr.trim().split("\n").at(-1)) / 1024 : null;
  return { seconds, rss };
}

const inputs = [
  ["`.npy`", npy],
  ["pyarrow `write_feather` (LZ4, 64k-row batches)", feather],
  ["polars `write_ipc` (ZSTD, one batch)", polars],
];
const before = loadavg()
  .map((x) => x.toFixed(2))
  .join(" / ");
const results = new Map();
for (let rep = 0; rep < reps; rep++) {
  for (const node of nodes) {
    for (const [name, file] of inputs) {
      const key = `${node}\u0000${name}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(report(node, file));
    }
  }
}
const after = loadavg()
  .map((x) => x.toFixed(2))
  .join(" / ");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`Load average (1/5/15 min) before: ${before}, after: ${after}; ${reps} runs each, alternating.\n`);
console.log("| Node | input | report (median) | ratio to `.npy` | peak RSS (median) |");
console.log("|---|---|---|---|---|");
for (const node of nodes) {
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
  const base = median(results.get(`${node}\u0000${inputs[0][0]}`).map((r) => r.seconds));
  for (const [name] of inputs) {
    const rs = results.get(`${node}\u0000${name}`);
    const failed = rs.find((r) => r.failed);
    if (failed) {
      console.log(`| ${version} | ${name} | failed: ${failed.failed} | | |`);
      continue;
    }
    const s = median(rs.map((r) => r.seconds));
    const rss = rs[0].rss === null ? "?" : `${median(rs.map((r) => r.rss)).toFixed(0)} MB`;
    console.log(`| ${version} | ${name} | ${s.toFixed(1)} s | ${(s / base).toFixed(2)}× | ${rss} |`);
  }
}
