import { beforeAll, describe, expect, test } from "vitest";
import { type Analysis, analyze } from "../../src/api.js";
import { spectrumMetrics } from "../../src/detect/sections/spectrum.js";
import { SIZES, screeChart, varianceRatios } from "../../src/report/html/charts.js";
import { renderHtml } from "../../src/report/html.js";
import type { Report } from "../../src/report/types.js";
import { sampleReport } from "./sample-report.js";

const W = SIZES.spectrum.width;
const H = SIZES.spectrum.height;

interface Bar {
  x0: number;
  top: number;
  w: number;
}

function bars(svg: string): Bar[] {
  const group = /role-mark scree-bars"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? "";
  return [...group.matchAll(/ d="M(-?[\d.]+),(-?[\d.]+)h([\d.]+)V/g)].map((m) => ({
    x0: Number(m[1]),
    top: Number(m[2]),
    w: Number(m[3]),
  }));
}

function rules(svg: string): number[] {
  const group = /role-mark scree-dims"[^>]*>(.*?)<\/g>/s.exec(svg)?.[1] ?? "";
  return [...group.matchAll(/<line[^>]* x1="(-?[\d.]+)"/g)].map((m) => Number(m[1]));
}

function cumulativePoints(svg: string): number {
  const d = /role-mark scree-cumulative"><path[^>]* d="([^"]+)"/.exec(svg)?.[1] ?? "";
  return (d.match(/[ML]/g) ?? []).length;
}

/** Pixel centre of component k (1-based) on an axis of d components W px wide. */
const centre = (k: number, d: number) => ((k - 0.5) / d) * W;

/** A report of d dims whose spectrum comes from `eigenvalues` (the rest of the sample report kept). */
function reportWith(eigenvalues: Float64Array): Report {
  const d = eigenvalues.length;
  return {
    ...sampleReport,
    input: { ...sampleReport.input, dims: d },
    spectrum: { ...spectrumMetrics(eigenvalues), precision: "mixed" },
  };
}

describe("the spectrum chart on the GloVe sample (d = 100, 64 ratios in the report)", () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyze("fixtures/sample/glove-6b-100d-top3000.arrow");
  });

  test("derives from the eigenvalues the same first 64 ratios the report holds, bit for bit", () => {
    expect(a.metrics.eigenvalues).toHaveLength(100);
    const ratios = varianceRatios(a.metrics.eigenvalues);
    expect(ratios.slice(0, 64)).toEqual(a.report.spectrum.explainedVarianceRatio);
    expect(ratios.reduce((s, r) => s + r, 0)).toBeCloseTo(1, 12);
  });

  test("draws every one of the 100 components, each centred on its place along the whole width", () => {
    const svg = screeChart(a.report, SIZES.spectrum, a.metrics.eigenvalues);
    const b = bars(svg);
    expect(b).toHaveLength(100);
    for (const [i, bar] of b.entries()) expect(bar.x0 + bar.w / 2).toBeCloseTo(centre(i + 1, 100), 1);
    expect(b[99].x0 + b[99].w).toBeLessThanOrEqual(W + 0.01);
    expect(b[99].x0 + b[99].w).toBeGreaterThan(W - 10);
    // The largest share is the tallest bar; bars fall (y grows) as the ratios fall.
    expect(Math.min(...b.map((x) => x.top))).toBe(b[0].top);
    expect(cumulativePoints(svg)).toBe(100);
  });

  test("marks dims90/95/99 (70, 80, 93) inside the axis, at their components' centres", () => {
    const { dims90, dims95, dims99 } = a.report.spectrum;
    expect([dims90, dims95, dims99]).toEqual([70, 80, 93]);
    const x = rules(screeChart(a.report, SIZES.spectrum, a.metrics.eigenvalues));
    expect(x).toHaveLength(3);
    for (const [i, k] of [dims90, dims95, dims99].entries()) expect(x[i]).toBeCloseTo(centre(k, 100), 2);
    for (const v of x) expect(v).toBeLessThan(W);
  });

  test("without the eigenvalues draws the report's 64 ratios over an axis that still spans 100", () => {
    const svg = screeChart(a.report);
    const b = bars(svg);
    expect(b).toHaveLength(64);
    expect(b[63].x0 + b[63].w / 2).toBeCloseTo(centre(64, 100), 1);
    expect(rules(svg)[2]).toBeCloseTo(centre(93, 100), 2);
    expect(svg).toContain('data-components="100" data-drawn="64"');
  });

  test("the page from the CLI path says it draws every component", async () => {
    const html = await renderHtml(a.report, { eigenvalues: a.metrics.eigenvalues });
    expect(html).toContain("explained variance ratio of every one of the 100 components, log scale;");
    const page = await renderHtml(a.report);
    expect(page).toContain("explained variance ratio of the first 64 of 100 components, log scale;");
  });
});

describe("the spectrum chart for large and rank-deficient spectra", () => {
  test("draws all 768 components of a power-law spectrum as thin bars filling the axis", () => {
    const d = 768;
    const lam = Float64Array.from({ length: d }, (_, i) => 1 / (i + 1) ** 1.1);
    const r = reportWith(lam);
    const svg = screeChart(r, SIZES.spectrum, lam);
    const b = bars(svg);
    expect(b).toHaveLength(d);
    // Thin bars, each its band plus half a pixel of overlap so no seams show between them.
    for (const bar of b) expect(bar.w).toBeCloseTo(W / d + 0.5, 2);
    for (const [i, bar] of b.entries()) expect(bar.x0 + bar.w / 2).toBeCloseTo(centre(i + 1, d), 1);
    const x = rules(svg);
    const { dims90, dims95, dims99 } = r.spectrum;
    expect(dims99).toBeGreaterThan(64);
    for (const [i, k] of [dims90, dims95, dims99].entries()) expect(x[i]).toBeCloseTo(centre(k, d), 2);
    // The top of the log axis is the decade above the largest share; bars never leave the plot.
    for (const bar of b) {
      expect(bar.top).toBeGreaterThanOrEqual(0);
      expect(bar.top).toBeLessThanOrEqual(H);
    }
    // The axis labels whole components; the last one lies inside the axis.
    const labels = [...svg.matchAll(/<text class="label"[^>]*>([\d,]+)<\/text>/g)].map((m) =>
      Number(m[1].replace(/,/g, "")),
    );
    expect(labels[0]).toBe(1);
    expect(Math.max(...labels)).toBeLessThanOrEqual(d);
  });

  test("leaves out components with no variance and says so in the caption", async () => {
    const lam = new Float64Array(80);
    lam.set([5, 3, 2, 1, 0.5]);
    lam[5] = -1e-17; // round-off below zero is clipped, as spectrumMetrics does
    const r = reportWith(lam);
    const svg = screeChart(r, SIZES.spectrum, lam);
    expect(bars(svg)).toHaveLength(5);
    expect(cumulativePoints(svg)).toBe(80);
    const html = await renderHtml(r, { eigenvalues: lam });
    expect(html).toContain("every one of the 80 components, log scale (75 with no variance are not drawn);");
  });
});
