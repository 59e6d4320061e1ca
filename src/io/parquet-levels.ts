/**
 * The RLE / bit-packing hybrid of Parquet (parquet-format Encodings.md, "Run Length Encoding /
 * Bit-Packing Hybrid"), which stores repetition and definition levels and dictionary indices:
 *   run := varint header; header & 1 = 0 → RLE: header >> 1 copies of one value in ceil(w/8) bytes
 *                         header & 1 = 1 → (header >> 1) groups of 8 values bit-packed LSB first.
 * Decoders throw a plain Error when the runs do not fit the bytes; callers add the location.
 */

/** The bit width of levels up to `max` (0 for max 0: no levels are stored). */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/**
 * Decodes `count` values of width `width` (≤ 32) from bytes[pos, end) into out[0, count).
 * Returns how many of them equal `target` (pass -1 to skip the count). A bit-packed run may hold
 * more values than asked for (it is padded to a multiple of 8): the extra ones are dropped.
 */
export function decodeHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Uint8Array | Uint32Array,
  count: number,
  target = -1,
): number {
  if (width === 0) {
    out.fill(0, 0, count);
    return target === 0 ? count : 0;
  }
  if (width > 32) throw new Error(`bit width ${width} is over 32`);
  const valueBytes = (width + 7) >>> 3;
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  let seen = 0;
  let hits = 0;
  while (seen < count) {
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end || shift > 28) throw new Error("levels or indices end before all values are read");
      const b = bytes[pos++];
      header += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if ((header & 1) === 0) {
      const run = Math.floor(header / 2);
      if (pos + valueBytes > end) throw new Error("an RLE run ends past the page");
      let v = 0;
      for (let i = 0; i < valueBytes; i++) v += bytes[pos + i] * 2 ** (8 * i);
      pos += valueBytes;
      if (v > mask) throw new Error(`an RLE value ${v} does not fit ${width} bits`);
      const take = Math.min(run, count - seen);
      if (run === 0) continue;
      out.fill(v, seen, seen + take);
      if (v === target) hits += take;
      seen += take;
    } else {
      const groups = Math.floor(header / 2);
      const nbytes = groups * width;
      if (pos + nbytes > end) {
        // writers may end a page's last run early when no values remain: decode what is there
        if (pos + Math.ceil(((count - seen) * width) / 8) > end) throw new Error("a bit-packed run ends past the page");
      }
      const values = Math.min(groups * 8, count - seen);
      hits += unpack(bytes, pos, width, mask, out, seen, values, target);
      seen += values;
      pos += nbytes;
    }
  }
  return hits;
}

function unpack(
  bytes: Uint8Array,
  pos: number,
  width: number,
  mask: number,
  out: Uint8Array | Uint32Array,
  at: number,
  values: number,
  target: number,
): number {
  let hits = 0;
  if (width === 1) {
    for (let i = 0; i < values; i++) {
      const v = (bytes[pos + (i >>> 3)] >>> (i & 7)) & 1;
      out[at + i] = v;
      if (v === target) hits++;
    }
    return hits;
  }
  let p = pos;
  if (width <= 24) {
    // an integer bit buffer: fewer than `width` ≤ 24 bits are held when a byte is added
    let buf = 0;
    let have = 0;
    for (let i = 0; i < values; i++) {
      while (have < width) {
        buf |= bytes[p++] << have;
        have += 8;
      }
      const v = buf & mask;
      buf >>>= width;
      have -= width;
      out[at + i] = v;
      if (v === target) hits++;
    }
    return hits;
  }
  // wider values: a bit buffer of up to 32 + 7 bits, kept exact in a double
  let buf = 0;
  let have = 0;
  const radix = 2 ** width;
  for (let i = 0; i < values; i++) {
    while (have < width) {
      buf += bytes[p++] * 2 ** have;
      have += 8;
    }
    const v = buf % radix;
    buf = (buf - v) / radix;
    have -= width;
    out[at + i] = v;
    if (v === target) hits++;
  }
  return hits;
}
