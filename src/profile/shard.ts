/**
 * `--shard I/N`: the I-th of N contiguous parts of a dataset of `rows` rows. Parts are cut on
 * multiples of the profile's block (blockRowsFor(d)), so the shards' profiles merge into the
 * one-pass bits (moments.ts); every row lands in exactly one part, parts differ by at most one
 * block, and a dataset of fewer than N blocks leaves some parts empty (their profiles merge as
 * nothing).
 */
import { UsageError } from "../errors.js";

export interface ShardSpec {
  /** 0-based index. */
  index: number;
  count: number;
}

/** Parses "I/N" (0 ≤ I < N ≤ 1,000,000). */
export function parseShard(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m)
    throw new UsageError(`--shard must be I/N (e.g. 3/10: the fourth of ten parts, counted from 0), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 1_000_000) throw new UsageError(`--shard: N must be in [1, 1000000], got ${count}`);
  if (index >= count) throw new UsageError(`--shard: I must be in [0, ${count - 1}] (counted from 0), got ${index}`);
  return { index, count };
}

/** Global rows [start, end) of part `index` of `count` over `rows` rows in blocks of `block`. */
export function shardRange(rows: number, block: number, { index, count }: ShardSpec): [number, number] {
  const blocks = Math.ceil(rows / block);
  const at = (i: number) => Math.min(rows, Math.floor((i * blocks) / count) * block);
  return [at(index), at(index + 1)];
}
