/**
 * @cobuy/pg-loader — load published cobuy runs into PostgreSQL or embedded PGlite atomically,
 * and query the active run.
 */
export {
  type CobuyDb,
  type DatabaseConfig,
  type DbInput,
  openDatabase,
  type PgliteConfig,
  type PgPool,
  type PostgresConfig,
} from "./db/open-database.js";
export type { Database, Json } from "./db/types.js";
export {
  BusyError,
  ChecksumError,
  ConfigError,
  DatabaseUnavailableError,
  FormatError,
  hasCode,
  LoadError,
  MigrationError,
  NotMigratedError,
  PgLoaderError,
  type PgLoaderErrorCode,
  RunNotFoundError,
  SourceError,
} from "./errors.js";
export { activateRun } from "./load/activate-run.js";
export { type LoadOptions, type LoadProgress, type LoadResult, loadRun } from "./load/load-run.js";
export { type PruneResult, pruneRuns } from "./load/prune-runs.js";
export { type MigrateReport, migrate } from "./migrations/migrate.js";
export { checkRichDocument, type RichDocumentFacts } from "./parse/check-rich-document.js";
export {
  activeRun,
  activeRunId,
  listCategories,
  listRuns,
  type ProductInfo,
  ping,
  popularInCategory,
  productInfo,
  type RunInfo,
  type SimilarProduct,
  type SimilarProducts,
  searchProducts,
  similarProducts,
} from "./query/queries.js";
export { type LoadedRunLists, readRunLists } from "./query/run-lists.js";
export { localRunSource, type RunSource, readSmallFile } from "./source/run-source.js";
