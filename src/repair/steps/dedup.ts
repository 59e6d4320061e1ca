/** `dedup`: keeps the first copy of each bit-identical row (null rows are never duplicates). */
import { rowHash } from "../../linalg/hash.js";
import { HashSet64 } from "../../profile/hashset.js";
import { type Rows, selectRows } from "../rows.js";
import type { StepDef } from "./types.js";

function dedupRows(rows: Rows, seen: HashSet64): Rows {
  const { n, d } = rows;
  const words = new Uint32Array(rows.data.buffer, rows.data.byteOffset, n * d * 2);
  const keep = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rows.nulls?.[i]) {
      keep[i] = 1;
      continue;
    }
    const [a, b] = rowHash(words, i * d * 2, (i + 1) * d * 2);
    keep[i] = seen.add(a, b) ? 1 : 0;
  }
  return selectRows(rows, keep);
}

export const dedup: StepDef<"dedup"> = {
  kind: "dedup",
  arg: "none",
  summary: "drop exact duplicate rows (first kept)",
  fitted: false,
  filter: true,
  fit: () => ({ kind: "dedup" }),
  dimsOut: (_step, dimsIn) => dimsIn,
  affine: () => null,
  compile: (step, dimsIn) => ({
    step,
    dimsIn,
    dimsOut: dimsIn,
    open: () => {
      const seen = new HashSet64();
      return (rows) => dedupRows(rows, seen);
    },
  }),
  encode: (step) => ({ kind: step.kind }),
  decode: () => ({ kind: "dedup" }),
};
