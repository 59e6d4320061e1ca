/**
 * `--auto`: a pipeline chosen from the report's findings, by fixed rules, each with its reason.
 * 1. nan-rows, inf-rows, zero-rows or null-rows → drop-invalid (such rows cannot be repaired).
 * 2. duplicate-rows → dedup (first copy kept).
 * 3. dominant-direction → abtt:D, D = max(1, round(d/100)) (Mu & Viswanath 2018: the mean and the
 *    top directions carry the common, uninformative part);
 *    else anisotropy or poor-uniformity → center (the common vector is what narrows the cone).
 * 4. norm-spread, or any step of 3 → l2 last (cosine/IP search wants unit rows; centring changes norms).
 * collapse is reported but not acted on: the lost directions cannot be restored post hoc, and
 * whitening would blow up noise (DOMAIN.md: retrain or rebalance).
 */
import type { RuleId } from "../detect/registry.js";
import type { Finding } from "../detect/types.js";
import { defaultAbttD, type StepSpec } from "./steps/index.js";

export interface AutoChoice {
  steps: StepSpec[];
  /** One line per decision, in order. */
  reasons: string[];
}

export function choosePipeline(findings: readonly Finding[], dims: number): AutoChoice {
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
  let recentred = false;
  if (has("dominant-direction")) {
    const D = defaultAbttD(dims);
    steps.push({ kind: "abtt", k: D });
    reasons.push(
      `abtt:${D}: finding dominant-direction: remove the mean and the top ${D} direction(s) (Mu & Viswanath 2018, D = round(d/100))`,
    );
    recentred = true;
  } else if (has("anisotropy") || has("poor-uniformity")) {
    const which = (["anisotropy", "poor-uniformity"] as const).filter(has).join(", ");
    steps.push({ kind: "center" });
    reasons.push(`center: finding ${which}: subtracting the mean removes the common direction`);
    recentred = true;
  }
  if (has("norm-spread") || recentred) {
    steps.push({ kind: "l2" });
    reasons.push(
      has("norm-spread")
        ? "l2: finding norm-spread: unit rows, so norms do not leak into cosine/IP search"
        : "l2: re-normalise after centring, for cosine/IP search",
    );
  }
  if (has("collapse")) {
    reasons.push("(collapse is not repaired: lost directions cannot be restored post hoc; see the report's hint)");
  }
  return { steps, reasons };
}
