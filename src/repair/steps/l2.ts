/** `l2`: unit rows, x / ‖x‖ (norm in float64); zero rows stay zero, NaN rows stay NaN. */
import type { Rows } from "../rows.js";
import type { StepDef } from "./types.js";

function l2Rows(rows: Rows): Rows {
  const { n, d, data } = rows;
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const b = i * d;
    let s = 0;
    for (let k = 0; k < d; k++) s += data[b + k] * data[b + k];
    const norm = Math.sqrt(s);
    if (norm === 0) continue;
    for (let k = 0; k < d; k++) y[b + k] = data[b + k] / norm;
  }
  return { n, d, data: y, nulls: rows.nulls, index: rows.index };
}

export const l2: StepDef<"l2"> = {
  kind: "l2",
  arg: "none",
  summary: "unit rows",
  fitted: false,
  filter: false,
  fit: () => ({ kind: "l2" }),
  dimsOut: (_step, dimsIn) => dimsIn,
  affine: () => null,
  compile: (step, dimsIn) => ({ step, dimsIn, dimsOut: dimsIn, open: () => l2Rows }),
  encode: (step) => ({ kind: step.kind }),
  decode: () => ({ kind: "l2" }),
};
