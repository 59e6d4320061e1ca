import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runCli } from "./helpers.js";

const DIR = path.join(ROOT, "fixtures", "arrow");
interface Entry {
  npy?: string;
  compression: string | null;
  writer: string;
  pairColumn?: string;
  column: string;
  nullRows: number[];
}
const expected: Record<string, Entry> = JSON.parse(fs.readFileSync(path.join(DIR, "expected.json"), "utf8"));

/** The report JSON without what names the input or times the run. */
async function reportOf(file: string, extra: string[] = []): Promise<Record<string, unknown>> {
  const r = await runCli(["report", path.join(DIR, file), "--format", "json", "--chunk-rows", "100", ...extra]);
  expect(r.stderr).toBe("");
  const json = JSON.parse(r.stdout);
  delete json.input;
  delete json.timing;
  return json;
}

describe("report on Arrow record batches larger than the chunk size", () => {
  for (const [name, e] of Object.entries(expected)) {
    // null rows are nulls in Arrow but zero rows in NumPy: those reports differ by design
    if (!e.npy || e.pairColumn || e.nullRows.length > 0) continue;
    it(`gives ${name} (${e.writer}, ${e.compression ?? "uncompressed"}) the report of ${e.npy}, number for number`, async () => {
      const col = e.column === "embedding" ? [] : ["--column", e.column];
      expect(await reportOf(name, col)).toEqual(await reportOf(e.npy as string));
    });
  }
});
