// `node bench/zstd.mjs`: the ZSTD decoders' speed on a polars-like frame, each through ZstdStream
// (the frame walk plus the decoder, read in 1 MiB pieces, as the Arrow reader does) and the
// WebAssembly decoder alone. Not a test: it measures.
//
//   node bench/zstd.mjs [--mb 256] [--reps 3] [--node /path/to/node22] [--out bench/RESULTS.md] [--print]
//
// The frame: float32 values like bench/make_data.py's (standard normal × k^-0.6 per column, 768
// columns) compressed by python `zstandard` at level 3 with the streaming API (no content size,
// a 2 MiB window: what polars' write_ipc(compression="zstd") writes), made in a temporary folder
// and deleted after. Backends: fzstd and the WebAssembly decoder on this Node; Node's zlib (and the
// WebAssembly decoder again) on the --node binary when it has zlib zstd (Node ≥ 22.15). Needs dist/
// (npm run build). The table replaces the section between the ZSTD markers of bench/RESULTS.md
// (bench/run.mjs keeps it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, "..", "dist", "io", "codecs");
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const mb = Number(opt("mb", "256"));
const reps = Number(opt("reps", "3"));
const outFile = opt("out", join(HERE, "RESULTS.md"));
const BEGIN = "<!-- ZSTD: bench/zstd.mjs writes this section -->";
const END = "<!-- /ZSTD -->";

const { ZstdStream, nodeZstd } = await import(pathToFileURL(join(DIST, "zstd.js")).href);
const { WasmZstdDecoder, wasmZstdAvailable } = await import(pathToFileURL(join(DIST, "zstd-wasm.js")).href);
const { MemoryInput } = await import(pathToFileURL(join(DIST, "input.js")).href);

/** Seconds to decode `frame` (`size` bytes) with one backend, and the decoded bytes' sum (a check). */
async function viaStream(frame, size, backend) {
  const dst = new Uint8Array(1 << 20);
  const t = performance.now();
  const s = new ZstdStream(new MemoryInput(frame), size, backend);
  let check = 0;
  for (let at = 0; at < size; at += dst.length) {
    const n = Math.min(dst.length, size - at);
    await s.read(dst, 0, n);
    check = (check + dst[n - 1]) | 0;
  }
  await s.finish();
  return { seconds: (performance.now() - t) / 1000, check };
}

function wasmAlone(frame, size) {
  const t = performance.now();
  const d = new WasmZstdDecoder();
  d.feed(frame);
  let got = 0;
  let check = 0;
  for (let p = d.next(); p; p = d.next()) {
    got += p.length;
    check = (check + p[p.length - 1]) | 0;
  }
  if (got !== size) throw new Error(`decoded ${got} bytes, expected ${size}`);
  return { seconds: (performance.now() - t) / 1000, check: null };
}

/** Median MB/s of each decoder on this Node, runs alternating. */
async function measure(frame, size) {
  const runs = [];
  if (wasmZstdAvailable()) {
    runs.push(["WebAssembly (zstd 1.5.7), decoder alone", () => wasmAlone(frame, size)]);
    runs.push(["WebAssembly, through ZstdStream", () => viaStream(frame, size, "wasm")]);
  }
  if (nodeZstd()) runs.push(["Node zlib (libzstd), through ZstdStream", () => viaStream(frame, size, "node")]);
  if (!nodeZstd() || argv.includes("--with-fzstd"))
    runs.push(["fzstd, through ZstdStream", () => viaStream(frame, size, "fzstd")]);
  const times = runs.map(() => []);
  const checks = new Set();
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, [, run]] of runs.entries()) {
      const r = await run();
      times[i].push(r.seconds);
      if (r.check !== null) checks.add(r.check);
    }
  }
  if (checks.size > 1) throw new Error("the decoders disagree");
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return runs.map(([name], i) => ({ name, mbps: size / 1e6 / median(times[i]) }));
}

if (argv.includes("--child")) {
  const frame = new Uint8Array(readFileSync(opt("frame")));
  const rows = await measure(frame, Number(opt("size")));
  process.stdout.write(JSON.stringify(rows));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "embcheck-bench-zstd-"));
try {
  const framePath = join(dir, "frame.zst");
  const py = spawnSync(
    "python3",
    [
      "-c",
      `import sys, numpy as np, zstandard as zstd
n = int(sys.argv[1]) * 2**20 // (768 * 4)
rng = np.random.default_rng(20261203)
x = (rng.standard_normal((n, 768)) * (np.arange(1, 769) ** -0.6)).astype("<f4").tobytes()
obj = zstd.ZstdCompressor(level=3).compressobj()
open(sys.argv[2], "wb").write(obj.compress(x) + obj.flush())
print(len(x))`,
      String(mb),
      framePath,
    ],
    { encoding: "utf8" },
  );
  if (py.status !== 0) throw new Error(`python3 failed: ${py.stderr}`);
  const size = Number(py.stdout.trim());
  const frame = new Uint8Array(readFileSync(framePath));
  const load0 = loadavg();
  const here = { node: process.version, rows: await measure(frame, size) };
  const other = opt("node", null);
  const there = [];
  if (other) {
    const r = spawnSync(
      other,
      [fileURLToPath(import.meta.url), "--child", "--frame", framePath, "--size", String(size), "--reps", String(reps)],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`${other} failed: ${r.stderr}`);
    const version = spawnSync(other, ["--version"], { encoding: "utf8" }).stdout.trim();
    there.push({ node: version, rows: JSON.parse(r.stdout) });
  }
  const load1 = loadavg();
  const all = [here, ...there];
  const fz = here.rows.find((r) => r.name.startsWith("fzstd"));
  const lines = [BEGIN, "", "## ZSTD decoders (bench/zstd.mjs)", ""];
  lines.push(
    `Made on ${new Date().toISOString()}: one ${(size / 2 ** 20).toFixed(0)} MiB frame of float32 values (768 columns, standard normal × k^-0.6), ` +
      `python \`zstandard\` level 3 streamed (no content size, 2 MiB window, as polars writes), ${(frame.length / 2 ** 20).toFixed(0)} MiB compressed; ` +
      `${reps} runs each, alternating; median decoded MB/s, and the ratio to fzstd on ${here.node} in the same run. ` +
      `${cpus().length} CPUs; load average (1/5/15 min) before: ${load0.map((x) => x.toFixed(2)).join(" / ")}, after: ` +
      `${load1.map((x) => x.toFixed(2)).join(" / ")}` +
      (load0[0] > 1.5
        ? " — **the machine was busy with other work: speeds are lower bounds, ratios indicative.**"
        : "."),
    "",
    "| Node | decoder | MB/s | vs fzstd |",
    "|---|---|---|---|",
  );
  for (const { node, rows } of all) {
    for (const r of rows) {
      lines.push(`| ${node} | ${r.name} | ${r.mbps.toFixed(0)} | ${fz ? `${(r.mbps / fz.mbps).toFixed(1)}×` : ""} |`);
    }
  }
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
    console.error(`wrote the ZSTD section of ${outFile}`);
    console.log(section);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
