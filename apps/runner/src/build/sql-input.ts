/**
 * `--input-sql URL --table [SCHEMA.]NAME`: the order lines stay in PostgreSQL (or a Postgres-family
 * engine), the co-occurrence counting runs there as one self-join, and only the products and the
 * sparse pair counts come back (@cobuy/pipeline's `buildRecommendationsFromSql`, through a pg
 * client and pg-cursor). The classic measure only: the others need the order lines.
 */
import {
  type BuildResult,
  buildRecommendationsFromSql,
  cursorQuery,
  type ProductCatalog,
  type Stage,
} from "@cobuy/pipeline";
import pg from "pg";
import Cursor from "pg-cursor";
import type { OptionSpecs } from "../command.js";
import type { Context } from "../context.js";
import { CobuyCliError, UsageError } from "../errors.js";
import type { Progress } from "../ui/progress.js";
import type { BuildParams } from "./options.js";
import { stageBars } from "./run-build.js";

export const SQL_INPUT_OPTIONS = {
  "input-sql": {
    type: "string",
    valueName: "URL",
    description:
      "read the order lines from PostgreSQL instead of a file and count the pairs there: postgres://USER@HOST:5432/DB " +
      "(password from PGPASSWORD or ~/.pgpass rather than the URL); needs --table; classic measure only",
  },
  table: {
    type: "string",
    valueName: "[SCHEMA.]NAME",
    description: "with --input-sql: the table (or view) holding one row per order line",
  },
} as const satisfies OptionSpecs;

/** A parsed `--input-sql` / `--table` pair. */
export interface SqlInput {
  /** The connection string as given (may hold a password: never print or record it). */
  readonly url: string;
  /** `postgres://user@host:port/db table schema.name`: no password, no query parameters. */
  readonly label: string;
  readonly table: string;
  readonly schema?: string;
}

/**
 * `--input-sql` and `--table` (undefined without `--input-sql`); usage errors for a missing or
 * extra flag, a URL that is not postgres://, and the options that need the order lines.
 * @example
 * parseSqlInput({ "input-sql": "postgres://me@db/shop", table: "sales" }, params)?.label;
 * // "postgres://me@db/shop table sales"
 */
export function parseSqlInput(
  v: { "input-sql"?: string; table?: string; input?: string; evaluate?: boolean },
  params: BuildParams,
): SqlInput | undefined {
  const url = v["input-sql"];
  if (url === undefined) {
    if (v.table !== undefined) throw new UsageError("--table goes with --input-sql URL");
    return undefined;
  }
  if (v.input !== undefined) throw new UsageError("give either --input FILE or --input-sql URL, not both");
  if (v.table === undefined || v.table === "") {
    throw new UsageError("--input-sql needs --table [SCHEMA.]NAME: the table holding the order lines");
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError("--input-sql is not a URL (expected postgres://user@host:5432/db)");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new UsageError(`--input-sql must start with postgres:// (got ${parsed.protocol}//…)`);
  }
  const parts = v.table.split(".");
  if (parts.length > 2) throw new UsageError(`--table must be NAME or SCHEMA.NAME (got "${v.table}")`);
  const [schema, table] = parts.length === 2 ? [parts[0], parts[1]!] : [undefined, parts[0]!];
  if (params.similarity !== "cooccurrence-cosine") {
    throw new UsageError(
      `--similarity ${params.similarity} needs the order lines; with --input-sql only the classic ` +
        "cooccurrence-cosine runs (its counting happens in the database)",
    );
  }
  if (v.evaluate === true) {
    throw new UsageError(
      "--evaluate needs the order lines (it holds orders out); it is not available with --input-sql",
    );
  }
  parsed.password = "";
  parsed.search = "";
  parsed.hash = "";
  return {
    url,
    label: `${parsed.toString()} table ${v.table}`,
    table,
    ...(schema !== undefined ? { schema } : {}),
  };
}

const UNITS: Partial<Record<Stage, string>> = { topk: "products" };

/**
 * Connects, checks the table and columns, runs the data queries in one read-only REPEATABLE READ
 * transaction (so they see the same rows) with pg-cursor batches, and the classic top-k and
 * validation here.
 * @example
 * const result = await runSqlBuild(ctx, parseSqlInput(values, params)!, params);
 */
export async function runSqlBuild(
  ctx: Context,
  input: SqlInput,
  params: BuildParams,
): Promise<BuildResult<ProductCatalog>> {
  const client = new pg.Client({ connectionString: input.url, application_name: "cobuy" });
  client.on("error", (e) => ctx.log.debug(`database connection error: ${e.message}`));
  try {
    await client.connect();
  } catch (e) {
    throw new CobuyCliError(
      "COBUY_SQL_CONNECT",
      `cannot connect to ${input.label.split(" table ")[0]}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const bars = new Map<Stage, Progress>();
  try {
    const query = cursorQuery(
      (text, values) => client.query(new Cursor(text, [...values], { rowMode: "array" })),
      {
        batchRows: 50_000,
      },
    );
    ctx.log.debug("counting pairs in the database", { input: input.label });
    const result = await buildRecommendationsFromSql(query, {
      table: input.table,
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      columns: params.columns,
      incidence: params.incidence,
      skipBadRows: params.skipBadRows,
      k: params.k,
      minScore: params.minScore,
      minSupport: params.minSupport,
      minPairSupport: params.minPairSupport,
      threads: params.threads,
      kernel: params.kernel,
      ...(params.blend ? { blend: params.blend } : {}),
      // After the checks (a failed one would abort the transaction): one snapshot for the data queries.
      beforeData: async () => {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      },
      onStage: stageBars(ctx, bars, UNITS),
      onProgress(e) {
        if (e.stage === "topk") bars.get("topk")?.update(e.done, e.total);
      },
    });
    await client.query("COMMIT");
    const { index } = result;
    if (index.badRows.count > 0) {
      ctx.log.warn(`skipped ${index.badRows.count} rows with a NULL or blank order or product id`, {
        skippedRows: index.badRows.count,
      });
    }
    if (index.rowsWithoutCategory > 0) {
      ctx.log.info(
        `${index.rowsWithoutCategory} rows have an empty category; their products take their most frequent category from other rows`,
        {
          rowsWithoutCategory: index.rowsWithoutCategory,
          productsWithoutCategory: result.validation?.productsWithoutCategory ?? 0,
        },
      );
    }
    if (index.categoryConflicts > 0) {
      const ex = index.conflictExamples[0];
      ctx.log.info(
        `${index.categoryConflicts} products appear with several categories; each keeps its most frequent` +
          (ex ? ` (e.g. ${ex.productId} → ${ex.chosen})` : ""),
        { categoryConflicts: index.categoryConflicts },
      );
    }
    return result;
  } finally {
    for (const bar of bars.values()) bar.done();
    await client.end().catch(() => {});
  }
}
