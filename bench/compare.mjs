// `node bench/compare.mjs`: `embcheck compare A B` against one `embcheck report A` (issue 17 target:
// ≤ 2.2×), and the `--leakage` near-copy search (the test sample against every train row) against
// faiss IndexFlatIP doing the same exact search (target ≤ 1.5×), all in one run. Not a test: it measures.
//
//   node bench/compare.mjs [--size 100k|1m] [--reps 1] [--out bench/RESULTS.md] [--print]
//
// Inputs (not committed) in bench/data/: A = bench/make_data.py's <size>-768.npy, B = the same model
// (same rotation, spectrum and offset) with other rows (another seed), <size>-768-b.npy.
// `report` runs with --near-dup 0: compare skips the within-set near-duplicate passes too.
// The table replaces the section between the COMPARE markers of bench/RESULTS.md (bench/run.mjs
// keeps it when it rewrites the file).
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
const size = opt("size", "100k");
const reps = Number(opt("reps", "1"));
const outFile = opt("out", join(HERE, "RESULTS.md"));
const DIMS = 768;
const BEGIN = "<!-- COMPARE: bench/compare.mjs writes this section -->";
const END = "<!-- /COMPARE -->";
const a = join(DATA, `${size}-${DIMS}.npy`);
const b = join(DATA, `${size}-${DIMS}-b.npy`);

mkdirSync(DATA, { recursive: true });
if (!existsSync(a)) {
  const r = spawnSync("python3", [join(HERE, "make_data.py"), String(SIZES[size]), String(DIMS), a], {
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("make_data.py failed");
}
if (!existsSync(b)) {
  // make_data.py's model (its first draws: rotation, offset) with rows from another generator
  const code = `import sys, numpy as np
rows, dims, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(20261123)
q, _ = np.linalg.qr(rng.standard_normal((dims, dims)))
scale = (np.arange(1, dims + 1) ** -0.6).astype(np.float64)
offset = rng.standard_normal(dims) * 0.05
rng = np.random.default_rng(17)
mm = np.lib.format.open_memmap(out, mode="w+", dtype="<f4", shape=(rows, dims))
for s in range(0, rows, 100_000):
    e = min(rows, s + 100_000)
    mm[s:e] = ((rng.standard_normal((e - s, dims)) * scale) @ q + offset).astype(np.float32)
mm.flush()`;
  const r = spawnSync("python3", ["-c", code, String(SIZES[size]), String(DIMS), b], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("making B failed");
}

/** Runs the CLI under /usr/bin/time -v: wall seconds, peak RSS (MiB) and stdout. */
function timed(args) {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-v", process.execPath, CLI, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`embcheck ${args.join(" ")} failed: ${r.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  return { seconds, rssMiB: rss ? Number(rss[1]) / 1024 : null, stdout: r.stdout };
}

const FAISS = `import sys, time, json, numpy as np, faiss
train = np.load(sys.argv[1]); test = np.load(sys.argv[2], mmap_mode="r")
faiss.omp_set_num_threads(int(sys.argv[4]))
idx = np.sort(np.random.default_rng(0).choice(test.shape[0], int(sys.argv[3]), replace=False))
q = np.ascontiguousarray(test[idx], dtype=np.float32)
t0 = time.perf_counter()
x = train.copy(); faiss.normalize_L2(x); faiss.normalize_L2(q)
index = faiss.IndexFlatIP(x.shape[1]); index.add(x)
D, I = index.search(q, 1)
print(json.dumps({"seconds": time.perf_counter() - t0, "above": int((D[:, 0] >= 0.98).sum())}))`;

const load0 = loadavg();
const threads = cpus().length;
const runs = [];
for (let r = 0; r < reps; r++) {
  const report = timed(["report", a, "--near-dup", "0", "--format", "json", "-o", "-"]);
  const cmp = timed(["compare", a, b, "--format", "json"]);
  const leak = timed(["compare", a, b, "--leakage", "--format", "json"]);
  const leakDoc = JSON.parse(leak.stdout);
  const f = spawnSync("python3", ["-c", FAISS, a, b, String(leakDoc.leakage.near.queries), String(threads)], {
    encoding: "utf8",
  });
  if (f.status !== 0) throw new Error(`faiss failed: ${f.stderr}`);
  runs.push({ report, cmp, cmpDoc: JSON.parse(cmp.stdout), leak, leakDoc, faiss: JSON.parse(f.stdout) });
}
const load1 = loadavg();
const best = (f) => Math.min(...runs.map(f));
const fmt = (x, d = 2) => x.toFixed(d);
const rep = best((r) => r.report.seconds);
const cmp = best((r) => r.cmp.seconds);
const leakSearch = best((r) => r.leakDoc.timing.leakage);
const faiss = best((r) => r.faiss.seconds);
const t = runs[0].cmpDoc.timing;
const lines = [
  BEGIN,
  `### compare (${size} × ${DIMS} float32 each, ${threads} threads, best of ${reps})`,
  "",
  `Load average before ${load0.map((x) => x.toFixed(2)).join(" ")}, after ${load1.map((x) => x.toFixed(2)).join(" ")} (1/5/15 min).`,
  "",
  "| run | seconds | ratio | peak RSS MiB |",
  "|---|---:|---:|---:|",
  `| \`report A --near-dup 0\` | ${fmt(rep)} | 1 | ${fmt(runs[0].report.rssMiB ?? 0, 0)} |`,
  `| \`compare A B\` | ${fmt(cmp)} | ${fmt(cmp / rep)} (target ≤ 2.2) | ${fmt(runs[0].cmp.rssMiB ?? 0, 0)} |`,
  `| \`compare A B --leakage\` | ${fmt(best((r) => r.leak.seconds))} | ${fmt(best((r) => r.leak.seconds) / rep)} | ${fmt(runs[0].leak.rssMiB ?? 0, 0)} |`,
  "",
  `compare's stages (s): read A ${fmt(t.readA)}, read B ${fmt(t.readB)}, drift ${fmt(t.drift)} (Fréchet, MMD², classifier, components).`,
  "",
  "| near-copy search | queries | train rows | seconds | ratio |",
  "|---|---:|---:|---:|---:|",
  `| embcheck \`--leakage\` (test hash pass + one streaming pass over train, kNN engine) | ${runs[0].leakDoc.leakage.near.queries} | ${runs[0].leakDoc.leakage.near.trainRows} | ${fmt(leakSearch)} | ${fmt(leakSearch / faiss)} (target ≤ 1.5) |`,
  `| faiss ${"IndexFlatIP"} (normalise, add, search k = 1; train in memory, load not timed) | ${runs[0].leakDoc.leakage.near.queries} | ${runs[0].leakDoc.leakage.near.trainRows} | ${fmt(faiss)} | 1 |`,
  "",
  `Near copies at cosine ≥ 0.98: embcheck ${runs[0].leakDoc.leakage.near.above}, faiss ${runs[0].faiss.above}.`,
  END,
];
const section = lines.join("\n");
if (argv.includes("--print")) console.log(section);
else {
  const old = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
  const re = /<!-- COMPARE:[\s\S]*?<!-- \/COMPARE -->/;
  writeFileSync(outFile, re.test(old) ? old.replace(re, section) : `${old.trimEnd()}\n\n${section}\n`);
  console.error(`wrote ${outFile}`);
}
