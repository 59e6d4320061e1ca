/**
 * Bottom-k row sample: keeps the `capacity` rows with the smallest (priority, index), where the
 * priority is rowPriority(seed, global index). Membership depends only on (seed, index), so the
 * sample of merged shards equals the sample of the whole input (a uniform sample without
 * replacement of the valid rows). Rows are kept as float64.
 */
export class BottomKSample {
  readonly capacity: number;
  readonly dims: number;
  /** Slot storage: capacity × dims. */
  private readonly values: Float64Array;
  /** A max-heap of slots by (priority, index). */
  private readonly heap: Int32Array;
  private readonly priority: Float64Array;
  private readonly index: Float64Array;
  size = 0;

  constructor(capacity: number, dims: number) {
    this.capacity = capacity;
    this.dims = dims;
    this.values = new Float64Array(capacity * dims);
    this.heap = new Int32Array(capacity);
    this.priority = new Float64Array(capacity);
    this.index = new Float64Array(capacity);
  }

  /** True when a row with this (priority, index) would enter the sample. */
  accepts(priority: number, index: number): boolean {
    if (this.capacity === 0) return false;
    if (this.size < this.capacity) return true;
    const top = this.heap[0];
    return this.less(priority, index, this.priority[top], this.index[top]);
  }

  /** Offers a row (values src[offset .. offset + dims)); call only when accepts() is true. */
  offer(priority: number, index: number, src: ArrayLike<number>, offset: number): void {
    let slot: number;
    if (this.size < this.capacity) {
      slot = this.size;
      this.heap[this.size++] = slot;
      this.setSlot(slot, priority, index, src, offset);
      this.siftUp(this.size - 1);
    } else {
      slot = this.heap[0];
      this.setSlot(slot, priority, index, src, offset);
      this.siftDown(0);
    }
  }

  /**
   * The kept rows sorted by global index: their indices and a (size × dims) float64 matrix. With
   * `limit`, only the `limit` rows of smallest (priority, index): the sample a capacity of `limit`
   * would have kept.
   */
  rowsByIndex(limit?: number): { indices: Float64Array; values: Float64Array } {
    let slots = Array.from(this.heap.subarray(0, this.size));
    if (limit !== undefined && limit < slots.length) {
      slots.sort((a, b) => this.priority[a] - this.priority[b] || this.index[a] - this.index[b]);
      slots = slots.slice(0, Math.max(0, limit));
    }
    slots.sort((a, b) => this.index[a] - this.index[b]);
    const indices = new Float64Array(slots.length);
    const values = new Float64Array(slots.length * this.dims);
    slots.forEach((s, i) => {
      indices[i] = this.index[s];
      values.set(this.values.subarray(s * this.dims, (s + 1) * this.dims), i * this.dims);
    });
    return { indices, values };
  }

  /** The kept rows in slot order: (priority, index) pairs and their values (views; do not modify). */
  entries(): { priorities: Float64Array; indices: Float64Array; values: Float64Array } {
    const n = this.size;
    const priorities = new Float64Array(n);
    const indices = new Float64Array(n);
    const values = new Float64Array(n * this.dims);
    for (let i = 0; i < n; i++) {
      const s = this.heap[i];
      priorities[i] = this.priority[s];
      indices[i] = this.index[s];
      values.set(this.values.subarray(s * this.dims, (s + 1) * this.dims), i * this.dims);
    }
    return { priorities, indices, values };
  }

  /** Adds every row of another sample (same capacity and dims). */
  mergeFrom(other: BottomKSample): void {
    for (let i = 0; i < other.size; i++) {
      const s = other.heap[i];
      if (this.accepts(other.priority[s], other.index[s])) {
        this.offer(other.priority[s], other.index[s], other.values, s * other.dims);
      }
    }
  }

  private setSlot(slot: number, priority: number, index: number, src: ArrayLike<number>, offset: number): void {
    this.priority[slot] = priority;
    this.index[slot] = index;
    const d = this.dims;
    const base = slot * d;
    for (let j = 0; j < d; j++) this.values[base + j] = src[offset + j];
  }

  private less(pa: number, ia: number, pb: number, ib: number): boolean {
    return pa < pb || (pa === pb && ia < ib);
  }

  /** Heap order: the parent is the larger. */
  private above(x: number, y: number): boolean {
    return this.less(this.priority[y], this.index[y], this.priority[x], this.index[x]);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.above(h[l], h[m])) m = l;
      if (r < this.size && this.above(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
