/**
 * A bounds-checked reader of FlatBuffers tables (the encoding of Arrow's IPC metadata), in the
 * spirit of the FlatBuffers verifier (flatbuffers `Verifier`, as Arrow C++ runs it before it reads a
 * message): every offset, vtable, vector and string is checked against the buffer before it is
 * followed, the nesting depth and the number of tables visited are capped, so a damaged or hostile
 * message costs at most `maxTables` small reads and never points outside its bytes.
 * Layout: flatbuffers.dev/internals (uoffset_t 32-bit unsigned forward offsets, soffset_t to the
 * vtable, vtable = [vtable size u16, table size u16, field offsets u16...]).
 */

/** A structural problem in the metadata; `at` is the byte offset within the flatbuffer. */
export class BadFlatbuffer extends Error {
  override name = "BadFlatbuffer";
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

export interface Limits {
  /** Tables (and vectors of tables) the whole read may visit. */
  maxTables: number;
  /** Nesting of tables inside tables. */
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = { maxTables: 1_000_000, maxDepth: 64 };

/** The buffer and the budget shared by every Table read from it. */
export class FlatBuffer {
  readonly view: DataView;
  private tables = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  check(at: number, n: number, what: string): void {
    if (at < 0 || n < 0 || at + n > this.bytes.length) {
      throw new BadFlatbuffer(`${what} at ${at} (+${n} bytes) lies outside the ${this.bytes.length}-byte metadata`, at);
    }
  }

  count(at: number): void {
    if (++this.tables > this.limits.maxTables) {
      throw new BadFlatbuffer(`the metadata has more than ${this.limits.maxTables} tables`, at);
    }
  }

  /** The root table (the uoffset at byte 0). */
  root(): Table {
    this.check(0, 4, "the root offset");
    return this.tableAt(this.view.getUint32(0, true), 0);
  }

  tableAt(pos: number, depth: number): Table {
    if (depth > this.limits.maxDepth) {
      throw new BadFlatbuffer(`the metadata nests deeper than ${this.limits.maxDepth} levels`, pos);
    }
    this.count(pos);
    this.check(pos, 4, "a table");
    const vt = pos - this.view.getInt32(pos, true);
    this.check(vt, 4, "a vtable");
    const vtSize = this.view.getUint16(vt, true);
    const tableSize = this.view.getUint16(vt + 2, true);
    if (vtSize < 4 || vtSize % 2 !== 0) throw new BadFlatbuffer(`a vtable of size ${vtSize}`, vt);
    this.check(vt, vtSize, "a vtable");
    this.check(pos, Math.max(4, tableSize), "a table");
    return new Table(this, pos, vt, vtSize, tableSize, depth);
  }
}

/** One table: typed field reads with defaults, each bounds-checked. */
export class Table {
  constructor(
    private readonly fb: FlatBuffer,
    readonly pos: number,
    private readonly vt: number,
    private readonly vtSize: number,
    private readonly tableSize: number,
    private readonly depth: number,
  ) {}

  /** Absolute position of field `id`'s inline value (needing `size` bytes), or 0 when absent. */
  private field(id: number, size: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtSize) return 0;
    const rel = this.fb.view.getUint16(this.vt + slot, true);
    if (rel === 0) return 0;
    if (rel + size > this.tableSize) {
      throw new BadFlatbuffer(`field ${id} at +${rel} runs past its ${this.tableSize}-byte table`, this.pos);
    }
    const at = this.pos + rel;
    this.fb.check(at, size, `field ${id}`);
    return at;
  }

  /** Position of field `id`'s inline value in the buffer, or 0 when absent (tests edit fields through it). */
  offsetOf(id: number): number {
    return this.field(id, 0);
  }

  has(id: number): boolean {
    const slot = 4 + 2 * id;
    return slot + 2 <= this.vtSize && this.fb.view.getUint16(this.vt + slot, true) !== 0;
  }

  bool(id: number, dflt = false): boolean {
    const at = this.field(id, 1);
    return at ? this.fb.view.getUint8(at) !== 0 : dflt;
  }

  u8(id: number, dflt = 0): number {
    const at = this.field(id, 1);
    return at ? this.fb.view.getUint8(at) : dflt;
  }

  i8(id: number, dflt = 0): number {
    const at = this.field(id, 1);
    return at ? this.fb.view.getInt8(at) : dflt;
  }

  i16(id: number, dflt = 0): number {
    const at = this.field(id, 2);
    return at ? this.fb.view.getInt16(at, true) : dflt;
  }

  i32(id: number, dflt = 0): number {
    const at = this.field(id, 4);
    return at ? this.fb.view.getInt32(at, true) : dflt;
  }

  /** A 64-bit integer as a number; values beyond ±2^53 are returned as ±Infinity so range checks refuse them. */
  i64(id: number, dflt = 0): number {
    const at = this.field(id, 8);
    return at ? readInt64(this.fb.view, at) : dflt;
  }

  private target(id: number): number {
    const at = this.field(id, 4);
    if (!at) return 0;
    const to = at + this.fb.view.getUint32(at, true);
    return to;
  }

  /** A sub-table, or null when absent. */
  table(id: number): Table | null {
    const to = this.target(id);
    return to ? this.fb.tableAt(to, this.depth + 1) : null;
  }

  /** A vector of inline elements of `elemSize` bytes: its first element's position and its length. */
  vector(id: number, elemSize: number): { at: number; length: number } | null {
    const to = this.target(id);
    if (!to) return null;
    this.fb.check(to, 4, `vector ${id}`);
    const length = this.fb.view.getUint32(to, true);
    this.fb.check(to + 4, length * elemSize, `vector ${id} of ${length} elements`);
    return { at: to + 4, length };
  }

  /** A vector of tables. */
  tables(id: number): Table[] {
    const v = this.vector(id, 4);
    if (!v) return [];
    this.fb.count(v.at);
    const out: Table[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const slot = v.at + 4 * i;
      out[i] = this.fb.tableAt(slot + this.fb.view.getUint32(slot, true), this.depth + 1);
    }
    return out;
  }

  string(id: number): string | null {
    const v = this.vector(id, 1);
    if (!v) return null;
    return new TextDecoder().decode(this.fb.bytes.subarray(v.at, v.at + v.length));
  }

  /** Reads a struct vector's int64 at element `i`, byte `off` within the element. */
  structI64(v: { at: number }, elemSize: number, i: number, off: number): number {
    return readInt64(this.fb.view, v.at + i * elemSize + off);
  }

  structI32(v: { at: number }, elemSize: number, i: number, off: number): number {
    return this.fb.view.getInt32(v.at + i * elemSize + off, true);
  }
}

export function readInt64(view: DataView, at: number): number {
  const lo = view.getUint32(at, true);
  const hi = view.getInt32(at + 4, true);
  const v = hi * 2 ** 32 + lo;
  if (v > Number.MAX_SAFE_INTEGER) return Number.POSITIVE_INFINITY;
  if (v < -Number.MAX_SAFE_INTEGER) return Number.NEGATIVE_INFINITY;
  return v;
}
