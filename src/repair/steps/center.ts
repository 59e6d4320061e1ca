/** `center`: subtract the mean, x − μ. */
import { decodeFloat64, encodeFloat64 } from "../encoding.js";
import { identity, mapNonNull, needRows, subtractMean } from "./common.js";
import type { StepDef } from "./types.js";

export const center: StepDef<"center"> = {
  kind: "center",
  arg: "none",
  summary: "subtract the mean",
  fitted: true,
  filter: false,
  fit(_spec, stats) {
    needRows("center", stats);
    return { kind: "center", dims: stats.d, mean: Float64Array.from(stats.mean) };
  },
  dimsOut: (_step, dimsIn) => dimsIn,
  affine: (step) => ({ m: step.mean, P: identity(step.dims), dout: step.dims }),
  compile: (step, dimsIn) => ({
    step,
    dimsIn,
    dimsOut: dimsIn,
    open: () => (rows) => mapNonNull(rows, dimsIn, (x, n) => subtractMean(x, n, dimsIn, step.mean)),
  }),
  encode: (step) => ({ kind: step.kind, dims: step.dims, mean: encodeFloat64(step.mean, [step.dims]) }),
  decode: (s, dims, where) => ({ kind: "center", dims, mean: decodeFloat64(s.mean, `${where} mean`, [dims]) }),
};
