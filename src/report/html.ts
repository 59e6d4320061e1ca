/**
 * The report as one self-contained HTML file: verdict, findings, key numbers, and the charts as
 * inline SVG written at report time (./html/charts.ts). Nothing is fetched: no CDN, no
 * web fonts, no external scripts or styles; a Content-Security-Policy forbids any request. The only
 * script shows a mark's description as a tooltip. Pure and deterministic (no timings, no dates):
 * the same report and map give the same bytes.
 *
 *   renderHtml(report, { map })                         one report
 *   renderFixHtml(before, after, { beforeMap, afterMap }) before/after of `embcheck fix`
 */
import { sortFindings } from "../detect/findings.js";
import { DEFAULT_REGISTRY, type Registry } from "../detect/registry.js";
import type { Stat } from "../detect/section.js";
import { labelGroupTable } from "../detect/sections/labels.js";
import type { ReportHead } from "../detect/types.js";
import { formatCount, formatNumber } from "./format.js";
import {
  type ChartSize,
  cosineChart,
  mapChart,
  mapColoring,
  normChart,
  SIZES,
  screeChart,
  screeComponents,
} from "./html/charts.js";
import type { SampleMap } from "./map.js";
import { describeShape, findingCounts } from "./summary.js";
import type { Finding, Report, Verdict } from "./types.js";

export interface HtmlOptions {
  /** The 2-D map of the sample (projectSample), or null/undefined to leave the map out. */
  map?: SampleMap | null;
  /** Page title (default "embcheck report · PATH"). */
  title?: string;
  /**
   * Every eigenvalue of the covariance (Metrics.eigenvalues, descending), so the spectrum chart
   * draws all d components; the report itself keeps only the first min(64, d) ratios. Without
   * it the chart draws those 64 over an axis that still spans d.
   */
  eigenvalues?: ArrayLike<number> | null;
}

export interface FixHtmlOptions {
  beforeMap?: SampleMap | null;
  afterMap?: SampleMap | null;
  /** Every covariance eigenvalue of the input and of the output (see HtmlOptions.eigenvalues). */
  beforeEigenvalues?: ArrayLike<number> | null;
  afterEigenvalues?: ArrayLike<number> | null;
  /** Page title (default "embcheck fix · PATH"). */
  title?: string;
  /** What was done, shown under the title, e.g. the pipeline "center,l2" and the output path. */
  summary?: string;
}

/** The HTML report of one input. */
export async function renderHtml(report: Report, opts: HtmlOptions = {}): Promise<string> {
  const title = opts.title ?? `embcheck report · ${report.input.path}`;
  const norms = normChart(report);
  const cosine = cosineChart(report);
  const scree = screeChart(report, SIZES.spectrum, opts.eigenvalues);
  const map = opts.map ? mapChart(opts.map) : null;
  const body = [
    header(report),
    findingsSection(report),
    numbersSection(report),
    labelsSection(report),
    `<section class="charts">`,
    figure("norms", "Norms", normsCaption(report), norms),
    figure("cosine", "Pairwise cosine", cosineCaption(report), cosine),
    figure("spectrum", "Spectrum", spectrumCaption(report, opts.eigenvalues), scree, "h2", "wide"),
    `</section>`,
    opts.map && map
      ? `<section class="charts wide">${figure("map", "Map of the sample", mapCaption(opts.map), map)}</section>`
      : "",
    footer(report),
  ];
  return page(title, body.filter((s) => s !== "").join("\n"));
}

/**
 * The before/after page of `embcheck fix`: both verdicts and findings, the key numbers side by
 * side, and each chart before (left) and after (right). Maps are optional on either side.
 */
export async function renderFixHtml(before: Report, after: Report, opts: FixHtmlOptions = {}): Promise<string> {
  const title = opts.title ?? `embcheck fix · ${before.input.path}`;
  const half: ChartSize = SIZES.half;
  const mapSize: ChartSize = SIZES.halfMap;
  const nb = normChart(before, half);
  const na = normChart(after, half);
  const cb = cosineChart(before, half);
  const ca = cosineChart(after, half);
  const sb = screeChart(before, half, opts.beforeEigenvalues);
  const sa = screeChart(after, half, opts.afterEigenvalues);
  const mb = opts.beforeMap ? mapChart(opts.beforeMap, mapSize) : null;
  const ma = opts.afterMap ? mapChart(opts.afterMap, mapSize) : null;
  const pair = (id: string, name: string, b: string, a: string, capB: string, capA: string) =>
    `<section class="pair" id="${id}"><h2>${esc(name)}</h2><div class="cols">` +
    `${figure(`${id}-before`, "Before", capB, b, "h3")}${figure(`${id}-after`, "After", capA, a, "h3")}</div></section>`;
  const body = [
    `<header><h1>${esc(title)}</h1>${opts.summary ? `<p class="sub">${esc(opts.summary)}</p>` : ""}</header>`,
    `<section class="pair" id="verdicts"><h2>Verdict</h2><div class="cols">`,
    `<div><h3>Before</h3>${verdictLine(before)}${findingsList(before.findings)}</div>`,
    `<div><h3>After</h3>${verdictLine(after)}${findingsList(after.findings)}</div>`,
    `</div></section>`,
    comparisonTable(before, after),
    pair("norms", "Norms", nb, na, normsCaption(before), normsCaption(after)),
    pair("cosine", "Pairwise cosine", cb, ca, cosineCaption(before), cosineCaption(after)),
    pair(
      "spectrum",
      "Spectrum",
      sb,
      sa,
      spectrumCaption(before, opts.beforeEigenvalues),
      spectrumCaption(after, opts.afterEigenvalues),
    ),
    mb || ma
      ? pair(
          "map",
          "Map of the sample",
          mb ?? `<p class="muted">no map</p>`,
          ma ?? `<p class="muted">no map</p>`,
          opts.beforeMap ? mapCaption(opts.beforeMap) : "",
          opts.afterMap ? mapCaption(opts.afterMap) : "",
        )
      : "",
    footer(after),
  ];
  return page(title, body.filter((s) => s !== "").join("\n"));
}

/** How many marks each chart of `renderHtml` draws (for tests and for readers of the SVG). */
export function expectedMarks(report: Report, map?: SampleMap | null, eigenvalues?: ArrayLike<number> | null) {
  return {
    "norm-bars": report.norms.histogram.counts.length,
    "cosine-bars": report.cosine.histogram.counts.length,
    "scree-bars": screeComponents(report, eigenvalues),
    "scree-dims": 3,
    "map-points": map ? map.indices.length : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Sections

const VERDICT_TEXT: Record<Verdict, string> = {
  pass: "PASS",
  warn: "WARN",
  fail: "FAIL",
};

function header(report: Report): string {
  return [`<header>`, `<h1>embcheck report</h1>`, verdictLine(report), `</header>`].join("\n");
}

function verdictLine(report: Report): string {
  return (
    `<p class="verdict-line"><span class="badge ${report.verdict}" data-verdict="${report.verdict}">` +
    `${VERDICT_TEXT[report.verdict]}</span> ${esc(findingCounts(report.findings))} · ` +
    `<code>${esc(report.input.path)}</code> · ${esc(describeShape(report))}</p>`
  );
}

function findingsSection(report: Report): string {
  return `<section id="findings"><h2>Findings</h2>${findingsList(report.findings)}</section>`;
}

function findingsList(findings: Finding[]): string {
  if (findings.length === 0) return `<p class="muted">No findings: nothing crossed a threshold.</p>`;
  const items = sortFindings(findings).map(
    (f) =>
      `<li class="finding ${f.severity}"><span class="sev ${f.severity}">${f.severity}</span>` +
      `<div><p class="msg">${esc(f.message)}</p>` +
      `<p class="meta"><code>${esc(f.id)}</code> · <code>${esc(f.metric)}</code> = ${esc(formatNumber(f.value))}` +
      `${f.threshold === null ? "" : ` · threshold ${esc(formatNumber(f.threshold))}`}</p>` +
      `${f.hint ? `<p class="hint">→ ${inlineCode(f.hint)}</p>` : ""}</div></li>`,
  );
  return `<ul class="findings">${items.join("")}</ul>`;
}

/**
 * The key numbers, section by section; an optional section's (alignment) after the others, so the
 * cards of two reports line up.
 */
function keyNumbers(r: Report, registry: Registry = DEFAULT_REGISTRY): Stat[] {
  const values = r as unknown as ReportHead & Record<string, unknown>;
  const shown = registry.sections.filter((s) => s.html && values[s.key] !== null);
  return [...shown.filter((s) => !s.optional), ...shown.filter((s) => s.optional)].flatMap((s) => s.html!(values));
}

function numbersSection(r: Report): string {
  const cards = keyNumbers(r).map(
    (s) =>
      `<div class="stat"><div class="label">${esc(s.label)}</div><div class="value">${esc(s.value)}</div><div class="note">${esc(s.note)}</div></div>`,
  );
  return `<section id="numbers" class="stats">${cards.join("")}</section>`;
}

/** The label groups' table (the labels section), or "" without labels. */
function labelsSection(r: Report): string {
  if (!r.labels) return "";
  const { headers, rows } = labelGroupTable(r.labels);
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<section id="labels"><h2>Label groups</h2><table class="compare"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
}

function comparisonTable(before: Report, after: Report): string {
  const b = keyNumbers(before);
  const a = keyNumbers(after);
  const rows = b.map((s, i) => {
    const other = a.find((x) => x.label === s.label) ?? a[i];
    return `<tr><th>${esc(s.label)}</th><td>${esc(s.value)}</td><td>${esc(other?.value ?? "—")}</td></tr>`;
  });
  const shape = `<tr><th>shape</th><td>${esc(describeShape(before))}</td><td>${esc(describeShape(after))}</td></tr>`;
  return (
    `<section id="numbers"><h2>Key numbers</h2><table class="compare"><thead><tr><th></th><th>before</th><th>after</th></tr></thead>` +
    `<tbody>${shape}${rows.join("")}</tbody></table></section>`
  );
}

function figure(id: string, name: string, caption: string, svg: string, h = "h2", cls = ""): string {
  return `<figure class="chart${cls ? ` ${cls}` : ""}" id="chart-${id}"><${h}>${esc(name)}</${h}>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function normsCaption(r: Report): string {
  const n = r.norms;
  return esc(
    `L2 norms of ${formatCount(r.integrity.validRows)} valid rows: min ${formatNumber(n.min)}, median ${formatNumber(n.p50)}, max ${formatNumber(n.max)}; CV ${formatNumber(n.cv)}.`,
  );
}

function cosineCaption(r: Report): string {
  const c = r.cosine;
  return (
    esc(
      `${formatCount(c.sampledPairs)} pairs of ${formatCount(r.sample.rows)} sample rows (seed ${r.sample.seed}); mean ${formatNumber(c.mean)}, 5–95% ${formatNumber(c.p5)} … ${formatNumber(c.p95)}. `,
    ) +
    `<span class="key ref">- - -</span> ${esc(`isotropic reference: random directions in ${formatCount(r.input.dims)} dims, N(0, 1/${r.input.dims}), σ = ${formatNumber(c.isotropicStd)}.`)}`
  );
}

function spectrumCaption(r: Report, eigenvalues?: ArrayLike<number> | null): string {
  const s = r.spectrum;
  const d = r.input.dims;
  const drawn = eigenvalues && eigenvalues.length > 0 ? eigenvalues.length : s.explainedVarianceRatio.length;
  const shown = screeComponents(r, eigenvalues);
  const which =
    drawn >= d
      ? `every one of the ${formatCount(d)} components`
      : `the first ${formatCount(drawn)} of ${formatCount(d)} components`;
  const zero = shown < drawn ? ` (${formatCount(drawn - shown)} with no variance are not drawn)` : "";
  return (
    `<span class="key scree">▮</span> ${esc(`explained variance ratio of ${which}, log scale${zero}; `)}` +
    `<span class="key cum">━</span> ${esc(`cumulative share. ${formatCount(s.dims90)}, ${formatCount(s.dims95)} and ${formatCount(s.dims99)} components hold 90, 95 and 99% of the variance; effective rank ${formatNumber(s.effectiveRank)}.`)}`
  );
}

function mapCaption(m: SampleMap): string {
  const how =
    m.projection === "umap"
      ? `UMAP of the top ${m.components} principal components`
      : "the first two principal components";
  const rows =
    m.sampleRows > m.indices.length
      ? `${formatCount(m.indices.length)} of the ${formatCount(m.sampleRows)} sample rows`
      : `${formatCount(m.indices.length)} sample rows`;
  const coloring = mapColoring(m);
  const color = coloring.kind === "none" ? "" : `; colour: ${coloring.name}`;
  return esc(`${rows}, ${how} (seed ${m.seed})${color}. Hover a point for its row.`);
}

function footer(r: Report): string {
  return `<footer>embcheck ${esc(r.tool.version)} · ${esc(r.schema)} · sample of ${formatCount(r.sample.rows)} rows, seed ${r.sample.seed} · metric definitions: docs/METRICS.md</footer>`;
}

// ---------------------------------------------------------------------------------------------
// Page

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Escapes text and turns `code` spans into <code>. */
function inlineCode(s: string): string {
  return esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
}

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src 'none'; connect-src 'none'";

const STYLE = `
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--pass:#15803d;--warn:#b45309;--fail:#b91c1c;--info:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
h1{font-size:20px;margin:0 0 6px;word-break:break-all}
h2{font-size:15px;margin:0 0 10px}
h3{font-size:13px;margin:0 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
header{margin-bottom:18px}
.sub{color:var(--muted);margin:0}
.verdict-line{margin:4px 0;color:#374151}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;color:#fff;font-weight:700;letter-spacing:.04em}
.badge.pass{background:var(--pass)}.badge.warn{background:var(--warn)}.badge.fail{background:var(--fail)}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 16px}
section.charts,section.stats{background:none;border:0;padding:0}
.findings{list-style:none;margin:0;padding:0}
.finding{display:flex;gap:12px;padding:8px 0;border-top:1px solid var(--line)}
.finding:first-child{border-top:0}
.finding p{margin:0}
.sev{flex:0 0 44px;text-align:center;font-size:11px;font-weight:700;text-transform:uppercase;border-radius:4px;padding:2px 0;height:20px;color:#fff}
.sev.fail{background:var(--fail)}.sev.warn{background:var(--warn)}.sev.info{background:var(--info)}
.msg{font-weight:600}.meta,.hint{color:var(--muted);font-size:13px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;padding:1px 4px;border-radius:4px}
.muted{color:var(--muted)}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.stat .label{color:var(--muted);font-size:12px}.stat .value{font-size:20px;font-weight:650}.stat .note{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px;margin-bottom:16px}
.charts.wide{grid-template-columns:1fr}
.chart.wide{grid-column:1/-1}
.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.chart svg{display:block;max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:12px;margin-top:6px}
.key{font-weight:700}.key.ref{color:#e45756}.key.scree{color:#4c78a8}.key.cum{color:#f58518}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.pair .chart{border:0;padding:0}
table.compare{border-collapse:collapse;width:100%}
.compare th,.compare td{text-align:left;padding:4px 8px;border-top:1px solid var(--line)}
footer{color:var(--muted);font-size:12px;margin-top:12px}
#tip{position:fixed;pointer-events:none;background:#111827;color:#fff;font-size:12px;padding:4px 8px;border-radius:6px;max-width:420px;display:none;z-index:10}
svg [aria-label]:hover{opacity:.8}
`;

/** Shows the aria-label of a hovered chart mark (each mark of ./html/charts.ts carries one). */
const SCRIPT = `
(function () {
  var tip = document.getElementById("tip");
  function label(el) {
    if (!el || !el.getAttribute || !el.parentNode || !el.parentNode.classList) return null;
    if (!el.parentNode.classList.contains("role-mark")) return null;
    return el.getAttribute("aria-label");
  }
  document.addEventListener("mouseover", function (e) {
    var text = label(e.target);
    if (!text) { tip.style.display = "none"; return; }
    tip.textContent = text;
    tip.style.display = "block";
  });
  document.addEventListener("mousemove", function (e) {
    if (tip.style.display === "none") return;
    var x = Math.min(e.clientX + 12, window.innerWidth - tip.offsetWidth - 4);
    tip.style.left = x + "px";
    tip.style.top = (e.clientY + 14) + "px";
  });
})();
`;

function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    `<html lang="en">`,
    "<head>",
    `<meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="embcheck">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<main>",
    body,
    "</main>",
    `<div id="tip" role="tooltip"></div>`,
    `<script>${SCRIPT}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
