// Byte-identity check for refactors: runs a fixed list of embcheck commands (reports, checks, fixes,
// applies) on the committed fixtures and the bench inputs, and records a SHA-256 of every output
// (report JSON with `timing` removed; fix/apply output files; the before/after table as JSON).
// Run it on the old build, then on the new one, and compare:
//
//   node bench/identity.mjs --out /tmp/before.json          (on the old commit, after npm run build)
//   node bench/identity.mjs --compare /tmp/before.json      (on the new one: prints what differs)
//
// EMBCHECK_CLI=path/to/bin.js runs another build. Inputs under bench/data/ are made by
// bench/make_data.py (see bench/run.mjs); cases whose input is missing are skipped and listed.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = process.env.EMBCHECK_CLI ?? join(ROOT, "bin", "embcheck.js");
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const only = opt("only");

const F = (p) => join(ROOT, p);
const SMALL = [
  "fixtures/sample/glove-6b-100d-top3000.npy",
  "fixtures/sample/glove-6b-100d-top3000.arrow",
  "fixtures/scenarios/anisotropic.npy",
  "fixtures/scenarios/collapsed.npy",
  "fixtures/scenarios/dirty.npy",
  "fixtures/scenarios/dominant-direction.npy",
  "fixtures/scenarios/healthy-f64.npy",
  "fixtures/scenarios/large-sample.npy",
  "fixtures/scenarios/skewed-norms.npy",
  "fixtures/arrow/fsl_f16_lz4.feather",
  "fixtures/arrow/list_f64_zstd.arrow",
  "fixtures/arrow/polars_zstd.arrows",
  "fixtures/repair/table.arrow",
].map(F);
const BIG = ["bench/data/20k-160.npy", "bench/data/100k-768.npy", "bench/data/100k-768.arrow"].map(F);

/** [name, args, output file extension or null]. */
const cases = [];
for (const f of [...SMALL, ...BIG]) {
  const short = f.slice(ROOT.length + 1);
  cases.push([`report ${short}`, ["report", f, "--format", "json"]]);
  cases.push([`report ${short} --precision float64`, ["report", f, "--format", "json", "--precision", "float64"]]);
  if (!f.includes("100k")) {
    cases.push([`report ${short} --threads 0`, ["report", f, "--format", "json", "--threads", "0"]]);
    cases.push([`report ${short} --threads 1`, ["report", f, "--format", "json", "--threads", "1"]]);
  }
}
cases.push([
  "report docs-aligned --pairs",
  [
    "report",
    F("fixtures/scenarios/docs-aligned.npy"),
    "--pairs",
    F("fixtures/scenarios/queries.npy"),
    "--format",
    "json",
  ],
]);
cases.push([
  "check scenarios",
  ["check", F("fixtures/scenarios/healthy.npy"), F("fixtures/scenarios/dirty.npy"), "--format", "json"],
]);
cases.push(["report md glove", ["report", SMALL[0], "--format", "md"]]);
cases.push(["report terminal glove", ["report", SMALL[0], "--no-color"]]);
const PIPELINES = [
  "center,pca:256",
  "abtt:3,l2",
  "l2,pca:64",
  "whiten:64",
  "zca",
  "dedup,center",
  "drop-invalid,l2,pca:32",
];
for (const f of [F("fixtures/scenarios/dirty.npy"), F("fixtures/repair/table.arrow"), ...BIG]) {
  const short = f.slice(ROOT.length + 1);
  const ext = f.endsWith(".arrow") ? ".arrow" : ".npy";
  for (const p of PIPELINES) {
    cases.push([
      `fix ${short} ${p}`,
      ["fix", f, "--pipeline", p, "--format", "json", "-o", "@OUT", "--save-transform", "@T"],
      ext,
    ]);
    if (!f.includes("100k"))
      cases.push([
        `fix ${short} ${p} --threads 0`,
        ["fix", f, "--pipeline", p, "--format", "json", "--threads", "0", "-o", "@OUT"],
        ext,
      ]);
  }
  cases.push([`fix ${short} --auto`, ["fix", f, "--auto", "--format", "json", "-o", "@OUT"], ext]);
}

const sha = (b) => createHash("sha256").update(b).digest("hex").slice(0, 16);
const dir = mkdtempSync(join(tmpdir(), "embcheck-identity-"));
const results = {};
const skipped = [];
for (const [name, args, ext] of cases) {
  if (only && !name.includes(only)) continue;
  const inputs = args.filter((a) => a.startsWith(ROOT));
  if (inputs.some((a) => !existsSync(a))) {
    skipped.push(name);
    continue;
  }
  const out = join(dir, `out${ext ?? ""}`);
  const t = join(dir, "t.json");
  rmSync(out, { force: true });
  rmSync(t, { force: true });
  const full = args.map((a) => (a === "@OUT" ? out : a === "@T" ? t : a));
  const r = spawnSync("node", [CLI, ...full], { encoding: "buffer", maxBuffer: 1 << 28 });
  // The temporary directory differs run to run, and fix's JSON names its output path in it.
  let text = r.stdout.toString("utf8").split(dir).join("@TMP");
  if (text.startsWith("{")) {
    const j = JSON.parse(text);
    const strip = (o) => {
      if (o && typeof o === "object") {
        delete o.timing;
        delete o.seconds;
        for (const v of Object.values(o)) strip(v);
      }
    };
    strip(j);
    text = JSON.stringify(j);
  }
  const entry = { code: r.status, stdout: sha(text) };
  if (ext && existsSync(out)) entry.output = sha(readFileSync(out));
  if (existsSync(t)) entry.transform = sha(JSON.stringify({ ...JSON.parse(readFileSync(t, "utf8")), tool: null }));
  if (r.status !== 0 && r.status !== 1)
    entry.stderr = r.stderr.toString("utf8").split(dir).join("@TMP").trim().split("\n")[0];
  results[name] = entry;
  process.stderr.write(".");
}
process.stderr.write("\n");
rmSync(dir, { recursive: true, force: true });
if (skipped.length) console.error(`skipped (input missing): ${skipped.join("; ")}`);

const outFile = opt("out");
if (outFile) writeFileSync(outFile, `${JSON.stringify(results, null, 1)}\n`);
const cmp = opt("compare");
if (cmp) {
  const before = JSON.parse(readFileSync(cmp, "utf8"));
  let same = 0;
  const diff = [];
  for (const [name, b] of Object.entries(before)) {
    const a = results[name];
    if (!a) continue;
    if (JSON.stringify(a) === JSON.stringify(b)) same++;
    else diff.push(`${name}: ${JSON.stringify(b)} -> ${JSON.stringify(a)}`);
  }
  console.log(`${same} identical, ${diff.length} different`);
  for (const d of diff) console.log(`  ${d}`);
  process.exitCode = diff.length ? 1 : 0;
} else if (!outFile) console.log(JSON.stringify(results, null, 1));
