/**
 * Covariances beyond the float64 range (issue 20, "cov-overflow") against NumPy on power-of-two
 * pre-scaled rows. Ref: fixtures/scripts/make_overflow_fixtures.py wrote fixtures/overflow/*.npy and
 * reference.json (NumPy's spectrum of X/2^k, its total variance and mean scaled back by 2^k).
 */
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { analyze, analyzeMatrix, profile } from "../../src/api.js";
import { computeMetrics } from "../../src/detect/metrics.js";
import { profileFromBytes, profileToBytes } from "../../src/profile/bytes.js";
import { Profile } from "../../src/profile/profile.js";
import { ilogb, scaleExponent, timesPow2 } from "../../src/profile/scale.js";
import { BACKENDS } from "../helpers/kernels.js";

const DIR = "fixtures/overflow";
interface Ref {
  k: number;
  spectrum: Record<string, number | null> & { explainedVarianceRatio: number[] };
  mean: number[];
}
const REF: Record<string, Ref> = JSON.parse(readFileSync(`${DIR}/reference.json`, "utf8"));

/** |a − b| ≤ atol + rtol·|b|, with the path on failure. */
function close(path: string, actual: number, expected: number, rtol: number, atol = 0): void {
  const ok = Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
  expect(ok, `${path}: ${actual} vs NumPy ${expected} (rtol ${rtol}, atol ${atol})`).toBe(true);
}

/** Mixed precision moves every share by at most 2B, B = 7.8e-6 (docs/METRICS.md § spectrum). */
const B = 7.8e-6;

function checkSpectrum(name: string, s: Record<string, unknown>, mixed: boolean): void {
  const ref = REF[name].spectrum;
  const ratios = s.explainedVarianceRatio as number[];
  expect(ratios.length).toBe(ref.explainedVarianceRatio.length);
  ratios.forEach((p, i) => {
    close(`${name} explainedVarianceRatio[${i}]`, p, ref.explainedVarianceRatio[i], 0, mixed ? 2 * B : 1e-12);
  });
  close(`${name} dominantShare`, s.dominantShare as number, ref.dominantShare as number, 0, mixed ? 2 * B : 1e-12);
  for (const k of ["effectiveRank", "participationRatio", "isoScore"]) {
    expect(Number.isFinite(s[k]), `${name} ${k} is a number`).toBe(true);
    close(`${name} ${k}`, s[k] as number, ref[k] as number, mixed ? 1e-4 : 1e-9, mixed ? 1e-6 : 1e-12);
  }
  for (const k of ["dims90", "dims95", "dims99"]) expect(s[k], `${name} ${k}`).toBe(ref[k]);
  if (ref.totalVariance === null) expect(s.totalVariance, `${name} totalVariance beyond float64`).toBeNaN();
  else close(`${name} totalVariance`, s.totalVariance as number, ref.totalVariance, mixed ? B : 1e-10);
}

describe("the power-of-two scale helpers", () => {
  test("ilogb is floor(log2 |x|) exactly, at powers of two, below them and for subnormals", () => {
    expect(ilogb(1)).toBe(0);
    expect(ilogb(2 ** 200)).toBe(200);
    expect(ilogb(2 ** 200 * (1 - 2 ** -53))).toBe(199);
    expect(ilogb(-3)).toBe(1);
    expect(ilogb(Number.MAX_VALUE)).toBe(1023);
    expect(ilogb(2 ** -1074)).toBe(-1074);
    expect(ilogb(2 ** -1030 * 1.5)).toBe(-1030);
  });

  test("a block is scaled only from 2^200 on, and then its largest entry lands in [2^199, 2^200)", () => {
    expect(scaleExponent(2 ** 200 * (1 - 2 ** -53))).toBe(0);
    expect(scaleExponent(1e30)).toBe(0);
    for (const m of [2 ** 200, 1e100, 1e200, Number.MAX_VALUE]) {
      const e = scaleExponent(m);
      expect(e).toBeGreaterThan(0);
      expect(m * 2 ** -e).toBeGreaterThanOrEqual(2 ** 199);
      expect(m * 2 ** -e).toBeLessThan(2 ** 200);
    }
  });

  test("timesPow2 scales past the float64 exponent range in normal steps", () => {
    expect(timesPow2(2 ** 400, -1600)).toBe(0); // 2^-1200 underflows
    expect(timesPow2(2 ** 600, -1500)).toBe(2 ** -900);
    expect(timesPow2(3, 1023)).toBe(Number.POSITIVE_INFINITY);
    expect(timesPow2(2 ** -1000, 1900)).toBe(2 ** 900);
  });
});

describe.each(BACKENDS)("float64 entries beyond the float64 covariance (%s)", (_name, kernels) => {
  const files = ["entries_1e200", "entries_1e100", "finfo_max", "mixed_columns", "huge_shard"];
  const precisions = (): ("float64" | "mixed")[] => (kernels().mixedPrecision ? ["float64", "mixed"] : ["float64"]);

  test.each(files)("%s: every spectrum ratio and score is NumPy's on the power-of-two scaled rows", async (name) => {
    for (const precision of precisions()) {
      const { report } = await analyze(`${DIR}/${name}.npy`, { kernels: kernels(), precision });
      checkSpectrum(name, report.spectrum as unknown as Record<string, unknown>, precision === "mixed");
      const nulls = report.findings.filter((f) => f.value === null || Number.isNaN(f.value));
      expect(nulls, `${name}: findings with a number`).toEqual([]);
    }
  });

  test.each(files)("%s: the mean is NumPy's, finite", async (name) => {
    const { profile: p } = await profile(`${DIR}/${name}.npy`, { kernels: kernels(), precision: "float64" });
    const mean = p.mean;
    REF[name].mean.forEach((m, j) => {
      expect(Number.isFinite(mean[j])).toBe(true);
      close(`${name} mean[${j}]`, mean[j], m, 1e-12, 1e-12 * Math.abs(REF[name].mean[0]));
    });
  });

  test("a huge shard merged with a normal one gives the one-pass bits, and NumPy's numbers", async () => {
    const path = `${DIR}/huge_shard.npy`;
    for (const precision of precisions()) {
      const opts = { kernels: kernels(), precision };
      const whole = (await profile(path, opts)).profile;
      const a = (await profile(path, { ...opts, shard: { index: 0, count: 2 } })).profile;
      const b = (await profile(path, { ...opts, shard: { index: 1, count: 2 } })).profile;
      expect(a.validRows).toBe(1024);
      // the huge shard merged into the normal one, and the other way round
      const ab = Profile.fromState(profileFromBytes(profileToBytes(a.state, "t")), kernels()).merge(
        profileFromBytes(profileToBytes(b.state, "t")),
      );
      const ba = Profile.fromState(profileFromBytes(profileToBytes(b.state, "t")), kernels()).merge(a.state);
      for (const merged of [ab, ba]) {
        expect(Array.from(merged.m2)).toEqual(Array.from(whole.m2));
        expect(Array.from(merged.mean)).toEqual(Array.from(whole.mean));
      }
      const m = computeMetrics(ab, false, { kernels: kernels() });
      checkSpectrum("huge_shard", m.spectrum as unknown as Record<string, unknown>, precision === "mixed");
    }
  });

  test("a profile of scaled moments keeps its scale through the profile file", async () => {
    const { profile: p } = await profile(`${DIR}/finfo_max.npy`, { kernels: kernels(), precision: "float64" });
    const back = Profile.fromState(profileFromBytes(profileToBytes(p.state, "t")), kernels());
    expect(back.state.moments.map((m) => m.scale)).toEqual(p.state.moments.map((m) => m.scale));
    expect(p.state.moments.some((m) => m.scale === REF.finfo_max.k)).toBe(true);
    expect(Array.from(back.scaledCovariance().c)).toEqual(Array.from(p.scaledCovariance().c));
  });
});

/** The float64 values of a C-order '<f8' .npy written by np.save (format 1.0). */
function readF64(path: string): { data: Float64Array; rows: number; dims: number } {
  const b = readFileSync(path);
  const hl = b.readUInt16LE(8);
  const header = b.subarray(10, 10 + hl).toString("latin1");
  const [rows, dims] = (/'shape': \((\d+), (\d+)\)/.exec(header) ?? []).slice(1).map(Number);
  const bytes = b.subarray(10 + hl);
  return { data: new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), rows, dims };
}

describe.each(BACKENDS)("huge rows report what the same rows times 2^-k report (%s)", (_name, kernels) => {
  // X·2^-k is ordinary data (every entry below 2^200: nothing scaled); every metric but the
  // scale-carrying ones (norms, totalVariance) must be the same number for X, bit for bit where
  // the scaling is exact
  test.each(["entries_1e200", "finfo_max", "huge_shard"])("%s", async (name) => {
    const x = readF64(`${DIR}/${name}.npy`);
    const k = REF[name].k;
    const scaled = { ...x, data: x.data.map((v) => v * 2 ** -k) };
    const [a, b] = await Promise.all([
      analyzeMatrix(x, { kernels: kernels(), precision: "float64" }),
      analyzeMatrix(scaled, { kernels: kernels(), precision: "float64" }),
    ]);
    const ra = a.report as unknown as Record<string, Record<string, unknown>>;
    const rb = b.report as unknown as Record<string, Record<string, unknown>>;
    for (const key of ["cosine", "uniformity", "hubness", "outliers", "intrinsicDimension"]) {
      expect(ra[key], key).toEqual(rb[key]);
    }
    const { totalVariance: ta, ...sa } = ra.spectrum;
    const { totalVariance: tb, ...sb } = rb.spectrum;
    expect(sa).toEqual(sb);
    expect(Number.isFinite(tb)).toBe(true);
    expect(ta === null || Number.isNaN(ta) || (ta as number) === (tb as number) * 4 ** k).toBe(true);
    expect(ra.norms.cv).toBeCloseTo(rb.norms.cv as number, 12);
  });
});

describe("ordinary data is never scaled", () => {
  test("entries below 2^200 keep scale 0 and write no momentScale array", async () => {
    const { profile: p } = await profile("fixtures/overflow/entries_1e100.npy", { threads: 0 });
    // 1e100 ≥ 2^200 ≈ 1.6e60 is scaled; the scenario files are not
    expect(p.state.moments.every((m) => m.scale > 0)).toBe(true);
    const { profile: q } = await profile("fixtures/scenarios/healthy.npy", { threads: 0 });
    expect(q.state.moments.every((m) => m.scale === 0)).toBe(true);
    const text = new TextDecoder().decode(profileToBytes(q.state, "t").subarray(0, 4096));
    expect(text).not.toContain("momentScale");
    expect(q.scaledCovariance().log2).toBe(0);
  });
});
