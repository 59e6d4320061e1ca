/**
 * The report's charts as Vega specifications, rendered to static SVG strings at report time by
 * Vega's headless renderer (`view.toSVG()`, no DOM, no canvas). Each chart names its marks
 * (`norm-bars`, `cosine-bars`, `cosine-isotropic`, `scree-points`, `scree-cumulative`,
 * `scree-dims`, `map-points`) so tests can count them. Every mark item carries a description,
 * which Vega writes as `aria-label`: the page's small script shows it as a tooltip.
 */
import { parse, type Spec, View } from "vega";
import { isotropicCounts } from "../charts.js";
import { formatCount, formatNumber, formatPercent } from "../format.js";
import type { SampleMap } from "../map.js";
import type { Histogram, Report } from "../types.js";

export const COLORS = {
  bar: "#4c78a8",
  reference: "#e45756",
  cumulative: "#f58518",
  rule: "#6b7280",
  point: "#4c78a8",
};

/** Shared look: system fonts only (nothing to download), quiet axes. */
const CONFIG = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  background: null,
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
    labelColor: "#374151",
    titleColor: "#111827",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
    gridColor: "#eef0f3",
    labelOverlap: true,
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 500, labelLimit: 160 },
};

export interface ChartSize {
  width: number;
  height: number;
}

const DEFAULT_SIZE: ChartSize = { width: 300, height: 200 };

/** Renders a Vega spec to an SVG string fit for inlining in HTML (no namespace URLs). */
export async function renderSvg(spec: Spec): Promise<string> {
  const view = new View(parse({ config: CONFIG, padding: 6, autosize: { type: "pad" }, ...spec } as Spec), {
    renderer: "none",
  });
  try {
    const svg = await view.toSVG();
    return stripNamespaces(svg);
  } finally {
    view.finalize();
  }
}

/** HTML's parser puts inline <svg> in the SVG namespace; the xmlns URLs are noise there. */
function stripNamespaces(svg: string): string {
  return svg.replace(/^<svg([^>]*)>/, (_m, attrs: string) => `<svg${attrs.replace(/\s+xmlns(:\w+)?="[^"]*"/g, "")}>`);
}

function histogramRows(h: Histogram, label: (a: number, b: number, c: number) => string) {
  return h.counts.map((c, i) => ({
    x0: h.edges[i],
    x1: h.edges[i + 1],
    c,
    tip: label(h.edges[i], h.edges[i + 1], c),
  }));
}

function rangeText(a: number, b: number, last: boolean): string {
  return `[${formatNumber(a)}, ${formatNumber(b)}${last ? "]" : ")"}`;
}

/** Vertical rules with a label at the top, for marking percentiles and thresholds. */
function ruleMarks(name: string, data: string, color: string, dash: number[] = [4, 3]) {
  return [
    {
      type: "rule",
      name,
      from: { data },
      encode: {
        enter: {
          x: { scale: "x", field: "v" },
          y: { value: 0 },
          y2: { signal: "height" },
          stroke: { value: color },
          strokeDash: { value: dash },
          strokeWidth: { value: 1 },
          description: { field: "tip" },
        },
      },
    },
    {
      type: "text",
      from: { data },
      encode: {
        enter: {
          x: { scale: "x", field: "v" },
          y: { value: -4 },
          text: { field: "label" },
          align: { value: "center" },
          fontSize: { value: 10 },
          fill: { value: color },
        },
      },
    },
  ];
}

/** Norm histogram (30 bins from min to max) with p1, p50 and p99 marked. */
export function normSpec(report: Report, size: ChartSize = DEFAULT_SIZE): Spec {
  const n = report.norms;
  const last = n.histogram.counts.length - 1;
  const bars = histogramRows(n.histogram, (a, b, c) => `norm ${rangeText(a, b, false)}: ${formatCount(c)} rows`).map(
    (r, i) => (i === last ? { ...r, tip: `norm ${rangeText(r.x0, r.x1, true)}: ${formatCount(r.c)} rows` } : r),
  );
  const marks = [
    { v: n.p1, label: "p1", tip: `1st percentile: ${formatNumber(n.p1)}` },
    { v: n.p50, label: "p50", tip: `median: ${formatNumber(n.p50)}` },
    { v: n.p99, label: "p99", tip: `99th percentile: ${formatNumber(n.p99)}` },
  ];
  const lo = n.histogram.edges[0];
  const hi = n.histogram.edges.at(-1) ?? lo;
  // Enough significant digits that ticks over a narrow range differ (float32 unit rows span ~1e-7).
  const rel = (hi - lo) / Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  // Capped at 12: below that the spread is float64 rounding, and more digits only show noise.
  const digits = rel > 0 ? Math.min(12, Math.max(6, Math.ceil(-Math.log10(rel)) + 2)) : 6;
  return {
    ...size,
    data: [
      { name: "bars", values: bars },
      { name: "marks", values: marks },
    ],
    scales: [
      { name: "x", type: "linear", domain: hi > lo ? [lo, hi] : [lo - 1, hi + 1], range: "width", zero: false },
      { name: "y", type: "linear", domain: { data: "bars", field: "c" }, range: "height", nice: true, zero: true },
    ],
    axes: [
      { orient: "bottom", scale: "x", title: "L2 norm", tickCount: 6, format: `.${digits}~g` },
      { orient: "left", scale: "y", title: "rows", grid: true, tickCount: 5, format: "~s" },
    ],
    marks: [
      {
        type: "rect",
        name: "norm-bars",
        from: { data: "bars" },
        encode: {
          enter: {
            x: { scale: "x", field: "x0" },
            x2: { scale: "x", field: "x1", offset: -0.5 },
            y: { scale: "y", field: "c" },
            y2: { scale: "y", value: 0 },
            fill: { value: COLORS.bar },
            description: { field: "tip" },
          },
        },
      },
      ...ruleMarks("norm-percentiles", "marks", COLORS.rule),
    ],
  } as Spec;
}

/**
 * Pairwise-cosine histogram of the sample (40 bins on [−1, 1]) with the isotropic reference: the
 * counts expected per bin if cosines were N(0, 1/d) (report.cosine.isotropicStd), as a step line.
 */
export function cosineSpec(report: Report, size: ChartSize = DEFAULT_SIZE): Spec {
  const c = report.cosine;
  const h = c.histogram;
  const bars = histogramRows(
    h,
    (a, b, n) =>
      `cosine ${rangeText(a, b, b >= 1)}: ${formatCount(n)} pairs (${formatPercent(n / Math.max(1, c.sampledPairs))})`,
  );
  const expected = isotropicCounts(h.edges, c.sampledPairs, c.isotropicStd);
  // Step line through the bin edges: (x0, e) … (x1, e) per bin, ends dropping to 0.
  const tip = `isotropic reference: pairs expected per bin if cosines were N(0, 1/${report.input.dims}) (random directions)`;
  const ref: { x: number; e: number; tip: string }[] = [];
  expected.forEach((e, i) => {
    ref.push({ x: h.edges[i], e, tip }, { x: h.edges[i + 1], e, tip });
  });
  const marks = [
    { v: c.mean, label: `mean ${formatNumber(c.mean)}`, tip: `mean sampled cosine: ${formatNumber(c.mean)}` },
  ];
  const maxY = Math.max(1, ...h.counts, ...expected);
  return {
    ...size,
    data: [
      { name: "bars", values: bars },
      { name: "ref", values: ref },
      { name: "marks", values: marks },
    ],
    scales: [
      { name: "x", type: "linear", domain: [-1, 1], range: "width" },
      { name: "y", type: "linear", domain: [0, maxY], range: "height", nice: true },
    ],
    axes: [
      { orient: "bottom", scale: "x", title: "cosine of a random pair of sample rows", tickCount: 9 },
      { orient: "left", scale: "y", title: "pairs", grid: true, tickCount: 5, format: "~s" },
    ],
    marks: [
      {
        type: "rect",
        name: "cosine-bars",
        from: { data: "bars" },
        encode: {
          enter: {
            x: { scale: "x", field: "x0" },
            x2: { scale: "x", field: "x1", offset: -0.5 },
            y: { scale: "y", field: "c" },
            y2: { scale: "y", value: 0 },
            fill: { value: COLORS.bar },
            description: { field: "tip" },
          },
        },
      },
      {
        type: "line",
        name: "cosine-isotropic",
        from: { data: "ref" },
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "e" },
            stroke: { value: COLORS.reference },
            strokeWidth: { value: 1.5 },
            strokeDash: { value: [5, 3] },
            description: { field: "tip" },
          },
        },
      },
      ...ruleMarks("cosine-mean", "marks", COLORS.rule),
    ],
  } as Spec;
}

/** The components drawn on the scree plot: those with a positive share (log scale). */
export function screeComponents(report: Report): number {
  return report.spectrum.explainedVarianceRatio.filter((r) => r > 0).length;
}

/**
 * Scree plot: explained-variance ratio per component on a log scale (left axis) and the
 * cumulative share (right axis, 0–100%), with dims90/95/99 marked.
 */
export function screeSpec(report: Report, size: ChartSize = { width: 260, height: 200 }): Spec {
  const s = report.spectrum;
  let cum = 0;
  const points = s.explainedVarianceRatio.map((r, i) => {
    cum += r;
    return {
      k: i + 1,
      r,
      cum: Math.min(1, cum),
      tip: `component ${i + 1}: ${formatPercent(r)} of the variance, ${formatPercent(Math.min(1, cum))} cumulative`,
    };
  });
  const positive = points.filter((p) => p.r > 0);
  const dims = [
    { v: s.dims90, label: "90%", tip: `${formatCount(s.dims90)} components hold 90% of the variance` },
    { v: s.dims95, label: "95%", tip: `${formatCount(s.dims95)} components hold 95% of the variance` },
    { v: s.dims99, label: "99%", tip: `${formatCount(s.dims99)} components hold 99% of the variance` },
  ];
  // The report keeps the first min(64, d) ratios; the axis spans all d components so that
  // dims90/95/99 (which may lie beyond 64) are marked where they are.
  const d = Math.max(2, report.input.dims, points.length);
  const logX = d > 128;
  const minR = Math.max(1e-12, Math.min(...positive.map((p) => p.r), 1));
  // Ticks at whole decades only; Vega's log axis would also label 2×, 3× … and crowd the axis.
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(minR)); e <= 0; e++) decades.push(10 ** e);
  const step = Math.ceil(decades.length / 6);
  const yTicks = decades.filter((_, i) => (decades.length - 1 - i) % step === 0);
  return {
    ...size,
    data: [
      { name: "points", values: positive },
      { name: "all", values: points },
      { name: "marks", values: dims },
    ],
    scales: [
      { name: "x", type: logX ? "log" : "linear", domain: [1, d], range: "width", nice: false, zero: false },
      {
        name: "y",
        type: "log",
        domain: [Math.max(minR, 1e-12), Math.max(1e-12, ...positive.map((p) => p.r))],
        range: "height",
        nice: true,
      },
      { name: "cum", type: "linear", domain: [0, 1], range: "height" },
    ],
    axes: [
      {
        orient: "bottom",
        scale: "x",
        title: logX ? "component (log scale)" : "component",
        tickCount: 8,
        format: "~d",
      },
      {
        orient: "left",
        scale: "y",
        title: "explained variance ratio (log)",
        grid: true,
        values: yTicks,
        format: "~g",
      },
      {
        orient: "right",
        scale: "cum",
        title: "cumulative share",
        format: "~%",
        tickCount: 5,
        titleColor: COLORS.cumulative,
        labelColor: COLORS.cumulative,
      },
    ],
    marks: [
      ...ruleMarks("scree-dims", "marks", COLORS.rule),
      {
        type: "line",
        name: "scree-cumulative",
        from: { data: "all" },
        encode: {
          enter: {
            x: { scale: "x", field: "k" },
            y: { scale: "cum", field: "cum" },
            stroke: { value: COLORS.cumulative },
            strokeWidth: { value: 2 },
          },
        },
      },
      {
        type: "line",
        name: "scree-line",
        from: { data: "points" },
        encode: {
          enter: {
            x: { scale: "x", field: "k" },
            y: { scale: "y", field: "r" },
            stroke: { value: COLORS.bar },
            strokeWidth: { value: 1.5 },
          },
        },
      },
      {
        type: "symbol",
        name: "scree-points",
        from: { data: "points" },
        encode: {
          enter: {
            x: { scale: "x", field: "k" },
            y: { scale: "y", field: "r" },
            size: { value: 14 },
            fill: { value: COLORS.bar },
            description: { field: "tip" },
          },
        },
      },
    ],
  } as Spec;
}

/** How the map's points are coloured: one colour, categories (≤ 10 plus "other"), or a ramp. */
export type MapColoring =
  | { kind: "none" }
  | { kind: "category"; name: string; categories: string[]; labels: string[] }
  | { kind: "number"; name: string; values: (number | null)[] };

const MAX_CATEGORIES = 10;
const OTHER = "(other)";
const NULL_LABEL = "(null)";

/**
 * Categories when any value is text or the numbers are few distinct integers (≤ 10), else a
 * numeric ramp. Categories keep the 10 most frequent values (ties by name); the rest is "(other)".
 */
export function mapColoring(map: SampleMap): MapColoring {
  const cb = map.colorBy;
  if (!cb) return { kind: "none" };
  const values = cb.values;
  const nonNull = values.filter((v) => v !== null);
  const numeric = nonNull.every((v) => typeof v === "number");
  const distinct = new Set(nonNull);
  const fewIntegers = numeric && distinct.size <= MAX_CATEGORIES && nonNull.every((v) => Number.isInteger(v));
  if (numeric && !fewIntegers && nonNull.length > 0) {
    return { kind: "number", name: cb.name, values: values as (number | null)[] };
  }
  const freq = new Map<string, number>();
  for (const v of values) {
    const key = v === null ? NULL_LABEL : String(v);
    freq.set(key, (freq.get(key) ?? 0) + 1);
  }
  const ranked = [...freq.entries()]
    .filter(([k]) => k !== NULL_LABEL)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const top = ranked.slice(0, MAX_CATEGORIES).map(([k]) => k);
  const keep = new Set(top);
  const labels = values.map((v) => (v === null ? NULL_LABEL : keep.has(String(v)) ? String(v) : OTHER));
  const categories = [...top];
  if (labels.includes(OTHER)) categories.push(OTHER);
  if (labels.includes(NULL_LABEL)) categories.push(NULL_LABEL);
  return { kind: "category", name: cb.name, categories, labels };
}

/** The tooltip text of map point i: row index, id, colour value. */
function pointTip(map: SampleMap, i: number): string {
  const parts = [`row ${formatCount(map.indices[i])}`];
  const id = map.ids?.[i];
  if (id !== undefined && id !== null) parts.push(`id ${id}`);
  if (map.colorBy) {
    const v = map.colorBy.values[i];
    parts.push(`${map.colorBy.name} ${v === null ? "null" : typeof v === "number" ? formatNumber(v) : v}`);
  }
  return parts.join(" · ");
}

/** The 2-D map: one symbol per point, coloured by `map.colorBy` when given, tooltips from ids. */
export function mapSpec(map: SampleMap, size: ChartSize = { width: 860, height: 460 }): Spec {
  const coloring = mapColoring(map);
  const n = map.indices.length;
  const rows = Array.from({ length: n }, (_, i) => ({
    x: map.x[i],
    y: map.y[i],
    tip: pointTip(map, i),
    ...(coloring.kind === "category" ? { g: coloring.labels[i] } : {}),
    ...(coloring.kind === "number" ? { v: coloring.values[i] } : {}),
  }));
  const pca = map.projection === "pca";
  const scales: object[] = [
    { name: "x", type: "linear", domain: { data: "points", field: "x" }, range: "width", zero: false, nice: pca },
    { name: "y", type: "linear", domain: { data: "points", field: "y" }, range: "height", zero: false, nice: pca },
  ];
  let fill: object = { value: COLORS.point };
  const legends: object[] = [];
  if (coloring.kind === "category") {
    const palette = [
      "#4c78a8",
      "#f58518",
      "#e45756",
      "#72b7b2",
      "#54a24b",
      "#eeca3b",
      "#b279a2",
      "#ff9da6",
      "#9d755d",
      "#bab0ac",
    ];
    const range = coloring.categories.map((c, i) =>
      c === OTHER ? "#c7c7c7" : c === NULL_LABEL ? "#e5e7eb" : palette[i % palette.length],
    );
    scales.push({ name: "color", type: "ordinal", domain: coloring.categories, range });
    fill = { scale: "color", field: "g" };
    legends.push({ fill: "color", title: coloring.name, orient: "right", symbolType: "circle", symbolSize: 60 });
  } else if (coloring.kind === "number") {
    scales.push({
      name: "color",
      type: "linear",
      domain: { data: "points", field: "v" },
      range: { scheme: "viridis" },
    });
    fill = { scale: "color", field: "v" };
    legends.push({ fill: "color", title: coloring.name, orient: "right", gradientLength: 180 });
  }
  return {
    ...size,
    data: [{ name: "points", values: rows }],
    scales,
    axes: pca
      ? [
          { orient: "bottom", scale: "x", title: "principal component 1", tickCount: 6 },
          { orient: "left", scale: "y", title: "principal component 2", tickCount: 6 },
        ]
      : [],
    legends,
    marks: [
      {
        type: "symbol",
        name: "map-points",
        from: { data: "points" },
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "y" },
            size: { value: n > 1000 ? 14 : 24 },
            fill,
            fillOpacity: { value: 0.75 },
            description: { field: "tip" },
          },
        },
      },
    ],
  } as Spec;
}
