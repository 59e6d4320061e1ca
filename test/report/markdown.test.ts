import { describe, expect, it } from "vitest";
import { renderMarkdown } from "../../src/report/markdown.js";
import { codeSpan, escapeCell, inlineText } from "../../src/text/markdown.js";
import { sampleReport, withFindings } from "./sample-report.js";

const md = renderMarkdown(sampleReport);

/** Cells of a GFM table row, splitting on unescaped pipes. */
const cells = (row: string) =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

describe("renderMarkdown", () => {
  it("opens with the verdict as a heading", () => {
    expect(md.startsWith("## ❌ embcheck: FAIL\n")).toBe(true);
    expect(renderMarkdown(withFindings([])).startsWith("## ✅ embcheck: PASS\n")).toBe(true);
  });

  it("names the input and its shape under the heading", () => {
    expect(md).toContain("`fixtures/anisotropic.npy` · 2,000 × 64 float32 (npy) · 1 fail");
  });

  it("puts each finding in a table row with severity, message, value, threshold and hint", () => {
    const row = md.split("\n").find((l) => l.includes("`anisotropy`"))!;
    expect(cells(row)).toEqual([
      "❌ fail",
      "vectors sit in a narrow cone: mean cosine over all pairs 0.8289 (≥ 0.8) (`anisotropy`)",
      "`cosine.meanExact` = 0.8289",
      "0.8",
      "remove the common direction: `embcheck fix IN --pipeline center,l2 -o OUT` (or `abtt:D`, all-but-the-top), then re-check",
    ]);
  });

  it("escapes pipes and newlines so a cell cannot break the table", () => {
    const report = withFindings([
      {
        id: "norm-spread",
        severity: "warn",
        metric: "norms.cv",
        value: 0.71,
        threshold: 0.5,
        message: "Norms vary a lot\nacross rows",
        hint: "embcheck fix in.npy --l2 -o - | embcheck report -",
      },
    ]);
    const row = renderMarkdown(report)
      .split("\n")
      .find((l) => l.includes("norm-spread"))!;
    expect(cells(row)).toHaveLength(5);
    expect(row).toContain("Norms vary a lot<br>across rows");
    expect(row).toContain("-o - \\| embcheck report -");
  });

  it("has a well-formed table for every section, with a header rule as wide as the header", () => {
    const rows = md.split("\n");
    for (const heading of ["### Integrity", "### Norms", "### Cosine between random pairs", "### Spectrum"]) {
      const at = rows.indexOf(heading);
      expect(at).toBeGreaterThan(0);
      const [header, rule, body] = rows.slice(at + 2, at + 5);
      expect(rule).toMatch(/^\|( -{3}:? \|)+$/);
      expect(cells(header)).toHaveLength(cells(rule).length);
      expect(cells(body)).toHaveLength(cells(rule).length);
    }
  });

  it("reports the key metrics with the terminal's number formats", () => {
    expect(md).toContain("| 11.41 | 11.94 | 13.78 | 15.94 | 17.51 | 13.81 | 0.8841 | 0.06402 |");
    expect(md).toContain("| 1,999,000 | 0.8289 | 0.04409 | 0.7493 | 0.8336 | 0.8924 | 0.8289 | 0.9105 |");
    expect(md).toContain("| 7.22% | 50.7% | 38.27 of 64 (59.79%) | 28.38 | 35 / 45 / 59 | 0.4346 |");
  });

  it("draws histograms and the spectrum in closed code blocks", () => {
    const fences = md.split("\n").filter((l) => l.startsWith("```"));
    expect(fences).toEqual(["```text", "```", "```text", "```", "```text", "```"]);
    expect(md).toMatch(/```text\n[^`]*observed[^`]*isotropic[^`]*-1 +0 +1\n```/);
  });

  it("adds alignment only when positive pairs were given", () => {
    expect(md).not.toContain("alignment");
    const paired = structuredClone(sampleReport);
    paired.alignment = { value: 0.3125, meanCosine: 0.8438, pairs: 1000, alpha: 2 };
    expect(renderMarkdown(paired)).toContain("| -0.6695 | 2 | 1,999,000 | 0.3125 | 2 | 0.8438 | 1,000 |");
  });

  it("leaves no trailing spaces and closes the details block", () => {
    for (const line of md.split("\n")) expect(line).toBe(line.trimEnd());
    expect(md.endsWith("</details>\n")).toBe(true);
  });
});

describe("markdown helpers", () => {
  it("inlineText keeps code spans as code and escapes the text around them", () => {
    expect(inlineText("use `a_b*` on my_file <x>")).toBe("use `a_b*` on my\\_file \\<x\\>");
  });

  it("escapeCell escapes every pipe and turns newlines into breaks", () => {
    expect(escapeCell("a|b\nc")).toBe("a\\|b<br>c");
  });

  it("codeSpan picks a fence longer than any backtick run in the text", () => {
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("`x`")).toBe("`` `x` ``");
  });
});
