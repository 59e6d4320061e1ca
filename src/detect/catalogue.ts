/**
 * The English of every finding, in one place: a message (what was measured) and a hint (what to
 * do, usually an `embcheck fix` pipeline). Reporters render these; tests assert finding ids.
 */
import { formatCount, formatNumber, formatPercent } from "../report/format.js";
import type { Judged } from "./rules.js";

const num = (x: number) => (Number.isInteger(x) ? formatCount(x) : formatNumber(x));
const pct = formatPercent;
/** " (≥ 0.8)" or " (< 10%)": which side of the threshold this value is on, in the value's unit. */
const th = (j: Judged, unit: (x: number) => string = num) =>
  j.threshold === null ? "" : ` (${j.rule.direction === "above" ? "≥" : "<"} ${unit(j.threshold)})`;

interface Entry {
  message: (j: Judged) => string;
  hint: string;
}

export const CATALOGUE: Record<string, Entry> = {
  "nan-rows": {
    message: (j) => `${num(j.value)} row(s) contain NaN`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`, and look for the numerical failure upstream",
  },
  "inf-rows": {
    message: (j) => `${num(j.value)} row(s) contain ±Inf`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`; Inf usually means an overflow (float16?) upstream",
  },
  "zero-rows": {
    message: (j) => `${num(j.value)} row(s) are all zeros (no direction; often empty input texts)`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT` and check what produced them",
  },
  "null-rows": {
    message: (j) => `${num(j.value)} row(s) have a null embedding`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`, or embed the missing rows",
  },
  "duplicate-rows": {
    message: (j) => `${pct(j.value)} of valid rows are exact duplicates of an earlier row${th(j, pct)}`,
    hint: "remove them with `embcheck fix IN --pipeline dedup -o OUT`; duplicates across train/test sets leak",
  },
  "norm-spread": {
    message: (j) => `norms vary widely: coefficient of variation ${num(j.value)}${th(j)}`,
    hint: "normalise before cosine or inner-product indexing: `embcheck fix IN --pipeline l2 -o OUT`",
  },
  anisotropy: {
    message: (j) => `vectors sit in a narrow cone: mean cosine over all pairs ${num(j.value)}${th(j)}`,
    hint: "remove the common direction: `embcheck fix IN --pipeline center,l2 -o OUT` (or `abtt:D`, all-but-the-top), then re-check",
  },
  collapse: {
    message: (j) =>
      `the variance lives in a handful of directions: effective rank is ${pct(j.value)} of the dims${th(j, pct)}`,
    hint: "post hoc repair cannot restore lost directions: `embcheck fix IN --pipeline center,pca:0.99 -o OUT` drops the dead ones; retrain with a contrastive loss, more negatives, more varied data",
  },
  "dominant-direction": {
    message: (j) => `one direction carries ${pct(j.value)} of the variance${th(j, pct)}`,
    hint: "remove the mean and the top direction: `embcheck fix IN --pipeline abtt:1 -o OUT`, or whiten: `--pipeline whiten`",
  },
  "poor-uniformity": {
    message: (j) =>
      `directions do not spread over the sphere: uniformity ${num(j.value)}${th(j)}; -4 is spread over the sphere, 0 collapsed`,
    hint: "try `embcheck fix IN --pipeline center,l2 -o OUT` or `--pipeline whiten,l2`, and re-measure retrieval after",
  },
  "poor-alignment": {
    message: (j) => `positive pairs are far apart: alignment ${num(j.value)}${th(j)}; 0 = pairs coincide, 4 = opposite`,
    hint: "the model does not map paraphrases/query–answer pairs together; check the pairing, or fine-tune contrastively on such pairs",
  },
  "alignment-no-better-than-random": {
    message: (j) =>
      `positive pairs are no closer than random pairs: mean positive cosine ${num(j.value)}${th(j)}, the random-pair mean plus a margin`,
    hint: "check that row i of the pairs really is the partner of row i (same order, same ids)",
  },
  "unit-norm": {
    message: () => "rows are already L2-normalised (norm checks are moot; dot product = cosine)",
    hint: "nothing to do for norms",
  },
  "few-rows": {
    message: (j) => `only ${num(j.value)} valid rows for the dims: the spectrum is a rough estimate (rank ≤ n − 1)`,
    hint: "report on more rows for a reliable spectrum",
  },
};
