/**
 * Drift numbers against the NumPy/SciPy/scikit-learn oracle (fixtures/scripts/compare_oracle.py →
 * fixtures/compare/oracle.json). Every set fits in the row sample, so the sampled tests see the rows
 * the oracle saw, in file order.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { rocAuc } from "../../src/compare/classifier.js";
import { kolmogorovSf, ksStatistic } from "../../src/compare/components.js";
import { driftOf } from "../../src/compare/drift.js";
import { judgeComparison } from "../../src/compare/findings.js";
import { median } from "../../src/compare/mmd.js";
import { referenceKernels } from "../../src/linalg/reference.js";
import { Profile } from "../../src/profile/profile.js";
import { ROOT } from "../cli/helpers.js";
import { readNpyF32 } from "../helpers/npy.js";

const DIR = join(ROOT, "fixtures", "compare");
const oracle = JSON.parse(readFileSync(join(DIR, "oracle.json"), "utf8"));
const kernels = referenceKernels();

function profileOf(name: string): Profile {
  const x = readNpyF32(join(DIR, `${name}.npy`));
  const p = new Profile({ dims: x.cols, precision: "float64", kernels });
  p.add({ matrix: { rows: x.rows, cols: x.cols, data: x.data }, rowOffset: 0 });
  return p;
}

const rel = (got: number, want: number) => Math.abs(got - want) / Math.max(Math.abs(want), 1e-300);

describe.each([
  ["ref_shifted", "shifted"],
  ["ref_same", "same"],
])("drift of %s", (key, other) => {
  const want = oracle.drift[key];
  const got = driftOf(profileOf("ref").state, profileOf(other).state, { kernels });

  test("the centroid shift matches SciPy's cosine distance and the Euclidean distances to 1e-9", () => {
    expect(rel(got.centroid.cosineDistance, want.centroid.cosineDistance)).toBeLessThan(1e-9);
    expect(rel(got.centroid.euclidean, want.centroid.euclidean)).toBeLessThan(1e-9);
    expect(rel(got.centroid.euclideanRms, want.centroid.euclideanRms)).toBeLessThan(1e-9);
    expect(rel(got.centroid.offsetA, want.centroid.offsetA)).toBeLessThan(1e-9);
    expect(rel(got.centroid.offsetB, want.centroid.offsetB)).toBeLessThan(1e-9);
  });

  test("the Fréchet distance through symmetric eigendecompositions matches scipy.linalg.sqrtm to 1e-9", () => {
    expect(rel(got.frechet.value, want.frechet.value)).toBeLessThan(1e-9);
    expect(rel(got.frechet.meanTerm, want.frechet.meanTerm)).toBeLessThan(1e-9);
  });

  test("the largest per-dimension shifts match NumPy", () => {
    expect(rel(got.dimensions.maxMeanShift, want.dimensions.maxMeanShift)).toBeLessThan(1e-9);
    expect(got.dimensions.byMean[0].dim).toBe(want.dimensions.topMeanDim);
    expect(rel(got.dimensions.maxLogVarRatio, want.dimensions.maxLogVarRatio)).toBeLessThan(1e-9);
  });

  test("MMD² and its median-heuristic bandwidth match scikit-learn's pairwise kernels to 1e-9", () => {
    expect(got.mmd.rowsA + got.mmd.rowsB).toBe(profileOf("ref").validRows + profileOf(other).validRows);
    expect(rel(got.mmd.sigma2, want.mmd.sigma2)).toBeLessThan(1e-9);
    expect(Math.abs(got.mmd.mmd2 - want.mmd.mmd2)).toBeLessThan(1e-9 * Math.max(Math.abs(want.mmd.mmd2), 1e-3));
  });

  test("the domain classifier's fold AUCs match scikit-learn's LogisticRegression to 1e-9", () => {
    expect(got.classifier.folds).toBe(5);
    for (const [i, a] of got.classifier.foldAuc.entries())
      expect(rel(a, want.classifier.foldAuc[i])).toBeLessThan(1e-9);
    expect(rel(got.classifier.auc, want.classifier.auc)).toBeLessThan(1e-9);
  });

  test("each component's KS statistic and p-value match SciPy", () => {
    expect(got.components.tested).toBe(want.components.tested);
    got.components.components.forEach((c, i) => {
      expect(rel(c.statistic, want.components.list[i].statistic)).toBeLessThan(1e-9);
      expect(Math.abs(c.pValue - want.components.list[i].pValue)).toBeLessThan(1e-9);
    });
    expect(got.components.share).toBe(want.components.share);
  });
});

describe("the drift verdict", () => {
  test("a shifted, rescaled set fails on the classifier and warns on MMD² and components; the same distribution passes", () => {
    const shifted = driftOf(profileOf("ref").state, profileOf("shifted").state, { kernels });
    const j = judgeComparison({ drift: shifted, paired: null, leakage: null });
    expect(j.findings.map((f) => [f.id, f.severity])).toEqual([
      ["drift-classifier", "fail"],
      ["drift-mmd", "warn"],
      ["drift-components", "warn"],
    ]);
    expect(j.verdict).toBe("fail");
    const same = driftOf(profileOf("ref").state, profileOf("same").state, { kernels });
    expect(judgeComparison({ drift: same, paired: null, leakage: null }).verdict).toBe("pass");
    expect(same.mmd.pValue).toBeGreaterThan(0.05);
    expect(shifted.mmd.pValue).toBeLessThan(0.05);
  });

  test("an override moves a line: the classifier's fail line at 0.95 lets the shifted set pass it", () => {
    const shifted = driftOf(profileOf("ref").state, profileOf("shifted").state, { kernels });
    const j = judgeComparison({ drift: shifted, paired: null, leakage: null }, {
      "drift-classifier": { fail: 0.95 },
    } as never);
    expect(j.findings.map((f) => f.id)).not.toContain("drift-classifier");
  });
});

describe("the statistics' building blocks", () => {
  test("rocAuc counts ties half, as roc_auc_score", () => {
    // sklearn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75; with a tie [0.5, 0.5, 0.5, 0.9] → 0.75
    expect(rocAuc(Float64Array.of(0.1, 0.4, 0.35, 0.8), Uint8Array.of(0, 0, 1, 1))).toBe(0.75);
    expect(rocAuc(Float64Array.of(0.5, 0.5, 0.5, 0.9), Uint8Array.of(0, 0, 1, 1))).toBe(0.75);
  });

  test("ksStatistic treats ties jointly, as ks_2samp", () => {
    // scipy.stats.ks_2samp([1, 2, 2, 3], [2, 2, 4]).statistic = 1/3
    expect(ksStatistic(Float64Array.of(1, 2, 2, 3), Float64Array.of(2, 2, 4))).toBeCloseTo(1 / 3, 15);
  });

  test("kolmogorovSf matches scipy.special.kolmogorov on both sides of λ = 1", () => {
    // scipy.special.kolmogorov(0.5), (1.0), (1.36), (2.0)
    expect(rel(kolmogorovSf(0.5), 0.9639452436648751)).toBeLessThan(1e-12);
    expect(rel(kolmogorovSf(1.0), 0.26999967167735456)).toBeLessThan(1e-12);
    expect(rel(kolmogorovSf(1.36), 0.049485876755377876)).toBeLessThan(1e-12);
    expect(rel(kolmogorovSf(2.0), 0.0006709252557796953)).toBeLessThan(1e-12);
  });

  test("median averages the two middle values of an even count, as np.median", () => {
    expect(median(Float64Array.of(4, 1, 3, 2))).toBe(2.5);
    expect(median(Float64Array.of(5, 1, 3))).toBe(3);
  });
});
