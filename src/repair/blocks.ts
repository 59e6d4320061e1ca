/**
 * Feeds a Profile in blocks of exactly blockRowsFor(d) rows, whatever chunks the reader yields: the
 * profile's pairwise (Chan) merges then happen at the same rows for any chunk size, so its mean
 * and covariance, the fit made from them, and so the output are bit-identical for any --chunk-rows.
 */
import type { Chunk } from "../io/types.js";
import type { FloatArray } from "../linalg/matrix.js";
import type { Profile } from "../profile/profile.js";

/** Values in one block, at most: 2²² (16 MiB of float32), so each block amortises its d × d merge. */
const BLOCK_VALUES = 2 ** 22;
/** Rows in one block, at most (the kernels keep about 64 bytes per row besides the values). */
const MAX_BLOCK_ROWS = 65536;

/**
 * Rows per block for d columns: the largest power of two with at most BLOCK_VALUES values, between
 * 1024 and MAX_BLOCK_ROWS rows (d = 768: 4096 rows; d = 256: 16384). A function of d alone, so the
 * blocks, and the bits, depend on the input's width and never on the reader's chunks or threads.
 */
export function blockRowsFor(d: number): number {
  let rows = 1024;
  while (rows < MAX_BLOCK_ROWS && rows * 2 * d <= BLOCK_VALUES) rows *= 2;
  return rows;
}

export class BlockFeeder {
  private data: FloatArray | null = null;
  private nulls: Uint8Array | null = null;
  private filled = 0;
  private offset = 0;
  private anyNull = false;

  constructor(
    private readonly profile: Profile,
    private readonly blockRows = blockRowsFor(profile.dims),
  ) {}

  push(chunk: Chunk): void {
    const { rows, cols, data } = chunk.matrix;
    let r = 0;
    while (r < rows) {
      if (!this.data || this.data.constructor !== data.constructor) {
        if (this.data) this.flush();
        this.data =
          data instanceof Float64Array
            ? new Float64Array(this.blockRows * cols)
            : new Float32Array(this.blockRows * cols);
        this.nulls = new Uint8Array(this.blockRows);
      }
      const take = Math.min(rows - r, this.blockRows - this.filled);
      this.data.set(data.subarray(r * cols, (r + take) * cols), this.filled * cols);
      const nulls = this.nulls as Uint8Array;
      if (chunk.nulls) {
        for (let i = 0; i < take; i++) {
          nulls[this.filled + i] = chunk.nulls[r + i];
          if (chunk.nulls[r + i]) this.anyNull = true;
        }
      } else nulls.fill(0, this.filled, this.filled + take);
      this.filled += take;
      r += take;
      if (this.filled === this.blockRows) this.flush();
    }
  }

  /** Hands the rows still buffered to the profile. */
  flush(): void {
    if (!this.data || this.filled === 0) return;
    const cols = this.data.length / this.blockRows;
    const c: Chunk = {
      matrix: { rows: this.filled, cols, data: this.data.subarray(0, this.filled * cols) },
      rowOffset: this.offset,
    };
    if (this.anyNull && this.nulls) c.nulls = this.nulls.subarray(0, this.filled);
    this.profile.add(c);
    this.offset += this.filled;
    this.filled = 0;
    this.anyNull = false;
    // Profile.add keeps no reference to the block, so the buffer is reused.
  }
}
