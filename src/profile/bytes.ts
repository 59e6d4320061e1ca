/**
 * A ProfileState as bytes and back: the profile file (docs/profile-format.md). Exact: every count
 * and every float64 is stored as is, so a loaded state gives the same report bits as the one saved.
 *
 * Layout (little-endian):
 *   bytes 0–7    magic "EMBCPROF"
 *   bytes 8–11   u32 format version (PROFILE_FORMAT_VERSION)
 *   bytes 12–15  u32 H, the length of the header
 *   H bytes      header: UTF-8 JSON (kind, schemaVersion, tool, shape, counts, the array table,
 *                a 64-bit checksum of the data)
 *   padding to a multiple of 8, then the data: each array of the table at its `offset` (from the
 *   data's start, a multiple of 8), `length` values of `dtype` ("<f8" float64, "<u4" uint32)
 * NumPy: np.frombuffer(data, "<f8", count=length, offset=offset).
 */
import { InputError } from "../errors.js";
import { rowHash } from "../linalg/hash.js";
import { blockRowsFor } from "./blockRows.js";
import { HashCount64 } from "./hashcount.js";
import { HashSet64 } from "./hashset.js";
import { type LabelsHeader, labelArrays, labelsFrom } from "./labelBytes.js";
import type { Moments } from "./moments.js";
import { KEY_COUNT, MANTISSA_BITS, NormSketch, RELATIVE_ERROR } from "./normsketch.js";
import { BottomKSample } from "./sample.js";
import { inHashSample } from "./sketches.js";
import { PRECISIONS, type Precision, type ProfileState } from "./state.js";

export const PROFILE_KIND = "embcheck/profile";
export const PROFILE_SCHEMA_VERSION = 2;
/**
 * 2: the moments as the nodes of the merge tree (moments.ts) instead of one total.
 * 3: the row budget's sketches (sketches.ts): repeats of the duplicate set, the hash sample's level,
 * the norms' sketch, the norms' mean and M2 on the tree nodes.
 */
export const PROFILE_FORMAT_VERSION = 3;
const MAGIC = "EMBCPROF";
/** A header larger than this is not one embcheck wrote (the array table is a few hundred bytes). */
const MAX_HEADER = 1 << 20;

type Dtype = "<f8" | "<u4";
interface ArrayEntry {
  name: string;
  dtype: Dtype;
  length: number;
  offset: number;
}

export interface ProfileSource {
  path: string;
  format: string;
  dtype: string;
}

export interface ProfileHeader {
  kind: typeof PROFILE_KIND;
  schemaVersion: number;
  tool: { name: "embcheck"; version: string };
  dims: number;
  sampleSize: number;
  seed: number;
  precision: Precision;
  rows: number;
  nullRows: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  validRows: number;
  distinctRows: number;
  sampleRows: number;
  alignPairs: number;
  /** Rows per leaf of the moments' merge tree (blockRowsFor(dims)). */
  blockRows: number;
  /** Nodes of the merge tree stored (the moment* arrays hold one entry per node). */
  momentNodes: number;
  /** Global row ranges covered, [start, end) pairs. */
  ranges: number[];
  /** Valid rows in each range (their norms lie range after range in "norms"). */
  rangeValid: number[];
  /** The row budget the profile was made with (after merges: the smallest). */
  exactRows: number;
  /** 0: "distinct" holds every distinct valid row; k > 0: only the hashes with ≥ k leading zero bits. */
  hashLevel: number;
  /** Entries of "repeats" and the sum of their counts (duplicate rows among the kept hashes). */
  repeatEntries: number;
  repeatRows: number;
  /** Null while "norms" holds every norm; else the norms' sketch (normsketch.ts). */
  normSketch: NormSketchHeader | null;
  /** What was profiled (the input's label, format, stored dtype); "mixed" parts after merges. */
  source: ProfileSource | null;
  /** The labels' part (src/profile/labelBytes.ts); absent for a profile made without labels. */
  labels?: LabelsHeader;
  arrays: ArrayEntry[];
  /** rowHash of the data's 32-bit words, as two hex uint32. */
  checksum: [string, string];
}

export interface NormSketchHeader {
  /** Mantissa bits of the bucket index (9: 512 buckets per octave) and the bound 2^-(bits + 1). */
  mantissaBits: number;
  relativeError: number;
  /** Non-empty buckets stored ("normSketchKeys", "normSketchCounts"). */
  buckets: number;
  /** The exact smallest and largest norm. */
  min: number;
  max: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The state as a profile file's bytes. `toolVersion`: the embcheck version written in the header. */
export function profileToBytes(s: ProfileState, toolVersion: string, source: ProfileSource | null = null): Uint8Array {
  const d = s.dims;
  // canonical order (sample by row index, hashes ascending), so equal states give equal files
  // whatever the order of the merges that made them
  const sample = sortedSample(s.sample.entries(), d);
  const distinct = sortedHashes(s.distinct.size, (fn) => s.distinct.forEach(fn));
  const repeats = sortedHashes(s.repeats.size, (fn) => s.repeats.forEach(fn));
  const repeatCounts = new Float64Array(s.repeats.size);
  for (let i = 0; i < repeatCounts.length; i++) repeatCounts[i] = s.repeats.get(repeats[2 * i], repeats[2 * i + 1]);
  const sketch = s.normSketch?.entries() ?? { keys: new Uint32Array(0), counts: new Float64Array(0) };
  const arrays: [string, Float64Array | Uint32Array][] = [
    ["norms", s.normSketch ? new Float64Array(0) : s.norms.subarray(0, s.validRows)],
    ["distinct", distinct],
    ["repeats", repeats],
    ["repeatCounts", repeatCounts],
    ["normSketchKeys", sketch.keys],
    ["normSketchCounts", sketch.counts],
    ["samplePriority", sample.priorities],
    ["sampleIndex", sample.indices],
    ["sampleValues", sample.values],
    ...momentArrays(s.moments, d),
  ];
  const labels = s.labels ? labelArrays(s.labels, sample.indices) : null;
  if (labels) arrays.push(...labels.arrays);
  const table: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    table.push({ name, dtype: a instanceof Float64Array ? "<f8" : "<u4", length: a.length, offset });
    offset += pad8(a.byteLength);
  }
  const header: ProfileHeader = {
    kind: PROFILE_KIND,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    tool: { name: "embcheck", version: toolVersion },
    dims: d,
    sampleSize: s.sampleSize,
    seed: s.seed,
    precision: s.precision,
    rows: s.rows,
    nullRows: s.nullRows,
    nanRows: s.nanRows,
    infRows: s.infRows,
    zeroRows: s.zeroRows,
    validRows: s.validRows,
    distinctRows: s.distinct.size,
    sampleRows: s.sample.size,
    alignPairs: s.alignPairs,
    blockRows: s.blockRows,
    momentNodes: s.moments.length,
    ranges: [...s.ranges],
    rangeValid: [...s.rangeValid],
    exactRows: s.exactRows,
    hashLevel: s.hashLevel,
    repeatEntries: s.repeats.size,
    repeatRows: s.repeatRows,
    normSketch: s.normSketch
      ? {
          mantissaBits: MANTISSA_BITS,
          relativeError: RELATIVE_ERROR,
          buckets: sketch.keys.length,
          min: s.normSketch.min,
          max: s.normSketch.max,
        }
      : null,
    source,
    ...(labels ? { labels: labels.header } : {}),
    arrays: table,
    checksum: ["00000000", "00000000"],
  };
  // the checksum is fixed-width hex, so the header's length is known before the data is: the
  // arrays go straight into the file's buffer (one copy of the data in memory, not two)
  const length = new TextEncoder().encode(JSON.stringify(header)).length;
  const start = pad8(16 + length);
  const out = new Uint8Array(start + offset);
  const data = out.subarray(start);
  table.forEach((e, i) => {
    const a = arrays[i][1];
    data.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), e.offset);
    if (!LITTLE_ENDIAN) swap(data.subarray(e.offset, e.offset + a.byteLength), a.BYTES_PER_ELEMENT);
  });
  header.checksum = checksumOf(data);
  const json = new TextEncoder().encode(JSON.stringify(header));
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, PROFILE_FORMAT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  return out;
}

/** Reads a profile file's header only (what `embcheck profile` prints and merge checks). */
export function profileHeaderOf(bytes: Uint8Array, file?: string): ProfileHeader {
  return parse(bytes, file).header;
}

/**
 * The state a profile file's bytes hold; InputError (naming `file`) when the bytes are not a
 * profile embcheck can read: another kind of file, a newer version, a truncated or corrupt file.
 */
export function profileFromBytes(bytes: Uint8Array, file?: string): ProfileState {
  const { header: h, data } = parse(bytes, file);
  const fail = (what: string) => bad(what, file);
  /** An array of the file, copied; `view`: a view into the bytes when they allow it (read at once, not kept). */
  const get = (name: string, dtype: Dtype, length: number, view = false): Float64Array | Uint32Array => {
    const e = h.arrays.find((a) => a.name === name);
    if (!e) throw fail(`the array "${name}" is missing`);
    if (e.dtype !== dtype || e.length !== length) {
      throw fail(`the array "${name}" holds ${e.length} ${e.dtype} values, expected ${length} ${dtype}`);
    }
    const at = data.byteOffset + e.offset;
    if (view && dtype === "<u4" && LITTLE_ENDIAN && at % 4 === 0) return new Uint32Array(data.buffer, at, length);
    const size = length * (dtype === "<f8" ? 8 : 4);
    const copy = new Uint8Array(size);
    copy.set(data.subarray(e.offset, e.offset + size));
    if (!LITTLE_ENDIAN) swap(copy, dtype === "<f8" ? 8 : 4);
    return dtype === "<f8" ? new Float64Array(copy.buffer) : new Uint32Array(copy.buffer);
  };
  const d = h.dims;
  const f64 = (name: string, length: number) => get(name, "<f8", length) as Float64Array;
  const norms = f64("norms", h.normSketch ? 0 : h.validRows);
  const distinctWords = get("distinct", "<u4", h.distinctRows * 2, true) as Uint32Array;
  const distinct = new HashSet64(h.distinctRows);
  for (let i = 0; i < distinctWords.length; i += 2) {
    if (!inHashSample(distinctWords[i], h.hashLevel))
      throw fail(`a hash of the duplicate set lies outside level ${h.hashLevel}`);
    distinct.add(distinctWords[i], distinctWords[i + 1]);
  }
  if (distinct.size !== h.distinctRows) throw fail("the duplicate set holds repeated entries");
  const repeatWords = get("repeats", "<u4", h.repeatEntries * 2) as Uint32Array;
  const repeatCounts = f64("repeatCounts", h.repeatEntries);
  const repeats = new HashCount64(h.repeatEntries);
  let repeatRows = 0;
  for (let i = 0; i < h.repeatEntries; i++) {
    const [a, b, c] = [repeatWords[2 * i], repeatWords[2 * i + 1], repeatCounts[i]];
    if (!isCount(c) || c < 1 || repeats.get(a, b) !== 0 || !distinct.has(a, b)) {
      throw fail(`repeat ${i} is not a count ≥ 1 of a distinct row`);
    }
    repeats.add(a, b, c);
    repeatRows += c;
  }
  if (repeatRows !== h.repeatRows) throw fail(`the repeats add up to ${repeatRows}, the header says ${h.repeatRows}`);
  const normSketch = h.normSketch ? sketchFrom(h, get, fail) : null;
  const sample = new BottomKSample(h.sampleSize, d);
  const priorities = f64("samplePriority", h.sampleRows);
  const indices = f64("sampleIndex", h.sampleRows);
  const values = f64("sampleValues", h.sampleRows * d);
  for (let i = 0; i < h.sampleRows; i++) sample.offer(priorities[i], indices[i], values, i * d);
  return {
    dims: d,
    sampleSize: h.sampleSize,
    seed: h.seed,
    precision: h.precision,
    rows: h.rows,
    nullRows: h.nullRows,
    nanRows: h.nanRows,
    infRows: h.infRows,
    zeroRows: h.zeroRows,
    validRows: h.validRows,
    norms,
    distinct,
    repeats,
    repeatRows: h.repeatRows,
    hashLevel: h.hashLevel,
    exactRows: h.exactRows,
    normSketch,
    moments: momentsFrom(h, f64, fail),
    blockRows: h.blockRows,
    sample,
    alignPairs: h.alignPairs,
    ranges: [...h.ranges],
    rangeValid: [...h.rangeValid],
    labels: h.labels
      ? labelsFrom(h.labels, d, h.blockRows, (name, length) => get(name, "<u4", length) as Uint32Array, f64, fail)
      : null,
  };
}

function parse(bytes: Uint8Array, file?: string): { header: ProfileHeader; data: Uint8Array } {
  const fail = (what: string) => bad(what, file);
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw fail("the file does not start with EMBCPROF");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== PROFILE_FORMAT_VERSION) {
    throw new InputError(
      `the profile file has format version ${version}; this embcheck reads version ${PROFILE_FORMAT_VERSION}`,
      { file },
      version > PROFILE_FORMAT_VERSION ? "use the embcheck version that wrote it (or newer)" : "profile the data again",
    );
  }
  const length = view.getUint32(12, true);
  if (length > MAX_HEADER || 16 + length > bytes.length) {
    throw fail(`the header claims ${length} bytes but the file has ${bytes.length} (truncated?)`);
  }
  let header: ProfileHeader;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + length)));
  } catch {
    throw fail("the header is not valid JSON");
  }
  checkHeader(header, fail);
  if (header.schemaVersion !== PROFILE_SCHEMA_VERSION) {
    throw new InputError(
      `the profile has schema version ${header.schemaVersion} (written by embcheck ${header.tool?.version ?? "?"}); this embcheck reads version ${PROFILE_SCHEMA_VERSION}`,
      { file },
      "use the embcheck version that wrote it, or profile the data again",
    );
  }
  const data = bytes.subarray(pad8(16 + length));
  for (const e of header.arrays) {
    const size = e.length * (e.dtype === "<f8" ? 8 : 4);
    if (e.offset % 8 !== 0 || e.offset + size > data.length) {
      throw fail(`the array "${e.name}" lies outside the file (truncated?)`);
    }
  }
  if (data.length % 4 !== 0) throw fail("the data is not a whole number of 32-bit words (truncated?)");
  const sum = checksumOf(data);
  if (sum[0] !== header.checksum[0] || sum[1] !== header.checksum[1]) {
    throw fail("the checksum of the data does not match its header (the file is corrupt)");
  }
  return { header, data };
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function checkHeader(h: ProfileHeader, fail: (what: string) => InputError): void {
  if (!h || typeof h !== "object") throw fail("the header is not an object");
  if (h.kind !== PROFILE_KIND) {
    throw fail(`"kind" is ${JSON.stringify(h.kind)}, expected "${PROFILE_KIND}"`);
  }
  for (const k of [
    "schemaVersion",
    "dims",
    "sampleSize",
    "seed",
    "rows",
    "nullRows",
    "nanRows",
    "infRows",
    "zeroRows",
    "validRows",
    "distinctRows",
    "sampleRows",
    "alignPairs",
  ] as const) {
    if (!isCount(h[k])) throw fail(`"${k}" is ${JSON.stringify(h[k])}, expected a count`);
  }
  if (h.dims < 1 || h.sampleSize < 2 || h.seed > 0xffffffff) throw fail("dims, sampleSize or seed is out of range");
  if (!PRECISIONS.includes(h.precision)) throw fail(`"precision" is ${JSON.stringify(h.precision)}`);
  if (h.nullRows + h.nanRows + h.infRows + h.zeroRows + h.validRows !== h.rows) {
    throw fail("the row counts do not add up to rows");
  }
  if (h.distinctRows > h.validRows || h.sampleRows > Math.min(h.sampleSize, h.validRows)) {
    throw fail("distinctRows or sampleRows exceeds the valid rows");
  }
  if (!Array.isArray(h.ranges) || h.ranges.length % 2 !== 0 || !h.ranges.every(isCount)) {
    throw fail('"ranges" is not a list of [start, end) pairs');
  }
  if (h.blockRows !== blockRowsFor(h.dims)) {
    throw fail(`"blockRows" is ${JSON.stringify(h.blockRows)}, expected ${blockRowsFor(h.dims)} for ${h.dims} dims`);
  }
  if (!isCount(h.momentNodes) || h.momentNodes > 4096) throw fail('"momentNodes" is not a small count');
  if (
    !Array.isArray(h.rangeValid) ||
    h.rangeValid.length * 2 !== h.ranges.length ||
    !h.rangeValid.every(isCount) ||
    h.rangeValid.reduce((a, b) => a + b, 0) !== h.validRows
  ) {
    throw fail('"rangeValid" does not give the valid rows of each range');
  }
  if (!isCount(h.exactRows) || !isCount(h.hashLevel) || h.hashLevel > 32) {
    throw fail('"exactRows" or "hashLevel" is not a count (hashLevel ≤ 32)');
  }
  if (!isCount(h.repeatEntries) || !isCount(h.repeatRows) || h.repeatEntries > h.distinctRows) {
    throw fail('"repeatEntries" or "repeatRows" is not a count of the duplicate set');
  }
  const exactDuplicates = h.hashLevel === 0;
  if (
    exactDuplicates
      ? h.distinctRows + h.repeatRows !== h.validRows
      : h.distinctRows + h.repeatRows > h.validRows || h.distinctRows > h.exactRows
  ) {
    throw fail("the duplicate set's rows do not add up to validRows");
  }
  if (h.normSketch !== null && (typeof h.normSketch !== "object" || Array.isArray(h.normSketch))) {
    throw fail('"normSketch" is not null or an object');
  }
  if (h.normSketch === null && h.validRows > h.exactRows) {
    throw fail(`${h.validRows} valid rows, over the row budget ${h.exactRows}, but no norm sketch`);
  }
  const src = h.source;
  if (
    src !== null &&
    (typeof src !== "object" ||
      !["path", "format", "dtype"].every((k) => typeof (src as unknown as Record<string, unknown>)[k] === "string"))
  ) {
    throw fail('"source" is not {path, format, dtype}');
  }
  if (!Array.isArray(h.arrays) || h.arrays.length > 64) throw fail('"arrays" is not an array table');
  for (const e of h.arrays) {
    if (!e || typeof e.name !== "string" || (e.dtype !== "<f8" && e.dtype !== "<u4") || !isCount(e.length)) {
      throw fail("an entry of the array table is malformed");
    }
    if (!isCount(e.offset)) throw fail(`the array "${e.name}" has a bad offset`);
  }
  if (!Array.isArray(h.checksum) || h.checksum.length !== 2 || !h.checksum.every((x) => typeof x === "string")) {
    throw fail('"checksum" is malformed');
  }
}

/**
 * The duplicate set's hashes as (a, b) word pairs sorted by (a, b): laid out as (b, a) so that a
 * BigUint64Array view reads a·2³² + b, sorted natively (no object per entry: 10⁷ rows sort in about
 * a second), then swapped back.
 */
function sortedHashes(size: number, each: (fn: (a: number, b: number) => void) => void): Uint32Array {
  const words = new Uint32Array(size * 2);
  let at = 0;
  each((a, b) => {
    words[at++] = b;
    words[at++] = a;
  });
  const keys = new BigUint64Array(words.buffer);
  if (LITTLE_ENDIAN) keys.sort();
  else {
    // a big-endian view reads b·2³² + a: sort on the swapped layout instead
    for (let i = 0; i < words.length; i += 2) [words[i], words[i + 1]] = [words[i + 1], words[i]];
    keys.sort();
    return words;
  }
  for (let i = 0; i < words.length; i += 2) {
    const b = words[i];
    words[i] = words[i + 1];
    words[i + 1] = b;
  }
  return words;
}

type Entries = { priorities: Float64Array; indices: Float64Array; values: Float64Array };

function sortedSample(e: Entries, d: number): Entries {
  const order = Array.from(e.indices.keys()).sort((x, y) => e.indices[x] - e.indices[y]);
  const out: Entries = {
    priorities: new Float64Array(order.length),
    indices: new Float64Array(order.length),
    values: new Float64Array(order.length * d),
  };
  order.forEach((from, i) => {
    out.priorities[i] = e.priorities[from];
    out.indices[i] = e.indices[from];
    out.values.set(e.values.subarray(from * d, (from + 1) * d), i * d);
  });
  return out;
}

/**
 * The merge tree's nodes as seven arrays, one entry (or d, or d² values) per node, and an eighth,
 * "momentScale" (each node's power-of-two exponent, scale.ts), when any node is scaled.
 */
function momentArrays(list: readonly Moments[], d: number): [string, Float64Array][] {
  const m = list.length;
  const ranges = new Float64Array(2 * m);
  const counts = new Float64Array(m);
  const origin = new Float64Array(m * d);
  const meanRel = new Float64Array(m * d);
  const m2 = new Float64Array(m * d * d);
  const unitSum = new Float64Array(m * d);
  const align = new Float64Array(2 * m);
  const norm = new Float64Array(2 * m);
  list.forEach((node, i) => {
    norm[2 * i] = node.normMean;
    norm[2 * i + 1] = node.normM2;
    ranges[2 * i] = node.lo;
    ranges[2 * i + 1] = node.hi;
    counts[i] = node.n;
    if (node.origin) origin.set(node.origin, i * d);
    meanRel.set(node.meanRel, i * d);
    m2.set(node.m2, i * d * d);
    unitSum.set(node.unitSum, i * d);
    align[2 * i] = node.alignSqSum;
    align[2 * i + 1] = node.alignCosSum;
  });
  // scale.ts: only written when a node is scaled, so profiles of data below 2^200 keep their bytes
  const scales = list.some((node) => node.scale !== 0)
    ? [["momentScale", Float64Array.from(list, (node) => node.scale)] as [string, Float64Array]]
    : [];
  return [
    ...scales,
    ["momentRanges", ranges],
    ["momentCounts", counts],
    ["momentOrigin", origin],
    ["momentMeanRel", meanRel],
    ["momentM2", m2],
    ["momentUnitSum", unitSum],
    ["momentAlign", align],
    ["momentNorm", norm],
  ];
}

function momentsFrom(
  h: ProfileHeader,
  f64: (name: string, length: number) => Float64Array,
  fail: (what: string) => InputError,
): Moments[] {
  const m = h.momentNodes;
  const d = h.dims;
  const ranges = f64("momentRanges", 2 * m);
  const counts = f64("momentCounts", m);
  const origin = f64("momentOrigin", m * d);
  const meanRel = f64("momentMeanRel", m * d);
  const m2 = f64("momentM2", m * d * d);
  const unitSum = f64("momentUnitSum", m * d);
  const align = f64("momentAlign", 2 * m);
  const scales = h.arrays.some((a) => a.name === "momentScale") ? f64("momentScale", m) : new Float64Array(m);
  const norm = f64("momentNorm", 2 * m);
  const out: Moments[] = [];
  let valid = 0;
  for (let i = 0; i < m; i++) {
    const lo = ranges[2 * i];
    const hi = ranges[2 * i + 1];
    const n = counts[i];
    if (!isCount(lo) || !isCount(hi) || hi <= lo || !isCount(n) || n > hi - lo || (i > 0 && lo < out[i - 1].hi)) {
      throw fail(`moment node ${i} has a bad row range or count`);
    }
    const scale = scales[i];
    if (!isCount(scale) || scale > 2048) throw fail(`moment node ${i} has a bad scale exponent ${scale}`);
    valid += n;
    out.push({
      lo,
      hi,
      n,
      scale,
      origin: n > 0 ? origin.slice(i * d, (i + 1) * d) : null,
      meanRel: meanRel.slice(i * d, (i + 1) * d),
      m2: m2.slice(i * d * d, (i + 1) * d * d),
      unitSum: unitSum.slice(i * d, (i + 1) * d),
      alignSqSum: align[2 * i],
      alignCosSum: align[2 * i + 1],
      normMean: norm[2 * i],
      normM2: norm[2 * i + 1],
    });
  }
  if (valid !== h.validRows) throw fail("the moment nodes' counts do not add up to validRows");
  return out;
}

/** The norms' sketch of a header and its two arrays, checked: keys ascending, counts adding up to validRows. */
function sketchFrom(
  h: ProfileHeader,
  get: (name: string, dtype: Dtype, length: number) => Float64Array | Uint32Array,
  fail: (what: string) => InputError,
): NormSketch {
  const k = h.normSketch as NormSketchHeader;
  const positive = (v: unknown): v is number => typeof v === "number" && v > 0 && Number.isFinite(v);
  if (
    k.mantissaBits !== MANTISSA_BITS ||
    !isCount(k.buckets) ||
    !positive(k.min) ||
    !positive(k.max) ||
    k.min > k.max
  ) {
    throw fail("the norm sketch's header is malformed (mantissaBits, buckets, min, max)");
  }
  const keys = get("normSketchKeys", "<u4", k.buckets) as Uint32Array;
  const counts = get("normSketchCounts", "<f8", k.buckets) as Float64Array;
  const sk = new NormSketch();
  let total = 0;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] >= KEY_COUNT || (i > 0 && keys[i] <= keys[i - 1]) || !isCount(counts[i]) || counts[i] < 1) {
      throw fail(`bucket ${i} of the norm sketch has a bad key or count`);
    }
    sk.counts[keys[i]] = counts[i];
    total += counts[i];
  }
  if (total !== h.validRows) throw fail(`the norm sketch counts ${total} norms, expected validRows ${h.validRows}`);
  sk.n = total;
  sk.min = k.min;
  sk.max = k.max;
  return sk;
}

function checksumOf(data: Uint8Array): [string, string] {
  const whole = data.byteOffset % 4 === 0 ? data : data.slice();
  const words = new Uint32Array(whole.buffer, whole.byteOffset, whole.byteLength >> 2);
  const [a, b] = rowHash(words, 0, words.length);
  return [a.toString(16).padStart(8, "0"), b.toString(16).padStart(8, "0")];
}

function bad(what: string, file?: string): InputError {
  return new InputError(`not a valid embcheck profile: ${what}`, { file }, "make it again with `embcheck profile`");
}

const pad8 = (n: number): number => (n + 7) & ~7;

function swap(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}
