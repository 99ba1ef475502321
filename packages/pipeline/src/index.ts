// The measures, the pair-support filter and the blend are core-math's; re-exported under the names
// this package has always offered.
export {
  blendPopular,
  type ClassicTopKOptions,
  classicTopK,
  isSimilarityName,
  REASONS,
  type Reason,
  SIMILARITIES,
  type SimilarityName,
} from "@cobuy/core-math";
export {
  type BadRowExample,
  type BadRowsReport,
  type CategoryConflict,
  NO_CATEGORY,
  type ProductCatalog,
} from "./catalog/product-catalog.js";
export {
  type CatalogEntry,
  type CatalogMatch,
  matchCatalog,
  parseCatalog,
  readCatalog,
  type ShopCatalog,
} from "./catalog/read-catalog.js";
export * from "./diff/index.js";
export { type DocumentsInput, type WrittenDocument, writeDocuments } from "./documents/write-documents.js";
export { type InputPosition, isPipelineError, PipelineError, type PipelineErrorCode } from "./errors.js";
export * from "./evaluation/index.js";
export { readCatalogParquet, readSalesParquet } from "./ingest/parquet.js";
export type { ReadSalesOptions, SalesColumns } from "./ingest/read-options.js";
export { readSales } from "./ingest/read-sales.js";
export { isSalesIndex, type SalesIndex } from "./ingest/sales-index.js";
export {
  type BuildOptions,
  buildRecommendations,
  recommendFromIndex,
} from "./recommend/build-recommendations.js";
export type {
  BuildResult,
  BuildStats,
  ProgressEvent,
  RecommendOptions,
  SimilarityChoice,
  Stage,
  StageEvent,
} from "./recommend/options.js";
export * from "./report/index.js";
export {
  generateSample,
  type SampleOptions,
  type SampleSummary,
  writeSampleCsv,
} from "./sample/generate-sample.js";
export * from "./sql/index.js";
export { type CategoryShare, type ValidationResult, validateRecommendations } from "./validation/validate.js";
