/**
 * The 2-D map in a terminal: a density plot in Braille patterns (U+2800–U+28FF), each character a
 * 2 × 4 grid of dots, so a W × H plot has 2W × 4H pixels. A dot is lit when at least one point
 * falls in it; with colour on, each character is shaded by how many points fall in it (the
 * density the dots alone cannot show). Pure: the caller decides colour and size.
 */
import { Chalk } from "chalk";
import { formatCount } from "./format.js";
import type { SampleMap } from "./map.js";

/** Bit of each dot in a Braille cell, by [row][column] (the Unicode dot numbering 1-8). */
const DOT_BITS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];
const BRAILLE_BASE = 0x2800;

export interface BrailleGrid {
  /** `height` strings of exactly `width` Braille characters (U+2800 where a cell is empty). */
  lines: string[];
  /** Points per character cell, row-major (height × width). */
  counts: Uint32Array;
  width: number;
  height: number;
  /** Data ranges mapped onto the plot (padded when a range is empty). */
  x: [number, number];
  y: [number, number];
}

export interface Ranges {
  x?: [number, number];
  y?: [number, number];
}

/**
 * Rasterises the points (x[i], y[i]) onto `width` × `height` Braille characters; y grows upward.
 * Non-finite points and points outside the given ranges are skipped. Each axis spans the given
 * range, else its data range (a zero range is padded by ±1).
 */
export function brailleDensity(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  width: number,
  height: number,
  ranges: Ranges = {},
): BrailleGrid {
  width = Math.max(1, Math.floor(width));
  height = Math.max(1, Math.floor(height));
  const xr = ranges.x ?? range(x);
  const yr = ranges.y ?? range(y);
  const px = width * 2;
  const py = height * 4;
  const bits = new Uint8Array(width * height);
  const counts = new Uint32Array(width * height);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    if (!Number.isFinite(xi) || !Number.isFinite(yi)) continue;
    if (xi < xr[0] || xi > xr[1] || yi < yr[0] || yi > yr[1]) continue;
    const cx = Math.min(px - 1, Math.floor(((xi - xr[0]) / (xr[1] - xr[0])) * px));
    // Row 0 is the top of the plot: the largest y.
    const cy = Math.min(py - 1, Math.floor(((yr[1] - yi) / (yr[1] - yr[0])) * py));
    const cell = Math.floor(cy / 4) * width + Math.floor(cx / 2);
    bits[cell] |= DOT_BITS[cy % 4][cx % 2];
    counts[cell]++;
  }
  const lines: string[] = [];
  for (let r = 0; r < height; r++) {
    let line = "";
    for (let c = 0; c < width; c++) line += String.fromCharCode(BRAILLE_BASE + bits[r * width + c]);
    lines.push(line);
  }
  return { lines, counts, width, height, x: xr, y: yr };
}

/**
 * The range holding the middle `1 − 2·tail` of the finite values (NumPy's linear quantiles),
 * widened by 2% on each side, so a few outliers do not squeeze the rest into a corner.
 */
export function robustRange(v: ArrayLike<number>, tail = 0.005): [number, number] {
  const s = Array.from(v)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (s.length === 0) return [-1, 1];
  const q = (p: number) => {
    const at = p * (s.length - 1);
    const lo = Math.floor(at);
    const hi = Math.min(s.length - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (at - lo);
  };
  const lo = q(tail);
  const hi = q(1 - tail);
  if (hi === lo) return range(s);
  const pad = (hi - lo) * 0.02;
  return [Math.max(s[0], lo - pad), Math.min(s[s.length - 1], hi + pad)];
}

function range(v: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) continue;
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  if (!(hi >= lo)) return [-1, 1];
  if (hi === lo) return [lo - 1, hi + 1];
  return [lo, hi];
}

export interface BrailleMapOptions {
  color: boolean;
  /** Widest line in characters, frame included (default 80). */
  width?: number;
  /** Plot rows in characters (default: half the plot width, at most 24). */
  height?: number;
}

/**
 * The map as text: a title line, the Braille plot in a frame, and a legend line. Density shades
 * (colour only): 1 point per cell dim, up to the median of non-empty cells plain, above it bold.
 */
export function renderBrailleMap(map: SampleMap, opts: BrailleMapOptions): string {
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const total = Math.max(12, Math.floor(opts.width ?? 80));
  const w = total - 2;
  const h = Math.max(4, Math.floor(opts.height ?? Math.min(24, Math.round(w / 4))));
  const ranges = { x: robustRange(map.x), y: robustRange(map.y) };
  const grid = brailleDensity(map.x, map.y, w, h, ranges);
  let outside = 0;
  for (let i = 0; i < map.x.length; i++) {
    const inX = map.x[i] >= ranges.x[0] && map.x[i] <= ranges.x[1];
    if (!inX || !(map.y[i] >= ranges.y[0] && map.y[i] <= ranges.y[1])) outside++;
  }
  const nonEmpty = Array.from(grid.counts)
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  const median = nonEmpty.length ? nonEmpty[Math.floor(nonEmpty.length / 2)] : 0;
  const shade = (ch: string, c: number): string => {
    if (c === 0) return ch;
    if (c === 1) return chalk.blue(ch);
    return c <= median ? chalk.cyan(ch) : chalk.bold.yellow(ch);
  };
  const method =
    map.projection === "umap" ? `UMAP of ${map.components} principal components` : "first two principal components";
  const head = `Map · ${formatCount(map.indices.length)} sample rows${
    map.sampleRows > map.indices.length ? ` of ${formatCount(map.sampleRows)}` : ""
  } · ${method} · seed ${map.seed}`;
  const out = [head, `┌${"─".repeat(w)}┐`];
  for (let r = 0; r < h; r++) {
    let line = "";
    const chars = Array.from(grid.lines[r]);
    for (let c = 0; c < w; c++) line += shade(chars[c], grid.counts[r * w + c]);
    out.push(`│${line}│`);
  }
  out.push(`└${"─".repeat(w)}┘`);
  const legend = opts.color
    ? `points per character: ${chalk.blue("1")} · ${chalk.cyan(`2–${Math.max(2, median)}`)} · ${chalk.bold.yellow(
        `> ${Math.max(2, median)}`,
      )} (densest ${formatCount(nonEmpty.at(-1) ?? 0)})`
    : `each dot: one or more points · densest character: ${formatCount(nonEmpty.at(-1) ?? 0)} points`;
  out.push(outside > 0 ? `${legend} · ${formatCount(outside)} outlying points left out` : legend);
  return `${out.join("\n")}\n`;
}
