/**
 * The report's charts as static SVG strings, written by hand through ./svg.ts (no charting
 * library: four fixed charts do not need one; docs/html.md gives the measurements behind that
 * choice). Each chart names its marks in the class of their group, as Vega did (`norm-bars`,
 * `cosine-bars`, `cosine-isotropic`, `scree-bars`, `scree-cumulative`, `scree-dims`,
 * `map-points`), so tests can count them; every mark carries an `aria-label`, which the page's
 * small script shows as a tooltip. `size` is the plot area; axes and legends lie around it.
 */
import { isotropicCounts } from "../charts.js";
import { formatCount, formatNumber, formatPercent } from "../format.js";
import type { SampleMap } from "../map.js";
import type { Histogram, Report } from "../types.js";
import {
  axis,
  axisExtent,
  decadeLabel,
  esc,
  fixedFormat,
  gridLines,
  linearScale,
  logScale,
  type Margin,
  NOTE_SIZE,
  niceDomain,
  num,
  percentFormat,
  type Scale,
  siFormat,
  svgFrame,
  type Tick,
  textWidth,
  tickStep,
  ticks,
  topLabels,
} from "./svg.js";

export const COLORS = {
  bar: "#4c78a8",
  reference: "#e45756",
  cumulative: "#f58518",
  rule: "#6b7280",
  point: "#4c78a8",
};

export interface ChartSize {
  width: number;
  height: number;
}

/** Plot-area sizes of the report page (two histograms side by side; spectrum and map full width) and of the fix page's halves. */
export const SIZES = {
  histogram: { width: 420, height: 220 },
  spectrum: { width: 880, height: 260 },
  map: { width: 860, height: 460 },
  half: { width: 400, height: 200 },
  halfMap: { width: 400, height: 320 },
} satisfies Record<string, ChartSize>;

/** Room above the plot for one line of marker labels. */
const LABEL_ROW = NOTE_SIZE + 2;

function rangeText(a: number, b: number, last: boolean): string {
  return `[${formatNumber(a)}, ${formatNumber(b)}${last ? "]" : ")"}`;
}

/** Count axis from 0, nice, with SI labels. */
function countAxis(max: number, height: number): { y: Scale; ticks: Tick[] } {
  const [, hi] = niceDomain(0, Math.max(1, max), 5);
  const y = linearScale(0, hi, height, 0);
  return { y, ticks: ticks(0, hi, 5).map((v) => ({ at: v, label: siFormat(v) })) };
}

/** One bar per histogram bin (zero-count bins included, with zero height), 0.5 px apart. */
function histogramBars(name: string, h: Histogram, x: Scale, y: Scale, tip: (i: number) => string): string {
  const bars = h.counts.map((c, i) => {
    const x0 = x(h.edges[i]);
    const w = Math.max(0, x(h.edges[i + 1]) - 0.5 - x0);
    const top = y(c);
    return `<path aria-label="${esc(tip(i))}" d="M${num(x0)},${num(top)}h${num(w)}V${num(y(0))}h${num(-w)}Z"/>`;
  });
  return `<g class="mark-rect role-mark ${name}" fill="${COLORS.bar}">${bars.join("")}</g>`;
}

/** Dashed vertical lines across the plot, each with a tooltip; their labels go above the plot. */
function ruleGroup(name: string, xs: { x: number; tip: string }[], height: number, color: string): string {
  const lines = xs.map(
    (r) => `<line aria-label="${esc(r.tip)}" x1="${num(r.x)}" y1="0" x2="${num(r.x)}" y2="${num(height)}"/>`,
  );
  return `<g class="mark-rule role-mark ${name}" stroke="${color}" stroke-dasharray="4,3" stroke-width="1">${lines.join("")}</g>`;
}

/** Norm histogram (30 bins from min to max) with p1, p50 and p99 marked. */
export function normChart(report: Report, size: ChartSize = SIZES.histogram): string {
  const n = report.norms;
  const h = n.histogram;
  const last = h.counts.length - 1;
  const lo = h.edges[0];
  const hi = h.edges.at(-1) ?? lo;
  const [dlo, dhi] = hi > lo ? [lo, hi] : [lo - 1, hi + 1];
  const x = linearScale(dlo, dhi, 0, size.width);
  const { y, ticks: yTicks } = countAxis(Math.max(0, ...h.counts), size.height);
  const step = tickStep(dlo, dhi, 6);
  const fmt = fixedFormat(step);
  const xTicks = ticks(dlo, dhi, 6).map((v) => ({ at: v, label: fmt(v) }));
  const marks = [
    { v: n.p1, label: "p1", tip: `1st percentile: ${formatNumber(n.p1)}` },
    { v: n.p50, label: "p50", tip: `median: ${formatNumber(n.p50)}` },
    { v: n.p99, label: "p99", tip: `99th percentile: ${formatNumber(n.p99)}` },
  ];
  const labels = topLabels(marks.map((m) => ({ x: x(m.v), text: m.label, color: COLORS.rule })));
  const yAxis = { orient: "left" as const, scale: y, ticks: yTicks, length: size.height, offset: 0, title: "rows" };
  const margin: Margin = {
    top: 6 + labels.rows * LABEL_ROW,
    right: 12,
    bottom: axisExtent("bottom", xTicks),
    left: axisExtent("left", yTicks) + 2,
  };
  const body = [
    gridLines({ ...yAxis, gridLength: size.width }),
    histogramBars("norm-bars", h, x, y, (i) => {
      return `norm ${rangeText(h.edges[i], h.edges[i + 1], i === last)}: ${formatCount(h.counts[i])} rows`;
    }),
    ruleGroup(
      "norm-percentiles",
      marks.map((m) => ({ x: x(m.v), tip: m.tip })),
      size.height,
      COLORS.rule,
    ),
    labels.svg,
    axis({ orient: "bottom", scale: x, ticks: xTicks, length: size.width, offset: size.height, title: "L2 norm" }),
    axis(yAxis),
  ];
  return svgFrame(size.width, size.height, margin, "histogram of the L2 norms", body.join(""));
}

/**
 * Pairwise-cosine histogram of the sample (40 bins on [−1, 1]) with the isotropic reference: the
 * counts expected per bin if cosines were N(0, 1/d) (report.cosine.isotropicStd), as a step line.
 */
export function cosineChart(report: Report, size: ChartSize = SIZES.histogram): string {
  const c = report.cosine;
  const h = c.histogram;
  const expected = isotropicCounts(h.edges, c.sampledPairs, c.isotropicStd);
  const x = linearScale(-1, 1, 0, size.width);
  const { y, ticks: yTicks } = countAxis(Math.max(1, ...h.counts, ...expected), size.height);
  const fmt = fixedFormat(tickStep(-1, 1, 9));
  const xTicks = ticks(-1, 1, 9).map((v) => ({ at: v, label: fmt(v) }));
  // Step line through the bin edges: (x0, e) … (x1, e) per bin.
  const step = expected
    .map((e, i) => `${i === 0 ? "M" : "L"}${num(x(h.edges[i]))},${num(y(e))}L${num(x(h.edges[i + 1]))},${num(y(e))}`)
    .join("");
  const refTip = `isotropic reference: pairs expected per bin if cosines were N(0, 1/${report.input.dims}) (random directions)`;
  const labels = topLabels([{ x: x(c.mean), text: `mean ${formatNumber(c.mean)}`, color: COLORS.rule }]);
  const yAxis = { orient: "left" as const, scale: y, ticks: yTicks, length: size.height, offset: 0, title: "pairs" };
  const margin: Margin = {
    top: 6 + labels.rows * LABEL_ROW,
    right: 12,
    bottom: axisExtent("bottom", xTicks),
    left: axisExtent("left", yTicks) + 2,
  };
  const body = [
    gridLines({ ...yAxis, gridLength: size.width }),
    histogramBars(
      "cosine-bars",
      h,
      x,
      y,
      (i) =>
        `cosine ${rangeText(h.edges[i], h.edges[i + 1], h.edges[i + 1] >= 1)}: ${formatCount(h.counts[i])} pairs (${formatPercent(h.counts[i] / Math.max(1, c.sampledPairs))})`,
    ),
    `<g class="mark-line role-mark cosine-isotropic"><path aria-label="${esc(refTip)}" d="${step}" fill="none" stroke="${COLORS.reference}" stroke-width="1.5" stroke-dasharray="5,3"/></g>`,
    ruleGroup(
      "cosine-mean",
      [{ x: x(c.mean), tip: `mean sampled cosine: ${formatNumber(c.mean)}` }],
      size.height,
      COLORS.rule,
    ),
    labels.svg,
    axis({
      orient: "bottom",
      scale: x,
      ticks: xTicks,
      length: size.width,
      offset: size.height,
      title: "cosine of a random pair of sample rows",
    }),
    axis(yAxis),
  ];
  return svgFrame(size.width, size.height, margin, "histogram of the pairwise cosines", body.join(""));
}

/**
 * The explained-variance ratio of each component from the covariance eigenvalues, as
 * spectrumMetrics computes it (negatives from round-off clipped to 0, divided by the sum), so the
 * first 64 equal the report's `spectrum.explainedVarianceRatio` exactly.
 */
export function varianceRatios(eigenvalues: ArrayLike<number>): number[] {
  const lam = Array.from(eigenvalues, (v) => Math.max(0, v));
  let total = 0;
  for (const v of lam) total += v;
  return lam.map((v) => (total > 0 ? v / total : 0));
}

/** The ratios the scree plot draws: every component's when the eigenvalues are given, else the report's first min(64, d). */
export function screeRatios(report: Report, eigenvalues?: ArrayLike<number> | null): number[] {
  return eigenvalues && eigenvalues.length > 0
    ? varianceRatios(eigenvalues)
    : report.spectrum.explainedVarianceRatio.slice();
}

/** The components drawn as bars on the scree plot: those with a positive share (log scale). */
export function screeComponents(report: Report, eigenvalues?: ArrayLike<number> | null): number {
  return screeRatios(report, eigenvalues).filter((r) => r > 0).length;
}

/** Ratios below top × this are drawn at the axis floor: round-off, not variance. */
const LOG_FLOOR = 1e-12;

/**
 * Scree plot over all d components: one bar per component (thin lines when d is large) for its
 * explained-variance ratio on a log scale (left axis), the cumulative share (right axis, 0–100%),
 * and dims90/95/99 marked. The x axis spans components 1 … d whatever is drawn, so the markers
 * always lie inside it. Without `eigenvalues` only the report's first min(64, d) ratios exist.
 */
export function screeChart(
  report: Report,
  size: ChartSize = SIZES.spectrum,
  eigenvalues?: ArrayLike<number> | null,
): string {
  const s = report.spectrum;
  const ratios = screeRatios(report, eigenvalues);
  const d = Math.max(1, report.input.dims, ratios.length);
  const W = size.width;
  const H = size.height;
  const x = linearScale(0.5, d + 0.5, 0, W);
  const positive = ratios.filter((r) => r > 0);
  const top = Math.max(...positive, Number.MIN_VALUE);
  const floor = Math.max(Math.min(...positive, top), top * LOG_FLOOR);
  const eLo = Math.floor(Math.log10(floor));
  const eHi = Math.max(eLo + 1, Math.ceil(Math.log10(top) - 1e-12));
  const y = logScale(10 ** eLo, 10 ** eHi, H, 0);
  const cum = linearScale(0, 1, H, 0);
  // Whole decades only, at most ~6 labelled.
  const decades: number[] = [];
  for (let e = eLo; e <= eHi; e++) decades.push(e);
  const every = Math.ceil(decades.length / 6);
  const yTicks = decades.filter((e) => (eHi - e) % every === 0).map((e) => ({ at: 10 ** e, label: decadeLabel(e) }));
  const cumTicks = [0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => ({ at: v, label: percentFormat(v) }));
  // Whole components; component 1 labelled too unless the first round tick is right beside it.
  const xStep = Math.max(1, tickStep(1, d, 10));
  const xTicks = ticks(1, d, 10)
    .filter((v) => Number.isInteger(v))
    .map((v) => ({ at: v, label: formatCount(v) }));
  if ((xTicks[0]?.at ?? Number.POSITIVE_INFINITY) - 1 >= xStep / 2) xTicks.unshift({ at: 1, label: "1" });

  const band = W / d;
  // Wide bands: 1 px gaps between bars. Narrow ones: bars overlap by half a pixel, so the
  // antialiased edges of neighbours leave no pale seams (d = 768 draws ~1 px bars).
  const barW = band > 4 ? band - 1 : band + 0.5;
  let running = 0;
  const bars: string[] = [];
  const line: string[] = [];
  ratios.forEach((r, i) => {
    running += r;
    const k = i + 1;
    const shareTotal = Math.min(1, running);
    line.push(`${i === 0 ? "M" : "L"}${num(x(k))},${num(cum(shareTotal))}`);
    if (r > 0) {
      const tip = `component ${formatCount(k)}: ${formatPercent(r)} of the variance, ${formatPercent(shareTotal)} cumulative`;
      const x0 = x(k) - barW / 2;
      bars.push(
        `<path aria-label="${esc(tip)}" d="M${num(x0, 2)},${num(y(r), 2)}h${num(barW, 2)}V${num(H)}h${num(-barW, 2)}Z"/>`,
      );
    }
  });
  const dims = [
    { v: s.dims90, label: "90%" },
    { v: s.dims95, label: "95%" },
    { v: s.dims99, label: "99%" },
  ];
  const labels = topLabels(dims.map((m) => ({ x: x(m.v), text: m.label, color: COLORS.rule })));
  const yAxis = {
    orient: "left" as const,
    scale: y,
    ticks: yTicks,
    length: H,
    offset: 0,
    title: "explained variance ratio (log)",
  };
  const margin: Margin = {
    top: 6 + labels.rows * LABEL_ROW,
    right: axisExtent("right", cumTicks),
    bottom: axisExtent("bottom", xTicks),
    left: axisExtent("left", yTicks) + 2,
  };
  const body = [
    gridLines({ ...yAxis, gridLength: W }),
    `<g class="mark-rect role-mark scree-bars" fill="${COLORS.bar}">${bars.join("")}</g>`,
    `<g class="mark-line role-mark scree-cumulative"><path aria-label="cumulative share of the variance" d="${line.join("")}" fill="none" stroke="${COLORS.cumulative}" stroke-width="2"/></g>`,
    ruleGroup(
      "scree-dims",
      dims.map((m) => ({ x: x(m.v), tip: `${formatCount(m.v)} components hold ${m.label} of the variance` })),
      H,
      COLORS.rule,
    ),
    labels.svg,
    axis({ orient: "bottom", scale: x, ticks: xTicks, length: W, offset: H, title: "component" }),
    axis(yAxis),
    axis({
      orient: "right",
      scale: cum,
      ticks: cumTicks,
      length: H,
      offset: W,
      title: "cumulative share",
      color: COLORS.cumulative,
      titleColor: COLORS.cumulative,
    }),
  ];
  const label = `scree plot of ${formatCount(d)} components`;
  return svgFrame(W, H, margin, label, body.join("")).replace(
    /^<svg /,
    `<svg data-components="${d}" data-drawn="${ratios.length}" `,
  );
}

/** How the map's points are coloured: one colour, categories (≤ 10 plus "other"), or a ramp. */
export type MapColoring =
  | { kind: "none" }
  | { kind: "category"; name: string; categories: string[]; labels: string[] }
  | { kind: "number"; name: string; values: (number | null)[] };

const MAX_CATEGORIES = 10;
const OTHER = "(other)";
const NULL_LABEL = "(null)";

/** Tableau 10, as Vega's default category scheme. */
const PALETTE = [
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

/** Viridis (matplotlib, CC0: van der Walt & Smith), 10 stops interpolated linearly in RGB. */
const VIRIDIS = [
  "#440154",
  "#482878",
  "#3e4989",
  "#31688e",
  "#26828e",
  "#1f9e89",
  "#35b779",
  "#6ece58",
  "#b5de2b",
  "#fde725",
];

/** The viridis colour at t ∈ [0, 1]. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const rgb = (hex: string) => [1, 3, 5].map((o) => Number.parseInt(hex.slice(o, o + 2), 16));
  const a = rgb(VIRIDIS[i]);
  const b = rgb(VIRIDIS[i + 1]);
  return `#${a
    .map((v, j) =>
      Math.round(v + (b[j] - v) * f)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

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

function extent(values: Float64Array): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
}

const LEGEND_ROW = 18;

/** The legend at the right of the map: swatches per category, or a viridis ramp with its ends. */
function legend(coloring: MapColoring, colorOf: Map<string, string>, x0: number): { svg: string; width: number } {
  if (coloring.kind === "none") return { svg: "", width: 0 };
  const title = `<text x="0" y="10" font-size="12" font-weight="500" fill="#111827">${esc(coloring.name)}</text>`;
  if (coloring.kind === "category") {
    const rows = coloring.categories.map((c, i) => {
      const y = 28 + i * LEGEND_ROW;
      return (
        `<path d="M10,${y - 4}a5,5 0 1,0 -10,0a5,5 0 1,0 10,0" fill="${colorOf.get(c)}"/>` +
        `<text x="16" y="${y}" font-size="12" fill="#374151">${esc(c)}</text>`
      );
    });
    const width = Math.max(textWidth(coloring.name), 16 + Math.max(0, ...coloring.categories.map((c) => textWidth(c))));
    return {
      svg: `<g class="role-legend" transform="translate(${num(x0)},0)">${title}${rows.join("")}</g>`,
      width: width + 8,
    };
  }
  const finite = coloring.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const steps = 32;
  const len = 180;
  const cells = Array.from({ length: steps }, (_, i) => {
    const t = 1 - (i + 0.5) / steps;
    return `<rect x="0" y="${num(20 + (i * len) / steps)}" width="14" height="${num(len / steps + 0.3)}" fill="${viridis(t)}"/>`;
  });
  const ends =
    `<text x="20" y="${num(20 + 9)}" font-size="12" fill="#374151">${esc(formatNumber(hi))}</text>` +
    `<text x="20" y="${num(20 + len)}" font-size="12" fill="#374151">${esc(formatNumber(lo))}</text>`;
  const width = Math.max(textWidth(coloring.name), 20 + textWidth(formatNumber(hi)), 20 + textWidth(formatNumber(lo)));
  return {
    svg: `<g class="role-legend" transform="translate(${num(x0)},0)">${title}${cells.join("")}${ends}</g>`,
    width: width + 8,
  };
}

/** The 2-D map: one dot per point, coloured by `map.colorBy` when given, tooltips from ids. */
export function mapChart(map: SampleMap, size: ChartSize = SIZES.map): string {
  const coloring = mapColoring(map);
  const n = map.indices.length;
  const pca = map.projection === "pca";
  let [xlo, xhi] = extent(map.x);
  let [ylo, yhi] = extent(map.y);
  if (pca) {
    [xlo, xhi] = niceDomain(xlo, xhi, 6);
    [ylo, yhi] = niceDomain(ylo, yhi, 6);
  }
  const x = linearScale(xlo, xhi, 0, size.width);
  const y = linearScale(ylo, yhi, size.height, 0);
  const colorOf = new Map<string, string>();
  if (coloring.kind === "category") {
    coloring.categories.forEach((c, i) => {
      colorOf.set(c, c === OTHER ? "#c7c7c7" : c === NULL_LABEL ? "#e5e7eb" : PALETTE[i % PALETTE.length]);
    });
  }
  let numLo = 0;
  let numSpan = 1;
  if (coloring.kind === "number") {
    const finite = coloring.values.filter((v): v is number => v !== null && Number.isFinite(v));
    numLo = Math.min(...finite);
    numSpan = Math.max(...finite) - numLo || 1;
  }
  // Vega's symbol `size` is an area in px²: 14 and 24 as before.
  const r = Math.sqrt((n > 1000 ? 14 : 24) / Math.PI);
  const rr = num(r, 2);
  const dd = num(2 * r, 2);
  const points: string[] = [];
  for (let i = 0; i < n; i++) {
    let fill = "";
    if (coloring.kind === "category") fill = ` fill="${colorOf.get(coloring.labels[i])}"`;
    else if (coloring.kind === "number") {
      const v = coloring.values[i];
      fill = ` fill="${v === null || !Number.isFinite(v) ? "#e5e7eb" : viridis((v - numLo) / numSpan)}"`;
    }
    const px = x(map.x[i]);
    const py = y(map.y[i]);
    points.push(
      `<path aria-label="${esc(pointTip(map, i))}" d="M${num(px + r, 2)},${num(py, 2)}a${rr},${rr} 0 1,0 -${dd},0a${rr},${rr} 0 1,0 ${dd},0"${fill}/>`,
    );
  }
  const groupFill = coloring.kind === "none" ? ` fill="${COLORS.point}"` : "";
  const xFmt = fixedFormat(tickStep(xlo, xhi, 6));
  const yFmt = fixedFormat(tickStep(ylo, yhi, 6));
  const xTicks = ticks(xlo, xhi, 6).map((v) => ({ at: v, label: xFmt(v) }));
  const yTicks = ticks(ylo, yhi, 6).map((v) => ({ at: v, label: yFmt(v) }));
  const leg = legend(coloring, colorOf, size.width + 24);
  const margin: Margin = {
    top: 8,
    right: leg.width > 0 ? 24 + leg.width : 8,
    bottom: pca ? axisExtent("bottom", xTicks) : 8,
    left: pca ? axisExtent("left", yTicks) + 2 : 8,
  };
  const body = [
    `<g class="mark-symbol role-mark map-points"${groupFill} fill-opacity="0.75">${points.join("")}</g>`,
    pca
      ? axis({
          orient: "bottom",
          scale: x,
          ticks: xTicks,
          length: size.width,
          offset: size.height,
          title: "principal component 1",
        })
      : "",
    pca
      ? axis({
          orient: "left",
          scale: y,
          ticks: yTicks,
          length: size.height,
          offset: 0,
          title: "principal component 2",
        })
      : "",
    leg.svg,
  ];
  return svgFrame(size.width, size.height, margin, "map of the sample", body.join(""));
}
