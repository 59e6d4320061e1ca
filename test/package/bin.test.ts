/**
 * bin/embcheck.js answers `--version` / `-V` on its own from package.json (no CLI modules loaded,
 * issue 19's start-up target) with the same line the full CLI prints; anything more goes to the CLI.
 */
import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";
import { VERSION } from "../../src/version.js";
import { BIN, runCli } from "../cli/helpers.js";

test.each(["--version", "-V"])("embcheck %s alone prints what the full CLI prints", async (flag) => {
  const fast = execFileSync(process.execPath, [BIN, flag], { encoding: "utf8" });
  const full = await runCli([flag]);
  expect(fast).toBe(`${VERSION}\n`);
  expect(full.stdout).toBe(fast);
});

test("any other arguments go to the full CLI (here: a JSON report of a file)", () => {
  const out = execFileSync(process.execPath, [BIN, "report", "fixtures/scenarios/healthy.npy", "-f", "json"], {
    encoding: "utf8",
  });
  expect(JSON.parse(out).schema).toBe("embcheck/report@1");
});
