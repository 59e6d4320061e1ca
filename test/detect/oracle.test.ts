/**
 * Every metric of every scenario fixture against the independent NumPy oracle.
 * Ref: fixtures/scripts/oracle.py wrote fixtures/reference/<scenario>.json from the same .npy files
 * (regenerate: python3 fixtures/scripts/make_scenarios.py && python3 fixtures/scripts/oracle.py).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import { BACKENDS } from "../helpers/kernels.js";

const REF = "fixtures/reference";
const SCEN = "fixtures/scenarios";

interface Reference {
  params: { sample: number; seed: number; pairs: string | null; input: string };
  input: { rows: number; dims: number; dtype: string };
  integrity: Record<string, number>;
  norms: Record<string, number> & { histogram: { edges: number[]; counts: number[] } };
  cosine: Record<string, number> & { histogram: { edges: number[]; counts: number[] } };
  uniformity: Record<string, number>;
  alignment: Record<string, number> | null;
  spectrum: Record<string, number> & { explainedVarianceRatio: number[] };
  sample: { rows: number; seed: number };
  sampleIndices: number[];
}

const scenarios = readdirSync(REF)
  .filter((f) => f.endsWith(".json") && !["hash.json", "knn.json", "linalg.json", "pair-column.json"].includes(f))
  .map((f) => f.replace(/\.json$/, ""));

/** |a − b| ≤ atol + rtol·|b|, reported with the path on failure. */
function close(path: string, actual: number, expected: number, rtol: number, atol = 0): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  expect(ok, `${path}: ${actual} vs NumPy ${expected} (rtol ${rtol}, atol ${atol})`).toBe(true);
}

describe.each(BACKENDS)("on the %s kernels", (_backend, make) => {
  const kernels = make();
  describe.each(scenarios)("the report of scenario %s", (name) => {
    const ref: Reference = JSON.parse(readFileSync(join(REF, `${name}.json`), "utf8"));
    const opts = {
      kernels,
      sampleSize: ref.params.sample,
      seed: ref.params.seed,
      pairs: ref.params.pairs ? join(SCEN, ref.params.pairs) : undefined,
    };
    // the default (mixed-precision covariance) and the float64 covariance
    const run = analyze(join(SCEN, ref.params.input), opts);
    const run64 = analyze(join(SCEN, ref.params.input), { ...opts, precision: "float64" });

    test("counts rows exactly like NumPy (integrity)", async () => {
      const { report } = await run;
      for (const k of ["rows", "validRows", "nullRows", "nanRows", "infRows", "zeroRows", "duplicateRows"]) {
        expect(report.integrity[k as keyof typeof report.integrity], k).toBe(ref.integrity[k]);
      }
      expect(report.input.rows).toBe(ref.input.rows);
      expect(report.input.dims).toBe(ref.input.dims);
      expect(report.input.dtype).toBe(ref.input.dtype);
    });

    test("matches the norm statistics and histogram", async () => {
      const { report } = await run;
      // Norms are float64 sums of squares; NumPy sums pairwise, we sum in order: a few ulps apart.
      for (const k of ["min", "max", "mean", "p1", "p50", "p99"])
        close(`norms.${k}`, report.norms[k as "min"], ref.norms[k], 1e-14);
      // Each norm agrees to a few ulps, so std agrees absolutely to ~1e-15·mean (unit rows: std 5e-9).
      close("norms.std", report.norms.std, ref.norms.std, 1e-10, 1e-14 * ref.norms.mean);
      close("norms.cv", report.norms.cv, ref.norms.cv, 1e-10, 1e-14);
      expect(report.norms.histogram.counts).toEqual(ref.norms.histogram.counts);
      for (const [i, e] of report.norms.histogram.edges.entries()) {
        close(`norms.histogram.edges[${i}]`, e, ref.norms.histogram.edges[i], 1e-14);
      }
    });

    test("draws the same hashed sample of rows", async () => {
      const { report, metrics } = await run;
      expect(report.sample).toEqual(ref.sample);
      expect(Array.from(metrics.sample.indices)).toEqual(ref.sampleIndices);
    });

    test("matches the exact and sampled cosine statistics", async () => {
      const { report } = await run;
      // meanExact = (‖Σu‖² − n)/(n(n−1)) cancels when it is near 0: compare absolutely.
      close("cosine.meanExact", report.cosine.meanExact, ref.cosine.meanExact, 1e-12, 1e-12);
      close("cosine.meanVectorNorm", report.cosine.meanVectorNorm, ref.cosine.meanVectorNorm, 1e-12);
      expect(report.cosine.sampledPairs).toBe(ref.cosine.sampledPairs);
      for (const k of ["mean", "p5", "p50", "p95"])
        close(`cosine.${k}`, report.cosine[k as "mean"], ref.cosine[k], 1e-10, 1e-13);
      close("cosine.std", report.cosine.std, ref.cosine.std, 1e-10);
      expect(report.cosine.histogram.counts).toEqual(ref.cosine.histogram.counts);
      expect(report.cosine.histogram.edges).toEqual(ref.cosine.histogram.edges);
    });

    test("matches uniformity and alignment", async () => {
      const { report } = await run;
      close("uniformity.value", report.uniformity.value, ref.uniformity.value, 1e-11);
      expect(report.uniformity.sampledPairs).toBe(ref.uniformity.sampledPairs);
      if (ref.alignment === null) expect(report.alignment).toBeNull();
      else {
        expect(report.alignment?.pairs).toBe(ref.alignment.pairs);
        close("alignment.value", report.alignment!.value, ref.alignment.value, 1e-12);
        close("alignment.meanCosine", report.alignment!.meanCosine, ref.alignment.meanCosine, 1e-12, 1e-14);
      }
    });

    test("matches the covariance spectrum (precision float64)", async () => {
      const { report } = await run64;
      const s = report.spectrum;
      expect(s.precision).toBe("float64");
      // Eigenvalues of a float64 covariance: shares agree to ~1e-12 of the largest.
      for (const [i, p] of s.explainedVarianceRatio.entries()) {
        close(`explainedVarianceRatio[${i}]`, p, ref.spectrum.explainedVarianceRatio[i], 1e-9, 1e-13);
      }
      for (const k of [
        "dominantShare",
        "top10Share",
        "effectiveRank",
        "effectiveRankRatio",
        "participationRatio",
        "isoScore",
        "totalVariance",
      ]) {
        close(`spectrum.${k}`, s[k as "dominantShare"], ref.spectrum[k], 1e-9);
      }
      for (const k of ["dims90", "dims95", "dims99"]) expect(s[k as "dims90"], k).toBe(ref.spectrum[k]);
    });

    test("matches the covariance spectrum within the mixed-precision bound (the default)", async () => {
      const { report } = await run;
      const s = report.spectrum;
      expect(s.precision).toBe(kernels.mixedPrecision ? "mixed" : "float64");
      // |Δλ_i| ≤ B·trace and |Δtrace| ≤ B·trace with B = 7.8e-6 (assembly/kernels.ts), so each share
      // λ_i/trace moves by at most 2B, the top-10 share by 20B.
      const B = 7.8e-6;
      for (const [i, p] of s.explainedVarianceRatio.entries()) {
        close(`explainedVarianceRatio[${i}]`, p, ref.spectrum.explainedVarianceRatio[i], 0, 2 * B);
      }
      close("spectrum.dominantShare", s.dominantShare, ref.spectrum.dominantShare, 0, 2 * B);
      close("spectrum.top10Share", s.top10Share, ref.spectrum.top10Share, 0, 20 * B);
      close("spectrum.totalVariance", s.totalVariance, ref.spectrum.totalVariance, B);
      // smooth functions of the shares (entropy, Σp², IsoScore's distance): 1e-4 relative is loose
      // for shares within 2B; the observed differences are ~1e-9
      for (const k of ["effectiveRank", "effectiveRankRatio", "participationRatio", "isoScore"]) {
        close(`spectrum.${k}`, s[k as "dominantShare"], ref.spectrum[k], 1e-4, 1e-6);
      }
      for (const k of ["dims90", "dims95", "dims99"]) expect(s[k as "dims90"], k).toBe(ref.spectrum[k]);
    });
  });
});

/** Scenario → the finding ids (and severities) the default thresholds must raise. */
const EXPECTED_FINDINGS: Record<string, string[]> = {
  healthy: [],
  "healthy-f64": [],
  anisotropic: ["anisotropy:fail", "poor-uniformity:fail"],
  collapsed: ["collapse:fail", "dominant-direction:warn"],
  "dominant-direction": ["dominant-direction:fail"],
  "skewed-norms": ["norm-spread:warn"],
  dirty: ["nan-rows:fail", "inf-rows:fail", "zero-rows:warn", "duplicate-rows:warn"],
  unit: ["unit-norm:info"],
  "pairs-aligned": ["nan-rows:fail"],
  "pairs-shuffled": ["nan-rows:fail", "alignment-no-better-than-random:fail", "poor-alignment:warn"],
  "large-sample": ["nan-rows:fail", "zero-rows:warn"],
};

describe("default findings", () => {
  test.each(Object.entries(EXPECTED_FINDINGS))("scenario %s raises %j", async (name, expected) => {
    const ref: Reference = JSON.parse(readFileSync(join(REF, `${name}.json`), "utf8"));
    const { report } = await analyze(join(SCEN, ref.params.input), {
      sampleSize: ref.params.sample,
      seed: ref.params.seed,
      pairs: ref.params.pairs ? join(SCEN, ref.params.pairs) : undefined,
    });
    const got = report.findings.map((f) => `${f.id}:${f.severity}`).sort();
    expect(got).toEqual([...expected].sort());
  });
});

describe("alignment from a second Arrow column (--pair-column)", () => {
  test("matches NumPy on fixtures/arrow/pair.arrow (query ↔ doc, null rows skipped)", async () => {
    // Ref: fixtures/scripts/pair_column_reference.py → fixtures/reference/pair-column.json
    const ref = JSON.parse(readFileSync(join(REF, "pair-column.json"), "utf8"));
    const { report } = await analyze("fixtures/arrow/pair.arrow", {
      column: "query",
      pairColumn: "doc",
      sampleSize: 16,
    });
    expect(report.alignment?.pairs).toBe(ref.pairs);
    close("alignment.value", report.alignment!.value, ref.value, 1e-12);
    close("alignment.meanCosine", report.alignment!.meanCosine, ref.meanCosine, 1e-12, 1e-14);
    expect(report.input.pairColumn).toBe("doc");
  });
});
