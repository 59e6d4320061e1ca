/**
 * CRC-32 (IEEE 802.3, the zip and PNG checksum): node:zlib's crc32 where the running Node has it
 * (added in Node 20.15 and 22.2), else a table-driven JS version with the same results, so
 * embcheck starts on every Node 20. The module is imported as a namespace: a named import of a
 * missing export fails when the module is linked, before any code runs.
 *
 * Fallback: slicing-by-8 (Kounavis & Berry, "A Systematic Approach to Building High Performance
 * Software-based CRC Generators", 2005) over the reflected polynomial 0xEDB88320.
 */
import * as zlib from "node:zlib";

const POLY = 0xedb88320;
let table: Int32Array | null = null;

function tables(): Int32Array {
  if (table) return table;
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? POLY ^ (c >>> 1) : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i] >>> 8) ^ t[t[(s - 1) * 256 + i] & 0xff];
  }
  table = t;
  return t;
}

/** CRC-32 of `data`, continuing from `value` (the CRC of the bytes before), in plain JS. */
export function crc32Js(data: Uint8Array, value = 0): number {
  const t = tables();
  let c = ~value;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + data[i + 4]] ^
      t[512 + data[i + 5]] ^
      t[256 + data[i + 6]] ^
      t[data[i + 7]];
  }
  for (; i < n; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

type Crc32 = (data: Uint8Array, value?: number) => number;

/** node:zlib's crc32 when present, else crc32Js. */
export const nativeCrc32: Crc32 | undefined = (zlib as { crc32?: Crc32 }).crc32;

export const crc32: Crc32 = nativeCrc32 ?? crc32Js;
