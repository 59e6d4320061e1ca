import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Analysis, analyze } from "../../src/api.js";
import { isotropicCounts } from "../../src/report/charts.js";
import { mapColoring, normChart, SIZES } from "../../src/report/html/charts.js";
import { expectedMarks, renderFixHtml, renderHtml } from "../../src/report/html.js";
import { projectSample, type SampleMap } from "../../src/report/map.js";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../cli/helpers.js";

const SCENARIOS = "fixtures/scenarios";

/** The <path>/<line> items of the mark group named `name`, in every chart of the page. */
function marksOf(html: string, name: string): number {
  const group = new RegExp(`<g class="mark-\\w+ role-mark ${name}"[^>]*>(.*?)</g>`, "gs");
  let n = 0;
  for (const m of html.matchAll(group)) n += (m[1].match(/<(path|line)\b/g) ?? []).length;
  return n;
}

function mapOf(a: Analysis, projection: "umap" | "pca" = "pca"): SampleMap {
  const { values, indices } = a.profile.sample.rowsByIndex();
  return projectSample(values, indices, a.report.input.dims, { projection, epochs: 40 });
}

describe("renderHtml", () => {
  let anisotropic: Analysis;
  let healthy: Analysis;
  let html: string;

  beforeAll(async () => {
    anisotropic = await analyze(`${SCENARIOS}/anisotropic.npy`, { sampleSize: 500 });
    healthy = await analyze(`${SCENARIOS}/healthy.npy`, { sampleSize: 300 });
    html = await renderHtml(anisotropic.report, {
      map: mapOf(anisotropic),
      eigenvalues: anisotropic.metrics.eigenvalues,
    });
  });

  test("is self-contained: no URL, no <link>, no external script, no @import or url()", () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });

  test("shows the verdict and every finding id", () => {
    const r = anisotropic.report;
    expect(html).toContain(`data-verdict="${r.verdict}"`);
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) expect(html).toContain(`<code>${f.id}</code>`);
  });

  test("draws one bar per histogram bin and per component, one point per map row, three dims rules", () => {
    const map = mapOf(anisotropic);
    const want = expectedMarks(anisotropic.report, map, anisotropic.metrics.eigenvalues);
    expect(want["norm-bars"]).toBe(30);
    expect(want["cosine-bars"]).toBe(40);
    expect(want["scree-bars"]).toBe(anisotropic.report.input.dims);
    for (const [name, count] of Object.entries(want)) expect(marksOf(html, name), name).toBe(count);
    expect(marksOf(html, "cosine-isotropic")).toBe(1);
    expect(marksOf(html, "scree-cumulative")).toBe(1);
  });

  test("draws the isotropic reference N(0, 1/d) as a step line through the expected count of each bin", () => {
    const r = anisotropic.report;
    const { edges } = r.cosine.histogram;
    const expected = isotropicCounts(edges, r.cosine.sampledPairs, r.cosine.isotropicStd);
    const d = /role-mark cosine-isotropic"[^>]*><path[^>]* d="([^"]+)"/.exec(html)?.[1] ?? "";
    const nums = (d.match(/-?[\d.]+(e-?\d+)?/g) ?? []).map(Number);
    const xs = nums.filter((_, i) => i % 2 === 0);
    const ys = nums.filter((_, i) => i % 2 === 1);
    expect(xs).toHaveLength(2 * expected.length);
    // Pixels: x = (edge + 1) / 2 · W (the plot is W wide over [−1, 1]); y falls as the count rises.
    const W = SIZES.histogram.width;
    expected.forEach((_, i) => {
      expect(xs[2 * i]).toBeCloseTo(((edges[i] + 1) / 2) * W, 2);
      expect(xs[2 * i + 1]).toBeCloseTo(((edges[i + 1] + 1) / 2) * W, 2);
      expect(ys[2 * i]).toBe(ys[2 * i + 1]);
    });
    const centre = expected.indexOf(Math.max(...expected));
    expect(ys[2 * centre]).toBe(Math.min(...ys));
    expect(edges[centre]).toBeLessThanOrEqual(0);
    expect(edges[centre + 1]).toBeGreaterThanOrEqual(0);
    // Heights are proportional to the expected counts (the y scale starts at 0 at the bottom).
    const bottom = Math.max(...ys);
    const ratio = (bottom - ys[2 * centre]) / expected[centre];
    for (let i = 0; i < expected.length; i++) {
      expect(bottom - ys[2 * i]).toBeCloseTo(expected[i] * ratio, 1);
    }
  });

  test("gives the same bytes for the same report and map", async () => {
    const again = await renderHtml(anisotropic.report, {
      map: mapOf(anisotropic),
      eigenvalues: anisotropic.metrics.eigenvalues,
    });
    expect(again).toBe(html);
  });

  test("leaves the map out when none is given", async () => {
    const page = await renderHtml(healthy.report);
    expect(page).not.toContain('id="chart-map"');
    expect(marksOf(page, "map-points")).toBe(0);
    expect(marksOf(page, "norm-bars")).toBe(30);
  });

  test("escapes text from the input (paths, column values) as HTML", async () => {
    const r: Report = { ...healthy.report, input: { ...healthy.report.input, path: `<img src=x onerror="1">&.npy` } };
    const map = mapOf(healthy);
    map.ids = Array.from(map.indices, (_, i) => (i === 0 ? "<b>bold</b>" : `id${i}`));
    const page = await renderHtml(r, { map });
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>bold</b>");
    expect(page).toContain("&lt;img src=x onerror=&quot;1&quot;&gt;&amp;.npy");
    expect(page).toContain("id &lt;b&gt;bold&lt;/b&gt;");
  });
});

describe("renderFixHtml", () => {
  test("shows both verdicts, a before/after table and every chart on both sides", async () => {
    const before = await analyze(`${SCENARIOS}/anisotropic.npy`, { sampleSize: 300 });
    const after = await analyze(`${SCENARIOS}/unit.npy`, { sampleSize: 300 });
    const html = await renderFixHtml(before.report, after.report, {
      beforeMap: mapOf(before),
      afterMap: mapOf(after),
      summary: "pipeline center,l2",
    });
    expect(html).toContain("pipeline center,l2");
    expect(html).toContain(`data-verdict="${before.report.verdict}"`);
    expect(html).toContain(`data-verdict="${after.report.verdict}"`);
    for (const side of ["before", "after"]) {
      for (const chart of ["norms", "cosine", "spectrum", "map"]) expect(html).toContain(`id="chart-${chart}-${side}"`);
    }
    expect(marksOf(html, "norm-bars")).toBe(60);
    expect(marksOf(html, "map-points")).toBe(600);
    expect(html).not.toMatch(/https?:\/\//i);
  });
});

describe("mapColoring", () => {
  const base = (values: (string | number | null)[]): SampleMap => ({
    projection: "pca",
    indices: Float64Array.from(values, (_, i) => i),
    x: new Float64Array(values.length),
    y: new Float64Array(values.length),
    sampleRows: values.length,
    components: 2,
    seed: 0,
    colorBy: { name: "c", values },
  });

  test("keeps the 10 most frequent text values and puts the rest in (other), nulls in (null)", () => {
    const values: (string | null)[] = [];
    for (let k = 0; k < 12; k++) for (let r = 0; r <= k; r++) values.push(`v${k}`);
    values.push(null);
    const c = mapColoring(base(values));
    expect(c.kind).toBe("category");
    if (c.kind !== "category") return;
    expect(c.categories).toEqual(["v11", "v10", "v9", "v8", "v7", "v6", "v5", "v4", "v3", "v2", "(other)", "(null)"]);
    expect(c.labels.filter((l) => l === "(other)")).toHaveLength(1 + 2);
  });

  test("treats a few distinct integers as categories and other numbers as a ramp", () => {
    expect(mapColoring(base([1, 2, 3, 1, 2])).kind).toBe("category");
    expect(mapColoring(base([0.5, 1.25, 3, null])).kind).toBe("number");
  });
});

describe("embcheck report --format html", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "embcheck-html-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("writes the same file twice for the same input and seed (UMAP map included)", async () => {
    const args = (out: string) => [
      "report",
      `${SCENARIOS}/healthy.npy`,
      "--sample",
      "300",
      "--format",
      "html",
      "-o",
      out,
    ];
    const a = await runCli(args(join(dir, "a.html")));
    const b = await runCli(args(join(dir, "b.html")));
    expect([a.code, a.stderr, b.code]).toEqual([0, "", 0]);
    const html = readFileSync(join(dir, "a.html"), "utf8");
    expect(readFileSync(join(dir, "b.html"), "utf8")).toBe(html);
    expect(html).toContain("UMAP of the top 50 principal components");
    expect(marksOf(html, "map-points")).toBe(300);
  });

  test("writes to stdout when there is no -o and stdout is not a terminal", async () => {
    const r = await runCli([
      "report",
      `${SCENARIOS}/healthy.npy`,
      "--sample",
      "100",
      "--format",
      "html",
      "--projection",
      "pca",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("<!doctype html>")).toBe(true);
    expect(r.stdout).toContain("the first two principal components");
  });

  test("refuses --color-by for NPY input with a usage error (exit 2)", async () => {
    const r = await runCli(["report", `${SCENARIOS}/healthy.npy`, "--format", "html", "--color-by", "topic"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `embcheck: --color-by needs an Arrow input with a column "topic"; ${SCENARIOS}/healthy.npy is npy\n`,
    );
    expect(r.stdout).toBe("");
  });

  test("refuses --color-by without --format html, and --map with another format", async () => {
    const a = await runCli(["report", `${SCENARIOS}/healthy.npy`, "--color-by", "topic"]);
    expect([a.code, a.stderr]).toEqual([
      2,
      "embcheck: --color-by colours the map of --format html; add --format html -o report.html\n",
    ]);
    const b = await runCli(["report", `${SCENARIOS}/healthy.npy`, "--format", "json", "--map"]);
    expect([b.code, b.stderr]).toEqual([
      2,
      "embcheck: --map draws on the terminal report; the json format has no map\n",
    ]);
  });

  test("names the missing column of --color-by and the columns there are (exit 3, no file left)", async () => {
    const out = join(dir, "missing.html");
    const r = await runCli([
      "report",
      "fixtures/sample/glove-6b-100d-top3000.arrow",
      "--sample",
      "100",
      "--format",
      "html",
      "--projection",
      "pca",
      "--color-by",
      "lang",
      "-o",
      out,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'embcheck: fixtures/sample/glove-6b-100d-top3000.arrow: no column named "lang" (at column "lang"); scalar columns: id\n',
    );
    expect(() => readFileSync(out)).toThrow();
  });
});

/** The labels of the bottom axis of one chart's SVG. */
function bottomLabels(svg: string): string[] {
  const group = /<g class="role-axis axis-bottom"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? "";
  return [...group.matchAll(/<text class="label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe("the norm axis", () => {
  test("keeps enough digits that ticks over the narrow range of unit rows differ", async () => {
    const { report } = await analyze("fixtures/scenarios/unit.npy");
    const labels = bottomLabels(normChart(report));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    // unit rows span about 3e-8 around 1: the labels need 8 decimals to tell the ticks apart
    expect(new Set(labels).size).toBe(labels.length);
    const values = labels.map((l) => Number(l.replace("\u2212", "-")));
    const { min, max } = report.norms;
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(min - 1e-15);
      expect(v).toBeLessThanOrEqual(max + 1e-15);
    }
    expect(Math.max(...labels.map((l) => l.split(".")[1]?.length ?? 0))).toBeGreaterThanOrEqual(8);
  });

  test("labels ordinary norms with round values and no more digits than their step needs", async () => {
    const { report } = await analyze("fixtures/scenarios/healthy.npy");
    const labels = bottomLabels(normChart(report));
    const values = labels.map(Number);
    const steps = values.slice(1).map((v, i) => Number((v - values[i]).toPrecision(6)));
    expect(new Set(steps).size).toBe(1);
    expect([0.1, 0.2, 0.5, 1, 2, 5]).toContain(steps[0]);
    for (const l of labels) expect(l).toMatch(steps[0] < 1 ? /^\d+(\.\d)?$/ : /^\d+$/);
  });
});
