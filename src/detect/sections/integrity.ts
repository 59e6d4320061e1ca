/** integrity (METRICS.md § integrity): what the rows are, valid or not, and exact duplicates. */
import { formatCount, formatPercent } from "../../text/format.js";
import { flow } from "../../text/layout.js";
import { table } from "../../text/markdown.js";
import type { Rule } from "../rules.js";
import type { Section } from "../section.js";
import type { MetricsHead } from "../types.js";

export interface IntegrityMetrics {
  rows: number;
  validRows: number;
  nullRows: number;
  nanRows: number;
  infRows: number;
  zeroRows: number;
  duplicateRows: number;
  /** extra: duplicateRows / validRows */
  duplicateShare: number;
  /** extra: (rows − validRows) / rows */
  invalidShare: number;
  /** Present only above the row budget: duplicateRows and duplicateShare come from a hash sample. */
  estimate?: DuplicateShareEstimate;
}

/** The duplicates above the row budget (src/profile/sketches.ts duplicateEstimate); the other counts stay exact. */
export interface DuplicateShareEstimate {
  method: "hash-sample";
  metrics: ["duplicateRows", "duplicateShare"];
  /** The share of the hash space kept, 2^-level, and the valid rows whose hash it holds. */
  sampledFraction: number;
  sampledRows: number;
  /** duplicateShare's standard error (delta method over the sample) and the bound ±3 of them. */
  standardError: number;
  bound: number;
}

/** "1,234 duplicates (1.2%)", or "≈1,234 duplicates (≈1.2% ± 0.1%)" when estimated. */
function duplicatesText(g: IntegrityMetrics): string {
  const noun = g.duplicateRows === 1 ? "duplicate" : "duplicates";
  if (!g.estimate) return `${formatCount(g.duplicateRows)} ${noun} (${formatPercent(g.duplicateShare)})`;
  return `≈${formatCount(g.duplicateRows)} ${noun} (≈${formatPercent(g.duplicateShare)} ± ${formatPercent(g.estimate.bound)}, estimated from ${formatPercent(g.estimate.sampledFraction)} of the rows' hashes)`;
}

const ROW_COUNT = { min: 0, max: Number.POSITIVE_INFINITY, integer: true, what: "a row count" } as const;

const RULES = [
  {
    id: "nan-rows",
    metric: "integrity.nanRows",
    direction: "above",
    defaults: { warn: null, fail: 1 },
    range: ROW_COUNT,
    source: "any NaN breaks cosine and inner-product search (METRICS.md: non-finite rows fail)",
    message: (a, k) => `${k.num(a.value)} row(s) contain NaN`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`, and look for the numerical failure upstream",
  },
  {
    id: "inf-rows",
    metric: "integrity.infRows",
    direction: "above",
    defaults: { warn: null, fail: 1 },
    range: ROW_COUNT,
    source: "any ±Inf breaks cosine and inner-product search (METRICS.md: non-finite rows fail)",
    message: (a, k) => `${k.num(a.value)} row(s) contain ±Inf`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`; Inf usually means an overflow (float16?) upstream",
  },
  {
    id: "zero-rows",
    metric: "integrity.zeroRows",
    direction: "above",
    defaults: { warn: 1, fail: null },
    range: ROW_COUNT,
    source: "an all-zero vector has no direction: usually an empty input text (DOMAIN.md, dirty rows)",
    message: (a, k) => `${k.num(a.value)} row(s) are all zeros (no direction; often empty input texts)`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT` and check what produced them",
  },
  {
    id: "null-rows",
    metric: "integrity.nullRows",
    direction: "above",
    defaults: { warn: 1, fail: null },
    range: ROW_COUNT,
    source: "a null embedding is a row the index cannot hold",
    message: (a, k) => `${k.num(a.value)} row(s) have a null embedding`,
    hint: "drop them with `embcheck fix IN --pipeline drop-invalid -o OUT`, or embed the missing rows",
  },
  {
    id: "duplicate-rows",
    metric: "integrity.duplicateShare",
    direction: "above",
    defaults: { warn: 0.01, fail: 0.25 },
    range: { min: 0, max: 1, what: "a share of the valid rows" },
    source: "exact duplicates come from duplicated documents or caching bugs (DOMAIN.md); 1 % is a practitioners' line",
    message: (a, k) =>
      `${k.pct(a.value)} of valid rows are exact duplicates of an earlier row${k.th(a.threshold, k.pct)}`,
    hint: "remove them with `embcheck fix IN --pipeline dedup -o OUT`; duplicates across train/test sets leak",
  },
] as const satisfies readonly Rule<MetricsHead & { integrity: IntegrityMetrics }>[];

export const integrity: Section<"integrity", IntegrityMetrics, typeof RULES> = {
  key: "integrity",
  compute: ({ profile: p }) => {
    const e = p.duplicateEstimate;
    const m: IntegrityMetrics = {
      rows: p.rows,
      validRows: p.validRows,
      nullRows: p.nullRows,
      nanRows: p.nanRows,
      infRows: p.infRows,
      zeroRows: p.zeroRows,
      duplicateRows: p.duplicateRows,
      duplicateShare: e ? e.share : p.validRows > 0 ? p.duplicateRows / p.validRows : 0,
      invalidShare: p.rows > 0 ? (p.rows - p.validRows) / p.rows : 0,
    };
    if (e) {
      m.estimate = {
        method: "hash-sample",
        metrics: ["duplicateRows", "duplicateShare"],
        sampledFraction: e.fraction,
        sampledRows: e.sampledRows,
        standardError: e.standardError,
        bound: 3 * e.standardError,
      };
    }
    return m;
  },
  rules: RULES,
  terminal: {
    title: "Integrity",
    lines: (r, kit) => {
      const g = r.integrity;
      const parts: string[] = [];
      if (g.validRows === g.rows) parts.push(`${formatCount(g.rows)} rows, all valid`);
      else {
        parts.push(`${formatCount(g.rows)} rows`);
        parts.push(`${formatCount(g.validRows)} valid (${formatPercent(g.rows > 0 ? g.validRows / g.rows : 0)})`);
      }
      const counted: [number, string][] = [
        [g.nullRows, "null"],
        [g.nanRows, "NaN"],
        [g.infRows, "Inf"],
        [g.zeroRows, "zero"],
      ];
      for (const [n, what] of counted) if (n > 0) parts.push(`${formatCount(n)} ${what}`);
      if (g.duplicateRows > 0 || g.estimate) parts.push(duplicatesText(g));
      return flow(parts, kit.width);
    },
  },
  markdown: (r) => {
    const g = r.integrity;
    return [
      "### Integrity",
      "",
      ...table(
        ["rows", "valid", "null", "NaN", "Inf", "zero", "duplicates"],
        [
          [
            formatCount(g.rows),
            `${formatCount(g.validRows)} (${formatPercent(g.rows > 0 ? g.validRows / g.rows : 0)})`,
            formatCount(g.nullRows),
            formatCount(g.nanRows),
            formatCount(g.infRows),
            formatCount(g.zeroRows),
            g.estimate
              ? `≈${formatCount(g.duplicateRows)} (≈${formatPercent(g.duplicateShare)} ± ${formatPercent(g.estimate.bound)})`
              : `${formatCount(g.duplicateRows)} (${formatPercent(g.duplicateShare)})`,
          ],
        ],
      ),
      "",
      ...(g.estimate
        ? [
            `Duplicates estimated from ${formatPercent(g.estimate.sampledFraction)} of the rows' hashes (± 3 standard errors; over the row budget, --exact-rows).`,
            "",
          ]
        : []),
    ];
  },
  html: (r) => [
    {
      label: "valid rows",
      value: formatCount(r.integrity.validRows),
      note: `of ${formatCount(r.integrity.rows)} · ${formatCount(r.integrity.duplicateRows)} duplicate`,
    },
  ],
};
