/**
 * The gate over several files: analyse each with the analyser it is given (the library's
 * checkFiles in ../api.ts passes analyze(), the same single streaming pass as `report`), judge it,
 * and fold the results. An unreadable file becomes an "error" result (exit 3) while the other
 * files are still judged.
 */
import type { Evaluation } from "../detect/evaluate.js";
import { InputError } from "../errors.js";
import type { InputSpec } from "../io/inputs.js";
import type { Report } from "../report/types.js";
import type { Baseline } from "./baseline.js";
import { errorFile, type FileResult, type GateCheck, type GateResult, gateFile, gateResult } from "./gate.js";
import type { GateSettings } from "./settings.js";
import type { Overrides } from "./thresholds.js";

/** Analyses one file with these threshold lines: its report and the evaluation the report came from. */
export type Analyzer = (
  file: string | InputSpec,
  thresholds: Overrides,
) => Promise<{ report: Report; evaluations: readonly Evaluation[]; extraChecks?: readonly GateCheck[] }>;

export interface GateFilesOptions {
  settings: GateSettings;
  /** A parsed baseline and the file it came from. */
  baseline?: { data: Baseline; file: string };
  /** The config file's path, echoed in the result. */
  config?: string;
  /** Told about each unreadable file as it happens. */
  onInputError?: (file: string, error: InputError) => void;
}

/** Judges each of `files`: a path, or a dataset (resolveInputs) judged as one input. */
export async function gateFiles(
  files: readonly (string | InputSpec)[],
  analyzer: Analyzer,
  opts: GateFilesOptions,
): Promise<GateResult> {
  const results: FileResult[] = [];
  for (const file of files) {
    try {
      const { report, evaluations, extraChecks } = await analyzer(file, opts.settings.overrides);
      results.push(gateFile(report, evaluations, opts.settings, opts.baseline, extraChecks));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const label = typeof file === "string" ? file : file.label;
      opts.onInputError?.(label, e);
      results.push(errorFile(label === "-" ? "stdin" : label, e.message));
    }
  }
  return gateResult(results, opts.settings, { config: opts.config ?? null, baseline: opts.baseline?.file ?? null });
}
