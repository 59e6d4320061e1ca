import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import type { LabelsMetrics } from "../../src/detect/sections/labels.js";
import { InputError } from "../../src/errors.js";
import { type Label, openLabels } from "../../src/io/labels.js";
import { referenceKernels } from "../../src/linalg/reference.js";

// Label files written by fixtures/scripts/make_labels_reference.py: the same 600 topic labels as a
// '<U' .npy, a text file (LF) and a CSV column (CRLF, a quoted column holding commas and quotes).

const DIR = "fixtures/labels";
const tmp = mkdtempSync(join(tmpdir(), "embcheck-labels-"));

async function readAll(path: string, column?: string): Promise<Label[]> {
  const src = await openLabels(path, { column });
  const out: Label[] = [];
  try {
    for await (const part of src) out.push(...part);
  } finally {
    await src.close();
  }
  return out;
}

const analyzeLabels = async (file: string, opts: Parameters<typeof analyze>[1]) =>
  (await analyze(file, { kernels: referenceKernels(), nearDup: 0, ...opts })).report.labels as LabelsMetrics;

describe("label files", () => {
  test("a '<U' .npy, a text file and a CSV column give the same labels", async () => {
    const npy = await readAll(`${DIR}/topics-labels.npy`);
    expect(npy).toHaveLength(600);
    expect(new Set(npy)).toEqual(new Set(["sports", "cooking", "finance", "space"]));
    expect(await readAll(`${DIR}/topics-labels.txt`)).toEqual(npy);
    expect(await readAll(`${DIR}/topics-labels.csv`, "topic")).toEqual(npy);
  });

  test("a CSV field in quotes keeps its commas and doubled quotes", async () => {
    const notes = await readAll(`${DIR}/topics-labels.csv`, "note");
    const topics = await readAll(`${DIR}/topics-labels.csv`, "topic");
    expect(notes[3]).toBe(`row 3, "${topics[3]}"`);
  });

  test("an int64 .npy gives numbers", async () => {
    const digits = await readAll(`${DIR}/digits-labels.npy`);
    expect(digits).toHaveLength(1797);
    expect(digits.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("an empty line is a null label, and a missing CSV column names the columns there are", async () => {
    const f = join(tmp, "nulls.txt");
    writeFileSync(f, "a\r\n\r\nb\n");
    expect(await readAll(f)).toEqual(["a", null, "b"]);
    await expect(readAll(`${DIR}/topics-labels.csv`, "lang")).rejects.toThrow(
      /no column "lang".*"id", "topic", "note"/,
    );
  });

  test("an unclosed quote and a short record are InputErrors naming the line", async () => {
    const f = join(tmp, "bad.csv");
    writeFileSync(f, 'id,label\n1,"open\n');
    await expect(readAll(f, "label")).rejects.toThrow(/quoted field opened on line 2 is never closed/);
    writeFileSync(f, "id,label\n1,a\n2\n");
    await expect(readAll(f, "label")).rejects.toThrow(/line 3 has 1 field but the header has 2/);
  });

  test("a 2-D or float .npy is refused in one line", async () => {
    await expect(readAll(`${DIR}/topics.npy`)).rejects.toThrow(InputError);
    await expect(readAll(`${DIR}/topics.npy`)).rejects.toThrow(/1-D array/);
  });
});

describe("labels stream with the rows", () => {
  test("a label file with another row count is an InputError with both counts", async () => {
    const f = join(tmp, "short.txt");
    writeFileSync(f, "a\n".repeat(599));
    await expect(analyzeLabels(`${DIR}/topics.npy`, { labels: f })).rejects.toThrow(
      /has 599 labels but the input has 600 rows/,
    );
    const g = join(tmp, "long.txt");
    writeFileSync(g, "a\n".repeat(601));
    await expect(analyzeLabels(`${DIR}/topics.npy`, { labels: g })).rejects.toThrow(
      /has 601 labels but the input has 600 rows/,
    );
  });

  test("the labels section is the same for any chunk size", async () => {
    const whole = await analyzeLabels(`${DIR}/digits.npy`, { labels: `${DIR}/digits-labels.npy` });
    const small = await analyzeLabels(`${DIR}/digits.npy`, { labels: `${DIR}/digits-labels.npy`, chunkRows: 7 });
    expect(small).toEqual(whole);
  });

  test("a Parquet or Arrow column of the input gives the labels of the label file", async () => {
    const fromFile = await analyzeLabels(`${DIR}/topics.npy`, { labels: `${DIR}/topics-labels.npy` });
    for (const f of ["topics.parquet", "topics.arrow"]) {
      const fromColumn = await analyzeLabels(`${DIR}/${f}`, { labelColumn: "topic" });
      expect(fromColumn).toEqual(fromFile);
    }
    await expect(analyzeLabels(`${DIR}/topics.parquet`, { labelColumn: "lang" })).rejects.toThrow(
      /no column named "lang"/,
    );
    await expect(analyzeLabels(`${DIR}/topics.npy`, { labelColumn: "topic" })).rejects.toThrow(
      /needs an Arrow or Parquet input/,
    );
  });

  test("labels past --max-groups are pooled into one group, with a finding", async () => {
    const a = await analyze(`${DIR}/topics.npy`, {
      labels: `${DIR}/topics-labels.npy`,
      maxGroups: 2,
      kernels: referenceKernels(),
      nearDup: 0,
    });
    const l = a.report.labels as LabelsMetrics;
    expect(l.groups).toBe(3);
    const pooled = l.perGroup.find((g) => g.pooled);
    expect(pooled?.rows).toBe(l.pooledRows);
    expect(l.perGroup.reduce((s, g) => s + g.rows, 0)).toBe(600);
    expect(a.report.findings.map((f) => f.id)).toContain("label-groups-pooled");
  });

  test("null labels form their own group", async () => {
    const f = join(tmp, "some-null.txt");
    const lines = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? "" : i % 3 === 1 ? "x" : "y"));
    writeFileSync(f, `${lines.join("\n")}\n`);
    const l = await analyzeLabels(`${DIR}/topics.npy`, { labels: f });
    expect(l.nullRows).toBe(200);
    expect(l.perGroup.find((g) => g.label === null && !g.pooled)?.rows).toBe(200);
  });
});
