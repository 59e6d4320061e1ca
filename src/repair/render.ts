/** The before/after table of `fix` and `apply`, as text and as data (`--format json`). */
import type { KeyMetrics, RunResult } from "./run.js";

export const FIX_SCHEMA = "embcheck/fix@1";

export interface FixSummary {
  schema: typeof FIX_SCHEMA;
  tool: { name: "embcheck"; version: string };
  command: "fix" | "apply";
  input: { path: string; format: string; rows: number; dims: number };
  output: { path: string; format: string; dtype: string; rows: number; dims: number };
  pipeline: string;
  transform: string | null;
  auto: { reasons: string[] } | null;
  passes: number;
  before: KeyMetrics;
  after: KeyMetrics;
  cost: { knnOverlap: number; k: number; sampleRows: number };
}

export function summarize(
  r: RunResult,
  o: {
    command: "fix" | "apply";
    toolVersion: string;
    output: { path: string; format: string; dtype: string };
    pipeline: string;
    transform: string | null;
    autoReasons: string[] | null;
  },
): FixSummary {
  return {
    schema: FIX_SCHEMA,
    tool: { name: "embcheck", version: o.toolVersion },
    command: o.command,
    input: { path: r.info.path, format: r.info.format, rows: r.beforeKey.rows, dims: r.beforeKey.dims },
    output: { ...o.output, rows: r.rowsOut, dims: r.afterKey.dims },
    pipeline: o.pipeline,
    transform: o.transform,
    auto: o.autoReasons ? { reasons: o.autoReasons } : null,
    passes: r.passes,
    before: r.beforeKey,
    after: r.afterKey,
    cost: { knnOverlap: r.knnOverlap, k: r.knnK, sampleRows: r.knnRows },
  };
}

export function renderFixJson(s: FixSummary): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

const ROWS: { label: string; key: keyof KeyMetrics; digits: number; better: string }[] = [
  { label: "rows", key: "rows", digits: 0, better: "" },
  { label: "dims", key: "dims", digits: 0, better: "" },
  { label: "mean cosine", key: "meanCosine", digits: 4, better: "≈ 0 is isotropic" },
  { label: "uniformity", key: "uniformity", digits: 3, better: "lower is more uniform (≈ −4 spread)" },
  { label: "effective rank", key: "effectiveRank", digits: 1, better: "higher uses more dims" },
  { label: "dominant share", key: "dominantShare", digits: 4, better: "lower is better" },
  { label: "norms cv", key: "normsCv", digits: 4, better: "0 = equal norms" },
];

function fmt(v: number | null, digits: number): string {
  if (v === null) return "—";
  if (digits === 0) return Math.round(v).toLocaleString("en-US");
  if (v === 0) return "0";
  if (Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
}

export function renderFixText(s: FixSummary): string {
  const lines: string[] = [];
  const what = s.command === "apply" ? `transform ${s.transform} (${s.pipeline})` : `pipeline ${s.pipeline}`;
  lines.push(`embcheck ${s.command}: ${s.input.path} → ${s.output.path} (${s.output.format}, ${s.output.dtype})`);
  lines.push(`${what} · ${s.passes} pass${s.passes === 1 ? "" : "es"} over the input`);
  if (s.auto) for (const r of s.auto.reasons) lines.push(`  auto: ${r}`);
  lines.push("");
  const table = ROWS.map((r) => [r.label, fmt(s.before[r.key], r.digits), fmt(s.after[r.key], r.digits), r.better]);
  const head = ["metric", "before", "after", ""];
  const w = [0, 1, 2].map((c) => Math.max(head[c].length, ...table.map((t) => t[c].length)));
  const row = (t: string[]) =>
    `${t[0].padEnd(w[0])}  ${t[1].padStart(w[1])}  ${t[2].padStart(w[2])}${t[3] ? `   ${t[3]}` : ""}`;
  lines.push(row(head).trimEnd());
  for (const t of table) lines.push(row(t));
  lines.push("");
  lines.push(
    `cost: ${(100 * s.cost.knnOverlap).toFixed(1)} % of each sampled row's ${s.cost.k} nearest neighbours (cosine) kept (mean over ${s.cost.sampleRows.toLocaleString("en-US")} sampled rows)`,
  );
  return `${lines.join("\n")}\n`;
}
