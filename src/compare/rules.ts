/**
 * The rules of `compare` (and of `check --reference`): each judges one number of the comparison with
 * warn/fail lines, as the report's rules do (../detect/rules.ts), so the same evaluation loop,
 * threshold syntax and findings apply. Defaults and their sources are listed in docs/compare.md.
 */
import type { GatedRule } from "../detect/rules.js";
import type { CompareMetrics } from "./types.js";

type CompareRule = GatedRule<CompareMetrics>;

/** drift-centroid judges only centroids at least this many RMS spreads from the origin. */
export const CENTROID_MIN_OFFSET = 0.1;

const EVIDENTLY = "Evidently's embedding-drift methods (src/evidently/metrics/data_drift/embedding_drift_methods.py";

export const COMPARE_RULES: readonly CompareRule[] = [
  {
    id: "drift-classifier",
    metric: "drift.classifier.auc",
    direction: "above",
    defaults: { warn: null, fail: 0.55 },
    range: { min: 0, max: 1, what: "a ROC AUC" },
    source: `${EVIDENTLY}, ModelDriftMethod.threshold = 0.55; "model" is its default method)`,
    applies: (m) => m.drift !== null,
    notApplicable: "the two sets have different dims",
    message: (a, k) =>
      `a classifier tells the two sets apart: ROC AUC ${k.num(a.value)}${k.th(a.threshold)} (0.5 = indistinguishable)`,
    hint: "the current vectors come from another distribution: check the model version, the preprocessing and the data mix; `embcheck compare REFERENCE CURRENT` shows which dimensions moved",
  },
  {
    id: "drift-mmd",
    metric: "drift.mmd.mmd2",
    direction: "above",
    defaults: { warn: 0.015, fail: null },
    range: { min: -1, max: 2, what: "an MMD² with an RBF kernel" },
    source: `${EVIDENTLY}, MMDDriftMethod.threshold = 0.015)`,
    applies: (m) => m.drift !== null,
    notApplicable: "the two sets have different dims",
    message: (a, k) => `the kernel two-sample statistic MMD² is ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "the two distributions differ beyond their means; see the classifier and the drifted components",
  },
  {
    id: "drift-centroid",
    metric: "drift.centroid.cosineDistance",
    direction: "above",
    defaults: { warn: 0.2, fail: null },
    range: { min: 0, max: 2, what: "a cosine distance" },
    source: `${EVIDENTLY}, DistanceDriftMethod.threshold = 0.2, applied there to the distance chosen, Euclidean by default; embcheck applies it to the cosine distance, which is scale-free)`,
    // a centroid near the origin (centred vectors) points nowhere in particular: its direction is noise
    applies: (m) =>
      m.drift !== null && Math.min(m.drift.centroid.offsetA, m.drift.centroid.offsetB) >= CENTROID_MIN_OFFSET,
    notApplicable: "the two sets have different dims, or a centroid lies within 0.1 RMS spreads of the origin",
    message: (a, k) => `the centroid turned: cosine distance of the two means ${k.num(a.value)}${k.th(a.threshold)}`,
    hint: "a common direction was added or removed (a model or preprocessing change); `embcheck fix --pipeline center` on both puts them back on a common origin",
  },
  {
    id: "drift-components",
    metric: "drift.components.share",
    direction: "above",
    defaults: { warn: 0.2, fail: null },
    range: { min: 0, max: 1, what: "a share of the principal components tested" },
    source: `${EVIDENTLY}, RatioDriftMethod.threshold = 0.2; its per-component test is the Wasserstein distance, embcheck's the Kolmogorov–Smirnov test at p < 0.05)`,
    applies: (m) => m.drift !== null,
    notApplicable: "the two sets have different dims",
    message: (a, k) => `${k.pct(a.value)} of the reference's principal components drifted${k.th(a.threshold, k.pct)}`,
    hint: "the spread along the main directions changed; the components list shows which",
  },
  {
    id: "leakage-exact",
    metric: "leakage.exact.share",
    direction: "above",
    defaults: { warn: 0.001, fail: 0.01 },
    range: { min: 0, max: 1, what: "a share of the valid test rows" },
    source: "embcheck's choice: 0.1 % of test rows copied from train is worth a look, 1 % distorts an evaluation",
    applies: (m) => m.leakage !== null,
    notApplicable: "needs --leakage",
    message: (a, k) => `${k.pct(a.value)} of the test rows are exact copies of train rows${k.th(a.threshold, k.pct)}`,
    hint: "drop the copied rows from the test split (their ids are listed) or split by a document key before embedding",
  },
  {
    id: "leakage-near",
    metric: "leakage.near.share",
    direction: "above",
    defaults: { warn: 0.01, fail: 0.05 },
    range: { min: 0, max: 1, what: "a share of the sampled test rows" },
    source: "embcheck's choice: the near-duplicate line of `report` (cosine 0.98), applied across the split",
    applies: (m) => m.leakage !== null,
    notApplicable: "needs --leakage",
    message: (a, k) =>
      `${k.pct(a.value)} of the test rows searched have a train row at cosine ≥ the near-copy line${k.th(a.threshold, k.pct)}`,
    hint: "deduplicate across splits (group near-duplicates before splitting); the example pairs show what matched",
  },
];

/** The id of a drift rule (what `check --reference` adds to the gate's checks). */
export type DriftRuleId = "drift-classifier" | "drift-mmd" | "drift-centroid" | "drift-components";

/** The rules `check --reference` judges: the drift rules. */
export const DRIFT_RULES: readonly CompareRule[] = COMPARE_RULES.filter((r) => r.id.startsWith("drift-"));

export function compareRule(id: string): CompareRule | undefined {
  return COMPARE_RULES.find((r) => r.id === id) ?? COMPARE_RULES.find((r) => r.metric === id);
}
