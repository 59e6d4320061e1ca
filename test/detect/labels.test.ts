import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { analyze } from "../../src/api.js";
import type { LabelsMetrics } from "../../src/detect/sections/labels.js";
import type { Kernels } from "../../src/linalg/backend.js";
import { BACKENDS } from "../helpers/kernels.js";

// Oracle: fixtures/labels/labels-reference.json (fixtures/scripts/make_labels_reference.py):
// sklearn.metrics.silhouette_score(metric="cosine"), leave-one-out KNeighborsClassifier(10,
// metric="cosine") through cross_val_predict, calinski_harabasz_score, and NumPy per group, on
// scikit-learn's digits and a TF-IDF + TruncatedSVD text set. Both are smaller than the sample, so
// the sample is every row.

interface GroupRef {
  label: string | number;
  rows: number;
  validRows: number;
  normMean: number;
  normCv: number;
  meanCosine: number;
  centroidCosine: number;
  sampleRows: number;
  effectiveRank: number | null;
}
interface SetRef {
  rows: number;
  groups: number;
  perGroup: GroupRef[];
  imbalance: { ratio: number; normalizedEntropy: number; largestShare: number; smallestRows: number };
  centroidMeanCosine: number;
  scatterRatio: number;
  calinskiHarabasz: number;
  silhouette: number;
  knnAgreement: number;
  knnAccuracy: number;
  k: number;
  baseline: { seed: number; silhouette: number; knnAgreement: number; knnAccuracy: number };
}
const ref = JSON.parse(
  readFileSync(new URL("../../fixtures/labels/labels-reference.json", import.meta.url), "utf8"),
) as {
  digits: SetRef;
  topics: SetRef;
};

const DIR = "fixtures/labels";
const close = (got: number | null, want: number, tol: number) => {
  expect(got).not.toBeNull();
  expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
};

async function labelsOf(file: string, labels: string, kernels: () => Kernels, extra = {}) {
  const a = await analyze(`${DIR}/${file}`, { labels: `${DIR}/${labels}`, kernels: kernels(), nearDup: 0, ...extra });
  return a.report.labels as LabelsMetrics;
}

for (const [backend, kernels] of BACKENDS) {
  describe(`labels on real labelled sets equal scikit-learn and NumPy (${backend})`, () => {
    for (const [name, file, labelFile] of [
      ["digits", "digits.npy", "digits-labels.npy"],
      ["topics", "topics.npy", "topics-labels.npy"],
    ] as const) {
      const want = ref[name];
      test(`${name}: silhouette, kNN accuracy and agreement equal sklearn's to 1e-9, with their random-label baselines`, async () => {
        const l = await labelsOf(file, labelFile, kernels);
        const s = l.separation;
        expect(s.sampleRows).toBe(want.rows);
        expect(s.k).toBe(want.k);
        close(s.silhouette, want.silhouette, 1e-9);
        close(s.knnAccuracy, want.knnAccuracy, 1e-9);
        close(s.knnAgreement, want.knnAgreement, 1e-9);
        expect(s.baseline.seed).toBe(want.baseline.seed);
        close(s.baseline.silhouette, want.baseline.silhouette, 1e-9);
        close(s.baseline.knnAccuracy, want.baseline.knnAccuracy, 1e-9);
        close(s.baseline.knnAgreement, want.baseline.knnAgreement, 1e-9);
      });

      test(`${name}: per-group metrics equal NumPy per group`, async () => {
        const l = await labelsOf(file, labelFile, kernels);
        expect(l.groups).toBe(want.groups);
        const byLabel = new Map(l.perGroup.map((g) => [g.label, g]));
        for (const g of want.perGroup.slice(0, 20)) {
          const got = byLabel.get(g.label);
          expect(got, String(g.label)).toBeDefined();
          if (!got) continue;
          expect(got.rows).toBe(g.rows);
          expect(got.validRows).toBe(g.validRows);
          expect(got.sampleRows).toBe(g.sampleRows);
          close(got.normMean, g.normMean, 1e-12);
          close(got.normCv, g.normCv, 1e-9);
          close(got.meanCosine, g.meanCosine, 1e-12);
          close(got.centroidCosine, g.centroidCosine, 1e-12);
          if (g.effectiveRank === null) expect(got.effectiveRank).toBeNull();
          else close(got.effectiveRank, g.effectiveRank, 1e-9);
        }
        // sorted by rows, largest first
        const rows = l.perGroup.map((g) => g.rows);
        expect(rows).toEqual([...rows].sort((a, b) => b - a));
      });

      test(`${name}: imbalance and scatter equal NumPy and calinski_harabasz_score`, async () => {
        const l = await labelsOf(file, labelFile, kernels);
        close(l.imbalance.ratio, want.imbalance.ratio, 1e-15);
        close(l.imbalance.normalizedEntropy, want.imbalance.normalizedEntropy, 1e-12);
        close(l.imbalance.largest.share, want.imbalance.largestShare, 1e-15);
        expect(l.imbalance.smallest.rows).toBe(want.imbalance.smallestRows);
        close(l.separation.centroidMeanCosine, want.centroidMeanCosine, 1e-12);
        close(l.separation.scatterRatio, want.scatterRatio, 1e-9);
        close(l.separation.calinskiHarabasz, want.calinskiHarabasz, 1e-9);
      });
    }
  });
}
