/**
 * The labels' part of a profile file (bytes.ts): the group table and counts in the header, the
 * tree nodes' sums and the sampled rows' groups as arrays. The group labels are UTF-8 JSON in a
 * "<u4" array (padded with spaces to whole words), so a long label never bloats the JSON header.
 * A file without this part is a profile made without labels.
 */
import type { InputError } from "../errors.js";
import type { Label } from "../io/types.js";
import { keyOf, type LabelNode, type LabelState, sumWidth } from "./labels.js";

export interface LabelsHeader {
  maxGroups: number;
  groupCount: number;
  /** Bytes of the UTF-8 JSON group table in "labelGroups". */
  groupBytes: number;
  rows: number[];
  valid: number[];
  nodes: number;
  /** Slots (groups present) of each node. */
  slots: number[];
  sampled: number;
}

type F64 = (name: string, length: number) => Float64Array;
type U32 = (name: string, length: number) => Uint32Array;

/** The arrays and header of `s`; only the rows still in the sample (`sampleIndices`) keep their group. */
export function labelArrays(
  s: LabelState,
  sampleIndices: Float64Array,
): { header: LabelsHeader; arrays: [string, Float64Array | Uint32Array][] } {
  const d = s.dims;
  const w = sumWidth(d);
  const json = new TextEncoder().encode(
    JSON.stringify(s.groups.map((g) => (g.pooled ? { pooled: true } : { label: g.label }))),
  );
  const words = new Uint32Array(Math.ceil(json.length / 4));
  const bytes = new Uint8Array(words.buffer);
  bytes.fill(0x20);
  bytes.set(json);
  const ranges = new Float64Array(2 * s.nodes.length);
  const ids: number[] = [];
  const sums = new Float64Array(s.nodes.reduce((t, n) => t + n.ids.length, 0) * w);
  let at = 0;
  s.nodes.forEach((n, i) => {
    ranges[2 * i] = n.lo;
    ranges[2 * i + 1] = n.hi;
    ids.push(...n.ids);
    sums.set(n.sums.subarray(0, n.ids.length * w), at);
    at += n.ids.length * w;
  });
  const kept = Array.from(sampleIndices).filter((r) => s.sampled.has(r));
  return {
    header: {
      maxGroups: s.maxGroups,
      groupCount: s.groups.length,
      groupBytes: json.length,
      rows: [...s.rows],
      valid: [...s.valid],
      nodes: s.nodes.length,
      slots: s.nodes.map((n) => n.ids.length),
      sampled: kept.length,
    },
    arrays: [
      ["labelGroups", words],
      ["labelNodeRanges", ranges],
      ["labelNodeIds", Float64Array.from(ids)],
      ["labelNodeSums", sums],
      ["labelSampleIndex", Float64Array.from(kept)],
      ["labelSampleGroup", Float64Array.from(kept, (r) => s.sampled.get(r) as number)],
    ],
  };
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

export function labelsFrom(
  h: LabelsHeader,
  dims: number,
  blockRows: number,
  u32: U32,
  f64: F64,
  fail: (what: string) => InputError,
): LabelState {
  const counts = [h.maxGroups, h.groupCount, h.groupBytes, h.nodes, h.sampled];
  if (!counts.every(isCount) || !Array.isArray(h.rows) || !Array.isArray(h.valid) || !Array.isArray(h.slots)) {
    throw fail('"labels" is malformed');
  }
  if (h.rows.length !== h.groupCount || h.valid.length !== h.groupCount || h.slots.length !== h.nodes) {
    throw fail('"labels" counts do not match its group and node counts');
  }
  if (![...h.rows, ...h.valid, ...h.slots].every(isCount) || h.valid.some((v, i) => v > h.rows[i])) {
    throw fail('"labels" holds a bad count');
  }
  const words = u32("labelGroups", Math.ceil(h.groupBytes / 4));
  let table: { label?: Label; pooled?: boolean }[];
  try {
    table = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(words.buffer).subarray(0, h.groupBytes)),
    );
  } catch {
    throw fail("the label group table is not valid JSON");
  }
  const okLabel = (v: unknown) => v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v));
  if (
    !Array.isArray(table) ||
    table.length !== h.groupCount ||
    !table.every((g) => g && (g.pooled === true || okLabel(g.label)))
  ) {
    throw fail("the label group table is malformed");
  }
  const groups = table.map((g) =>
    g.pooled ? { label: null, pooled: true } : { label: g.label as Label, pooled: false },
  );
  const index = new Map(groups.map((g, i) => [keyOf(g.label, g.pooled), i]));
  if (index.size !== groups.length) throw fail("the label group table repeats a group");
  const w = sumWidth(dims);
  const totalSlots = h.slots.reduce((a, b) => a + b, 0);
  const ranges = f64("labelNodeRanges", 2 * h.nodes);
  const ids = f64("labelNodeIds", totalSlots);
  const sums = f64("labelNodeSums", totalSlots * w);
  const nodes: LabelNode[] = [];
  let at = 0;
  for (let i = 0; i < h.nodes; i++) {
    const n = h.slots[i];
    const nodeIds = Array.from(ids.subarray(at, at + n));
    if (!nodeIds.every((id) => isCount(id) && id < groups.length)) throw fail(`label node ${i} names a missing group`);
    nodes.push({ lo: ranges[2 * i], hi: ranges[2 * i + 1], ids: nodeIds, sums: sums.slice(at * w, (at + n) * w) });
    at += n;
  }
  const sIndex = f64("labelSampleIndex", h.sampled);
  const sGroup = f64("labelSampleGroup", h.sampled);
  const sampled = new Map<number, number>();
  for (let i = 0; i < h.sampled; i++) {
    if (!isCount(sGroup[i]) || sGroup[i] >= groups.length) throw fail("a sampled row names a missing label group");
    sampled.set(sIndex[i], sGroup[i]);
  }
  return {
    dims,
    maxGroups: h.maxGroups,
    groups,
    rows: [...h.rows],
    valid: [...h.valid],
    nodes,
    blockRows,
    sampled,
    index,
  };
}
