/**
 * The comparison's text, shared by the terminal and Markdown renderers: one list of labelled lines per
 * block, styled by the caller (deltas by direction, findings by severity). Pure.
 */
import { formatCount, formatNumber, formatPercent } from "../../text/format.js";
import type { MetricDelta } from "../deltas.js";
import type { CompareResult } from "../types.js";

export const num = formatNumber;
export const count = formatCount;
export const pct = formatPercent;

/** A signed delta: "+0.0233", "-1.5", "0". */
export function signed(x: number | null): string {
  if (x === null) return "–";
  if (x === 0) return "0";
  return x > 0 ? `+${num(x)}` : num(x);
}

/** Whether a delta moved in the bad direction ("worse"), the good one ("better"), or neither. */
export function deltaTone(m: MetricDelta): "worse" | "better" | "none" {
  if (m.delta === null || m.delta === 0 || m.worse === "none") return "none";
  return m.delta > 0 === (m.worse === "up") ? "worse" : "better";
}

export interface Block {
  title: string;
  lines: string[];
}

/** The drift, paired and leakage blocks as plain lines. */
export function blocks(r: CompareResult): Block[] {
  const out: Block[] = [];
  const d = r.drift;
  if (d) {
    const c = d.centroid;
    const f = d.frechet;
    const lines = [
      "exact, over all valid rows:",
      `centroid: cosine distance ${num(c.cosineDistance)} · Euclidean ${num(c.euclidean)} (${num(c.euclideanRms)} × the pooled RMS spread)`,
      `Fréchet: ${num(f.value)} = mean ${num(f.meanTerm)} + covariance ${num(f.covarianceTerm)} (${num(f.relative)} of Tr Σ_A + Tr Σ_B)`,
      `most moved dims: mean shift (Cohen's d) ${d.dimensions.byMean
        .slice(0, 5)
        .map((s) => `${s.dim}: ${signed(s.meanShift)}`)
        .join(" · ")}`,
      `most moved dims: variance (ln ratio) ${d.dimensions.byVariance
        .slice(0, 5)
        .map((s) => `${s.dim}: ${signed(s.logVarRatio)}`)
        .join(" · ")}`,
      `sampled: ${count(d.mmd.rowsA)} + ${count(d.mmd.rowsB)} rows (seed ${r.sample.seed}):`,
      `classifier: ROC AUC ${num(d.classifier.auc)} (${d.classifier.folds}-fold logistic regression; 0.5 = indistinguishable)`,
      `MMD²: ${num(d.mmd.mmd2)} · p ${num(d.mmd.pValue)} (${count(d.mmd.permutations)} permutations; RBF, σ² ${num(d.mmd.sigma2)})`,
      `components: ${count(d.components.drifted)} of ${count(d.components.tested)} drifted (${pct(d.components.share)}; KS p < ${num(d.components.alpha)} on ${count(d.components.rowsA)} + ${count(d.components.rowsB)} sampled rows)`,
    ];
    out.push({ title: "Drift", lines });
  }
  const p = r.paired;
  if (p) {
    const lines = [
      `${count(p.rows)} rows, ${count(p.validRows)} valid in both · ${p.dimsA} → ${p.dimsB} dims`,
      `linear CKA ${num(p.cka)} (1 = the same geometry up to rotation and scale)`,
      `${p.neighbours.k}-NN agreement ${num(p.neighbours.mean)} over ${count(p.neighbours.rows)} sampled rows · Spearman of pair cosines ${num(p.pairSpearman)} (${count(p.pairs)} pairs)`,
    ];
    if (p.rowCosine) {
      const rc = p.rowCosine;
      lines.push(`row cosine mean ${num(rc.mean)} · p5 ${num(rc.p5)} · p50 ${num(rc.p50)} · min ${num(rc.min)}`);
      lines.push(
        `least alike (row: cosine) ${rc.lowest
          .slice(0, 5)
          .map(([i, v]) => `${i}: ${num(v)}`)
          .join(", ")}`,
      );
    }
    lines.push(
      `least agreement (row: overlap) ${p.neighbours.lowest
        .slice(0, 5)
        .map(([i, v]) => `${i}: ${num(v)}`)
        .join(", ")}`,
    );
    out.push({ title: "Paired", lines });
  }
  const l = r.leakage;
  if (l) {
    const e = l.exact;
    const n = l.near;
    const lines = [
      `exact: ${count(e.testRowsInTrain)} of ${count(e.testValidRows)} test rows (${pct(e.share)}) are copies of train rows`,
    ];
    if (e.examples.length > 0) {
      lines.push(
        `e.g. (test = train) ${e.examples
          .slice(0, 5)
          .map(([x, y]) => `${x} = ${y}`)
          .join(", ")}`,
      );
    }
    const ci = n.sampled ? ` (95% CI ${pct(n.interval[0])}–${pct(n.interval[1])})` : "";
    lines.push(
      `near: ${count(n.above)} of ${count(n.queries)} ${n.sampled ? "sampled " : ""}test rows (${pct(n.share)})${ci} have a train row at cosine ≥ ${num(n.threshold)}`,
    );
    lines.push(`searched against all ${count(n.trainRows)} train rows (exact)`);
    if (n.examples.length > 0) {
      lines.push(
        `closest (test ↔ train: cosine) ${n.examples
          .slice(0, 5)
          .map(([x, y, s]) => `${x} ↔ ${y}: ${num(s)}`)
          .join(", ")}`,
      );
    }
    out.push({ title: "Leakage", lines });
  }
  return out;
}
