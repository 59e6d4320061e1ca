/** embcheck's library API: the same functions the CLI calls. */
export { type Analysis, type AnalyzeOptions, analyze, type Progress, profile, report } from "./api.js";
export { CATALOGUE } from "./detect/catalogue.js";
export { computeMetrics, type Metrics } from "./detect/metrics.js";
export { judge, RULES, type Rule, type Thresholds } from "./detect/rules.js";
export { EmbcheckError, InputError, InternalError, NotFittedError, UsageError } from "./errors.js";
export { openEmbeddings, sniff } from "./io/open.js";
export type { Chunk, EmbeddingSource, OpenOptions, SourceInfo } from "./io/types.js";
export { eigh } from "./linalg/eigh.js";
export type { FloatArray, Matrix } from "./linalg/matrix.js";
export { Profile, type ProfileOptions } from "./profile/profile.js";
export { profileChunks } from "./profile/run.js";
export { buildReport } from "./report/build.js";
export { renderJson } from "./report/json.js";
export { renderMarkdown } from "./report/markdown.js";
export { renderTerminal } from "./report/terminal.js";
export type { Finding, Report, Severity, Verdict } from "./report/types.js";
export { VERSION } from "./version.js";
