/**
 * The package as a user gets it: `npm pack` (with --ignore-scripts, so it packs the dist/ the test
 * setup built instead of rebuilding it under other test files), then an install of the tarball into
 * an empty project with `--omit=dev --ignore-scripts`, `npx embcheck report` on the GloVe sample,
 * `import("embcheck")` and a type-check of a consumer .ts file against the installed types.
 *
 * NETWORK: the install takes the dependencies' tarballs from the npm cache (--prefer-offline) but
 * npm still asks the registry for their metadata, which a lockfile-driven `npm ci` never cached.
 * Without the registry those tests are skipped with a message naming the npm error; any other
 * install failure fails them. The file list and publint checks need no network beyond publint's
 * own install (skipped likewise).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { VERSION } from "../../src/version.js";
import { ROOT } from "../cli/helpers.js";

const SAMPLE = join(ROOT, "fixtures", "sample", "glove-6b-100d-top3000.arrow");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
/** npm error codes that mean "the registry could not be reached", not "the package is broken". */
const OFFLINE = /\b(ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/;

interface Packed {
  filename: string;
  files: { path: string }[];
}

let dir: string;
let tarball: string;
let packed: Packed;
let project: string;
/** Why the install could not run (no registry), or null when it ran. */
let offline: string | null = null;

function npm(args: string[], cwd: string) {
  return spawnSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "embcheck-pack-"));
  const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT);
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  packed = JSON.parse(pack.stdout)[0];
  tarball = join(dir, packed.filename);

  project = join(dir, "consumer");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const install = npm(
    ["install", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", tarball],
    project,
  );
  if (install.status !== 0) {
    const code = OFFLINE.exec(install.stderr);
    if (!code) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
    offline = `the npm registry is unreachable (${code[1]}): the install test needs it for dependency metadata`;
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  test("ships dist, both .wasm kernels, the JSON Schemas, the bin shim, README and LICENSE, and nothing else", () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/index.d.ts");
    expect(paths).toContain("dist/cli/main.js");
    expect(paths).toContain("dist/linalg/wasm/kernels.wasm");
    expect(paths).toContain("dist/linalg/wasm/kernels-relaxed.wasm");
    expect(paths).toContain("bin/embcheck.js");
    for (const name of ["report", "check", "baseline", "transform", "embcheck.config"]) {
      expect(paths).toContain(`schema/${name}.schema.json`);
    }
    expect(paths).toEqual(expect.arrayContaining(["README.md", "LICENSE", "package.json"]));
    const top = new Set(paths.map((p) => p.split("/")[0]));
    expect([...top].sort()).toEqual(["LICENSE", "README.md", "bin", "dist", "package.json", "schema"]);
    // No source maps (they pointed at src/, which is not shipped), no sources, no tests.
    expect(paths.filter((p) => p.endsWith(".map") || (p.endsWith(".ts") && !p.endsWith(".d.ts")))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("dist/") && !/\.(js|d\.ts|wasm)$/.test(p))).toEqual([]);
  });

  test("publint finds nothing to complain about (needs publint from the registry)", (ctx) => {
    const r = spawnSync("npx", ["--yes", "publint@0.3.25", "--strict", tarball], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, npm_config_prefer_offline: "true", npm_config_update_notifier: "false" },
    });
    const code = OFFLINE.exec(r.stderr);
    if (r.status !== 0 && code) ctx.skip(`publint could not be installed (${code[1]})`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("All good!");
    expect(r.status).toBe(0);
  }, 120_000);
});

describe("the tarball installed with --omit=dev --ignore-scripts into an empty project (network)", () => {
  test("npx embcheck --version prints the package version", (ctx) => {
    if (offline) ctx.skip(offline);
    const out = execFileSync("npx", ["--no-install", "embcheck", "--version"], { cwd: project, encoding: "utf8" });
    expect(out.trim()).toBe(VERSION);
  });

  test("npx embcheck report on the GloVe sample writes the report of 3,000 × 100 rows and exits 0", (ctx) => {
    if (offline) ctx.skip(offline);
    const out = execFileSync("npx", ["--no-install", "embcheck", "report", SAMPLE, "--format", "json"], {
      cwd: project,
      encoding: "utf8",
    });
    const r = JSON.parse(out);
    expect(r.schema).toBe("embcheck/report@1");
    expect(r.tool.version).toBe(VERSION);
    expect(r.input).toMatchObject({ format: "arrow", rows: 3000, dims: 100, dtype: "float32" });
    expect(r.integrity.validRows).toBe(3000);
    // The mean pairwise cosine of the sample, as fixtures/sample/PROVENANCE.md gives it (0.328).
    expect(r.cosine.meanExact).toBeCloseTo(0.328, 3);
    expect(r.verdict).toBe("pass");
  }, 60_000);

  test('import("embcheck") from the consumer project gives the library API', async (ctx) => {
    if (offline) ctx.skip(offline);
    const script = join(project, "use.mjs");
    writeFileSync(
      script,
      [
        'const m = await import("embcheck");',
        "const r = await m.report(process.argv[2], { threads: 0, sampleSize: 256 });",
        "const mem = await m.reportMatrix([[1, 0], [0, 1], [1, 1]], { threads: 0 });",
        "console.log(JSON.stringify({ version: m.VERSION, rows: r.input.rows, mem: [mem.input.format, mem.input.rows], fns: ['report', 'profile', 'checkFiles', 'openEmbeddings'].map((k) => typeof m[k]) }));",
      ].join("\n"),
    );
    const out = JSON.parse(execFileSync(process.execPath, [script, SAMPLE], { cwd: project, encoding: "utf8" }));
    expect(out).toEqual({
      version: VERSION,
      rows: 3000,
      mem: ["memory", 3],
      fns: ["function", "function", "function", "function"],
    });
  }, 60_000);

  test("a consumer .ts file type-checks against the installed types (tsc, NodeNext, strict)", (ctx) => {
    if (offline) ctx.skip(offline);
    writeFileSync(
      join(project, "consumer.ts"),
      [
        'import { report, reportMatrix, type MatrixInput, type Report, VERSION, InputError } from "embcheck";',
        "const m: MatrixInput = { data: new Float32Array(6), rows: 3, dims: 2 };",
        "export const fromMemory: Promise<Report> = reportMatrix(m, { seed: 0 });",
        "export async function dims(path: string): Promise<number> {",
        "  const r: Report = await report(path, { sampleSize: 1024, seed: 0 });",
        "  const share: number = r.spectrum.dominantShare;",
        "  return share >= 0 && VERSION.length > 0 ? r.input.dims : -1;",
        "}",
        "export const isInputError = (e: unknown): boolean => e instanceof InputError;",
        "// @ts-expect-error: the report has no such section, and the types say so",
        "export const wrong = (r: Report) => r.noSuchSection;",
      ].join("\n"),
    );
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ["node"],
      },
      files: ["consumer.ts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    const r = spawnSync(process.execPath, [TSC, "-p", ".", "--listFiles"], { cwd: project, encoding: "utf8" });
    expect(r.stdout).not.toContain("error TS");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The types came from the installed package, not from this repository's src/.
    const files = r.stdout.split("\n");
    expect(files).toContain(join(project, "node_modules", "embcheck", "dist", "index.d.ts"));
    expect(files.filter((f) => f.startsWith(join(ROOT, "src")))).toEqual([]);
  }, 120_000);
});
