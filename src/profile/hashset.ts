/**
 * A set of 64-bit row hashes (two uint32 halves), open addressing with linear probing.
 * 8 bytes a slot, load ≤ 0.5: about 16 bytes per distinct valid row.
 */
export class HashSet64 {
  private keys: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1024) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Adds (a, b); returns false when it was already present. */
  add(a: number, b: number): boolean {
    if (a === 0 && b === 0) b = 1; // (0, 0) marks an empty slot
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(a >>> 0, b >>> 0);
  }

  /** Whether (a, b) is a member. */
  has(a: number, b: number): boolean {
    if (a === 0 && b === 0) b = 1;
    a >>>= 0;
    b >>>= 0;
    const keys = this.keys;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ka = keys[slot * 2];
      const kb = keys[slot * 2 + 1];
      if (ka === 0 && kb === 0) return false;
      if (ka === a && kb === b) return true;
      slot = (slot + 1) & this.mask;
    }
  }

  private insert(a: number, b: number): boolean {
    const keys = this.keys;
    let slot = (a ^ Math.imul(b, 0x9e3779b1)) & this.mask;
    for (;;) {
      const ka = keys[slot * 2];
      const kb = keys[slot * 2 + 1];
      if (ka === 0 && kb === 0) {
        keys[slot * 2] = a;
        keys[slot * 2 + 1] = b;
        this.size++;
        return true;
      }
      if (ka === a && kb === b) return false;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.keys;
    this.keys = new Uint32Array(old.length * 2);
    this.mask = this.keys.length / 2 - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(old[i], old[i + 1]);
  }

  /** Calls fn for every member, in slot order. */
  forEach(fn: (a: number, b: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i += 2) if (keys[i] !== 0 || keys[i + 1] !== 0) fn(keys[i], keys[i + 1]);
  }
}
