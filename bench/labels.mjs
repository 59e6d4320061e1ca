// `node bench/labels.mjs`: `embcheck report` on the same rows with and without `--labels` (issue
// 18's target: with labels ≤ 1.2× the time without), alternated in one loop so both see the same
// machine load. Not a test: it measures.
//
//   node bench/labels.mjs [--data DIR] [--rows 1000000] [--groups 50] [--reps 2] [--out bench/RESULTS.md] [--print]
//
// Inputs (not committed) are made once into DIR (default bench/data/): <rows>-768.npy by
// bench/make_data.py and <rows>-768-labels<groups>.npy, int64 labels uniform over the groups (seed 0).
// The table replaces the section between the LABELS markers of bench/RESULTS.md (bench/run.mjs
// keeps it when it rewrites the file). Both runs pass --near-dup 0 (the near-duplicate passes
// read the input twice more, with or without labels).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = process.env.EMBCHECK_BENCH_CLI ?? join(HERE, "..", "bin", "embcheck.js");
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const DATA = opt("data", join(HERE, "data"));
const rows = Number(opt("rows", "1000000"));
const groups = Number(opt("groups", "50"));
const reps = Number(opt("reps", "2"));
const outFile = opt("out", join(HERE, "RESULTS.md"));
const DIMS = 768;
const BEGIN = "<!-- LABELS: bench/labels.mjs writes this section -->";
const END = "<!-- /LABELS -->";
const tag = rows === 1_000_000 ? "1m" : `${rows}`;
const npy = join(DATA, `${tag}-${DIMS}.npy`);
const labels = join(DATA, `${tag}-${DIMS}-labels${groups}.npy`);

mkdirSync(DATA, { recursive: true });
if (!existsSync(npy)) {
  const r = spawnSync("python3", [join(HERE, "make_data.py"), String(rows), String(DIMS), npy], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("make_data.py failed");
}
if (!existsSync(labels)) {
  const code = `import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(0).integers(0, int(sys.argv[3]), int(sys.argv[2])).astype(np.int64))`;
  const r = spawnSync("python3", ["-c", code, labels, String(rows), String(groups)], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("writing the labels failed");
}

function run(extra) {
  const args = [CLI, "report", npy, "--format", "json", "--near-dup", "0", ...extra];
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`embcheck failed: ${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { seconds, rssMB: rss ? Number(rss[1]) / 1024 : null, report: JSON.parse(r.stdout) };
}

const load0 = loadavg();
const plain = [];
const withLabels = [];
for (let i = 0; i < reps; i++) {
  plain.push(run([]));
  withLabels.push(run(["--labels", labels]));
  console.error(
    `rep ${i + 1}: ${plain[i].seconds.toFixed(1)} s without, ${withLabels[i].seconds.toFixed(1)} s with labels`,
  );
}
const load1 = loadavg();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const a = median(plain.map((r) => r.seconds));
const b = median(withLabels.map((r) => r.seconds));
const mb = (rs) => `${Math.max(...rs.map((r) => r.rssMB ?? 0)).toFixed(0)} MB`;
const l = withLabels[0].report.labels;
const lines = [
  BEGIN,
  "",
  `### Labels: report with and without --labels (${rows.toLocaleString("en-US")} × ${DIMS}, ${groups} groups)`,
  "",
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load average ${load0[0].toFixed(2)} before, ${load1[0].toFixed(2)} after; median of ${reps} alternating runs, --near-dup 0.`,
  "",
  "| run | seconds | ratio | peak RSS |",
  "|---|---|---|---|",
  `| without labels | ${a.toFixed(1)} s | 1.00× | ${mb(plain)} |`,
  `| --labels (${groups} groups) | ${b.toFixed(1)} s | ${(b / a).toFixed(2)}× | ${mb(withLabels)} |`,
  "",
  `With labels: silhouette ${l?.separation.silhouette?.toFixed(4)}, 10-NN accuracy ${l?.separation.knnAccuracy?.toFixed(4)} (random labels ${l?.separation.baseline.knnAccuracy?.toFixed(4)}); timing.read ${withLabels[0].report.timing.read} s vs ${plain[0].report.timing.read} s.`,
  "",
  END,
];
const section = lines.join("\n");
if (argv.includes("--print")) console.log(section);
else {
  const old = existsSync(outFile) ? readFileSync(outFile, "utf8") : "# Benchmark results\n";
  const i = old.indexOf(BEGIN);
  const j = old.indexOf(END);
  const next =
    i >= 0 && j > i ? old.slice(0, i) + section + old.slice(j + END.length) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(outFile, next);
  console.error(`wrote the labels section of ${outFile}`);
}
