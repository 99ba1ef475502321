/**
 * What differs between the SQL engines cobuy builds in: a few spellings and how each reports a
 * missing table or column. Everything else the generated SQL uses is ANSI (CTEs, window
 * functions, CAST, CASE, ln, sqrt). One module per engine, as kysely's dialects are.
 */
export interface SqlDialect {
  readonly name: "postgres" | "duckdb";
  /** A CAST to text (ids are compared and returned as text). */
  text(expr: string): string;
  /** True when the text expression is empty or only spaces and tabs (blank as the CSV reader sees it). */
  blank(textExpr: string): string;
  /** The text expression in UTF-8 byte order for ORDER BY (the local engine's product order). */
  byteOrder(textExpr: string): string;
  /**
   * Planner settings for the whole-build statement, set with `set_config(name, value, true)` (as
   * SET LOCAL: inside the caller's transaction only, and allowed in a read-only one). Empty when
   * the engine needs none.
   */
  readonly buildSettings: readonly (readonly [name: string, value: string])[];
  /** The n-th (1-based) query parameter. */
  param(n: number): string;
  /** What a driver error means, when it is one the build explains (otherwise undefined). */
  classify(error: unknown): "missing-table" | "missing-column" | undefined;
}
