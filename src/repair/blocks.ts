/**
 * Feeds a Profile in blocks of exactly BLOCK_ROWS rows, whatever chunks the reader yields: the
 * profile's pairwise (Chan) merges then happen at the same rows for any chunk size, so its mean
 * and covariance, the fit made from them, and so the output are bit-identical for any --chunk-rows.
 */
import type { Chunk } from "../io/types.js";
import type { FloatArray } from "../linalg/matrix.js";
import type { Profile } from "../profile/profile.js";

export const BLOCK_ROWS = 1024;

export class BlockFeeder {
  private data: FloatArray | null = null;
  private nulls: Uint8Array | null = null;
  private filled = 0;
  private offset = 0;
  private anyNull = false;

  constructor(
    private readonly profile: Profile,
    private readonly blockRows = BLOCK_ROWS,
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
