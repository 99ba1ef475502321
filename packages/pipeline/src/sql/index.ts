export { cursorQuery, type SqlCursor } from "./cursor-query.js";
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
