/**
 * What `embcheck merge` refuses, naming both files: profiles of other dims, seed, sample size or
 * covariance precision (their numbers do not add up to one input's), and overlapping row ranges
 * (rows counted twice). Pure: works on the headers and the states' ranges.
 */
import { UsageError } from "../errors.js";
import type { ProfileSource } from "./bytes.js";
import { rangesOverlap } from "./state.js";

export interface Part {
  file: string;
  dims: number;
  seed: number;
  sampleSize: number;
  precision: string;
  ranges: readonly number[];
}

/** UsageError when `b` cannot merge with `a`. */
export function checkMergeable(a: Part, b: Part): void {
  const differ = (what: string, va: unknown, vb: unknown, todo: string) =>
    new UsageError(`cannot merge ${b.file} (${what} ${vb}) with ${a.file} (${what} ${va}): ${todo}`);
  if (a.dims !== b.dims) throw differ("dims", a.dims, b.dims, "they profile different embeddings");
  if (a.seed !== b.seed) throw differ("--seed", a.seed, b.seed, "profile every part with the same --seed");
  if (a.sampleSize !== b.sampleSize) {
    throw differ("--sample", a.sampleSize, b.sampleSize, "profile every part with the same --sample");
  }
  if (a.precision !== b.precision) {
    throw differ("--precision", a.precision, b.precision, "profile every part with the same --precision");
  }
  if (rangesOverlap(a.ranges, b.ranges)) {
    throw new UsageError(
      `cannot merge ${b.file} with ${a.file}: both hold rows ${overlapText(a.ranges, b.ranges)} (a part given twice, or shards of different --shard N or --row-offset)`,
    );
  }
}

/** "[s, e)" of the first overlap. */
function overlapText(a: readonly number[], b: readonly number[]): string {
  for (let i = 0; i < a.length; i += 2) {
    for (let j = 0; j < b.length; j += 2) {
      const s = Math.max(a[i], b[j]);
      const e = Math.min(a[i + 1], b[j + 1]);
      if (s < e) return `[${s}, ${e})`;
    }
  }
  return "";
}

/** The source of merged parts: what they share, "mixed" where they differ. */
export function mergedSource(a: ProfileSource | null, b: ProfileSource | null): ProfileSource | null {
  if (!a || !b) return a ?? b;
  const pick = (x: string, y: string) => (x === y ? x : "mixed");
  return { path: pick(a.path, b.path), format: pick(a.format, b.format), dtype: pick(a.dtype, b.dtype) };
}
