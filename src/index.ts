/** embcheck's library API: the same functions the CLI calls. */
export {
  type Analysis,
  type AnalyzeOptions,
  analyze,
  analyzeMatrix,
  type CheckOptions,
  checkFiles,
  loadProfile,
  type MatrixOptions,
  type Progress,
  profile,
  profileMatrix,
  report,
  reportMatrix,
  saveProfile,
} from "./api.js";
export { type CompareOptions, compare } from "./api-compare.js";
export { BACKEND_CHOICES, type BackendChoice, createKernels, type KernelOptions } from "./backends.js";
export { COMPARE_RULES, DRIFT_RULES } from "./compare/rules.js";
export { COMPARE_SCHEMA, type CompareResult } from "./compare/types.js";
export { type Evaluation, evaluate, type Status } from "./detect/evaluate.js";
export { type FindingData, findingsOf, sortFindings, verdictOf } from "./detect/findings.js";
export { computeMetrics, type Metrics, type MetricsOf } from "./detect/metrics.js";
export {
  buildRegistry,
  DEFAULT_REGISTRY,
  DEFAULT_SECTIONS,
  GATED_RULES,
  type GatedRuleId,
  type Registry,
  RULES,
  type RuleId,
} from "./detect/registry.js";
export type { GatedRule, InfoRule, MessageArgs, MessageKit, Rule, Thresholds } from "./detect/rules.js";
export type { ComputeContext, MarkdownKit, Section, Shared, Stat, TerminalKit } from "./detect/section.js";
export { EmbcheckError, InputError, InternalError, NotFittedError, UsageError } from "./errors.js";
export {
  BASELINE_METRICS,
  BASELINE_SCHEMA,
  type Baseline,
  baselineOf,
  compareBaseline,
  parseBaseline,
  renderBaseline,
  type Tolerance,
} from "./gate/baseline.js";
export { type Analyzer, type GateFilesOptions, gateFiles } from "./gate/check.js";
export { CONFIG_FILE, type GateConfig, parseConfig } from "./gate/config.js";
export { CHECK_SCHEMA, type FileResult, type GateCheck, type GateResult, gateFile } from "./gate/gate.js";
export { type GateProfile, PROFILES } from "./gate/profiles.js";
export { renderGateGithub } from "./gate/render/github.js";
export { renderGateJson } from "./gate/render/json.js";
export { renderGateJunit } from "./gate/render/junit.js";
export { renderGateMarkdown } from "./gate/render/markdown.js";
export { renderGateTerminal } from "./gate/render/terminal.js";
export { configSchema } from "./gate/schema.js";
export { type FailOn, type GateSettings, resolveSettings } from "./gate/settings.js";
export { type CellValue, type ColumnRequest, readColumnValues } from "./io/arrow-column.js";
export type { DenseMatrix, MatrixInput, NdarrayLike, NumberArray } from "./io/memory.js";
export { openEmbeddings, sniff } from "./io/open.js";
export type { Chunk, EmbeddingSource, OpenOptions, SourceInfo } from "./io/types.js";
export { openWriter, outputFormat, type WriterOptions } from "./io/writers/open.js";
export type { OutBlock, OutputDtype, OutputFormat, VectorWriter } from "./io/writers/types.js";
export type { BackendName, BlockScan, Kernels, PreparedProduct } from "./linalg/backend.js";
export { eigh } from "./linalg/eigh.js";
export { knnOverlap } from "./linalg/knn.js";
export type { FloatArray, Matrix } from "./linalg/matrix.js";
export { referenceKernels } from "./linalg/reference.js";
export {
  PROFILE_KIND,
  PROFILE_SCHEMA_VERSION,
  type ProfileHeader,
  type ProfileSource,
  profileFromBytes,
  profileHeaderOf,
  profileToBytes,
} from "./profile/bytes.js";
export { PRECISIONS, type Precision, Profile, type ProfileOptions, type ProfileState } from "./profile/profile.js";
export { profileChunks } from "./profile/run.js";
export { parseShard, type ShardSpec, shardRange } from "./profile/shard.js";
export { choosePipeline } from "./repair/auto.js";
export {
  type ChunkSource,
  type FitOptions,
  Pipeline,
  type TransformedChunk,
  transformFromJson,
} from "./repair/pipeline.js";
export { type FixSummary, renderFixJson, renderFixText } from "./repair/render.js";
export { type KeyMetrics, type RunInput, type RunResult, runApply, runFix } from "./repair/run.js";
export {
  TRANSFORM_KIND,
  TRANSFORM_SCHEMA_VERSION,
  type TransformJson,
  transformToJson,
} from "./repair/serialize.js";
export { formatPipeline, parsePipeline, type StepKind, type StepSpec } from "./repair/spec.js";
export { type FittedStep, STEP_KINDS, WHITEN_EPSILON } from "./repair/steps/index.js";
export { type BrailleMapOptions, renderBrailleMap } from "./report/braille.js";
export { buildReport } from "./report/build.js";
export { type FixHtmlOptions, type HtmlOptions, renderFixHtml, renderHtml } from "./report/html.js";
export { renderJson } from "./report/json.js";
export { type MapOptions, type Projection, projectSample, type SampleMap } from "./report/map.js";
export { renderMarkdown } from "./report/markdown.js";
export { formatMessage } from "./report/messages.js";
export { renderTerminal } from "./report/terminal.js";
export type { Finding, Report, ReportOf, Severity, Verdict } from "./report/types.js";
export { VERSION } from "./version.js";
