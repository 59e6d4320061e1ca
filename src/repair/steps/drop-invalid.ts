/** `drop-invalid`: drops null, NaN, ±Inf and all-zero rows. */
import { type Rows, selectRows } from "../rows.js";
import { isValidRow } from "./common.js";
import type { StepDef } from "./types.js";

function dropInvalidRows(rows: Rows): Rows {
  const keep = new Uint8Array(rows.n);
  for (let i = 0; i < rows.n; i++) keep[i] = !rows.nulls?.[i] && isValidRow(rows.data, i * rows.d, rows.d) ? 1 : 0;
  return selectRows(rows, keep);
}

export const dropInvalid: StepDef<"drop-invalid"> = {
  kind: "drop-invalid",
  arg: "none",
  summary: "drop null/NaN/Inf/zero rows",
  fitted: false,
  filter: true,
  fit: () => ({ kind: "drop-invalid" }),
  dimsOut: (_step, dimsIn) => dimsIn,
  affine: () => null,
  compile: (step, dimsIn) => ({ step, dimsIn, dimsOut: dimsIn, open: () => dropInvalidRows }),
  encode: (step) => ({ kind: step.kind }),
  decode: () => ({ kind: "drop-invalid" }),
};
