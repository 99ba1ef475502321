export {
  type BuildOptions,
  type BuildResult,
  type BuildStats,
  buildRecommendations,
  type ProgressEvent,
  type RecommendOptions,
  recommendFromIndex,
  type SimilarityChoice,
  type Stage,
  type StageEvent,
} from "./build/build-recommendations.js";
export { isSalesIndex, type ProductCatalog } from "./build/product-catalog.js";
export { type DocumentsInput, type WrittenDocument, writeDocuments } from "./documents/write-documents.js";
export { type InputPosition, isPipelineError, PipelineError, type PipelineErrorCode } from "./errors.js";
export * from "./evaluation/index.js";
export {
  type BadRowExample,
  type BadRowsReport,
  type CategoryConflict,
  NO_CATEGORY,
  type ReadSalesOptions,
  readSales,
  type SalesColumns,
  type SalesIndex,
} from "./ingest/read-sales.js";
export { readSalesParquet } from "./ingest/read-sales-parquet.js";
export * from "./report/index.js";
export {
  generateSample,
  type SampleOptions,
  type SampleSummary,
  writeSampleCsv,
} from "./sample/generate-sample.js";
export * from "./sql/index.js";
export { type CategoryShare, type ValidationResult, validateRecommendations } from "./validation/validate.js";
