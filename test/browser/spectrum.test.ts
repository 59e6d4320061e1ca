/**
 * The spectrum chart as Chromium draws it: for the GloVe sample (d = 100, where the report's JSON
 * keeps 64 ratios) and a generated 768-dim input, the bars cover components 1 … d across the whole
 * plotted x-range, the dims90/95/99 markers sit inside it at their components, and the axis text is
 * drawn at 12 px or more (the SVG is not shrunk to fit its card). Screenshots of each chart land in
 * test-artifacts/. Skipped with a message when /usr/bin/chromium is missing, as report.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mulberry32 } from "../../src/report/map.js";
import { ROOT, runCli } from "../cli/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test-artifacts");
const haveChromium = existsSync(CHROMIUM);

/** rows × d float32 rows with per-column scales falling as 1/√(j + 1): a spectrum spread over every dim. */
function writeWideNpy(path: string, rows: number, d: number): void {
  const rand = mulberry32(7);
  const data = new Float32Array(rows * d);
  for (let i = 0; i < data.length; i++) data[i] = (rand() - 0.5) / Math.sqrt(1 + (i % d));
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${d}), }`;
  header += `${" ".repeat(63 - ((10 + header.length) % 64))}\n`;
  const pre = Buffer.alloc(10);
  pre.write("\x93NUMPY", 0, "latin1");
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer)]));
}

interface Drawn {
  bars: { left: number; right: number }[];
  plot: { left: number; right: number };
  rules: number[];
  labels: string[];
  labelFontPx: number;
  scale: number;
  dims: number[];
}

describe.skipIf(!haveChromium)("the spectrum chart in headless Chromium", () => {
  let dir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "embcheck-spectrum-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    writeWideNpy(join(dir, "wide.npy"), 2000, 768);
    const profile = mkdtempSync(join(tmpdir(), "embcheck-chromium-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function draw(input: string, name: string): Promise<Drawn> {
    const out = join(dir, `${name}.html`);
    const r = await runCli(["report", input, "--format", "html", "--projection", "pca", "--sample", "500", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const page = await context.newPage();
    await page.goto(pathToFileURL(out).href, { waitUntil: "load" });
    const chart = page.locator("#chart-spectrum");
    await chart.screenshot({ path: join(ARTIFACTS, `spectrum-${name}.png`) });
    // Runs in the page (no DOM types in this project's tsconfig: the page's objects are typed loosely).
    const drawn: Drawn = await chart.evaluate((el) => {
      type Box = { left: number; right: number; width: number };
      type Node = { getBoundingClientRect(): Box; getAttribute(n: string): string | null; textContent: string | null };
      const all = (sel: string) => [...el.querySelectorAll(sel)] as unknown as Node[];
      const one = (sel: string) => el.querySelector(sel) as unknown as Node;
      const win = globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } };
      const svg = one("svg");
      const domain = one(".axis-bottom .domain").getBoundingClientRect();
      return {
        bars: all(".scree-bars > path").map((b) => ({
          left: b.getBoundingClientRect().left,
          right: b.getBoundingClientRect().right,
        })),
        plot: { left: domain.left, right: domain.right },
        rules: all(".scree-dims > line").map(
          (l) => l.getBoundingClientRect().left + l.getBoundingClientRect().width / 2,
        ),
        labels: all(".axis-bottom text.label").map((t) => t.textContent ?? ""),
        labelFontPx: Number.parseFloat(win.getComputedStyle(one(".axis-bottom text.label")).fontSize),
        scale: svg.getBoundingClientRect().width / Number(svg.getAttribute("width")),
        dims: [] as number[],
      };
    });
    const caption = (await page.locator("#chart-spectrum figcaption").textContent()) ?? "";
    drawn.dims = (/(\d+), (\d+) and (\d+) components hold 90, 95 and 99%/.exec(caption) ?? []).slice(1).map(Number);
    await page.close();
    return drawn;
  }

  function expectCovers(got: Drawn, d: number): void {
    expect(got.bars).toHaveLength(d);
    const { left, right } = got.plot;
    const band = (right - left) / d;
    // Component 1 starts at the left end of the x-range, component d ends at its right end.
    expect(got.bars[0].left).toBeGreaterThanOrEqual(left - 0.5);
    expect(got.bars[0].left).toBeLessThan(left + band);
    expect(got.bars[d - 1].right).toBeGreaterThan(right - band);
    expect(got.bars[d - 1].right).toBeLessThanOrEqual(right + 0.5);
    // Each marker inside the range, at the centre of its component's bar.
    expect(got.dims).toHaveLength(3);
    got.rules.forEach((x, i) => {
      expect(x).toBeGreaterThan(left);
      expect(x).toBeLessThan(right);
      const bar = got.bars[got.dims[i] - 1];
      expect(Math.abs(x - (bar.left + bar.right) / 2)).toBeLessThan(Math.max(1, band / 2));
    });
    // Readable: 12 px text, drawn at (at least) its own size.
    expect(got.labelFontPx).toBeGreaterThanOrEqual(12);
    expect(got.scale).toBeGreaterThanOrEqual(0.99);
  }

  test("GloVe (d = 100): 100 bars over the whole x-range, markers at 70, 80 and 93 inside it", async () => {
    const got = await draw(join(ROOT, "fixtures/sample/glove-6b-100d-top3000.arrow"), "glove-100");
    expect(got.dims).toEqual([70, 80, 93]);
    expectCovers(got, 100);
    expect(got.labels.at(-1)).toBe("100");
  });

  test("a 768-dim input: 768 thin bars over the whole x-range, markers inside it", async () => {
    const got = await draw(join(dir, "wide.npy"), "768");
    expectCovers(got, 768);
    for (const b of got.bars) expect(b.right - b.left).toBeLessThan(2);
    expect(Math.max(...got.dims)).toBeGreaterThan(64);
  });
});

if (!haveChromium) {
  test.skip(`browser tests need ${CHROMIUM} (apt-get install chromium); skipped`, () => {});
}
