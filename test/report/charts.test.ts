import { describe, expect, it } from "vitest";
import {
  axisLine,
  erf,
  histogramBars,
  histogramChart,
  isotropicCounts,
  normalCdf,
  rebin,
  sparkline,
} from "../../src/report/charts.js";
import { formatCount, formatNumber, formatPercent } from "../../src/report/format.js";

describe("sparkline", () => {
  it("draws [0, 1] as the lowest and the highest block", () => {
    expect(sparkline([0, 1])).toBe("▁█");
  });

  it("scales from zero, so a small positive value stays low", () => {
    expect(sparkline([1, 8])).toBe("▂█");
  });

  it("draws a constant series as a flat line and an empty series as nothing", () => {
    expect(sparkline([3, 3, 3])).toBe("███");
    expect(sparkline([0, 0])).toBe("▁▁");
    expect(sparkline([])).toBe("");
  });

  it("leaves a gap for a non-finite value", () => {
    expect(sparkline([0, Number.NaN, 1])).toBe("▁ █");
  });
});

describe("histogramBars", () => {
  it("scales columns to the largest count", () => {
    expect(histogramBars([4, 8, 2])).toEqual(["▄█▂"]);
  });

  it("draws a zero count as a space and any positive count as at least one eighth", () => {
    expect(histogramBars([0, 1, 1000])).toEqual([" ▁█"]);
  });

  it("returns blank rows of the right width when every count is zero", () => {
    expect(histogramBars([0, 0, 0], { height: 2 })).toEqual(["   ", "   "]);
    expect(histogramBars([])).toEqual([""]);
  });

  it("stacks eighths over several rows, top row first", () => {
    expect(histogramBars([16, 8, 4], { height: 2 })).toEqual(["█  ", "██▄"]);
  });

  it("uses a given max so two series share one scale", () => {
    expect(histogramBars([4], { max: 8 })).toEqual(["▄"]);
  });
});

describe("rebin", () => {
  it("keeps counts that already fit", () => {
    expect(rebin([1, 2, 3], 5)).toEqual([1, 2, 3]);
  });

  it("sums exact groups when the bin count divides evenly", () => {
    expect(rebin([1, 2, 3, 4, 5, 6], 3)).toEqual([3, 7, 11]);
  });

  it("splits bins by overlap otherwise, preserving the total", () => {
    const out = rebin([3, 3, 3, 3, 3], 2);
    expect(out).toHaveLength(2);
    expect(out[0] + out[1]).toBeCloseTo(15, 12);
    expect(out[0]).toBeCloseTo(7.5, 12);
  });
});

describe("normalCdf", () => {
  // Reference values: scipy.stats.norm.cdf; A&S 7.1.26 bounds |erf error| by 1.5e-7.
  it("is one half at zero", () => {
    expect(normalCdf(0)).toBe(0.5);
  });

  it("matches known quantiles within the approximation's error", () => {
    expect(Math.abs(normalCdf(1.96) - 0.9750021048517795)).toBeLessThan(1e-6);
    expect(Math.abs(normalCdf(-1) - 0.15865525393145707)).toBeLessThan(1e-6);
    expect(Math.abs(normalCdf(3) - 0.9986501019683699)).toBeLessThan(1e-6);
  });

  it("rests on an odd erf", () => {
    expect(erf(-0.5)).toBeCloseTo(-erf(0.5), 15);
    expect(Math.abs(erf(0.5) - 0.5204998778130465)).toBeLessThan(1.5e-7);
  });
});

describe("isotropicCounts", () => {
  const edges = Array.from({ length: 41 }, (_, i) => -1 + i * 0.05);

  it("expects counts that sum to the sampled pairs for large d", () => {
    const pairs = 1_999_000;
    const counts = isotropicCounts(edges, pairs, 1 / Math.sqrt(64));
    const total = counts.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - pairs) / pairs).toBeLessThan(1e-6);
  });

  it("is symmetric around zero and largest next to it", () => {
    const counts = isotropicCounts(edges, 1000, 0.125);
    expect(counts[19]).toBeCloseTo(counts[20], 6);
    expect(counts[0]).toBeCloseTo(counts[39], 6);
    expect(Math.max(...counts)).toBe(counts[20]);
  });
});

describe("axisLine", () => {
  it("puts the first label at the left edge, the last at the right edge and others centred", () => {
    expect(
      axisLine(11, [
        { at: 0, text: "-1" },
        { at: 5.5, text: "0" },
        { at: 11, text: "1" },
      ]),
    ).toBe("-1    0   1");
  });

  it("drops a label that would touch one already placed", () => {
    expect(
      axisLine(4, [
        { at: 0, text: "abc" },
        { at: 4, text: "de" },
      ]),
    ).toBe("abc");
  });
});

describe("histogramChart", () => {
  it("widens few bins to fill the columns and labels the ends", () => {
    const rows = histogramChart({ series: [{ label: "", counts: [1, 2] }], edges: [0, 1, 2], columns: 6 });
    expect(rows.map((r) => r.text)).toEqual(["▄▄▄███", "0    2"]);
  });

  it("draws every series on the scale of the largest count", () => {
    const rows = histogramChart({
      series: [
        { label: "a", counts: [8, 0] },
        { label: "b", counts: [0, 4] },
      ],
      edges: [0, 1, 2],
      columns: 2,
    });
    expect(rows.filter((r) => r.series >= 0).map((r) => r.text)).toEqual(["█", " ▄"]);
  });
});

describe("number formatting", () => {
  it("keeps 4 significant digits and drops trailing zeros", () => {
    expect(formatNumber(0.828873)).toBe("0.8289");
    expect(formatNumber(13.8082)).toBe("13.81");
    expect(formatNumber(0.8)).toBe("0.8");
    expect(formatNumber(-0.669531)).toBe("-0.6695");
    expect(formatNumber(0.00175221)).toBe("0.001752");
  });

  it("groups large values and switches to exponent form at the extremes", () => {
    expect(formatNumber(12345.6)).toBe("12,346");
    expect(formatNumber(1.2346e-5)).toBe("1.235e-5");
    expect(formatNumber(3e12)).toBe("3e12");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });

  it("groups counts in thousands and renders shares as percentages", () => {
    expect(formatCount(1999000)).toBe("1,999,000");
    expect(formatCount(64)).toBe("64");
    expect(formatPercent(0.0722033)).toBe("7.22%");
    expect(formatPercent(0.002)).toBe("0.2%");
  });
});
