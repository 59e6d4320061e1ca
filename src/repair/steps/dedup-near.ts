/**
 * `dedup-near:τ`: drops every row with a kept earlier row at cosine ≥ τ (default 0.98), first rows
 * kept (src/detect/neardup.ts keepFirstDrops). The rows to drop come from the near-duplicate engine
 * report uses (SimHash candidates, every pair verified exactly in float64), run over the rows that
 * reach the step: two passes for each input, by Pipeline.fit for `fix` and again by `apply` (a
 * transform fitted on one set cannot know another set's near-duplicates, so like `dedup` the step
 * acts on the rows it is given; the saved transform keeps τ only).
 */
import { NEAR_DUP_TAU, type NearDupDrop } from "../../detect/neardup.js";
import { InternalError } from "../../errors.js";
import { badTransform } from "../encoding.js";
import { type Rows, selectRows } from "../rows.js";
import type { StepDef } from "./types.js";

function dropRows(rows: Rows, rowOffset: number, drop: ReadonlySet<number>): Rows {
  const keep = new Uint8Array(rows.n);
  for (let i = 0; i < rows.n; i++) keep[i] = drop.has(rowOffset + rows.index[i]) ? 0 : 1;
  return selectRows(rows, keep);
}

export const dedupNear: StepDef<"dedup-near"> = {
  kind: "dedup-near",
  arg: "cosine",
  summary: "drop near-duplicate rows: cosine ≥ τ to a kept earlier row (first kept)",
  fitted: false,
  filter: true,
  passes: 2,
  fit: (spec) => ({ kind: "dedup-near", tau: spec.tau ?? NEAR_DUP_TAU, drops: null }),
  dimsOut: (_step, dimsIn) => dimsIn,
  affine: () => null,
  compile: (step, dimsIn) => ({
    step,
    dimsIn,
    dimsOut: dimsIn,
    open: () => {
      if (!step.drops) throw new InternalError("dedup-near: the near-duplicate passes did not run for this input");
      const drop = new Set(step.drops.map((x: NearDupDrop) => x.row));
      return (rows, rowOffset) => (drop.size === 0 ? rows : dropRows(rows, rowOffset, drop));
    },
  }),
  encode: (step) => ({ kind: step.kind, tau: step.tau }),
  decode: (raw, _dims, where) => {
    const tau = raw.tau;
    if (typeof tau !== "number" || !(tau > 0 && tau <= 1)) throw badTransform(`${where}: "tau" is ${String(tau)}`);
    return { kind: "dedup-near", tau, drops: null };
  },
};
