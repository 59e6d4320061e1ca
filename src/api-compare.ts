/**
 * `compare`: two embedding sets side by side — drift (same model, two times), the same rows embedded
 * twice (`paired`), and leakage between splits (`leakage`). The inputs are read as `report` reads
 * them (files, datasets, Parquet, profile files); the statistics are the pure src/compare core.
 *
 *   import { compare } from "embcheck";
 *   const r = await compare("reference.npy", "current.npy");
 *   if (r.verdict === "fail") ...
 */
import { type Analysis, type AnalyzeOptions, analyze } from "./api.js";
import { createKernels } from "./backends.js";
import { metricDeltas } from "./compare/deltas.js";
import { driftOf, TEST_ROWS } from "./compare/drift.js";
import { judgeComparison } from "./compare/findings.js";
import { exactLeakage, exactLeakagePass, LEAKAGE_THRESHOLD, nearLeakage, trainPass } from "./compare/leakage.js";
import { pairedPass } from "./compare/paired.js";
import { COMPARE_SCHEMA, type CompareMetrics, type CompareResult, type SetSummary } from "./compare/types.js";
import type { Overrides } from "./detect/rules.js";
import { UsageError } from "./errors.js";
import { alignRows } from "./io/aligned.js";
import { openInput } from "./io/dataset.js";
import type { InputSpec } from "./io/inputs.js";
import type { Kernels } from "./linalg/backend.js";
import { DEFAULT_SAMPLE_SIZE } from "./profile/state.js";
import { VERSION } from "./version.js";

type Input = string | string[] | InputSpec;

export interface CompareOptions
  extends Pick<
    AnalyzeOptions,
    "sampleSize" | "seed" | "exactRows" | "column" | "key" | "chunkRows" | "threads" | "kernels" | "precision" | "stdin"
  > {
  /** Row i of A and row i of B are the same item (dims may differ): CKA, neighbourhood agreement. */
  paired?: boolean;
  /** A = train, B = test: exact and near-duplicate test rows found in train. */
  leakage?: boolean;
  /** Cosine line of a near-duplicate across the split (default 0.98). */
  leakageThreshold?: number;
  /** Rows of each sample for the MMD and the classifier (default 1000). */
  testRows?: number;
  /** Permutations of the MMD test (default 100). */
  permutations?: number;
  /** Per-rule overrides of the compare rules' lines, by rule id. */
  thresholds?: Overrides;
  /** Called when a stage starts ("reading A", ...). */
  onStage?: (stage: string) => void;
}

function summary(a: Analysis): SetSummary {
  return { input: a.report.input, verdict: a.report.verdict, findings: a.report.findings };
}

const isStdin = (x: Input) => (typeof x === "string" ? [x] : Array.isArray(x) ? x : x.files).includes("-");

/** Compares B with A. Both are analysed as `report` would (near-duplicates within each set skipped). */
export async function compare(a: Input, b: Input, opts: CompareOptions = {}): Promise<CompareResult> {
  if (opts.kernels) return compareWith(a, b, opts, opts.kernels);
  const kernels = createKernels({ threads: opts.threads });
  try {
    return await compareWith(a, b, opts, kernels);
  } finally {
    await kernels.close();
  }
}

async function compareWith(a: Input, b: Input, opts: CompareOptions, kernels: Kernels): Promise<CompareResult> {
  const t = performance.now();
  const timing: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timing[name] = (performance.now() - since) / 1000;
  };
  if ((opts.paired || opts.leakage) && (isStdin(a) || isStdin(b))) {
    throw new UsageError(`--${opts.paired ? "paired" : "leakage"} reads the inputs twice: give files, not stdin`);
  }
  const read: AnalyzeOptions = {
    sampleSize: opts.sampleSize,
    seed: opts.seed,
    column: opts.column,
    key: opts.key,
    chunkRows: opts.chunkRows,
    precision: opts.precision,
    stdin: opts.stdin,
    kernels,
    nearDup: 0,
    exactRows: opts.exactRows,
  };
  opts.onStage?.("A");
  let t0 = performance.now();
  // --leakage joins B's rows against every distinct train row: A's hashes stay exact at any n
  // (16 bytes a distinct row), whatever the row budget
  const A = await analyze(a, opts.leakage ? { ...read, exactRows: Number.MAX_SAFE_INTEGER } : read);
  lap("readA", t0);
  opts.onStage?.("B");
  t0 = performance.now();
  const B = await analyze(b, read);
  lap("readB", t0);
  const dA = A.info.dims;
  const dB = B.info.dims;
  const fromProfile = A.info.format === "profile" || B.info.format === "profile";
  if ((opts.paired || opts.leakage) && fromProfile) {
    throw new UsageError(
      `--${opts.paired ? "paired" : "leakage"} reads the rows again; a profile file holds none: give the vector files`,
    );
  }
  if (opts.leakage && dA !== dB) {
    throw new UsageError(`--leakage needs vectors from one model: ${A.info.path} has ${dA} dims, ${B.info.path} ${dB}`);
  }
  if (!opts.paired && dA !== dB) {
    throw new UsageError(
      `${A.info.path} has ${dA} dims and ${B.info.path} ${dB}: drift needs one model's vectors; for the same rows embedded by two models add --paired`,
    );
  }

  const metrics: CompareMetrics = { drift: null, paired: null, leakage: null };
  if (dA === dB) {
    opts.onStage?.("drift");
    t0 = performance.now();
    metrics.drift = driftOf(A.profile.state, B.profile.state, {
      kernels,
      testRows: opts.testRows,
      permutations: opts.permutations,
    });
    lap("drift", t0);
  }
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (opts.paired) {
    opts.onStage?.("paired");
    t0 = performance.now();
    const sa = await openInput(a, read);
    try {
      const sb = await openInput(b, read);
      try {
        metrics.paired = await pairedPass(alignRows(sa, sb), dA, dB, {
          kernels,
          sampleSize,
          seed: opts.seed ?? 0,
          precision: opts.precision,
        });
      } finally {
        await sb.close();
      }
    } finally {
      await sa.close();
    }
    lap("paired", t0);
  }
  if (opts.leakage) {
    opts.onStage?.("leakage");
    t0 = performance.now();
    const threshold = opts.leakageThreshold ?? LEAKAGE_THRESHOLD;
    const test = await openInput(b, read);
    let ex: Awaited<ReturnType<typeof exactLeakagePass>>;
    try {
      ex = await exactLeakagePass(test, dB, A.profile.distinct, kernels);
    } finally {
      await test.close();
    }
    const q = B.profile.sample.rowsByIndex();
    const train = await openInput(a, read);
    try {
      const tp = await trainPass(train, dA, q.values, q.indices.length, ex.exampleHashes, kernels);
      metrics.leakage = {
        exact: exactLeakage(ex.hits, ex.valid, ex.exampleHashes, tp.exampleTrain),
        near: nearLeakage(q.indices, tp.ids, tp.scores, B.profile.validRows, tp.trainRows, threshold),
      };
    } finally {
      await train.close();
    }
    lap("leakage", t0);
  }
  const judged = judgeComparison(metrics, opts.thresholds);
  lap("total", t);
  return {
    schema: COMPARE_SCHEMA,
    tool: { name: "embcheck", version: VERSION },
    a: summary(A),
    b: summary(B),
    sample: { rows: sampleSize, seed: opts.seed ?? 0, testRows: opts.testRows ?? TEST_ROWS },
    metrics: metricDeltas(A.report, B.report),
    ...metrics,
    findings: judged.findings,
    verdict: judged.verdict,
    timing,
  };
}
