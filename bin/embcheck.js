#!/usr/bin/env node
// Thin shim: the CLI lives in dist/cli/main.js. The published package ships dist/ (built by
// `prepack`); a source checkout builds it here on first use, so `npm ci && npx embcheck ...` works
// in a fresh clone without an install script (issue 19: install scripts warn on every install).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
// `embcheck --version` alone answers from package.json without loading the CLI's ~120 modules
// (issue 19: start-up target 150 ms); with anything else the CLI parses it as usual.
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${createRequire(import.meta.url)("../package.json").version}\n`);
} else {
  await run();
}

async function run() {
  const entry = new URL("../dist/cli/main.js", import.meta.url);
  if (!existsSync(entry)) buildCheckout(entry);
  const { main } = await import(entry.href);
  process.stdout.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  process.exitCode = await main(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  });
}

/** dist/ is missing: build it when this is a source checkout with its dev dependencies, else say what to do. */
function buildCheckout(entry) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const resolvable = (name) => {
    try {
      createRequire(`${root}package.json`).resolve(`${name}/package.json`);
      return true;
    } catch {
      return false;
    }
  };
  const checkout = existsSync(new URL("../src/cli/main.ts", import.meta.url));
  if (checkout && resolvable("typescript") && resolvable("assemblyscript")) {
    process.stderr.write("embcheck: building dist/ in this source checkout (npm run build, once; about a minute)\n");
    const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", 2, 2] });
    if (r.status === 0 && existsSync(entry)) return;
    process.stderr.write("embcheck: the build failed (see above); run `npm run build` to retry\n");
    process.exit(3);
  }
  process.stderr.write(
    checkout
      ? "embcheck: dist/ is not built and the build tools (dev dependencies) are not installed: run `npm ci && npm run build`, or use the published package (`npx embcheck`)\n"
      : "embcheck: this installation has no dist/ (a broken package?): reinstall embcheck\n",
  );
  process.exit(3);
}
