import { describe, expect, it } from "vitest";
import { renderJson } from "../../src/report/json.js";
import { renderTerminal } from "../../src/report/terminal.js";
import type { Finding } from "../../src/report/types.js";
import { sampleReport, withFindings } from "./sample-report.js";

const ANSI = /\u001b\[[0-9;]*m/;

const plain = (width?: number) => renderTerminal(sampleReport, { color: false, width });
const lines = (text: string) => text.replace(/\n$/, "").split("\n");

const finding = (id: string, severity: Finding["severity"], threshold: number | null = 1): Finding => ({
  id,
  severity,
  metric: "norms.cv",
  value: 2,
  threshold,
  message: `message of ${id}`,
  hint: `hint of ${id}`,
});

describe("renderTerminal", () => {
  it("opens with the verdict, the input and the finding counts on one line", () => {
    expect(lines(plain())[0]).toBe("FAIL  1 fail · fixtures/anisotropic.npy · 2,000 × 64 float32 (npy)");
  });

  it("shows each finding's message, its value against the threshold, and the hint as the next step", () => {
    const out = plain();
    expect(out).toContain("FAIL  vectors sit in a narrow cone: mean cosine over all pairs 0.8289");
    expect(out).toContain("mean cosine over all pairs 0.8289 (≥ 0.8)");
    expect(out).toContain("anisotropy · cosine.meanExact");
    expect(out).toMatch(/\n {8}→ remove the common direction:/);
    expect(out).toContain("`embcheck fix IN --pipeline center,l2 -o OUT`");
  });

  it("lists findings worst first, keeping the order within a severity", () => {
    const report = withFindings([
      finding("a", "info"),
      finding("b", "warn"),
      finding("c", "fail"),
      finding("d", "warn"),
    ]);
    const out = renderTerminal(report, { color: false });
    const order = ["c", "b", "d", "a"].map((id) => out.indexOf(`message of ${id}`));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(lines(out)[0]).toMatch(/^FAIL {2}1 fail, 2 warn, 1 info · /);
  });

  it("leaves the threshold out of a finding that has none", () => {
    const out = renderTerminal(withFindings([finding("x", "warn", null)]), { color: false });
    expect(out).toContain("x · norms.cv");
    expect(out).not.toMatch(/[≥<] \d/);
  });

  it("says PASS and no findings for a clean report", () => {
    const out = renderTerminal(withFindings([]), { color: false });
    expect(lines(out)[0]).toMatch(/^PASS {2}no findings · fixtures\/anisotropic\.npy · /);
    expect(out).toContain("Findings    none");
  });

  it("reports integrity as all valid, naming only non-zero problem counts", () => {
    expect(plain()).toContain("Integrity   2,000 rows, all valid · 4 duplicates (0.2%)");
    const dirty = structuredClone(sampleReport);
    Object.assign(dirty.integrity, { validRows: 1990, nanRows: 3, zeroRows: 7, duplicateRows: 0 });
    const out = renderTerminal(dirty, { color: false });
    expect(out).toContain("2,000 rows · 1,990 valid (99.5%) · 3 NaN · 7 zero");
    expect(out).not.toMatch(/null|Inf|duplicate/);
  });

  it("formats norms and cosines with 4 significant digits and counts with separators", () => {
    const out = plain();
    expect(out).toContain("min 11.41 · p1 11.94 · p50 13.78 · p99 15.94 · max 17.51");
    expect(out).toContain("mean 13.81 ± 0.8841 · cv 0.06402");
    expect(out).toContain("mean 0.8289 ± 0.04409 · p5 0.7493 · p50 0.8336 · p95 0.8924");
    expect(out).toContain("1,999,000 pairs of 2,000 sampled rows (seed 0)");
    expect(out).toContain("exact mean over all pairs 0.8289 · mean-vector norm 0.9105");
  });

  it("draws the norm histogram with its range and the cosine histogram beside the isotropic reference", () => {
    const l = lines(plain());
    expect(l.some((x) => /^ {12}11\.41 +17\.51$/.test(x))).toBe(true);
    const observed = l.find((x) => x.includes("observed"))!;
    const isotropic = l.find((x) => x.trimStart().startsWith("isotropic "))!;
    // The sample's cone sits near +0.8; random directions in R^64 sit around 0.
    expect(observed.indexOf("█")).toBeGreaterThan(isotropic.indexOf("▆"));
    expect(l.some((x) => /^ +-1 +0 +1$/.test(x))).toBe(true);
  });

  it("summarises the spectrum with a sparkline and its shares", () => {
    const out = plain();
    expect(out).toMatch(/Spectrum {4}██▇[▁-█]+\n/);
    expect(out).toContain("dominant 7.22% · top-10 50.7% · effective rank 38.27 of 64 (59.79%)");
    expect(out).toContain("dims for 90/95/99% 35/45/59");
    expect(out).toContain("IsoScore 0.4346");
  });

  it("shows alignment only when positive pairs were given", () => {
    expect(plain()).not.toContain("Alignment");
    const paired = structuredClone(sampleReport);
    paired.alignment = { value: 0.3125, meanCosine: 0.8438, pairs: 1000, alpha: 2 };
    const out = renderTerminal(paired, { color: false });
    expect(out).toMatch(/Alignment {3}0\.3125 \(alpha 2; [^\n]*\)\n {12}mean cosine 0\.8438 · 1,000 pairs\n/);
  });

  it.each([80, 60, 44, 30])("keeps every line within width %i, without trailing spaces", (width) => {
    for (const line of lines(plain(width))) {
      expect([...line].length).toBeLessThanOrEqual(width);
      expect(line).toBe(line.trimEnd());
    }
  });

  it("never cuts a long path (it stays copy-pasteable) and wraps the rest of the verdict", () => {
    const report = structuredClone(sampleReport);
    report.input.path = `/data/${"very-long-directory/".repeat(3)}vectors.npy`;
    const [first, second] = lines(renderTerminal(report, { color: false }));
    expect(first).toBe("FAIL  1 fail");
    expect(second).toBe(`      ${report.input.path}`);
    expect(lines(renderTerminal(report, { color: false }))[2]).toBe("      2,000 × 64 float32 (npy)");
  });

  it("contains no ANSI codes with colour off and colours the verdict with colour on", () => {
    expect(plain()).not.toMatch(ANSI);
    const coloured = renderTerminal(sampleReport, { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured.startsWith("\u001b[31m\u001b[1mFAIL")).toBe(true);
    expect(coloured.replace(new RegExp(ANSI.source, "g"), "")).toBe(plain());
  });

  it("renders the same report to the same text every time", () => {
    expect(plain()).toBe(plain());
  });
});

describe("renderJson", () => {
  it("writes two-space JSON in the report's key order with a final newline", () => {
    const out = renderJson(sampleReport);
    expect(out.endsWith("}\n")).toBe(true);
    expect(out.split("\n")[1]).toBe('  "schema": "embcheck/report@1",');
    expect(JSON.parse(out)).toEqual(sampleReport);
  });
});

describe("norms of unit rows", () => {
  it("are shown as one value with their rounding spread, not as a histogram of noise", () => {
    const report = structuredClone(sampleReport);
    Object.assign(report.norms, { min: 0.99999994, max: 1.0000001, mean: 1, std: 5e-9, cv: 5e-9 });
    const out = renderTerminal(report, { color: false });
    expect(out).toContain("Norms       all norms 1 (unit rows) · max − min 1.6e-7 · cv 5e-9");
    expect(out.split("Norms")[1].split("Cosine")[0]).not.toMatch(/[▁▂▃▄▅▆▇█]/);
  });
});
