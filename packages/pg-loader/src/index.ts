/**
 * @cobuy/pg-loader — load published cobuy runs into PostgreSQL or embedded PGlite atomically,
 * and query the active run.
 */
export type { Backend, Session } from "./db/backend.js";
export { DEFAULT_SCHEMA, validateSchemaName } from "./db/identifiers.js";
export {
  type CobuyDb,
  type DatabaseConfig,
  type DbInput,
  openDatabase,
  type PgliteConfig,
  type PostgresConfig,
  withDb,
} from "./db/open-database.js";
export type * from "./db/types.js";
export * from "./errors.js";
export { activateRun } from "./load/activate-run.js";
export {
  type LoadOptions,
  type LoadProgress,
  type LoadResult,
  loadRun,
  RICH_RECS,
  VALIDATION,
} from "./load/load-run.js";
export { type PruneResult, pruneRuns } from "./load/prune-runs.js";
export { type MigrateReport, migrate, migrationNames } from "./migrations/migrate.js";
export {
  copyEscape,
  type DocProduct,
  RICH_FORMAT,
  type RichHeader,
  RichRecsParser,
} from "./parse/rich-recs-parser.js";
export {
  activeRun,
  activeRunId,
  listCategories,
  listRuns,
  type ProductInfo,
  popularInCategory,
  productInfo,
  type RunInfo,
  type SimilarProduct,
  type SimilarProducts,
  searchProducts,
  similarProducts,
} from "./query/queries.js";
export { MANIFEST, readManifest } from "./source/manifest.js";
export { localRunSource, type RunSource } from "./source/run-source.js";
