/**
 * `--auto`: a pipeline chosen from the report's findings, by fixed rules, each with its reason.
 * 1. nan-rows, inf-rows, zero-rows or null-rows → drop-invalid (such rows cannot be repaired).
 * 2. duplicate-rows → dedup (first copy kept); near-duplicates (METRICS.md § nearDuplicates) on at
 *    least NEAR_DUP_AUTO_SHARE of the valid rows → dedup-near:τ at the report's τ (first row kept),
 *    unless collapse fires (then near-duplicates are the collapse's symptom).
 * 3. collapse → center,pca:0.99 (the collapse hint: keep the directions that carry the variance, drop
 *    the dead ones; the lost directions cannot be restored post hoc, and whitening would blow up noise);
 *    else dominant-direction → abtt:D, D = min(max(1, round(d/100)), S − 1) with S the signal
 *    directions (spectrum.signalDims): Mu & Viswanath (2018) remove the top directions as the common,
 *    uninformative part, which only holds when more directions than D carry signal; removing S or more
 *    would leave noise only. When D < 1 (S ≤ 1): center instead;
 *    else anisotropy or poor-uniformity → center (the common vector is what narrows the cone).
 * 4. norm-spread, or any step of 3 → l2 last (cosine/IP search wants unit rows; centring changes norms).
 */
import type { NearDuplicateMetrics } from "../detect/neardup.js";
import type { RuleId } from "../detect/registry.js";
import type { Finding } from "../detect/types.js";
import { defaultAbttD, type StepSpec } from "./steps/index.js";

export interface AutoChoice {
  steps: StepSpec[];
  /** One line per decision, in order. */
  reasons: string[];
}

/**
 * The near-duplicate share from which --auto drops near-duplicates: the warn line of duplicate-rows
 * (sections/integrity.ts, "1 % is a practitioners' line"); the report has no gated near-duplicate
 * rule, so --auto reads the metric itself.
 */
export const NEAR_DUP_AUTO_SHARE = 0.01;

/**
 * `signal`: the directions above the noise floor (spectrum.signalDims); default: every dim.
 * `nearDuplicates`: the report's near-duplicate metrics (null when not measured).
 */
export function choosePipeline(
  findings: readonly Finding[],
  dims: number,
  signal = dims,
  nearDuplicates: NearDuplicateMetrics | null = null,
): AutoChoice {
  const has = (id: RuleId) => findings.some((f) => f.id === id && f.severity !== "info");
  const steps: StepSpec[] = [];
  const reasons: string[] = [];
  const invalid = (["nan-rows", "inf-rows", "zero-rows", "null-rows"] as const).filter(has);
  if (invalid.length) {
    steps.push({ kind: "drop-invalid" });
    reasons.push(`drop-invalid: findings ${invalid.join(", ")}: such rows cannot be repaired`);
  }
  if (has("duplicate-rows")) {
    steps.push({ kind: "dedup" });
    reasons.push("dedup: finding duplicate-rows: the first copy of each row is kept");
  }
  const near = nearDuplicates;
  // In a collapsed set every row is close to every other (a few directions hold them all): its
  // near-duplicates are the collapse's symptom, not copied documents, so rule 3 handles them.
  if (near && near.share >= NEAR_DUP_AUTO_SHARE && !has("collapse")) {
    steps.push({ kind: "dedup-near", tau: near.tau });
    reasons.push(
      `dedup-near:${near.tau}: ${(100 * near.share).toFixed(1)} % of valid rows have a near-duplicate at cosine ≥ ${near.tau} (≥ ${100 * NEAR_DUP_AUTO_SHARE} %, the duplicate-rows line): the first row of each group is kept`,
    );
  }
  let recentred = false;
  const D = Math.min(defaultAbttD(dims), signal - 1);
  const centre = (why: string) => {
    steps.push({ kind: "center" });
    reasons.push(`center: ${why}: subtracting the mean removes the common direction`);
    recentred = true;
  };
  if (has("collapse")) {
    steps.push({ kind: "center" }, { kind: "pca", share: 0.99 });
    reasons.push(
      `center,pca:0.99: finding collapse: keep the directions holding 99 % of the variance (${signal} above the noise floor), drop the dead ones; lost directions cannot be restored post hoc`,
    );
    recentred = true;
  } else if (has("dominant-direction") && D >= 1) {
    steps.push({ kind: "abtt", k: D });
    reasons.push(
      `abtt:${D}: finding dominant-direction: remove the mean and the top ${D} direction(s) (Mu & Viswanath 2018, D = round(d/100), at most ${signal} signal directions − 1)`,
    );
    recentred = true;
  } else if (has("dominant-direction")) {
    centre(`finding dominant-direction, but only ${signal} direction(s) above the noise floor, so none is removed`);
  } else if (has("anisotropy") || has("poor-uniformity")) {
    centre(`finding ${(["anisotropy", "poor-uniformity"] as const).filter(has).join(", ")}`);
  }
  if (has("norm-spread") || recentred) {
    steps.push({ kind: "l2" });
    reasons.push(
      has("norm-spread")
        ? "l2: finding norm-spread: unit rows, so norms do not leak into cosine/IP search"
        : "l2: re-normalise after centring, for cosine/IP search",
    );
  }
  return { steps, reasons };
}
