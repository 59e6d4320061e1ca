/**
 * The labels' part of pass 1 (`--labels`, `--label-column`): per group, exact counts and the sums
 * the labels section reads — Σ‖x‖, Σ‖x‖², Σ‖u‖², Σx and Σu (u = x/‖x‖) over the group's valid
 * rows — and the group of every row the sample took in. Memory O(groups · d) per tree node (below)
 * plus a few entries per sampled row.
 *
 * Mergeable like the moments (moments.ts): the float sums are kept on the same fixed merge tree
 * over the global row index (leaves of blockRowsFor(d) rows; tree siblings merge as soon as both
 * are present; an unaligned node takes in its right neighbour), so merge(profile(shards)) gives the
 * one-pass bits whenever the shards split on block boundaries (`--shard` does). Counts are exact
 * integers whatever the split.
 *
 * Groups are numbered in order of first appearance. At most `maxGroups` groups are tracked; rows of
 * any later label go to one pooled group ("other"). With the cap reached, which labels are pooled
 * depends on the order rows (or shards) arrive, so merges are exact only while the union of the
 * labels fits under the cap (the labels section reports the pooled rows, and a finding says so).
 */
import { UsageError } from "../errors.js";
import type { Label } from "../io/types.js";

export const DEFAULT_MAX_GROUPS = 1024;
/** The most groups --max-groups accepts. */
export const MAX_GROUPS_LIMIT = 65_536;

/** Per group in a node: Σ‖x‖, Σ‖x‖², Σ‖u‖², then Σx (d), then Σu (d). */
export const SUM_NORM = 0;
export const SUM_NORM2 = 1;
export const SUM_UNIT2 = 2;
export const SUM_X = 3;
export const sumWidth = (d: number): number => 3 + 2 * d;

/** One node of the merge tree: the group sums of the valid rows among global rows [lo, hi). */
export interface LabelNode {
  lo: number;
  hi: number;
  /** Group ids present, in order of their slots. */
  ids: number[];
  /** sumWidth(d) values per slot. */
  sums: Float64Array;
}

export interface Group {
  /** The label (null: rows without one). */
  label: Label;
  /** The pooled group of the labels past the cap. */
  pooled: boolean;
}

export interface LabelState {
  readonly dims: number;
  readonly maxGroups: number;
  /** By group id. */
  groups: Group[];
  /** Rows of each group (valid or not), and valid rows, by id. */
  rows: number[];
  valid: number[];
  nodes: LabelNode[];
  readonly blockRows: number;
  /**
   * Group of each row the sample took in (global row index → group id); rows the sample later let
   * go may stay (a bottom-k sample takes in about S·(1 + ln(n/S)) rows over a pass), and are
   * dropped when the profile is written.
   */
  sampled: Map<number, number>;
  /** Group id by key (keyOf), rebuilt from `groups` when loaded. */
  index: Map<string, number>;
}

/** A group's identity: text, a number and null never collide ("1" and 1 are different labels). */
export function keyOf(label: Label, pooled = false): string {
  if (pooled) return "o";
  if (label === null) return "n";
  return typeof label === "number" ? `i${label}` : `s${label}`;
}

export function emptyLabelState(dims: number, blockRows: number, maxGroups = DEFAULT_MAX_GROUPS): LabelState {
  if (!Number.isInteger(maxGroups) || maxGroups < 1 || maxGroups > MAX_GROUPS_LIMIT) {
    throw new UsageError(`the group cap must be an integer in [1, ${MAX_GROUPS_LIMIT}], got ${maxGroups}`);
  }
  return {
    dims,
    maxGroups,
    groups: [],
    rows: [],
    valid: [],
    nodes: [],
    blockRows,
    sampled: new Map(),
    index: new Map(),
  };
}

/** The pooled group's id (made on first use). */
function pooledId(s: LabelState): number {
  const id = s.index.get("o");
  return id ?? addGroup(s, { label: null, pooled: true });
}

function addGroup(s: LabelState, g: Group): number {
  const id = s.groups.length;
  s.groups.push(g);
  s.rows.push(0);
  s.valid.push(0);
  s.index.set(keyOf(g.label, g.pooled), id);
  return id;
}

/** Tracked groups (the pooled one not counted). */
const tracked = (s: LabelState): number => s.groups.length - (s.index.has("o") ? 1 : 0);

/** The id of `label`'s group: a new group while under the cap, else the pooled one. */
export function groupOf(s: LabelState, label: Label): number {
  const id = s.index.get(keyOf(label));
  if (id !== undefined) return id;
  if (tracked(s) >= s.maxGroups) return pooledId(s);
  return addGroup(s, { label, pooled: false });
}

/** Sums of one block of rows, filled row by row (addRow) in row order. */
export class NodeBuilder {
  private readonly slot = new Map<number, number>();
  private readonly ids: number[] = [];
  private sums: Float64Array;
  private readonly w: number;

  constructor(
    private readonly d: number,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    this.w = sumWidth(d);
    this.sums = new Float64Array(this.w * 4);
  }

  /** Adds valid row x[base .. base + d) of norm `norm` to group `id`. */
  addRow(id: number, x: ArrayLike<number>, base: number, norm: number): void {
    let at = this.slot.get(id);
    if (at === undefined) {
      at = this.ids.length;
      this.slot.set(id, at);
      this.ids.push(id);
      if ((at + 1) * this.w > this.sums.length) {
        const next = new Float64Array(this.sums.length * 2);
        next.set(this.sums);
        this.sums = next;
      }
    }
    const s = this.sums;
    const o = at * this.w;
    const d = this.d;
    s[o + SUM_NORM] += norm;
    s[o + SUM_NORM2] += norm * norm;
    let u2 = 0;
    const ox = o + SUM_X;
    const ou = ox + d;
    for (let j = 0; j < d; j++) {
      const v = x[base + j];
      const u = v / norm;
      s[ox + j] += v;
      s[ou + j] += u;
      u2 += u * u;
    }
    s[o + SUM_UNIT2] += u2;
  }

  node(): LabelNode {
    return { lo: this.lo, hi: this.hi, ids: this.ids.slice(), sums: this.sums.slice(0, this.ids.length * this.w) };
  }
}

/** Folds b (rows right after a's) into a: slot by slot, b's groups missing from a appended. */
export function foldNodes(a: LabelNode, b: LabelNode, d: number): LabelNode {
  const w = sumWidth(d);
  const at = new Map(a.ids.map((id, i) => [id, i]));
  const missing = b.ids.filter((id) => !at.has(id));
  if (missing.length > 0) {
    const sums = new Float64Array((a.ids.length + missing.length) * w);
    sums.set(a.sums);
    for (const id of missing) {
      at.set(id, a.ids.length);
      a.ids.push(id);
    }
    a.sums = sums;
  }
  b.ids.forEach((id, i) => {
    const o = (at.get(id) as number) * w;
    const ob = i * w;
    for (let j = 0; j < w; j++) a.sums[o + j] += b.sums[ob + j];
  });
  a.lo = Math.min(a.lo, b.lo);
  a.hi = Math.max(a.hi, b.hi);
  return a;
}

// The tree's rules, as moments.ts applies them to the moments' nodes.
function aligned(m: LabelNode, block: number): boolean {
  const len = m.hi - m.lo;
  if (len <= 0 || len % block !== 0) return false;
  const w = len / block;
  return (w & (w - 1)) === 0 && (m.lo / block) % w === 0;
}

function mergesWith(a: LabelNode, b: LabelNode, block: number): boolean {
  if (a.hi !== b.lo) return false;
  if (!aligned(a, block)) return true;
  if (!aligned(b, block) || b.hi - b.lo !== a.hi - a.lo) return false;
  const w = (a.hi - a.lo) / block;
  return (a.lo / block) % (2 * w) === 0;
}

function normalize(list: LabelNode[], block: number, d: number): void {
  let i = 0;
  while (i + 1 < list.length) {
    if (mergesWith(list[i], list[i + 1], block)) {
      foldNodes(list[i], list[i + 1], d);
      list.splice(i + 1, 1);
      if (i > 0) i--;
    } else i++;
  }
}

/** Adds a node (list kept sorted by lo) and merges what the tree merges. */
export function pushNode(s: LabelState, node: LabelNode): void {
  let at = s.nodes.length;
  while (at > 0 && s.nodes[at - 1].lo > node.lo) at--;
  s.nodes.splice(at, 0, node);
  normalize(s.nodes, s.blockRows, s.dims);
}

/** Every group's sums, the nodes folded left to right: groups × sumWidth(d), by group id. */
export function groupTotals(s: LabelState): Float64Array {
  const w = sumWidth(s.dims);
  const out = new Float64Array(s.groups.length * w);
  if (s.nodes.length === 0) return out;
  const total: LabelNode = {
    lo: s.nodes[0].lo,
    hi: s.nodes[0].hi,
    ids: s.nodes[0].ids.slice(),
    sums: s.nodes[0].sums.slice(),
  };
  for (let i = 1; i < s.nodes.length; i++) foldNodes(total, s.nodes[i], s.dims);
  total.ids.forEach((id, i) => {
    out.set(total.sums.subarray(i * w, (i + 1) * w), id * w);
  });
  return out;
}

/**
 * Folds b into a (same dims and cap; UsageError otherwise): b's groups mapped onto a's by label
 * (new ones appended while under the cap, else pooled), then its nodes joined into a's tree.
 */
export function mergeLabels(a: LabelState, b: LabelState): LabelState {
  if (a.maxGroups !== b.maxGroups) {
    throw new UsageError(`cannot merge profiles made with different --max-groups (${a.maxGroups} and ${b.maxGroups})`);
  }
  const map = b.groups.map((g) => {
    if (g.pooled) return pooledId(a);
    return groupOf(a, g.label);
  });
  b.groups.forEach((_, i) => {
    a.rows[map[i]] += b.rows[i];
    a.valid[map[i]] += b.valid[i];
  });
  const w = sumWidth(a.dims);
  for (const node of b.nodes) {
    // two of b's groups may land on one of a's (both pooled): fold slot by slot
    const remapped: LabelNode = { lo: node.lo, hi: node.hi, ids: [], sums: new Float64Array(0) };
    node.ids.forEach((id, i) => {
      const one: LabelNode = { lo: node.lo, hi: node.hi, ids: [map[id]], sums: node.sums.slice(i * w, (i + 1) * w) };
      foldNodes(remapped, one, a.dims);
    });
    a.nodes.push(remapped);
  }
  a.nodes.sort((x, y) => x.lo - y.lo || x.hi - y.hi);
  normalize(a.nodes, a.blockRows, a.dims);
  for (const [row, id] of b.sampled) a.sampled.set(row, map[id]);
  return a;
}
