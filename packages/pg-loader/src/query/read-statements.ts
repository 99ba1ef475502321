import { createHash } from "node:crypto";
import { CompiledQuery } from "kysely";
import type pg from "pg";
import { quoteIdent } from "../db/backend.js";
import type { CobuyDb } from "../db/open-database.js";
import { PostgresBackend } from "../dialect/postgres/backend.js";

/**
 * One hot read statement of the query API: fixed SQL text for a schema (built from constants and
 * the validated, quoted schema name; user values only ever travel as parameters) and the name it
 * is prepared under. The name is derived from the text, so two schemas (or two versions of this
 * package) never share a name for different SQL.
 */
export interface ReadStatement {
  readonly name: string;
  readonly text: string;
}

/** The query API's hot statements for one schema. */
export interface ReadStatements {
  /**
   * `$1` product id, `$2` limit: one row, the product with `items`, a JSON array of its first `$2`
   * recommendations `[rank, id, score, support, category, name, extra]` by rank (null when it has
   * none; name is the catalog name, else the id).
   */
  similar: ReadStatement;
  /** `$1` product id, `$2` limit, `$3` category: as `similar`, only items of that category. */
  similarInCategory: ReadStatement;
  /** `$1` product id. */
  product: ReadStatement;
  /** `$1` category, `$2` limit: by support desc (nulls last), then id. */
  popular: ReadStatement;
  /** The active run's id (no row: none active). */
  activeRunId: ReadStatement;
  /**
   * `$1` run id, `$2` search key prefix, `$3` the prefix followed by U+10FFFF (the range's end),
   * `$4` limit, `$5` offset: that run's products whose search key starts with `$2`, by key then id
   * — an index range scan.
   */
  namePrefix: ReadStatement;
  /** `$1`–`$3` as `namePrefix`: how many products it matches (`n`). */
  namePrefixCount: ReadStatement;
  /**
   * `$1` run id, `$2` LIKE pattern `%key%`, `$3` search key, `$4` limit, `$5` offset: that run's
   * products whose key contains but does not start with the key, by key then id (a scan of the
   * run's products: the fallback after the prefix matches).
   */
  nameContains: ReadStatement;
}

const cache = new Map<string, ReadStatements>();

/**
 * The statements for `schema`. Each reads `active_run` exactly once, as an InitPlan, so one
 * statement never mixes two runs and the planner prunes every partitioned table to the active
 * run's partition at execution time (a generic plan stays valid across runs).
 */
export function readStatements(schema: string): ReadStatements {
  let s = cache.get(schema);
  if (s) return s;
  const t = (table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;
  const active = `(SELECT run_key FROM ${t("active_run")})`;
  const productWhere = `WHERE p.run_key = ${active} AND p.product_id = $1`;
  const runOf = `(SELECT key FROM ${t("runs")} WHERE id = $1)`;
  const namePrefixWhere = `p.run_key = ${runOf} AND p.search_key >= $2 AND p.search_key < $3 AND starts_with(p.search_key, $2)`;
  const productColumns =
    "p.product_id, p.category, p.support, p.rec_count, COALESCE(p.name, p.product_id) AS name, p.extra";
  // One row per product: the list comes as one JSON array of [rank, id, score, support, category, name, extra]
  // (null when empty), cut to $2 items in rank order — a tenth of the rows and of the client's
  // parsing work of a join returning one row per recommendation.
  const similar = (categoryJoin: string) =>
    `SELECT r.id AS run_id, ${productColumns}, ` +
    "(SELECT json_agg(json_build_array(x.rank, x.recommended_id, x.score, x.support, x.category, x.name, x.extra) ORDER BY x.rank) " +
    `FROM (SELECT rec.rank, rec.recommended_id, rec.score, rec.support, q.category, q.name, q.extra FROM ${t("recommendations")} rec ` +
    `${categoryJoin} ${t("products")} q ON q.run_key = rec.run_key AND q.product_id = rec.recommended_id` +
    `${categoryJoin === "JOIN" ? " AND q.category = $3" : ""} ` +
    "WHERE rec.run_key = p.run_key AND rec.product_id = p.product_id ORDER BY rec.rank LIMIT $2) x) AS items " +
    `FROM ${t("products")} p JOIN ${t("runs")} r ON r.key = p.run_key ${productWhere}`;
  s = {
    similar: statement("similar", similar("LEFT JOIN")),
    similarInCategory: statement("similar_cat", similar("JOIN")),
    product: statement("product", `SELECT ${productColumns} FROM ${t("products")} p ${productWhere}`),
    popular: statement(
      "popular",
      `SELECT ${productColumns} FROM ${t("products")} p ` +
        `WHERE p.run_key = ${active} AND p.category = $1 ` +
        "ORDER BY p.support DESC NULLS LAST, p.product_id LIMIT $2",
    ),
    activeRunId: statement(
      "active_run",
      `SELECT r.id FROM ${t("active_run")} a JOIN ${t("runs")} r ON r.key = a.run_key`,
    ),
    // A range on (run_key, search_key) with bound parameters: the btree serves it in a generic
    // plan too, where `LIKE $2 || '%'` would not. starts_with drops the (U+10FFFF-led) keys the
    // range's end lets through. The run comes as an id, so the three search statements read one run.
    namePrefix: statement(
      "name_prefix",
      `SELECT ${productColumns} FROM ${t("products")} p WHERE ${namePrefixWhere} ` +
        "ORDER BY p.search_key, p.product_id LIMIT $4 OFFSET $5",
    ),
    namePrefixCount: statement(
      "name_prefix_count",
      `SELECT count(*)::int AS n FROM ${t("products")} p WHERE ${namePrefixWhere}`,
    ),
    nameContains: statement(
      "name_contains",
      `SELECT ${productColumns} FROM ${t("products")} p ` +
        `WHERE p.run_key = ${runOf} AND p.search_key LIKE $2 ` +
        "AND NOT starts_with(p.search_key, $3) ORDER BY p.search_key, p.product_id LIMIT $4 OFFSET $5",
    ),
  };
  cache.set(schema, s);
  return s;
}

function statement(what: string, text: string): ReadStatement {
  // PostgreSQL keeps statement names to 63 bytes: a short tag plus a digest of the text.
  const digest = createHash("sha256").update(text).digest("hex").slice(0, 16);
  return { name: `cobuy_${what}_${digest}`, text };
}

// A prepared statement whose tables were replaced incompatibly ("cached plan must not change
// result type") or that a pooler dropped ("prepared statement … does not exist"): the connection
// is discarded and the statement runs again on another one.
const STALE_STATEMENT = new Set(["0A000", "26000"]);

/**
 * Runs a read statement. On PostgreSQL opened by this package: a named prepared statement on the
 * pool (parsed and planned once per connection, then only bound and executed). Elsewhere (PGlite,
 * a Kysely instance this package did not create): the same text through Kysely.
 */
export async function runRead<R>(db: CobuyDb, stmt: ReadStatement, values: unknown[]): Promise<R[]> {
  const backend = db.backend;
  if (backend instanceof PostgresBackend) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await runPrepared<R>(backend.pool, stmt, values);
      } catch (err) {
        if (attempt < 2 && STALE_STATEMENT.has((err as { code?: string }).code ?? "")) continue;
        throw err;
      }
    }
  }
  const result = await db.kysely.executeQuery<R>(CompiledQuery.raw(stmt.text, values));
  return result.rows;
}

async function runPrepared<R>(pool: pg.Pool, stmt: ReadStatement, values: unknown[]): Promise<R[]> {
  const client = await pool.connect();
  // A checked-out client whose connection dies emits 'error'; the pending query rejects with it.
  const onError = () => {};
  client.on("error", onError);
  let discard: Error | undefined;
  try {
    const result = await client.query<R & pg.QueryResultRow>({ name: stmt.name, text: stmt.text, values });
    return result.rows;
  } catch (err) {
    if (STALE_STATEMENT.has((err as { code?: string }).code ?? "")) discard = err as Error;
    throw err;
  } finally {
    client.off("error", onError);
    client.release(discard);
  }
}
