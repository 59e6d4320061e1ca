/**
 * What every repair step is made of (one module per step kind, listed in the table of index.ts):
 * how it is written (`pca:256`), how it is fitted from the statistics of the rows that reach it,
 * the state the fit produces (plain data, saved as is), how it maps a block of rows, and how that
 * state is saved. Affine steps map x ↦ (x − m)P, so the statistics after them follow analytically:
 * μ' = (μ − m)P, Σ' = PᵀΣP (ARCHITECTURE.md). l2 and the row filters have no closed form.
 */
import type { NearDupDrop } from "../../detect/neardup.js";
import type { Kernels } from "../../linalg/backend.js";
import type { Rows } from "../rows.js";

export type StepKind = "l2" | "center" | "pca" | "whiten" | "zca" | "abtt" | "drop-invalid" | "dedup" | "dedup-near";

/** One step as given; `k` is a dimension count, `share` a variance share (pca only). */
export interface StepSpec {
  kind: StepKind;
  /** pca:K / whiten:K (kept dimensions) or abtt:D (removed directions); absent means the default. */
  k?: number;
  /** pca:0.99: the smallest K keeping this share of the variance. */
  share?: number;
  /** dedup-near:0.98: the cosine line of near-duplicates. */
  tau?: number;
}

/** Mean and population covariance (1/n) of the rows reaching a step. */
export interface Stats {
  d: number;
  n: number;
  mean: Float64Array;
  cov: Float64Array;
}

export type FittedStep =
  | { kind: "l2" }
  | { kind: "drop-invalid" }
  | { kind: "dedup" }
  | {
      kind: "dedup-near";
      tau: number;
      /**
       * The rows of this input to drop, by input row, ascending (from the near-duplicate passes over
       * the rows that reach the step); null until those passes ran for the input at hand. Not saved:
       * another input has other near-duplicates.
       */
      drops: readonly NearDupDrop[] | null;
    }
  | { kind: "center"; dims: number; mean: Float64Array }
  | {
      kind: "pca";
      dims: number;
      k: number;
      mean: Float64Array;
      /** k × dims, row j the j-th principal axis (sign-canonical). */
      components: Float64Array;
      /** Variance along each kept axis. */
      variances: Float64Array;
      /** Σλ over all dims (so the kept share can be reported). */
      totalVariance: number;
    }
  | ({ kind: "whiten" } & Whitening)
  | ({ kind: "zca" } & Whitening)
  | {
      kind: "abtt";
      dims: number;
      /** Removed directions D. */
      k: number;
      mean: Float64Array;
      /** D × dims, the removed principal directions. */
      components: Float64Array;
      variances: Float64Array;
    };

/** The fitted state of whiten and zca. */
export interface Whitening {
  dims: number;
  k: number;
  mean: Float64Array;
  components: Float64Array;
  variances: Float64Array;
  /** ε added to every eigenvalue (WHITEN_EPSILON · λ₁). */
  epsilon: number;
}

export type Fitted<K extends StepKind> = Extract<FittedStep, { kind: K }>;

/**
 * A step ready to map rows; `open()` makes the per-stream state (dedup's set of seen rows). The
 * mapper gets the source chunk's global row offset: input row of row i = rowOffset + rows.index[i].
 */
export interface CompiledStep {
  readonly step: FittedStep;
  readonly dimsIn: number;
  readonly dimsOut: number;
  open(): (rows: Rows, rowOffset: number) => Rows;
}

/** x ↦ (x − m)P (P dims × dout, row-major). */
export interface Affine {
  m: Float64Array;
  P: Float64Array;
  dout: number;
}

/** One step kind: everything about it in one place. */
export interface StepDef<K extends StepKind> {
  readonly kind: K;
  /** What `kind:ARG` takes: nothing, a count, a count or a share in (0, 1), or a cosine in (0, 1]. */
  readonly arg: "none" | "count" | "count-or-share" | "cosine";
  /** One line for --help and errors. */
  readonly summary: string;
  /** Fitted from statistics of the rows that reach it. */
  readonly fitted: boolean;
  /** Drops rows. */
  readonly filter: boolean;
  /**
   * Data-dependent beyond one row at a time: its state for an input comes from passes over the rows
   * that reach it (dedup-near), run by Pipeline.fit and again for each input `apply` maps.
   */
  readonly passes?: number;
  /** The fit; `kernels` runs the eigendecomposition (results differ by rounding between backends). */
  fit(spec: StepSpec, stats: Stats, kernels: Kernels): Fitted<K>;
  dimsOut(step: Fitted<K>, dimsIn: number): number;
  /** The affine map, or null (l2, filters). */
  affine(step: Fitted<K>): Affine | null;
  /**
   * Ready to map rows; `kernels` runs the products (the pipeline passes the reference for inputs
   * narrower than FAST_MIN_DIMS).
   */
  compile(step: Fitted<K>, dimsIn: number, kernels: Kernels): CompiledStep;
  /** The saved state (JSON-ready; matrices exact, see ../encoding.ts). */
  encode(step: Fitted<K>): Record<string, unknown>;
  /** The state back from `encode`'s output; `dims` reach the step; InputError on a bad file. */
  decode(raw: Record<string, unknown>, dims: number, where: string): Fitted<K>;
}
