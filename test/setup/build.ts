/**
 * vitest globalSetup: builds dist/ once, before any test file runs, when it is missing (a fresh
 * `npm ci` no longer builds: issue 19 moved the build from `prepare` to `prepack`). The tests need
 * it for the WebAssembly kernels (src/backends.ts reads dist/linalg/wasm/*.wasm even when
 * run from src/) and for the tests that spawn bin/embcheck.js. One build here, so parallel test
 * files never race to build it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NEEDED = [
  "dist/cli/main.js",
  "dist/index.d.ts",
  "dist/linalg/wasm/kernels.wasm",
  "dist/linalg/wasm/kernels-relaxed.wasm",
  "dist/io/codecs/zstd-decoder.wasm",
];

export default function setup(): void {
  if (NEEDED.every((f) => existsSync(join(ROOT, f)))) return;
  process.stderr.write("test setup: dist/ is missing or incomplete; running npm run build\n");
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
}
