/**
 * Pipeline steps as the user writes them: `center,pca:256`, `abtt:3,l2`, `pca:0.99`, `whiten:128`.
 * Parsing only; what each kind takes comes from the step-kind table (steps/index.ts).
 */
import { UsageError } from "../errors.js";
import { STEP_KINDS, STEPS } from "./steps/index.js";
import type { StepKind, StepSpec } from "./steps/types.js";

export { DEFAULT_PCA_K } from "./steps/index.js";
export type { StepKind, StepSpec } from "./steps/types.js";

const ALIASES: Record<string, StepKind> = { dropinvalid: "drop-invalid", "drop-nan": "drop-invalid", unique: "dedup" };

/** Parses `center,pca:256` into step specs; throws a UsageError naming the bad step. */
export function parsePipeline(text: string): StepSpec[] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (parts.length === 0)
    throw new UsageError(`empty pipeline; give steps such as center,pca:256 (known: ${STEP_KINDS.join(", ")})`);
  return parts.map(parseStep);
}

function parseStep(text: string): StepSpec {
  const [rawName, arg, extra] = text.split(":");
  const name = rawName.toLowerCase();
  const kind = (STEP_KINDS as readonly string[]).includes(name) ? (name as StepKind) : ALIASES[name];
  if (!kind) throw new UsageError(`unknown pipeline step "${text}"; known steps: ${STEP_KINDS.join(", ")}`);
  if (extra !== undefined) throw new UsageError(`pipeline step "${text}" has more than one ":" argument`);
  if (arg === undefined || arg === "") {
    if (arg === "") throw new UsageError(`pipeline step "${text}" has an empty argument`);
    return { kind };
  }
  switch (STEPS[kind].arg) {
    case "count-or-share": {
      if (/^0?\.\d+$/.test(arg)) {
        const share = Number(arg);
        if (!(share > 0 && share < 1)) throw new UsageError(`${kind}:${arg}: a variance share must be in (0, 1)`);
        return { kind, share };
      }
      return { kind, k: positiveInt(text, arg) };
    }
    case "count":
      return { kind, k: positiveInt(text, arg) };
    case "cosine": {
      const tau = Number(arg);
      if (!/^\d*\.?\d+$/.test(arg) || !(tau > 0 && tau <= 1)) {
        throw new UsageError(`pipeline step "${text}": expected a cosine in (0, 1] after ":", e.g. ${kind}:0.98`);
      }
      return { kind, tau };
    }
    default:
      throw new UsageError(`pipeline step "${kind}" takes no argument (got "${text}")`);
  }
}

function positiveInt(step: string, arg: string): number {
  if (!/^\d+$/.test(arg) || Number(arg) < 1) {
    throw new UsageError(`pipeline step "${step}": expected a positive integer after ":", got "${arg}"`);
  }
  return Number(arg);
}

/** The canonical text of a pipeline (what `--pipeline` would take to rebuild it). */
export function formatPipeline(steps: readonly StepSpec[]): string {
  return steps
    .map((s) => {
      const arg = s.share ?? s.k ?? s.tau;
      return arg !== undefined ? `${s.kind}:${arg}` : s.kind;
    })
    .join(",");
}
