/** The rows of one profile block: a function of the width alone (see blocks.ts, moments.ts). */
/**
 * Values in one block, at most: 2¹⁷ (512 KiB of float32; 1024 rows from d = 65 on). Each block is a
 * leaf of the moments' merge tree (moments.ts) and the unit `--shard` cuts on, so small blocks let
 * small inputs split into many shards; a block's d × d merge costs 1/rows of its scatter, and
 * 1024-row blocks profiled as fast as 2²²-value ones in the same run (10M × 128 measured in
 * docs/scaling.md).
 */
const BLOCK_VALUES = 2 ** 17;
/** Rows in one block, at most (the kernels keep about 64 bytes per row besides the values). */
const MAX_BLOCK_ROWS = 65536;

/**
 * Rows per block for d columns: the largest power of two with at most BLOCK_VALUES values, between
 * 1024 and MAX_BLOCK_ROWS rows (d ≥ 65: 1024 rows; d = 16: 8192). A function of d alone, so the
 * blocks, and the bits, depend on the input's width and never on the reader's chunks or threads.
 */
export function blockRowsFor(d: number): number {
  let rows = 1024;
  while (rows < MAX_BLOCK_ROWS && rows * 2 * d <= BLOCK_VALUES) rows *= 2;
  return rows;
}
