/**
 * The gate as a library call: analyse each file with the same single streaming pass as `report`
 * (memory independent of n), judge it, and fold the results. An unreadable file becomes an
 * "error" result (exit 3) while the other files are still judged.
 *
 *   import { checkFiles, resolveSettings } from "embcheck";
 *   const result = await checkFiles(["a.npy"], { settings: resolveSettings({ profile: "strict" }) });
 *   process.exitCode = result.exitCode;
 */
import { type Analysis, type AnalyzeOptions, analyze } from "../api.js";
import { InputError } from "../errors.js";
import type { InputSpec } from "../io/inputs.js";
import type { Baseline } from "./baseline.js";
import { errorFile, type FileResult, type GateResult, gateFile, gateResult } from "./gate.js";
import type { GateSettings } from "./settings.js";

export interface CheckOptions {
  settings: GateSettings;
  /** A parsed baseline and the file it came from. */
  baseline?: { data: Baseline; file: string };
  /** The config file's path, echoed in the result. */
  config?: string;
  /** Options of the analysis pass (sample, seed, column, ...); thresholds come from settings. */
  analyze?: Omit<AnalyzeOptions, "thresholds">;
  /** Replaces analyze() (the CLI adds its progress line). */
  analyzer?: (file: string | InputSpec, opts: AnalyzeOptions) => Promise<Analysis>;
  /** Told about each unreadable file as it happens. */
  onInputError?: (file: string, error: InputError) => void;
}

/** Judges each of `files`: a path, or a dataset (resolveInputs) judged as one input. */
export async function checkFiles(files: readonly (string | InputSpec)[], opts: CheckOptions): Promise<GateResult> {
  const run = opts.analyzer ?? analyze;
  const results: FileResult[] = [];
  for (const file of files) {
    try {
      const { report, metrics } = await run(file, { ...opts.analyze, thresholds: opts.settings.overrides });
      results.push(gateFile(report, metrics, opts.settings, opts.baseline));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const label = typeof file === "string" ? file : file.label;
      opts.onInputError?.(label, e);
      results.push(errorFile(label === "-" ? "stdin" : label, e.message));
    }
  }
  return gateResult(results, opts.settings, { config: opts.config ?? null, baseline: opts.baseline?.file ?? null });
}
