/**
 * Text primitives shared by the section parts and the renderers: Unicode bar charts, the isotropic
 * cosine reference. Pure functions; no colour (renderers add it).
 */
import { formatNumber } from "./format.js";

/** Eighth-block glyphs, one to eight eighths of a cell. */
export const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * One glyph per value, scaled from min(0, smallest) to the largest value, so the lowest glyph
 * means "near zero" for non-negative series (a constant positive series is a row of full
 * blocks, an all-zero one a row of the lowest); non-finite values render as a space.
 */
export function sparkline(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return " ".repeat(values.length);
  const lo = Math.min(0, ...finite);
  const hi = Math.max(...finite);
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return " ";
      if (hi === lo) return BLOCKS[0];
      return BLOCKS[Math.round(((v - lo) / (hi - lo)) * (BLOCKS.length - 1))];
    })
    .join("");
}

export interface HistogramBarsOptions {
  /** Count drawn as a full column (default: the largest count), so series can share a scale. */
  max?: number;
  /** Rows of text per column (default 1); each row adds eight levels. */
  height?: number;
}

/**
 * Vertical bars, one column per count, as `height` strings from the top row down, each exactly
 * `counts.length` characters (callers trim trailing spaces). Zero draws nothing; any positive
 * count draws at least one eighth, so a non-empty bin never looks empty.
 */
export function histogramBars(counts: number[], opts: HistogramBarsOptions = {}): string[] {
  const height = Math.max(1, Math.floor(opts.height ?? 1));
  const max = opts.max ?? Math.max(0, ...counts);
  const eighths = counts.map((c) => {
    if (!(c > 0) || !(max > 0)) return 0;
    return Math.min(height * 8, Math.max(1, Math.round((c / max) * height * 8)));
  });
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row--) {
    rows.push(
      eighths
        .map((e) => {
          const inRow = Math.min(8, e - row * 8);
          return inRow > 0 ? BLOCKS[inRow - 1] : " ";
        })
        .join(""),
    );
  }
  return rows;
}

/**
 * Merges equal-width bins into at most `columns` columns. When the bin count is a multiple of
 * the group size the groups are exact; otherwise each column takes the overlapping fractions of
 * the bins it covers, so every column spans the same width and the total is preserved.
 */
export function rebin(counts: number[], columns: number): number[] {
  const n = counts.length;
  columns = Math.max(1, Math.floor(columns));
  if (n <= columns) return counts.slice();
  const group = Math.ceil(n / columns);
  const out = n % group === 0 ? n / group : columns;
  const result = new Array<number>(out).fill(0);
  const step = n / out;
  for (let j = 0; j < out; j++) {
    const a = j * step;
    const b = (j + 1) * step;
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 0) result[j] += counts[i] * overlap;
    }
  }
  return result;
}

/**
 * erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), extended to negative x by oddness.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

/** Standard normal CDF Φ(x) = (1 + erf(x/√2)) / 2; |error| ≤ 7.5e-8 via erf. */
export function normalCdf(x: number): number {
  if (x === 0) return 0.5;
  return 0.5 * (1 + erf(x / Math.SQRT2));
}

/**
 * Expected histogram counts of cos between `pairs` random directions in R^d, using the normal
 * approximation N(0, σ²) with σ = 1/√d: count(a, b) = pairs · (Φ(b/σ) − Φ(a/σ)).
 */
export function isotropicCounts(edges: number[], pairs: number, sigma: number): number[] {
  const counts: number[] = [];
  for (let i = 0; i + 1 < edges.length; i++) {
    if (!(sigma > 0)) {
      counts.push(edges[i] <= 0 && 0 < edges[i + 1] ? pairs : 0);
      continue;
    }
    counts.push(pairs * (normalCdf(edges[i + 1] / sigma) - normalCdf(edges[i] / sigma)));
  }
  return counts;
}

export interface AxisTick {
  /** Position in columns from the chart's left edge (0 … columns). */
  at: number;
  text: string;
}

/**
 * A label line under a chart `columns` wide: the first tick starts at column 0, the last ends at
 * the right edge, others are centred on their position; a tick that would touch a placed label
 * is dropped. Trailing spaces are trimmed.
 */
export function axisLine(columns: number, ticks: AxisTick[]): string {
  const line: string[] = new Array(Math.max(columns, 0)).fill(" ");
  const taken: boolean[] = new Array(line.length).fill(false);
  ticks.forEach((tick, k) => {
    const len = tick.text.length;
    let start: number;
    if (k === 0) start = Math.round(tick.at);
    else if (k === ticks.length - 1) start = Math.round(tick.at) - len;
    else start = Math.round(tick.at) - Math.floor(len / 2);
    start = Math.max(0, Math.min(start, line.length - len));
    if (start < 0) return;
    for (let i = start - 1; i <= start + len; i++) if (taken[i]) return;
    for (let i = 0; i < len; i++) {
      line[start + i] = tick.text[i];
      taken[start + i] = true;
    }
  });
  return line.join("").trimEnd();
}

export interface ChartSeries {
  /** Short name printed left of the bars (may be ""). */
  label: string;
  counts: number[];
}

export interface ChartRow {
  label: string;
  /** Bars or axis labels, trailing spaces trimmed. */
  text: string;
  /** Index of the series the row draws, or -1 for the axis line. */
  series: number;
}

export interface HistogramChartSpec {
  series: ChartSeries[];
  /** Bin edges shared by every series (length = counts.length + 1). */
  edges: number[];
  /** Widest the bars may be, in columns. */
  columns: number;
  height?: number;
  /** Values to label under the chart; default the first and last edge. */
  ticks?: number[];
  format?: (v: number) => string;
}

/**
 * Bars for one or more series over the same bins, on one scale (the largest count of any
 * series), rebinned to fit `columns` (or widened by a whole factor when there is room), each
 * series labelled on its bottom row, with an axis line of tick labels underneath.
 */
export function histogramChart(spec: HistogramChartSpec): ChartRow[] {
  const format = spec.format ?? formatNumber;
  const bins = spec.series[0]?.counts.length ?? 0;
  const repeat = bins > 0 ? Math.max(1, Math.floor(spec.columns / bins)) : 1;
  const fitted = spec.series.map((s) => stretch(rebin(s.counts, spec.columns), repeat));
  const columns = fitted[0]?.length ?? 0;
  const max = Math.max(0, ...fitted.flat());
  const rows: ChartRow[] = [];
  fitted.forEach((counts, index) => {
    const bars = histogramBars(counts, { max, height: spec.height });
    // A lower series keeps the shared scale but not its empty top rows.
    while (bars.length > 1 && bars[0].trim() === "") bars.shift();
    bars.forEach((text, r) => {
      const label = r === bars.length - 1 ? spec.series[index].label : "";
      rows.push({ label, text: text.trimEnd(), series: index });
    });
  });
  const lo = spec.edges[0];
  const hi = spec.edges[spec.edges.length - 1];
  const ticks = spec.ticks ?? [lo, hi];
  const span = hi - lo;
  const axis = axisLine(
    columns,
    ticks.map((v) => ({ at: span > 0 ? ((v - lo) / span) * columns : 0, text: format(v) })),
  );
  rows.push({ label: "", text: axis, series: -1 });
  return rows;
}

/** Each column repeated `times` times, so a few bins still make a readable chart. */
function stretch(counts: number[], times: number): number[] {
  return times <= 1 ? counts : counts.flatMap((c) => new Array<number>(times).fill(c));
}
