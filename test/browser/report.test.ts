/**
 * The HTML report in a real browser (Debian's chromium, headless, through playwright-core): it
 * loads from a file:// URL with no console errors and no request other than the file itself,
 * every chart has the marks it should, tooltips work, and screenshots land in test-artifacts/.
 * CI installs /usr/bin/chromium (.ci/run); without it these tests are skipped with a message.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import { renderFixHtml } from "../../src/report/html.js";
import { projectSample } from "../../src/report/map.js";
import { ROOT, runCli } from "../cli/helpers.js";
import { centredUnit, makeClusters, TOPICS, writeClustersArrow } from "./clusters.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(ROOT, "test-artifacts");
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  console.warn(
    `browser tests skipped: ${CHROMIUM} is missing (install it with: apt-get update && apt-get install -y chromium)`,
  );
}

interface Loaded {
  page: Page;
  consoleErrors: string[];
  /** Every request the page made that was not for a file:// URL (each was aborted). */
  foreign: string[];
}

describe.skipIf(!haveChromium)("the HTML report in headless Chromium", () => {
  let dir: string;
  let context: BrowserContext;
  let reportHtml: string;
  let fixHtml: string;
  let mapRows: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "embcheck-browser-"));
    mkdirSync(ARTIFACTS, { recursive: true });
    const before = makeClusters();
    writeClustersArrow(join(dir, "docs.arrow"), before);
    writeClustersArrow(join(dir, "docs-fixed.arrow"), centredUnit(before));
    reportHtml = join(dir, "report.html");
    const run = await runCli([
      "report",
      join(dir, "docs.arrow"),
      "--format",
      "html",
      "--color-by",
      "topic",
      "-o",
      reportHtml,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    mapRows = Math.min(2000, before.rows);

    // The before/after page the fix command renders, here from two reports made directly.
    const a = await analyze(join(dir, "docs.arrow"));
    const b = await analyze(join(dir, "docs-fixed.arrow"));
    const mapOf = (x: typeof a) => {
      const { values, indices } = x.profile.sample.rowsByIndex();
      return projectSample(values, indices, x.report.input.dims, { projection: "pca" });
    };
    fixHtml = join(dir, "fix.html");
    writeFileSync(
      fixHtml,
      await renderFixHtml(a.report, b.report, {
        beforeMap: mapOf(a),
        afterMap: mapOf(b),
        summary: "pipeline center,l2 → docs-fixed.arrow",
      }),
    );

    const profile = mkdtempSync(join(tmpdir(), "embcheck-chromium-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function load(file: string): Promise<Loaded> {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const foreign: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) foreign.push(r.url());
    });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return { page, consoleErrors, foreign };
  }

  const count = (page: Page, selector: string) => page.locator(selector).count();

  test("the report loads with no console errors and no request beyond its own file", async () => {
    const { page, consoleErrors, foreign } = await load(reportHtml);
    expect(consoleErrors).toEqual([]);
    expect(foreign).toEqual([]);
    await expect(page.title()).resolves.toContain("embcheck report");
    await page.close();
  });

  test("every chart draws its marks: one bar per bin and per component, one point per map row", async () => {
    const { page } = await load(reportHtml);
    expect(await count(page, "#chart-norms .norm-bars > path")).toBe(30);
    expect(await count(page, "#chart-cosine .cosine-bars > path")).toBe(40);
    expect(await count(page, "#chart-cosine .cosine-isotropic > path")).toBe(1);
    expect(await count(page, "#chart-spectrum .scree-bars > path")).toBe(64); // every one of the 64 components
    expect(await count(page, "#chart-spectrum .scree-dims > line")).toBe(3);
    expect(await count(page, "#chart-spectrum .scree-cumulative > path")).toBe(1);
    expect(await count(page, "#chart-map .map-points > path")).toBe(mapRows);
    // Each chart is laid out with a real size, and the map legend lists the five topics.
    for (const id of ["norms", "cosine", "spectrum", "map"]) {
      const box = await page.locator(`#chart-${id} svg`).boundingBox();
      expect(box?.width).toBeGreaterThan(300);
      expect(box?.height).toBeGreaterThan(150);
    }
    const legend = await page.locator("#chart-map .role-legend").textContent();
    for (const t of TOPICS) expect(legend).toContain(t);
    await page.close();
  });

  test("the map colours points by the --color-by column and shows row, id and topic on hover", async () => {
    const { page } = await load(reportHtml);
    const fills = await page
      .locator("#chart-map .map-points > path")
      .evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute("fill")))].length);
    expect(fills).toBe(TOPICS.length);
    const label = await page.locator("#chart-map .map-points > path").first().getAttribute("aria-label");
    expect(label).toMatch(/^row [\d,]+ · id doc-\d{5} · topic \w+$/);
    // Hover an isolated mark (a norm bar) and read the tooltip.
    await page.locator("#chart-norms .norm-bars > path").nth(15).hover();
    await expect.poll(() => page.locator("#tip").isVisible()).toBe(true);
    expect(await page.locator("#tip").textContent()).toMatch(/^norm \[.+\): [\d,]+ rows$/);
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    await page.close();
  });

  test("the fix page shows every chart before and after with no errors or requests", async () => {
    const { page, consoleErrors, foreign } = await load(fixHtml);
    expect(consoleErrors).toEqual([]);
    expect(foreign).toEqual([]);
    for (const side of ["before", "after"]) {
      expect(await count(page, `#chart-norms-${side} .norm-bars > path`)).toBe(30);
      expect(await count(page, `#chart-cosine-${side} .cosine-bars > path`)).toBe(40);
      expect(await count(page, `#chart-spectrum-${side} .scree-dims > line`)).toBe(3);
      expect(await count(page, `#chart-map-${side} .map-points > path`)).toBe(mapRows);
    }
    await page.screenshot({ path: join(ARTIFACTS, "fix.png"), fullPage: true });
    await page.close();
  });
});

if (!haveChromium) {
  test.skip(`browser tests need ${CHROMIUM} (apt-get install chromium); skipped`, () => {});
}
