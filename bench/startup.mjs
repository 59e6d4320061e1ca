// Start-up time of the CLI: `embcheck --version`, `embcheck report` on a tiny 1,000 × 64 float32
// .npy (terminal, json and html formats) and `node -e 0` as the peer every ratio is taken against
// (the machine is shared: absolute times drift, the ratio to bare Node less so). Runs the commands
// in turn, round-robin, so every command sees the same load; prints medians (and min) in ms.
// Not a test: nothing here asserts.
//
//   node bench/startup.mjs [--runs 20] [--bin bin/embcheck.js] [--peer OTHER/bin/embcheck.js] [--modules]
//                          [--write [--out bench/RESULTS.md] [--peer-label TEXT] [--note TEXT]]
//   (--peer: the same commands with another build, e.g. an older release installed from its
//   tarball, in the same round-robin; --modules: also the cost of importing each heavy dependency;
//   --write: the table replaces the section between the STARTUP markers of bench/RESULTS.md,
//   which bench/run.mjs keeps when it rewrites the file; without markers it replaces the
//   "## Start-up" section, or is appended)
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const RUNS = Number(opt("runs", "20"));
const BIN = opt("bin", join(ROOT, "bin", "embcheck.js"));
const PEER = opt("peer", null);

/** A 1,000 × 64 little-endian float32 .npy of a seeded xorshift: NPY v1 header padded to 64 bytes. */
function tinyNpy(file, rows = 1000, cols = 64) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  header += `${" ".repeat((64 - ((10 + header.length + 1) % 64)) % 64)}\n`;
  const head = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  const data = new Float32Array(rows * cols);
  let s = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = (s >>> 0) / 2 ** 32 - 0.5;
  }
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]));
}

const dir = mkdtempSync(join(tmpdir(), "embcheck-startup-"));
const npy = join(dir, "tiny.npy");
tinyNpy(npy);

const node = process.execPath;
const embcheck = (tag, bin) => [
  [`${tag}embcheck --version`, [node, [bin, "--version"]]],
  [`${tag}embcheck report tiny.npy`, [node, [bin, "report", npy]]],
  [`${tag}embcheck report tiny.npy -f json`, [node, [bin, "report", npy, "--format", "json"]]],
  [
    `${tag}embcheck report tiny.npy -f html --projection pca`,
    [node, [bin, "report", npy, "--format", "html", "--projection", "pca", "-o", join(dir, "r.html")]],
  ],
];
const commands = [["node -e 0", [node, ["-e", "0"]]], ...embcheck("", BIN), ...(PEER ? embcheck("peer: ", PEER) : [])];
if (argv.includes("--modules")) {
  const { createRequire } = await import("node:module");
  const resolvable = (m) => {
    try {
      createRequire(join(ROOT, "package.json")).resolve(m);
      return true;
    } catch {
      return false;
    }
  };
  // vega is listed for measurements of older builds; it is skipped when not installed.
  for (const m of ["commander", "chalk", "ajv", "apache-arrow", "umap-js", "vega"].filter(resolvable)) {
    commands.push([`import ${m}`, [node, ["--input-type=module", "-e", `await import(${JSON.stringify(m)})`]]]);
  }
}

// CPU time (user + sys, from GNU time) as well as wall time: on a loaded machine the wall time
// includes waiting for a core, the CPU time much less so.
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const times = new Map(commands.map(([name]) => [name, []]));
const cpu = new Map(commands.map(([name]) => [name, []]));
const load0 = loadavg()[0];
for (let r = 0; r < RUNS; r++) {
  for (const [name, [cmd, args]] of commands) {
    const [c, a] = TIME ? [TIME, ["-f", "__CPU__ %U %S", cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const res = spawnSync(c, a, { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${name} failed (${res.status}): ${res.stderr}`);
    times.get(name).push(ms);
    const m = /__CPU__ ([\d.]+) ([\d.]+)/.exec(res.stderr ?? "");
    if (m) cpu.get(name).push((Number(m[1]) + Number(m[2])) * 1000);
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(times.get("node -e 0"));
const load1 = loadavg()[0];
const out = [];
out.push(`${RUNS} runs each, round-robin; load average ${load0.toFixed(2)} → ${load1.toFixed(2)}`);
const cpuBase = cpu.get("node -e 0").length ? median(cpu.get("node -e 0")) : Number.NaN;
const table = [
  "| command | wall median ms | wall min ms | wall × node -e 0 | CPU median ms | CPU × node -e 0 |",
  "|---|---|---|---|---|---|",
];
for (const [name, xs] of times) {
  const m = median(xs);
  const c = cpu.get(name).length ? median(cpu.get(name)) : Number.NaN;
  table.push(
    `| ${name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} | ${(m / base).toFixed(2)} | ${c.toFixed(0)} | ${(c / cpuBase).toFixed(2)} |`,
  );
}
console.log([...out, ...table].join("\n"));

if (argv.includes("--write")) {
  const BEGIN = "<!-- STARTUP: bench/startup.mjs writes this section -->";
  const END = "<!-- /STARTUP -->";
  const outFile = opt("out", join(ROOT, "bench", "RESULTS.md"));
  const peerLabel = opt("peer-label", PEER);
  const note = opt("note", null);
  const args = argv.filter(
    (a, i) =>
      !["--write", "--out", "--note", "--peer-label"].includes(a) &&
      !["--out", "--note", "--peer-label"].includes(argv[i - 1]),
  );
  const section = [
    BEGIN,
    "",
    `## Start-up (bench/startup.mjs), ${new Date().toISOString().slice(0, 10)}, issue 19`,
    "",
    `\`node bench/startup.mjs ${args.join(" ")}\`: the commands round-robin, so every one sees the same load; ` +
      `load average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${availableParallelism()} cores. ` +
      "Targets (issue 19, idle machine): `--version` ≤ 150 ms, the 1,000 × 64 report ≤ 400 ms; under load read the ratios to `node -e 0`." +
      (PEER ? ` peer: ${peerLabel}.` : ""),
    "",
    ...table,
    ...(note ? ["", note] : []),
    "",
    END,
  ].join("\n");
  const old = existsSync(outFile) ? readFileSync(outFile, "utf8") : "# Benchmark results\n";
  let next;
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  if (a >= 0 && b > a) next = old.slice(0, a) + section + old.slice(b + END.length);
  else {
    // the hand-written section of earlier rounds: from its heading to the next one
    const h = old.indexOf("## Start-up (bench/startup.mjs)");
    const e = h >= 0 ? old.indexOf("\n## ", h + 1) : -1;
    next =
      h >= 0 ? old.slice(0, h) + section + (e >= 0 ? `\n${old.slice(e)}` : "\n") : `${old.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(outFile, next);
  console.error(`wrote the start-up section of ${outFile}`);
}
