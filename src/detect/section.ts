/**
 * What a metric section is: one report key, how its value is computed from the profile, the rules
 * that judge it, and its parts of the renderers. One file per section under ./sections/; the
 * registry (./registry.ts) lists them in report order. Renderers frame the parts (headings, the
 * verdict, the page); a section says only what is inside its block.
 */
import type { Kernels } from "../linalg/backend.js";
import type { KnnResult } from "../linalg/neighbours.js";
import type { Profile } from "../profile/profile.js";
import type { ChartRow } from "../text/charts.js";
import type { NearDuplicateMetrics } from "./neardup.js";
import type { RetrievalMetrics } from "./retrieval.js";
import type { Rule } from "./rules.js";
import type { MetricsHead, ReportHead } from "./types.js";

/** Intermediates more than one section reads, each computed at most once per computeMetrics call. */
export interface Shared {
  /**
   * Cosines of every pair of the row sample (np.triu_indices order, clipped to [−1, 1]) and the
   * sample's global row indices, ascending.
   */
  pairCosines(): { cosines: Float64Array; indices: Float64Array };
  /**
   * Eigenvalues of the covariance of the valid rows (population, 1/n), descending, in units of
   * 2^eigenvalueLog2 (0 but for entries ≥ 2^200: src/profile/scale.ts), so always finite.
   */
  eigenvalues(): Float64Array;
  /** The power of two the eigenvalues are in units of (the scaled covariance's log2). */
  eigenvalueLog2(): number;
  /**
   * The rows the neighbourhood sections read (the whole row sample, or its first --neighbors-sample
   * rows by priority): global indices ascending and the m × d float64 values.
   */
  neighbourRows(): { indices: Float64Array; values: Float64Array; m: number };
  /** The cosine kNN graph of neighbourRows(), k = NEIGHBOURS_K (ids are positions into it). */
  cosineGraph(): KnnResult;
}

export interface ComputeContext {
  profile: Profile;
  /** Whether positive pairs were given (--pairs, --pair-column). */
  hasPairs: boolean;
  shared: Shared;
  /** The kernels of this run (pair dots, eigendecomposition, and what a section needs of them). */
  kernels: Kernels;
  /** The retrieval pass's result (positive pairs given and measured), else null. */
  retrieval?: RetrievalMetrics | null;
  /** The near-duplicate passes' result, else null. */
  nearDuplicates?: NearDuplicateMetrics | null;
}

/** What the terminal renderer lends a section's part: the content width and its styling. */
export interface TerminalKit {
  /** Columns for the section's content (the renderer adds the name column). */
  width: number;
  /** Text rows per chart column. */
  chartHeight: number;
  /** Chart rows as lines: labels padded to one column, bars coloured by series. */
  chart(rows: ChartRow[]): string[];
  dim(text: string): string;
  /** Text in the colour of chart series `series` (0 = the data). */
  bars(series: number, text: string): string;
}

/** What the Markdown renderer lends a section's part: the size of charts in code blocks. */
export interface MarkdownKit {
  chartWidth: number;
  chartHeight: number;
}

/** One key number of the HTML page (and of the before/after table of `fix --html`). */
export interface Stat {
  label: string;
  value: string;
  note: string;
}

/**
 * A section with report key `K` and value `V`. `X` names what else its rules and parts read (other
 * sections' values), so they see `ReportHead & { K: V } & X` (parts) or `MetricsHead & { K: V } & X`
 * (rules). Callbacks are declared as methods so sections of different types share one list.
 */
export interface Section<
  K extends string = string,
  V = unknown,
  R extends readonly Rule<MetricsHead & Record<K, V> & X>[] = readonly Rule[],
  X = unknown,
> {
  readonly key: K;
  compute(ctx: ComputeContext): V;
  /**
   * A timing stage that ends with this section: report.timing[lap] is the seconds since the
   * previous stage ended (the sections between are timed together).
   */
  readonly lap?: string;
  /**
   * The value is null for some inputs (alignment without pairs): the renderers leave the section
   * out then, and its key numbers follow the others so two reports' cards line up.
   */
  readonly optional?: boolean;
  /** In the order their findings are listed within a severity. */
  readonly rules: R;
  readonly terminal?: {
    /** The section's name, left of its block. */
    readonly title: string;
    lines(r: ReportHead & Record<K, V> & X, kit: TerminalKit): string[];
  };
  /** The section's Markdown block: heading, content, and a blank line after. */
  markdown?(r: ReportHead & Record<K, V> & X, kit: MarkdownKit): string[];
  /** The section's key numbers on the HTML page. */
  html?(r: ReportHead & Record<K, V> & X): Stat[];
}

/** Any section, as the registry holds them. */
export type AnySection = Section<string, unknown, readonly Rule[], unknown>;

/** The value of each section by its key: the section fields of the metrics and the report. */
export type SectionValues<S extends readonly AnySection[]> = {
  [E in S[number] as E["key"]]: ReturnType<E["compute"]>;
};

/** Every rule of the sections, as declared (literal ids). */
export type RuleOf<S extends readonly AnySection[]> = S[number]["rules"][number];
export type RuleIdOf<S extends readonly AnySection[]> = RuleOf<S>["id"];
export type GatedRuleOf<S extends readonly AnySection[]> = Exclude<RuleOf<S>, { readonly infoOnly: true }>;
export type GatedRuleIdOf<S extends readonly AnySection[]> = GatedRuleOf<S>["id"];
