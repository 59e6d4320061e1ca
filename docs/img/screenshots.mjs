// Renders the README's two pictures from the real CLI (not hand-drawn):
//   docs/img/report-terminal.svg  `embcheck report` on the GloVe sample, its ANSI colours as SVG text
//   docs/img/report-html.png      the HTML report of the same sample, screenshot by headless Chromium
// Run after `npm run build`:  node docs/img/screenshots.mjs   (needs /usr/bin/chromium for the PNG)
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT = join(ROOT, "docs", "img");
const SAMPLE = "fixtures/sample/glove-6b-100d-top3000.arrow";
const BIN = join(ROOT, "bin", "embcheck.js");

// A dark terminal palette (xterm-like) for the SGR colours embcheck uses.
const FG = {
  30: "#3b3b3b",
  31: "#f0524f",
  32: "#5cc35c",
  33: "#e5c07b",
  34: "#61afef",
  35: "#c678dd",
  36: "#56b6c2",
  37: "#dcdfe4",
  90: "#7f848e",
};
const BG = "#1e2127";
const TEXT = "#dcdfe4";

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** ANSI text → SVG: one <text> per line, one <tspan> per run of equal style. */
function ansiToSvg(ansi, { title }) {
  const lines = ansi.replace(/\n+$/, "").split("\n");
  const cw = 8.4; // px per cell at 14 px monospace
  const lh = 18;
  const cols = Math.max(...lines.map((l) => [...l.replace(/\x1b\[[0-9;]*m/g, "")].length));
  const width = Math.ceil(cols * cw + 32);
  const height = lines.length * lh + 56;
  const style = { bold: false, dim: false, fg: null };
  const rows = lines.map((line, i) => {
    const spans = [];
    let at = 0;
    for (const m of line.matchAll(/\x1b\[([0-9;]*)m|[^\x1b]+/g)) {
      if (m[1] === undefined) {
        const attrs = [`fill="${style.fg ?? TEXT}"`];
        if (style.bold) attrs.push('font-weight="bold"');
        if (style.dim) attrs.push('fill-opacity="0.6"');
        spans.push(`<tspan x="${(16 + at * cw).toFixed(1)}" ${attrs.join(" ")}>${esc(m[0])}</tspan>`);
        at += [...m[0]].length;
        continue;
      }
      for (const code of (m[1] || "0").split(";").map(Number)) {
        if (code === 0) Object.assign(style, { bold: false, dim: false, fg: null });
        else if (code === 1) style.bold = true;
        else if (code === 2) style.dim = true;
        else if (code === 22) Object.assign(style, { bold: false, dim: false });
        else if (code === 39) style.fg = null;
        else if (FG[code]) style.fg = FG[code];
      }
    }
    return `<text y="${44 + i * lh}" xml:space="preserve">${spans.join("")}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="14">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" rx="8" fill="${BG}"/>`,
    ...["#f0524f", "#e5c07b", "#5cc35c"].map((c, i) => `<circle cx="${18 + i * 18}" cy="14" r="5" fill="${c}"/>`),
    `<text x="${width / 2}" y="18" text-anchor="middle" fill="#7f848e" font-size="12">${esc(title)}</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}

const ansi = execFileSync(process.execPath, [BIN, "report", SAMPLE], {
  cwd: ROOT,
  encoding: "utf8",
  env: { ...process.env, FORCE_COLOR: "1", NO_COLOR: "", COLUMNS: "100" },
});
writeFileSync(join(OUT, "report-terminal.svg"), ansiToSvg(ansi, { title: `$ embcheck report ${SAMPLE}` }));
console.log("wrote docs/img/report-terminal.svg");

const chromium = "/usr/bin/chromium";
if (!existsSync(chromium)) {
  console.log("no /usr/bin/chromium: docs/img/report-html.png not rendered");
} else {
  const dir = mkdtempSync(join(tmpdir(), "embcheck-shot-"));
  try {
    const html = join(dir, "report.html");
    execFileSync(process.execPath, [BIN, "report", SAMPLE, "--format", "html", "-o", html], { cwd: ROOT });
    const png = join(OUT, "report-html.png");
    const r = spawnSync(chromium, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      `--user-data-dir=${join(dir, "profile")}`,
      "--window-size=1200,1500",
      `--screenshot=${png}`,
      `file://${html}`,
    ]);
    if (r.status !== 0) throw new Error(`chromium failed: ${r.stderr}`);
    console.log("wrote docs/img/report-html.png");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
