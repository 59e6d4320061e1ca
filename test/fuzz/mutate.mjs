/**
 * Seeded mutators for the fuzz suite (docs/hardening.md). Every input is a pure function of
 * (reader, case index): `makeCase(reader, i)` rebuilds the same bytes on any machine, so a failing
 * case is reproduced from its two numbers alone.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** SplitMix32-style generator (Vigna's splitmix constants, 32-bit variant): small, fast, seedable. */
export function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return {
    u32: next,
    int: (n) => (n <= 0 ? 0 : next() % n),
    pick: (xs) => xs[next() % xs.length],
    chance: (p) => next() / 2 ** 32 < p,
  };
}

/** FNV-1a of a string, to derive a stream seed per reader. */
function hashString(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const INTERESTING32 = [
  0, 1, 2, 7, 8, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8, 16, 64,
];
const INTERESTING64 = [
  0n,
  1n,
  0x7fffffffn,
  0xffffffffn,
  0x100000000n,
  2n ** 53n,
  2n ** 62n,
  2n ** 63n - 1n,
  2n ** 64n - 1n,
];

// ---- generic byte mutators --------------------------------------------------------------------

function flipBytes(r, buf, lo = 0, hi = buf.length) {
  const out = Buffer.from(buf);
  const n = 1 + r.int(8);
  for (let k = 0; k < n && hi > lo; k++) {
    const at = lo + r.int(hi - lo);
    out[at] = r.chance(0.5) ? out[at] ^ (1 << r.int(8)) : r.int(256);
  }
  return out;
}

function truncate(r, buf) {
  return Buffer.from(buf.subarray(0, r.int(buf.length)));
}

/** Writes an interesting 32- or 64-bit little-endian integer at an aligned offset in [lo, hi). */
function interestingInt(r, buf, lo = 0, hi = buf.length) {
  const out = Buffer.from(buf);
  const wide = r.chance(0.3);
  const size = wide ? 8 : 4;
  const slots = Math.floor((hi - lo) / size);
  if (slots <= 0) return out;
  const at = lo - (lo % size) + size * r.int(slots);
  if (at + size > out.length) return out;
  if (wide) out.writeBigUInt64LE(r.pick(INTERESTING64), at);
  else out.writeUInt32LE(r.pick(INTERESTING32), at);
  return out;
}

/** Inserts a copy of one range of `from` (often the input itself) at a position of `buf`. */
function splice(r, buf, from = buf) {
  const a = r.int(from.length);
  const len = 1 + r.int(Math.min(512, from.length - a));
  const at = r.int(buf.length + 1);
  return Buffer.concat([buf.subarray(0, at), from.subarray(a, a + len), buf.subarray(at)]);
}

function generic(r, buf, others) {
  switch (r.int(5)) {
    case 0:
      return ["flip", flipBytes(r, buf)];
    case 1:
      return ["truncate", truncate(r, buf)];
    case 2:
      return ["int", interestingInt(r, buf)];
    case 3:
      return ["splice", splice(r, buf, r.chance(0.5) ? buf : r.pick(others))];
    default:
      return ["flip-head", flipBytes(r, buf, 0, Math.min(buf.length, 256))];
  }
}

// ---- NPY --------------------------------------------------------------------------------------

const SHAPES = [
  "(64, 2147483648)",
  "(4294967296, 16)",
  "(-1, 16)",
  "(0, 16)",
  "(37,)",
  "(37, 16, 2)",
  "(3, 0)",
  "(1e3, 16)",
  "(2**40, 2**40)",
  "(37, 17)",
  "(36, 16)",
  "(9007199254740993, 1)",
];
const DESCRS = [
  "'<f4'",
  "'>f8'",
  "'<f2'",
  "'|u1'",
  "'<i8'",
  "'<c8'",
  "'|O'",
  "'<f16'",
  "'<U8'",
  "'V4'",
  "[('a', '<f4')]",
  "'<f4x'",
];

/** Rewrites one field of an NPY header (shape, descr, fortran_order or the header length). */
function npyHeaderEdit(r, buf) {
  const out = Buffer.from(buf);
  const v = out[6];
  const lenAt = 8;
  const headerLen = v === 1 ? out.readUInt16LE(lenAt) : out.readUInt32LE(lenAt);
  const start = v === 1 ? 10 : 12;
  let header = out.subarray(start, start + headerLen).toString("latin1");
  const kind = r.int(5);
  if (kind === 0) header = header.replace(/'shape': \([^)]*\)/, `'shape': ${r.pick(SHAPES)}`);
  else if (kind === 1) header = header.replace(/'descr': [^,]*,/, `'descr': ${r.pick(DESCRS)},`);
  else if (kind === 2) header = header.replace(/False|True/, r.pick(["True", "False", "1", "None"]));
  else if (kind === 3) {
    const len = r.pick([0, 1, headerLen - 1, headerLen + 1, 0xffff, out.length]);
    if (v === 1) out.writeUInt16LE(len & 0xffff, lenAt);
    else out.writeUInt32LE(len >>> 0, lenAt);
    return ["npy-header-len", out];
  } else out[6] = r.pick([0, 2, 3, 4, 255]);
  // Keep the header's length (pad or cut the spaces before the newline) so the data stays aligned.
  const body = header.replace(/ *\n$/, "");
  const padded = body.length + 1 <= headerLen ? `${body.padEnd(headerLen - 1, " ")}\n` : `${body}\n`;
  const head = Buffer.from(padded, "latin1");
  const len = Buffer.alloc(v === 1 ? 2 : 4);
  if (v === 1) len.writeUInt16LE(head.length & 0xffff);
  else len.writeUInt32LE(head.length);
  return ["npy-header", Buffer.concat([out.subarray(0, 8), len, head, out.subarray(start + headerLen)])];
}

function mutateNpy(r, seed, others) {
  return r.chance(0.4) ? npyHeaderEdit(r, seed) : generic(r, seed, others);
}

// ---- NPZ: a zip written here so members can be edited with their CRC-32 kept right ----------

/** A zip of the given members (stored or deflated), CRC-32 and sizes right unless told otherwise. */
export function zip(members, { deflate = false, badCrc = false } = {}) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const { name, data } of members) {
    const nameBytes = Buffer.from(name, "utf8");
    const body = deflate ? deflateRawSync(data) : data;
    const crc = (crc32(data) ^ (badCrc ? 1 : 0)) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(deflate ? 8 : 0, 10);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(body.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, body);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

function mutateNpz(r, npySeeds, others) {
  const npy = r.pick(npySeeds);
  const deflate = r.chance(0.5);
  const kind = r.int(4);
  if (kind === 0 || kind === 1) {
    // The member is damaged, the zip is sound (CRCs recomputed): the NPY reader inside must refuse.
    const [how, member] = mutateNpy(r, npy, npySeeds);
    return [`member-${how}`, zip([{ name: "x.npy", data: member }], { deflate })];
  }
  if (kind === 2) {
    // The member is damaged after its CRC was taken: the CRC check must refuse it.
    const member = flipBytes(r, npy, Math.min(npy.length - 1, 128));
    const good = zip([{ name: "x.npy", data: npy }], { deflate: false });
    const bad = zip([{ name: "x.npy", data: member }], { deflate: false });
    // Same layout (stored, same length): take the damaged bytes, keep the CRCs of the sound member.
    const out = Buffer.from(bad);
    out.writeUInt32LE(good.readUInt32LE(14), 14);
    const cd = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    out.writeUInt32LE(good.readUInt32LE(cd + 16), cd + 16);
    return [out.equals(good) ? "crc-same" : "crc-stale", out];
  }
  return generic(r, zip([{ name: "x.npy", data: npy }], { deflate }), others);
}

// ---- Arrow IPC: messages located by their framing ---------------------------------------------

/** The messages of an IPC stream region: [start, metadata start, metadata end, body end]. */
export function arrowMessages(buf, from) {
  const out = [];
  let at = from;
  while (at + 8 <= buf.length) {
    let meta = at;
    let len = buf.readInt32LE(at);
    if (len === -1) {
      len = buf.readInt32LE(at + 4);
      meta = at + 8;
    } else meta = at + 4;
    if (len <= 0 || meta + len > buf.length) break;
    // bodyLength: Message table's int64 field; find it by the flatbuffer vtable (field 3, id 3).
    let body = 0;
    try {
      const root = meta + buf.readUInt32LE(meta);
      const vt = root - buf.readInt32LE(root);
      const vtLen = buf.readUInt16LE(vt);
      const bodyOff = vtLen > 4 + 2 * 3 ? buf.readUInt16LE(vt + 4 + 2 * 3) : 0;
      body = bodyOff ? Number(buf.readBigInt64LE(root + bodyOff)) : 0;
    } catch {
      break; // not a message this walker understands (e.g. an unaligned writer): stop here
    }
    const end = meta + len + body;
    if (end > buf.length || body < 0) break;
    out.push([at, meta, meta + len, end]);
    at = end;
  }
  return out;
}

function mutateArrow(r, seed, others, file) {
  const msgs = arrowMessages(seed, file ? 8 : 0);
  const kind = r.int(7);
  if (msgs.length === 0 || kind >= 5) return generic(r, seed, others);
  const m = r.pick(msgs);
  if (kind === 0) return ["meta-int", interestingInt(r, seed, m[1], m[2])];
  if (kind === 1) return ["meta-flip", flipBytes(r, seed, m[1], m[2])];
  if (kind === 2) return ["body-flip", flipBytes(r, seed, m[2], Math.max(m[2] + 1, m[3]))];
  if (kind === 3) {
    // A message inserted a second time (the schema twice, a batch twice) or dropped.
    const at = r.pick(msgs)[0];
    if (r.chance(0.5))
      return ["msg-dup", Buffer.concat([seed.subarray(0, at), seed.subarray(m[0], m[3]), seed.subarray(at)])];
    return ["msg-drop", Buffer.concat([seed.subarray(0, m[0]), seed.subarray(m[3])])];
  }
  if (file && seed.length > 16) {
    // The footer: its flatbuffer sits before the last 10 bytes (int32 length, "ARROW1").
    const len = seed.readInt32LE(seed.length - 10);
    const lo = Math.max(0, seed.length - 10 - len);
    return r.chance(0.5)
      ? ["footer-int", interestingInt(r, seed, lo, seed.length - 10)]
      : ["footer-flip", flipBytes(r, seed, lo, seed.length - 6)];
  }
  return ["meta-int", interestingInt(r, seed, m[1], m[2])];
}

// ---- Parquet: the thrift footer and the pages --------------------------------------------------

function mutateParquet(r, seed, others) {
  const len = seed.readUInt32LE(seed.length - 8);
  const lo = Math.max(4, seed.length - 8 - len);
  switch (r.int(5)) {
    case 0:
      return ["footer-flip", flipBytes(r, seed, lo, seed.length - 8)];
    case 1: {
      const out = flipBytes(r, seed, lo, seed.length - 8);
      return ["footer-int", interestingInt(r, out, lo, seed.length - 8)];
    }
    case 2:
      return ["page-flip", flipBytes(r, seed, 4, lo)];
    default:
      return generic(r, seed, others);
  }
}

// ---- the readers ------------------------------------------------------------------------------

const f = (p) => readFileSync(join(ROOT, "fixtures", p));

/** Each reader kind: its seed files, its file extension, how inputs reach it, its mutator. */
export const READERS = {
  npy: {
    ext: "npy",
    seeds: ["npy/f4_le.npy", "npy/f8_be.npy", "npy/f2_le.npy", "npy/v2_f4.npy", "npy/fortran_f4.npy"],
    mutate: mutateNpy,
  },
  npz: {
    ext: "npz",
    seeds: ["npy/f4_le.npy", "npy/f8_le.npy", "npy/f2_le.npy", "npy/fortran_f4.npy"],
    mutate: (r, _s, seeds) => mutateNpz(r, seeds, seeds),
  },
  "arrow-file": {
    ext: "arrow",
    seeds: ["arrow/fsl_f32.arrow", "arrow/largelist_f32.arrow", "arrow/pair.arrow", "arrow/ragged.arrow"],
    mutate: (r, s, o) => mutateArrow(r, s, o, true),
  },
  "arrow-stream": {
    ext: "arrows",
    seeds: ["arrow/fsl_f32.arrows", "arrow/ragged.arrows", "arrow/fsl_f64_lz4.arrows"],
    mutate: (r, s, o) => mutateArrow(r, s, o, false),
  },
  "arrow-stdin": {
    ext: "arrows",
    stdin: true,
    seeds: ["arrow/fsl_f32.arrows", "arrow/list_f16_zstd.arrows", "arrow/polars_zstd.arrows"],
    mutate: (r, s, o) => mutateArrow(r, s, o, false),
  },
  "arrow-codec": {
    ext: "arrow",
    seeds: ["arrow/polars_zstd.arrow", "arrow/list_f64_zstd.arrow", "arrow/fsl_f16_lz4.feather"],
    mutate: (r, s, o) => mutateArrow(r, s, o, true),
  },
  parquet: {
    ext: "parquet",
    seeds: [
      "parquet/pa_bss_f16.parquet",
      "parquet/duckdb_list_f32_zstd.parquet",
      "parquet/pa_fsl_f32_lz4.parquet",
      "parquet/pa_large_f16_gzip.parquet",
    ],
    mutate: mutateParquet,
  },
};

const seedCache = new Map();

function seedsOf(reader) {
  let s = seedCache.get(reader);
  if (!s) {
    s = READERS[reader].seeds.map(f);
    seedCache.set(reader, s);
  }
  return s;
}

/** Case `i` of `reader`: { how, bytes }. The same (reader, i, runSeed) always gives the same bytes. */
export function makeCase(reader, i, runSeed = 1) {
  const r = rng((hashString(reader) ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(runSeed, 0x85ebca6b)) >>> 0);
  const seeds = seedsOf(reader);
  const seed = r.pick(seeds);
  const [how, bytes] = READERS[reader].mutate(r, seed, seeds);
  return { how, bytes };
}
