export { ContractError, type ContractErrorCode } from "./errors.js";
export {
  LATEST_FORMAT,
  LATEST_KEY,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  REFUSED_NAME,
  RICH_FORMAT,
  RUN_DIFF_FORMAT,
} from "./formats.js";
export {
  checkSchemaName,
  identifierProblem,
  MAX_IDENTIFIER_BYTES,
  quoteIdentifier,
  schemaNameProblem,
} from "./identifiers.js";
export {
  findManifestFile,
  type LatestPointer,
  type ManifestFile,
  parseLatest,
  parseManifest,
  type RunManifest,
} from "./manifest.js";
export { idProblem, MAX_ID_BYTES } from "./product-ids.js";
export type {
  RecReason,
  RichCounts,
  RichParams,
  RichProduct,
  RichRecItem,
  RichRecsDocument,
  RichSimilarityParams,
} from "./rich-document.js";
export type { ChangedProduct, DiffDistribution, DiffSide, MetricDelta, RunDiff } from "./run-diff.js";
export { checkRunId, makeRunId, makeUniqueRunId, RUN_ID_PATTERN, runIdProblem } from "./run-id.js";
export { checkK, DEFAULT_K, kProblem, MAX_K } from "./top-k.js";
