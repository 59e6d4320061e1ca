/**
 * The few SVG pieces the report's charts need: linear and log scales, d3's tick algorithm, tick
 * labels, axes, and escaping. Pure string building: no DOM, no dependency. Coordinates are
 * rounded (3 decimals, 2 for dense marks) so the same data give the same bytes.
 */

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate as text: at most `digits` decimals, no trailing zeros, no "-0". */
export function num(v: number, digits = 3): string {
  const s = v.toFixed(digits).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
export const LABEL_SIZE = 12;
export const TITLE_SIZE = 12;
export const NOTE_SIZE = 11;

/**
 * Width of `text` at `size` px, estimated at 0.6 em per character: system-ui digits and lower-case
 * letters are 0.5–0.6 em wide (vega-scenegraph, without a canvas, assumes a more cautious 0.8 em).
 */
export function textWidth(text: string, size = LABEL_SIZE): number {
  return text.length * size * 0.6;
}

// ---------------------------------------------------------------------------------------------
// Ticks: d3-array's ticks.js (ISC, Mike Bostock), nice steps of 1, 2, 5 × 10^k.

const E10 = Math.sqrt(50);
const E5 = Math.sqrt(10);
const E2 = Math.sqrt(2);

interface TickSpec {
  i1: number;
  i2: number;
  /** The step when ≥ 1; for a step below 1, −1/step (so i / −inc is exact for decimal steps). */
  inc: number;
}

function tickSpec(start: number, stop: number, count: number): TickSpec {
  const step = (stop - start) / Math.max(1, count);
  const power = Math.floor(Math.log10(step));
  const error = step / 10 ** power;
  const factor = error >= E10 ? 10 : error >= E5 ? 5 : error >= E2 ? 2 : 1;
  let i1: number;
  let i2: number;
  let inc: number;
  if (power < 0) {
    inc = 10 ** -power / factor;
    i1 = Math.round(start * inc);
    i2 = Math.round(stop * inc);
    if (i1 / inc < start) ++i1;
    if (i2 / inc > stop) --i2;
    inc = -inc;
  } else {
    inc = 10 ** power * factor;
    i1 = Math.round(start / inc);
    i2 = Math.round(stop / inc);
    if (i1 * inc < start) ++i1;
    if (i2 * inc > stop) --i2;
  }
  return { i1, i2, inc };
}

/** About `count` round values in [lo, hi] (multiples of 1, 2 or 5 × 10^k), ascending. */
export function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo) || !(count > 0)) return Number.isFinite(lo) ? [lo] : [];
  const { i1, i2, inc } = tickSpec(lo, hi, count);
  const out: number[] = [];
  for (let i = i1; i <= i2; i++) out.push(inc < 0 ? i / -inc : i * inc);
  return out;
}

/** The tick step ticks(lo, hi, count) uses. */
export function tickStep(lo: number, hi: number, count: number): number {
  if (!(hi > lo)) return 1;
  const { inc } = tickSpec(lo, hi, count);
  return inc < 0 ? 1 / -inc : inc;
}

/** [lo, hi] widened to multiples of the tick step (d3's scale.nice). */
export function niceDomain(lo: number, hi: number, count: number): [number, number] {
  if (!(hi > lo)) return [lo, hi];
  let step = tickStep(lo, hi, count);
  // Widening can change the step; d3 iterates until it settles (at most a few times).
  for (let k = 0; k < 10; k++) {
    const a = Math.floor(lo / step) * step;
    const b = Math.ceil(hi / step) * step;
    const next = tickStep(a, b, count);
    if (next === step) return [a, b];
    step = next;
  }
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

const MINUS = "\u2212";

/**
 * Labels for ticks `step` apart: the decimals the step needs (d3's precisionFixed), trailing
 * zeros dropped, a true minus sign. Ticks over the narrow norm range of unit rows (≈ 1e-8 apart)
 * keep their 8 decimals, so they differ.
 */
export function fixedFormat(step: number): (v: number) => string {
  const decimals = Math.max(0, Math.min(20, -Math.floor(Math.log10(step) + 1e-9)));
  return (v) => {
    let s = v.toFixed(decimals);
    if (s.includes(".")) s = s.replace(/\.?0+$/, "");
    if (/^-0(\.0*)?$/.test(s)) s = "0";
    return s.replace("-", MINUS);
  };
}

/** Counts with SI prefixes: 0, 350, 1.5k, 800k, 1.2M (at most 3 significant digits). */
export function siFormat(v: number): string {
  const a = Math.abs(v);
  const [div, unit] = a >= 1e9 ? [1e9, "G"] : a >= 1e6 ? [1e6, "M"] : a >= 1e3 ? [1e3, "k"] : [1, ""];
  const s = String(Number((v / div).toPrecision(3)));
  return `${s.replace("-", MINUS)}${unit}`;
}

/** A share as a whole percentage: 0.4 → "40%". */
export function percentFormat(v: number): string {
  return `${Math.round(v * 100)}%`;
}

/** The label of 10^e: "0.001" … "1000" near 1, "1e−6" beyond. */
export function decadeLabel(e: number): string {
  if (e >= -3 && e <= 3) return e < 0 ? (10 ** e).toFixed(-e) : String(10 ** e);
  return `1e${e < 0 ? MINUS : ""}${Math.abs(e)}`;
}

// ---------------------------------------------------------------------------------------------
// Scales

export interface Scale {
  (v: number): number;
  readonly lo: number;
  readonly hi: number;
}

/** Maps [lo, hi] linearly onto [a, b] (b < a for a y axis that grows upwards). */
export function linearScale(lo: number, hi: number, a: number, b: number): Scale {
  const span = hi - lo || 1;
  const f = (v: number) => a + ((v - lo) / span) * (b - a);
  return Object.assign(f, { lo, hi });
}

/** Maps [lo, hi] (both > 0) onto [a, b] on a log scale; values at or below 0 map to the low end. */
export function logScale(lo: number, hi: number, a: number, b: number): Scale {
  const l0 = Math.log10(lo);
  const span = Math.log10(hi) - l0 || 1;
  const f = (v: number) => a + ((Math.log10(Math.max(v, lo)) - l0) / span) * (b - a);
  return Object.assign(f, { lo, hi });
}

// ---------------------------------------------------------------------------------------------
// Axes

export interface Tick {
  at: number;
  label: string;
}

/**
 * Every n-th tick, the smallest n for which no two labels along the axis touch (vega's "parity"
 * overlap strategy). `extent` gives a label's size along the axis.
 */
export function thinTicks(ticksIn: Tick[], pos: (t: Tick) => number, extent: (t: Tick) => number, gap = 6): Tick[] {
  for (let n = 1; n <= ticksIn.length; n++) {
    const kept = ticksIn.filter((_, i) => i % n === 0);
    let ok = true;
    for (let i = 1; i < kept.length && ok; i++) {
      const d = Math.abs(pos(kept[i]) - pos(kept[i - 1]));
      ok = d >= (extent(kept[i]) + extent(kept[i - 1])) / 2 + gap;
    }
    if (ok) return kept;
  }
  return ticksIn.slice(0, 1);
}

export interface AxisOptions {
  orient: "bottom" | "left" | "right";
  /** Pixel position of each tick along the axis. */
  scale: (v: number) => number;
  ticks: Tick[];
  /** Length of the axis line: the plot's width (bottom) or height (left, right). */
  length: number;
  /** Offset of the axis line: the plot's height for "bottom", its width for "right", 0 for "left". */
  offset: number;
  title: string;
  /** Grid lines across the plot, `gridLength` long. */
  gridLength?: number;
  color?: string;
  titleColor?: string;
}

const AXIS_COLOR = "#9ca3af";
const LABEL_COLOR = "#374151";
const TITLE_COLOR = "#111827";
const GRID_COLOR = "#eef0f3";
const TICK = 5;

/** Width an axis' labels need: the widest label (for left/right axes). */
export function labelWidth(ticksIn: Tick[]): number {
  return Math.max(0, ...ticksIn.map((t) => textWidth(t.label)));
}

/** The grid lines of an axis, drawn under the marks. */
export function gridLines(o: AxisOptions): string {
  if (!o.gridLength) return "";
  const d = o.ticks
    .map((t) => {
      const p = num(o.scale(t.at));
      return o.orient === "bottom" ? `M${p},0v${num(o.gridLength ?? 0)}` : `M0,${p}h${num(o.gridLength ?? 0)}`;
    })
    .join("");
  return `<path class="grid" d="${d}" stroke="${GRID_COLOR}" fill="none"/>`;
}

/** An axis: its line, ticks, labels (thinned so none overlap) and title. */
export function axis(o: AxisOptions): string {
  const labelColor = o.color ?? LABEL_COLOR;
  const titleColor = o.titleColor ?? TITLE_COLOR;
  const shown =
    o.orient === "bottom"
      ? thinTicks(
          o.ticks,
          (t) => o.scale(t.at),
          (t) => textWidth(t.label),
        )
      : thinTicks(
          o.ticks,
          (t) => o.scale(t.at),
          () => LABEL_SIZE,
        );
  const parts: string[] = [];
  const L = num(o.length);
  if (o.orient === "bottom") {
    const y = num(o.offset);
    parts.push(`<path class="domain" d="M0,${y}h${L}" stroke="${AXIS_COLOR}" fill="none"/>`);
    const tickPath = o.ticks.map((t) => `M${num(o.scale(t.at))},${y}v${TICK}`).join("");
    parts.push(`<path class="tick" d="${tickPath}" stroke="${AXIS_COLOR}" fill="none"/>`);
    const ly = num(o.offset + TICK + 2 + LABEL_SIZE * 0.8);
    for (const t of shown) {
      parts.push(`<text class="label" x="${num(o.scale(t.at))}" y="${ly}" text-anchor="middle">${esc(t.label)}</text>`);
    }
    const ty = num(o.offset + TICK + 2 + LABEL_SIZE + 6 + TITLE_SIZE * 0.8);
    parts.push(
      `<text class="title" x="${num(o.length / 2)}" y="${ty}" text-anchor="middle" font-size="${TITLE_SIZE}" font-weight="500" fill="${titleColor}">${esc(o.title)}</text>`,
    );
  } else {
    const left = o.orient === "left";
    const x = num(o.offset);
    const dir = left ? -1 : 1;
    parts.push(`<path class="domain" d="M${x},0v${L}" stroke="${AXIS_COLOR}" fill="none"/>`);
    const tickPath = o.ticks.map((t) => `M${x},${num(o.scale(t.at))}h${dir * TICK}`).join("");
    parts.push(`<path class="tick" d="${tickPath}" stroke="${AXIS_COLOR}" fill="none"/>`);
    const lx = num(o.offset + dir * (TICK + 3));
    for (const t of shown) {
      parts.push(
        `<text class="label" x="${lx}" y="${num(o.scale(t.at) + LABEL_SIZE * 0.35)}" text-anchor="${left ? "end" : "start"}">${esc(t.label)}</text>`,
      );
    }
    const tx = o.offset + dir * (TICK + 3 + labelWidth(o.ticks) + 6 + TITLE_SIZE * 0.4);
    const ty = o.length / 2;
    parts.push(
      `<text class="title" x="${num(tx)}" y="${num(ty)}" text-anchor="middle" dominant-baseline="middle" transform="rotate(${left ? -90 : 90} ${num(tx)} ${num(ty)})" font-size="${TITLE_SIZE}" font-weight="500" fill="${titleColor}">${esc(o.title)}</text>`,
    );
  }
  return `<g class="role-axis axis-${o.orient}" font-size="${LABEL_SIZE}" fill="${labelColor}">${parts.join("")}</g>`;
}

/** Space an axis takes beside the plot: ticks, labels, title (left/right), or the two text lines below (bottom). */
export function axisExtent(orient: "bottom" | "left" | "right", ticksIn: Tick[]): number {
  if (orient === "bottom") return TICK + 2 + LABEL_SIZE + 6 + TITLE_SIZE + 4;
  return TICK + 3 + labelWidth(ticksIn) + 6 + TITLE_SIZE + 2;
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The outer <svg>: the plot area translated by the margin; `label` names the chart for screen readers. */
export function svgFrame(width: number, height: number, m: Margin, label: string, body: string): string {
  const W = Math.ceil(width + m.left + m.right);
  const H = Math.ceil(height + m.top + m.bottom);
  return (
    `<svg class="marks" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" font-family="${esc(FONT)}">` +
    `<g transform="translate(${num(m.left)},${num(m.top)})">${body}</g></svg>`
  );
}

/**
 * Labels at the top of vertical marker lines, lifted one line up when they would touch the label
 * before them (dims90/95/99 can sit a few components apart). Returns the lines of text used.
 */
export function topLabels(
  items: { x: number; text: string; color: string }[],
  size = NOTE_SIZE,
): { svg: string; rows: number } {
  const rowsEnd: number[] = [];
  const parts = items.map((it) => {
    const w = textWidth(it.text, size);
    let row = 0;
    while (row < rowsEnd.length && rowsEnd[row] > it.x - w / 2 - 3) row++;
    rowsEnd[row] = it.x + w / 2;
    const y = -4 - row * (size + 2);
    return `<text x="${num(it.x)}" y="${num(y)}" text-anchor="middle" font-size="${size}" fill="${it.color}">${esc(it.text)}</text>`;
  });
  return { svg: `<g class="mark-text labels">${parts.join("")}</g>`, rows: Math.max(1, rowsEnd.length) };
}
