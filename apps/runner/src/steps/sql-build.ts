/**
 * `--input-sql URL --table [SCHEMA.]NAME` (flags/input.ts): the order lines stay in PostgreSQL (or a
 * Postgres-family engine), the co-occurrence counting runs there as one self-join, and only the
 * products and the sparse pair counts come back (@cobuy/pipeline's `buildRecommendationsFromSql`,
 * through a pg client and pg-cursor). The classic measure only: the others need the order lines.
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
import type { Context } from "../context.js";
import { CLI_ERROR_CODES, CobuyCliError } from "../errors.js";
import type { BuildParams } from "../flags/build.js";
import type { SqlInput } from "../flags/input.js";
import type { Progress } from "../ui/progress.js";
import { buildWork, logCategoryNotes, STAGE_UNITS, stageBars } from "./build-progress.js";

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
      CLI_ERROR_CODES.sqlConnect,
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
      plan: params.plan,
      ...(params.blend ? { blend: params.blend } : {}),
      // After the checks (a failed one would abort the transaction): one snapshot for the data queries.
      beforeData: async () => {
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      },
      onStage: stageBars(ctx, bars, STAGE_UNITS),
      onProgress(e) {
        if (e.stage === "topk") bars.get("topk")?.report(buildWork(e, undefined));
      },
    });
    await client.query("COMMIT");
    const { index } = result;
    if (index.badRows.count > 0) {
      ctx.log.warn(`skipped ${index.badRows.count} rows with a NULL or blank order or product id`, {
        skippedRows: index.badRows.count,
      });
    }
    logCategoryNotes(ctx, result);
    return result;
  } finally {
    for (const bar of bars.values()) bar.done();
    await client.end().catch(() => {});
  }
}
