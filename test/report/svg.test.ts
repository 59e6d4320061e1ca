import { describe, expect, test } from "vitest";
import { viridis } from "../../src/report/html/charts.js";
import {
  decadeLabel,
  esc,
  fixedFormat,
  linearScale,
  logScale,
  niceDomain,
  num,
  percentFormat,
  siFormat,
  thinTicks,
  tickStep,
  ticks,
  topLabels,
} from "../../src/report/html/svg.js";

// Reference values: printed by d3-array 3.2.5 `ticks`, d3-scale 4.0.3 `scaleLinear().nice()` /
// `.tickFormat()` and d3-format 3.1.3 `format("~s")` (what Vega 6 drew these charts with).
describe("ticks", () => {
  test("gives d3's round values, exactly (0.3, not 0.30000000000000004)", () => {
    expect(ticks(0, 1, 10)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(ticks(-1, 1, 9)).toEqual([-1, -0.8, -0.6, -0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(3.837, 7.957, 6)).toEqual([4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5]);
    expect(ticks(1, 100, 10)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(ticks(1, 768, 10)).toEqual([100, 200, 300, 400, 500, 600, 700]);
  });

  test("keeps ticks apart over the narrow norm range of unit rows", () => {
    const t = ticks(0.99999997, 1.00000003, 6);
    expect(t).toEqual([0.99999997, 0.99999998, 0.99999999, 1, 1.00000001, 1.00000002, 1.00000003]);
    expect(tickStep(0.99999997, 1.00000003, 6)).toBeCloseTo(1e-8, 20);
  });

  test("returns the single value of an empty range", () => {
    expect(ticks(2, 2, 5)).toEqual([2]);
  });
});

describe("niceDomain", () => {
  test("widens to multiples of the tick step, as d3's scale.nice", () => {
    expect(niceDomain(0, 870_000, 5)).toEqual([0, 1_000_000]);
    expect(niceDomain(0, 308, 5)).toEqual([0, 350]);
    expect(niceDomain(-2.87, 2.91, 6)).toEqual([-3, 3]);
  });
});

describe("tick labels", () => {
  test("show the decimals the step needs, drop trailing zeros and use a true minus", () => {
    const half = fixedFormat(0.5);
    expect([4, 4.5, 5].map(half)).toEqual(["4", "4.5", "5"]);
    expect(fixedFormat(0.2)(-0.8)).toBe("\u22120.8");
    expect(fixedFormat(0.2)(-0)).toBe("0");
    expect(fixedFormat(1e-8)(0.99999998)).toBe("0.99999998");
    expect(fixedFormat(100)(700)).toBe("700");
  });

  test("abbreviate counts with SI prefixes as d3-format's ~s", () => {
    expect([0, 50, 350, 1500, 200_000, 800_000, 1_200_000, 3e9].map(siFormat)).toEqual([
      "0",
      "50",
      "350",
      "1.5k",
      "200k",
      "800k",
      "1.2M",
      "3G",
    ]);
  });

  test("write shares as whole percentages and decades plainly near 1, in e-notation beyond", () => {
    expect([0, 0.2, 1].map(percentFormat)).toEqual(["0%", "20%", "100%"]);
    expect([0, -1, -3, -4, 3, 5].map(decadeLabel)).toEqual(["1", "0.1", "0.001", "1e\u22124", "1000", "1e5"]);
  });
});

describe("scales", () => {
  test("map a linear domain onto pixels, the y axis upside down", () => {
    const y = linearScale(0, 100, 200, 0);
    expect([y(0), y(50), y(100)]).toEqual([200, 100, 0]);
  });

  test("map decades evenly on a log scale and clamp values at or below 0 to the floor", () => {
    const y = logScale(1e-4, 1e-1, 300, 0);
    expect(y(1e-4)).toBeCloseTo(300, 9);
    expect(y(1e-3)).toBeCloseTo(200, 9);
    expect(y(1e-1)).toBeCloseTo(0, 9);
    expect(y(0)).toBeCloseTo(300, 9);
  });
});

describe("thinTicks", () => {
  test("keeps every tick when the labels fit and every n-th when they would touch", () => {
    const t = Array.from({ length: 11 }, (_, i) => ({ at: i, label: String(i * 100) }));
    expect(
      thinTicks(
        t,
        (x) => x.at * 100,
        () => 20,
      ),
    ).toHaveLength(11);
    const kept = thinTicks(
      t,
      (x) => x.at * 20,
      () => 30,
    );
    expect(kept.map((x) => x.at)).toEqual([0, 2, 4, 6, 8, 10]);
  });
});

describe("topLabels", () => {
  test("lifts a label one line when it would touch the one before it", () => {
    const far = topLabels([
      { x: 10, text: "90%", color: "#000" },
      { x: 200, text: "95%", color: "#000" },
    ]);
    expect(far.rows).toBe(1);
    const near = topLabels([
      { x: 10, text: "90%", color: "#000" },
      { x: 20, text: "95%", color: "#000" },
      { x: 200, text: "99%", color: "#000" },
    ]);
    expect(near.rows).toBe(2);
    const ys = [...near.svg.matchAll(/ y="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBe(ys[2]);
    expect(ys[1]).toBeLessThan(ys[0]);
  });
});

describe("text", () => {
  test("escapes markup and rounds coordinates without trailing zeros or -0", () => {
    expect(esc(`<a b="c">&`)).toBe("&lt;a b=&quot;c&quot;&gt;&amp;");
    expect([num(1.23456), num(2), num(-0.0001), num(0.5, 2)]).toEqual(["1.235", "2", "0", "0.5"]);
  });

  test("runs viridis from dark purple to yellow through its stops", () => {
    expect(viridis(0)).toBe("#440154");
    expect(viridis(1)).toBe("#fde725");
    expect(viridis(5 / 9)).toBe("#1f9e89");
    expect(viridis(Number.NaN)).toBe("#440154");
  });
});
