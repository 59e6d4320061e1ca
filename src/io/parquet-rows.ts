/**
 * Rows of a list-of-floats column, assembled from its pages' levels and values (the Dremel
 * record shredding of parquet-format README "Nested Encoding"): a slot with repetition level 0
 * starts a row; its definition level says null row, empty list, null element or value (see
 * parquet-schema.ts). A row may continue on the next page.
 *
 * Pages without nulls take a fast path: the row starts (the rep = 0 slots, counted while the
 * levels were decoded) are checked only at the positions a row of `dims` values puts them, which
 * proves every row in between regular; then the values of all those rows are one copy.
 */
import { InputError } from "../errors.js";
import type { FloatArray, Matrix } from "../linalg/matrix.js";
import { halvesToFloat32 } from "./half.js";
import type { DataPage, PageStream } from "./parquet-pages.js";
import type { ParquetListColumn } from "./parquet-schema.js";
import { REUSE_RING } from "./types.js";

const VALUES = 0;
const NULL_ROW = 1;
const EMPTY = 2;

export interface Rows {
  matrix: Matrix;
  nulls?: Uint8Array;
}

/** The length of the first non-null row (0 for an empty list), or null when every row is null. */
export async function firstRowLength(pages: PageStream, col: ParquetListColumn): Promise<number | null> {
  let len = -1;
  for (let page = await pages.next(); page; page = await pages.next()) {
    for (let s = 0; s < page.slots; s++) {
      const d = page.def ? page.def[s] : col.maxDef;
      if (page.rep[s] === 0) {
        if (len >= 0) return len;
        if (d === col.emptyDef) return 0;
        if (d > col.emptyDef) len = 0;
      }
      if (len >= 0) len++;
    }
  }
  return len >= 0 ? len : null;
}

export class ListRows {
  private page: DataPage | null = null;
  private s = 0;
  private v = 0;
  /** Row starts at or after slot `s` in the page. */
  private startsLeft = 0;
  /** The slot from which the page's rows are proven regular (-1: not checked or not regular). */
  private regularFrom = -1;
  private checked = false;
  private done = false;
  private readonly ring: FloatArray[] = [];
  private ringAt = 0;

  constructor(
    private readonly pages: PageStream,
    private readonly col: ParquetListColumn,
    private readonly dims: number,
    private readonly file: string,
    /** For the pair column: the embedding column's name, used in messages. */
    private readonly pairOf?: string,
    /** Hand out arrays from a ring of REUSE_RING (OpenOptions.reuseBuffers). */
    private readonly reuse = false,
  ) {}

  private chunkArray(n: number): FloatArray {
    const make = () => (this.col.dtype === "float64" ? new Float64Array(n) : new Float32Array(n));
    if (!this.reuse) return make();
    const at = this.ringAt;
    this.ringAt = (at + 1) % REUSE_RING;
    const a = this.ring[at];
    if (a && a.length === n) return a;
    this.ring[at] = make();
    return this.ring[at];
  }

  private async nextPage(): Promise<boolean> {
    this.page = await this.pages.next();
    this.s = 0;
    this.v = 0;
    this.checked = false;
    this.regularFrom = -1;
    this.startsLeft = this.page ? this.page.rowStarts : 0;
    if (!this.page) this.done = true;
    return this.page !== null;
  }

  private ragged(len: number, row: number): InputError {
    return new InputError(
      this.pairOf === undefined
        ? `ragged list: the row has ${len} values, but the first non-null row has ${this.dims}`
        : `the pair row has ${len} values, but "${this.pairOf}" has ${this.dims} dims`,
      { file: this.file, row, column: this.col.name },
      "every vector must have the same length",
    );
  }

  /** Checks once per page that the rows from slot `s` on sit `dims` slots apart (a dense page only). */
  private checkRegular(page: DataPage, s: number): void {
    this.checked = true;
    const d = this.dims;
    const starts = this.startsLeft; // including the row at s
    const last = s + (starts - 1) * d;
    if (last >= page.slots || page.slots - last > d) return;
    const rep = page.rep;
    for (let i = 1; i < starts; i++) if (rep[s + i * d] !== 0) return;
    this.regularFrom = s;
  }

  /**
   * Reads the next `n` rows into a fresh matrix (or, with `reuse`, the next array of the ring); null
   * rows are zeros marked in `nulls`. `firstRow` is the global index of the first, for messages.
   */
  async read(n: number, firstRow: number): Promise<Rows> {
    const d = this.dims;
    const col = this.col;
    const out = this.chunkArray(n * d);
    const outBytes = new Uint8Array(out.buffer);
    const vb = col.valueBytes;
    const copy = (values: Uint8Array, from: number, count: number, dst: number) => {
      if (count <= 0) return;
      const src = values.subarray(from * vb, (from + count) * vb);
      if (col.dtype !== "float16") outBytes.set(src, dst * vb);
      else {
        const halves = src.byteOffset % 2 === 0 ? src : src.slice();
        halvesToFloat32(new Uint16Array(halves.buffer, halves.byteOffset, count), out as Float32Array, dst, count);
      }
    };
    let nulls: Uint8Array | undefined;
    let r = -1;
    let filled = 0;
    let kind = VALUES;
    const close = () => {
      if (kind === NULL_ROW) {
        nulls ??= new Uint8Array(n);
        nulls[r] = 1;
        if (this.reuse) out.fill(0, r * d, (r + 1) * d);
      } else if (kind === EMPTY) {
        throw this.ragged(0, firstRow + r);
      } else if (filled !== d) {
        throw this.ragged(filled, firstRow + r);
      }
    };
    for (;;) {
      if (!this.page || this.s >= this.page.slots) {
        if (this.done || !(await this.nextPage())) break;
        continue;
      }
      const page = this.page;
      const { rep, def, values, slots } = page;
      const s = this.s;
      let v = this.v;
      if (rep[s] === 0) {
        if (r >= 0) close();
        if (r + 1 === n) break;
        r++;
        filled = 0;
        kind = VALUES;
        if (def === null) {
          if (!this.checked) this.checkRegular(page, s);
          if (this.regularFrom >= 0 && s >= this.regularFrom && (s - this.regularFrom) % d === 0) {
            const starts = this.startsLeft;
            const m = Math.min(n - r, starts);
            const tail = m === starts ? slots - (s + (starts - 1) * d) : d;
            const count = (m - 1) * d + tail;
            copy(values, v, count, r * d);
            this.s = s + count;
            this.v = v + count;
            this.startsLeft -= m;
            r += m - 1;
            filled = tail;
            continue;
          }
        }
        this.startsLeft--;
        const dl = def ? def[s] : col.maxDef;
        if (dl < col.emptyDef) {
          kind = NULL_ROW;
          this.s = s + 1;
          continue;
        }
        if (dl === col.emptyDef) {
          kind = EMPTY;
          this.s = s + 1;
          continue;
        }
      } else if (r < 0) {
        throw new InputError(
          "corrupt column: its data starts in the middle of a row (repetition level 1 at the first value)",
          { file: this.file, byteOffset: page.at, column: col.name },
        );
      } else if (kind !== VALUES) {
        throw new InputError("corrupt column: a null or empty list has more values", {
          file: this.file,
          row: firstRow + r,
          byteOffset: page.at,
          column: col.name,
        });
      }
      // slots of the row from s: runs of present values copied at once, null elements as NaN
      const dst = r * d;
      let j = s;
      while (j < slots && (j === s || rep[j] !== 0)) {
        if (def === null || def[j] === col.maxDef) {
          let e = j + 1;
          while (e < slots && rep[e] !== 0 && (def === null || def[e] === col.maxDef)) e++;
          const k = e - j;
          const fit = Math.max(0, Math.min(k, d - filled));
          copy(values, v, fit, dst + filled);
          v += k;
          filled += k;
          j = e;
        } else {
          const dl = def[j];
          if (dl < col.elementDef) {
            throw new InputError(`corrupt column: definition level ${dl} inside a list`, {
              file: this.file,
              row: firstRow + r,
              byteOffset: page.at,
              column: col.name,
            });
          }
          if (filled < d) out[dst + filled] = Number.NaN;
          filled++;
          j++;
        }
      }
      this.s = j;
      this.v = v;
    }
    if (r >= 0) close();
    const rows = r + 1;
    if (rows < n) {
      throw new InputError(
        `the column ends after ${firstRow + rows} rows, but the footer says there are more`,
        { file: this.file, column: col.name },
        "the file is damaged; write it again",
      );
    }
    const matrix = { rows: n, cols: d, data: out };
    return nulls ? { matrix, nulls } : { matrix };
  }

  /** Throws when the column holds rows beyond the ones read. */
  async assertEnd(rows: number): Promise<void> {
    for (;;) {
      if (this.page && this.s < this.page.slots) {
        throw new InputError(
          `the column holds more rows than the footer's ${rows}`,
          { file: this.file, column: this.col.name },
          "the file is damaged; write it again",
        );
      }
      if (this.done || !(await this.nextPage())) return;
    }
  }
}
