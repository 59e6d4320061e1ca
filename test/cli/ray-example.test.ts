/**
 * examples/ray/profile_shards.py on a local Ray cluster: the report it prints (shards profiled as
 * Ray tasks, merged) equals the one-pass report of the dataset. Skipped, saying so, when Python
 * with Ray is not installed.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { BIN, ROOT } from "./helpers.js";

const hasRay = spawnSync("python3", ["-c", "import ray"], { stdio: "ignore" }).status === 0;
if (!hasRay) console.warn("ray-example.test.ts: skipped: `python3 -c 'import ray'` fails (pip install ray to run it)");
const TMP = mkdtempSync(join(tmpdir(), "embcheck-ray-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe.skipIf(!hasRay)("the Ray example", () => {
  test("profiles the npy files of fixtures/dataset/shards in 3 Ray tasks, merges, and reports the one-pass numbers", () => {
    // a glob embcheck expands (no shell here); the .arrows stream file states no row count, so --shard skips it
    const data = join(ROOT, "fixtures/dataset/shards/*.npy");
    const out = execFileSync(
      "python3",
      [join(ROOT, "examples/ray/profile_shards.py"), data, TMP, "--shards", "3", "--embcheck", `node ${BIN}`],
      { encoding: "utf8", timeout: 300_000 },
    );
    // near-duplicates re-read the rows, which a merged profile does not hold (null in its report)
    const one = execFileSync("node", [BIN, "report", data, "--format", "json", "--near-dup", "0"], {
      encoding: "utf8",
    });
    const strip = (s: string) => {
      const { input: _i, timing: _t, ...rest } = JSON.parse(s);
      return rest;
    };
    expect(strip(out)).toEqual(strip(one));
  }, 600_000);
});
