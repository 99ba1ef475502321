export { chunkQuery, type SqlChunkStream } from "./chunk-query.js";
export { cursorQuery, type SqlCursor } from "./cursor-query.js";
export type { SqlDialect } from "./dialects/dialect.js";
export { duckdbDialect } from "./dialects/duckdb.js";
export { postgresDialect } from "./dialects/postgres.js";
export {
  buildMeasureFromSql,
  type MeasureSqlOptions,
  measureSettingsSql,
  measureTopKSql,
  SQL_MEASURES,
  type SqlMeasure,
  type SqlMeasureBuildOptions,
  type SqlStatement,
} from "./measure-sql.js";
export { PairCounts } from "./pair-counts.js";
export {
  type CooccurrenceSql,
  cooccurrenceSql,
  readCooccurrenceFromSql,
  type SqlCooccurrence,
  type SqlQuery,
  type SqlRows,
  type SqlSourceOptions,
} from "./read-cooccurrence.js";
export {
  buildRecommendationsFromSql,
  type CooccurrenceInput,
  type CooccurrenceRecommendOptions,
  recommendFromCooccurrence,
  type SqlBuildOptions,
} from "./recommend-from-cooccurrence.js";
