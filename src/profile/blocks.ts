/**
 * Feeds a Profile in blocks of exactly blockRowsFor(d) rows (at multiples of it of the global row
 * index; a first block of a shard off such a multiple is short), whatever chunks the reader yields: the
 * profile's pairwise (Chan) merges and the mixed-precision blocks then happen at the same rows for
 * any chunk size, container or sharding, so its mean and covariance (the spectrum, the fit made
 * from them, and so `fix`'s output) are bit-identical for any --chunk-rows and any reader.
 */
import { InputError } from "../errors.js";
import type { Chunk, Label } from "../io/types.js";
import type { FloatArray, Matrix } from "../linalg/matrix.js";
import { blockRowsFor } from "./blockRows.js";
import type { Profile } from "./profile.js";

export { blockRowsFor } from "./blockRows.js";

/** One side of a block (the rows, or their positive partners). */
class Buffer {
  data: FloatArray | null = null;
  nulls: Uint8Array | null = null;
  anyNull = false;

  /** Whether the buffer holds values of another array type than `data` (then flush first). */
  differs(data: FloatArray): boolean {
    return this.data !== null && this.data.constructor !== data.constructor;
  }

  copy(m: Matrix, nulls: Uint8Array | undefined, from: number, take: number, at: number, blockRows: number): void {
    const cols = m.cols;
    if (!this.data || this.data.constructor !== m.data.constructor) {
      this.data =
        m.data instanceof Float64Array ? new Float64Array(blockRows * cols) : new Float32Array(blockRows * cols);
      this.nulls = new Uint8Array(blockRows);
    }
    this.data.set(m.data.subarray(from * cols, (from + take) * cols), at * cols);
    const own = this.nulls as Uint8Array;
    if (nulls) {
      for (let i = 0; i < take; i++) {
        own[at + i] = nulls[from + i];
        if (nulls[from + i]) this.anyNull = true;
      }
    } else own.fill(0, at, at + take);
  }

  /** The first `rows` rows as a matrix (a view) and their null mask when any is null. */
  view(rows: number, cols: number): { matrix: Matrix; nulls?: Uint8Array } {
    const data = this.data as FloatArray;
    const out: { matrix: Matrix; nulls?: Uint8Array } = {
      matrix: { rows, cols, data: data.subarray(0, rows * cols) },
    };
    if (this.anyNull && this.nulls) out.nulls = this.nulls.subarray(0, rows);
    return out;
  }
}

export class BlockFeeder {
  private readonly rows = new Buffer();
  private readonly pairs = new Buffer();
  private withPairs = false;
  /** The buffered rows' labels, when the chunks carry labels. */
  private labels: Label[] | null = null;
  private filled = 0;
  private offset: number | null = null;

  constructor(
    private readonly profile: Profile,
    private readonly blockRows = blockRowsFor(profile.dims),
  ) {}

  /**
   * Adds a chunk's rows. Global row indices continue from the first chunk's rowOffset (later
   * chunks' offsets are not read: the feeder numbers rows in the order they come).
   */
  push(chunk: Chunk): void {
    const { rows, cols, data } = chunk.matrix;
    if (cols !== this.profile.dims) {
      throw new InputError(`chunk has ${cols} columns, expected ${this.profile.dims}`, { row: chunk.rowOffset });
    }
    this.offset ??= chunk.rowOffset;
    const pair = chunk.pair;
    if (pair) this.withPairs = true;
    let r = 0;
    while (r < rows) {
      if (this.rows.differs(data) || (pair && this.pairs.differs(pair.matrix.data))) this.flush();
      // blocks end at multiples of blockRows of the global row index, so a shard that starts on one
      // cuts the blocks the whole input would (the moments' merge tree: moments.ts)
      const room = this.blockRows - ((this.offset ?? 0) % this.blockRows);
      const take = Math.min(rows - r, room - this.filled);
      if (this.filled === 0 && take === this.blockRows) {
        // a whole block inside the chunk: hand it on as a view, no copy (Profile.add keeps nothing)
        this.addBlock(
          sliceRows(chunk.matrix, chunk.nulls, r, take),
          pair && sliceRows(pair.matrix, pair.nulls, r, take),
          chunk.labels?.slice(r, r + take),
        );
        r += take;
        continue;
      }
      this.rows.copy(chunk.matrix, chunk.nulls, r, take, this.filled, this.blockRows);
      if (pair) this.pairs.copy(pair.matrix, pair.nulls, r, take, this.filled, this.blockRows);
      if (chunk.labels) {
        this.labels ??= new Array(this.blockRows);
        for (let i = 0; i < take; i++) this.labels[this.filled + i] = chunk.labels[r + i];
      }
      this.filled += take;
      r += take;
      if (this.filled === room) this.flush();
    }
  }

  /** Hands the rows still buffered to the profile. */
  flush(): void {
    if (this.filled === 0) return;
    const cols = this.profile.dims;
    this.addBlock(
      this.rows.view(this.filled, cols),
      this.withPairs ? this.pairs.view(this.filled, cols) : null,
      this.labels?.slice(0, this.filled),
    );
    this.filled = 0;
    this.rows.anyNull = false;
    this.pairs.anyNull = false;
  }

  private addBlock(
    rows: { matrix: Matrix; nulls?: Uint8Array },
    pair: { matrix: Matrix; nulls?: Uint8Array } | null | undefined,
    labels?: Label[],
  ): void {
    const c: Chunk = { matrix: rows.matrix, rowOffset: this.offset ?? 0 };
    if (rows.nulls) c.nulls = rows.nulls;
    if (pair) c.pair = pair;
    if (labels) c.labels = labels;
    this.profile.add(c);
    this.offset = (this.offset ?? 0) + rows.matrix.rows;
  }
}

function sliceRows(
  m: Matrix,
  nulls: Uint8Array | undefined,
  from: number,
  take: number,
): { matrix: Matrix; nulls?: Uint8Array } {
  const out: { matrix: Matrix; nulls?: Uint8Array } = {
    matrix: { rows: take, cols: m.cols, data: m.data.subarray(from * m.cols, (from + take) * m.cols) },
  };
  const part = nulls?.subarray(from, from + take);
  if (part?.some((v) => v === 1)) out.nulls = part;
  return out;
}
