/**
 * A map from 64-bit row hashes (two uint32 halves) to a count (a float64: exact to 2^53), open
 * addressing with linear probing, 16 bytes a slot at load ≤ 0.5. Holds the repeats of the duplicate set: for each distinct
 * row seen more than once, how many times beyond the first (what a duplicate share estimated from
 * a sample of the distinct rows needs: src/profile/sketches.ts).
 */
export class HashCount64 {
  private slots: Uint32Array;
  private counts: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.counts = new Float64Array(cap);
    this.mask = cap - 1;
  }

  /** Adds `by` to the count of (a, b). */
  add(a: number, b: number, by = 1): void {
    if (a === 0 && b === 0) b = 1; // (0, 0) marks an empty slot, as in HashSet64
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.insert(a >>> 0, b >>> 0, by);
  }

  /** The count of (a, b), 0 when absent. */
  get(a: number, b: number): number {
    if (a === 0 && b === 0) b = 1;
    a >>>= 0;
    b >>>= 0;
    const s = this.slots;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ka = s[slot * 2];
      const kb = s[slot * 2 + 1];
      if (ka === 0 && kb === 0) return 0;
      if (ka === a && kb === b) return this.counts[slot];
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(a: number, b: number, by: number): void {
    const s = this.slots;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ka = s[slot * 2];
      const kb = s[slot * 2 + 1];
      if (ka === 0 && kb === 0) {
        s[slot * 2] = a;
        s[slot * 2 + 1] = b;
        this.counts[slot] = by;
        this.size++;
        return;
      }
      if (ka === a && kb === b) {
        this.counts[slot] += by;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldCounts = this.counts;
    this.slots = new Uint32Array(old.length * 2);
    this.counts = new Float64Array(oldCounts.length * 2);
    this.mask = oldCounts.length * 2 - 1;
    this.size = 0;
    for (let i = 0; i < oldCounts.length; i++) {
      if (old[2 * i] !== 0 || old[2 * i + 1] !== 0) this.insert(old[2 * i], old[2 * i + 1], oldCounts[i]);
    }
  }

  /** Calls fn for every entry, in slot order. */
  forEach(fn: (a: number, b: number, count: number) => void): void {
    const s = this.slots;
    for (let i = 0; i < this.counts.length; i++) {
      if (s[2 * i] !== 0 || s[2 * i + 1] !== 0) fn(s[2 * i], s[2 * i + 1], this.counts[i]);
    }
  }
}
