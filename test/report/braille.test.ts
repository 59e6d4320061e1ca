import { describe, expect, test } from "vitest";
import { brailleDensity, renderBrailleMap, robustRange } from "../../src/report/braille.js";
import type { SampleMap } from "../../src/report/map.js";

const cp = (s: string) => Array.from(s).map((c) => (c.codePointAt(0) as number) - 0x2800);

describe("brailleDensity", () => {
  test("lights dot 7 for the lower-left corner and dot 4 for the upper-right one", () => {
    const g = brailleDensity([0, 1], [0, 1], 1, 1);
    // Dot 7 (bottom left) is 0x40, dot 4 (top right) 0x08.
    expect(cp(g.lines[0])).toEqual([0x40 | 0x08]);
    expect(Array.from(g.counts)).toEqual([2]);
  });

  test("maps each of the 8 dot positions of a cell to its Unicode bit", () => {
    // A 1 × 1 cell spans x ∈ [0, 2) in 2 columns and y ∈ (0, 4] in 4 rows (y up).
    const cases: [number, number, number][] = [
      [0.5, 3.5, 0x01],
      [0.5, 2.5, 0x02],
      [0.5, 1.5, 0x04],
      [0.5, 0.5, 0x40],
      [1.5, 3.5, 0x08],
      [1.5, 2.5, 0x10],
      [1.5, 1.5, 0x20],
      [1.5, 0.5, 0x80],
    ];
    for (const [x, y, bit] of cases) {
      const g = brailleDensity([x], [y], 1, 1, { x: [0, 2], y: [0, 4] });
      expect(cp(g.lines[0])).toEqual([bit]);
    }
  });

  test("counts points per character cell and skips non-finite and out-of-range points", () => {
    const x = [0, 0.1, 3.9, 2, Number.NaN, 5];
    const y = [0, 0.1, 3.9, 2, 1, 1];
    const g = brailleDensity(x, y, 2, 2, { x: [0, 4], y: [0, 4] });
    expect(g.lines.map((l) => Array.from(l).length)).toEqual([2, 2]);
    // Row 0 is the top: (3.9, 3.9) top right; (0, 0) and (0.1, 0.1) bottom left; the midpoint
    // (2, 2) starts the bottom-right cell (cells are half-open, [lo, hi) in x and (lo, hi] in y).
    expect(Array.from(g.counts)).toEqual([0, 1, 2, 1]);
    expect(g.counts.reduce((a, b) => a + b, 0)).toBe(4);
  });

  test("pads an empty range so a single point still draws", () => {
    const g = brailleDensity([3], [3], 3, 2);
    expect(g.x).toEqual([2, 4]);
    expect(g.lines.join("").replace(/\u2800/g, "")).toHaveLength(1);
  });
});

describe("robustRange", () => {
  test("keeps the middle 99% of values, widened by 2% of that span, clipped to the data", () => {
    const v = Array.from({ length: 1001 }, (_, i) => i / 1000); // 0 … 1
    v.push(1000); // one far outlier
    const [lo, hi] = robustRange(v);
    // NumPy: np.quantile(v, [0.005, 0.995]) = [0.005005, 0.995995] (linear interpolation).
    expect(lo).toBeCloseTo(Math.max(0, 0.005005 - 0.02 * (0.995995 - 0.005005)), 9);
    expect(hi).toBeCloseTo(0.995995 + 0.02 * (0.995995 - 0.005005), 9);
  });
});

function gridMap(): SampleMap {
  const n = 400;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (i % 20) + (i < 200 ? 0 : 40);
    y[i] = Math.floor(i / 20) % 10;
  }
  return {
    projection: "umap",
    indices: Float64Array.from({ length: n }, (_, i) => i),
    x,
    y,
    sampleRows: 1000,
    components: 50,
    seed: 4,
  };
}

describe("renderBrailleMap", () => {
  test("draws a framed plot of the requested width with a title and a legend, no colour codes", () => {
    const text = renderBrailleMap(gridMap(), { color: false, width: 40, height: 8 });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("Map · 400 sample rows of 1,000 · UMAP of 50 principal components · seed 4");
    expect(lines).toHaveLength(1 + 8 + 2 + 1);
    for (const l of lines.slice(1, 11)) expect(Array.from(l)).toHaveLength(40);
    expect(lines[1]).toBe(`┌${"─".repeat(38)}┐`);
    expect(lines.at(-1)).toMatch(/^each dot: one or more points · densest character: \d+ points$/);
    expect(text).not.toContain("\u001b[");
  });

  test("shows the two groups as two blocks of dots with an empty gap between", () => {
    const text = renderBrailleMap(gridMap(), { color: false, width: 42, height: 6 });
    const body = text.split("\n").slice(2, 8);
    for (const line of body) {
      const cells = Array.from(line.slice(1, -1));
      // x spans 0 … 59 over 40 cells: group one in cells 0–12, group two from cell 26.
      expect(cells.slice(14, 26).every((c) => c === "\u2800")).toBe(true);
    }
  });

  test("shades cells by density with ANSI colour when colour is on", () => {
    const text = renderBrailleMap(gridMap(), { color: true, width: 40, height: 8 });
    expect(text).toContain("\u001b[");
    expect(text).toContain("points per character:");
  });
});
