/**
 * `--input-sql URL --table [SCHEMA.]NAME` and `--engine duckdb --input FILE` (flags/input.ts): the
 * order lines stay in the database (PostgreSQL or a Postgres-family engine, or DuckDB). For cosine,
 * jaccard, lift, llr and expected the whole build runs there and only products × k rows come back
 * (@cobuy/pipeline's `buildMeasureFromSql`); for the classic measure the counting runs there and
 * the cosine of C's rows here (`buildRecommendationsFromSql`).
 */
import {
  type BuildResult,
  buildMeasureFromSql,
  buildRecommendationsFromSql,
  cooccurrenceSql,
  duckdbDialect,
  measureSettingsSql,
  measureTopKSql,
  type ProductCatalog,
  postgresDialect,
  type SqlMeasure,
  type Stage,
} from "@cobuy/pipeline";
import type { Context } from "../context.js";
import type { BuildParams } from "../flags/build.js";
import type { SqlInput } from "../flags/input.js";
import type { Progress } from "../ui/progress.js";
import { buildWork, logCategoryNotes, STAGE_UNITS, stageBars } from "./build-progress.js";
import { openSqlConnection } from "./sql-connection.js";

const CLASSIC = "cooccurrence-cosine";

/**
 * Connects, checks the table and columns, runs the data queries in one read-only snapshot, and
 * (classic measure) the top-k and validation here.
 * @example
 * const result = await runSqlBuild(ctx, parseSqlInput(values, params)!, params);
 */
export async function runSqlBuild(
  ctx: Context,
  input: SqlInput,
  params: BuildParams,
): Promise<BuildResult<ProductCatalog>> {
  const db = await openSqlConnection(ctx, input);
  const bars = new Map<Stage, Progress>();
  try {
    const source = {
      table: input.table,
      ...(input.schema !== undefined ? { schema: input.schema } : {}),
      columns: params.columns,
      skipBadRows: params.skipBadRows,
      dialect: db.dialect,
      // After the checks (a failed one would abort the transaction): one snapshot for the data queries.
      beforeData: () => db.begin(),
      onStage: stageBars(ctx, bars, STAGE_UNITS),
    };
    const scoring = {
      k: params.k,
      minScore: params.minScore,
      minSupport: params.minSupport,
      minPairSupport: params.minPairSupport,
    };
    let result: BuildResult<ProductCatalog>;
    if (params.similarity === CLASSIC) {
      ctx.log.debug("counting pairs in the database", { input: input.label });
      result = await buildRecommendationsFromSql(db.query, {
        ...source,
        ...scoring,
        incidence: params.incidence,
        threads: params.threads,
        kernel: params.kernel,
        plan: params.plan,
        ...(params.blend ? { blend: params.blend } : {}),
        onProgress(e) {
          if (e.stage === "topk") bars.get("topk")?.report(buildWork(e, undefined));
        },
      });
    } else {
      ctx.log.debug(`building ${params.similarity} in the database`, { input: input.label });
      result = await buildMeasureFromSql(db.query, {
        ...source,
        ...scoring,
        measure: params.similarity as SqlMeasure,
        statementQuery: () => db.statementQuery(),
      });
    }
    await db.commit();
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
    await db.close();
  }
}

/** The build statement's order count: known only once the totals statement has run. */
const ORDERS_FROM_TOTALS = Symbol('the orders (third column) of "rows, bad rows, orders" above');

/**
 * `--explain-sql`: the statements the build runs, in order, as an engine's SQL (`$1…` are the
 * parameters, listed after the statement that takes them).
 * @example
 * ctx.print(explainSql(input, params));
 */
export function explainSql(input: SqlInput, params: BuildParams): string {
  const dialect = input.engine === "duckdb" ? duckdbDialect : postgresDialect;
  const target = {
    table: input.table,
    ...(input.schema !== undefined ? { schema: input.schema } : {}),
    columns: params.columns,
    incidence: params.incidence,
    dialect,
  };
  const catalog = cooccurrenceSql(target, { skipBadRows: params.skipBadRows });
  const statements: Array<[string, string, readonly unknown[]]> = [
    ["the table and columns exist", catalog.probe, []],
    ["rows, bad rows, orders", catalog.totals, []],
    ["products and their support", catalog.products, []],
    ["categories", catalog.categories!, []],
  ];
  if (params.similarity === CLASSIC) {
    statements.push(["pair counts (the cosine of C's rows runs in cobuy)", catalog.pairs, []]);
  } else {
    // PostgreSQL: on a second connection in the first one's snapshot, beside the catalog queries,
    // so it counts the orders itself (one connection when the server cannot share its snapshot).
    const beside = input.engine !== "duckdb";
    const { text, values } = measureTopKSql({
      ...target,
      skipBadRows: params.skipBadRows,
      measure: params.similarity as SqlMeasure,
      k: params.k,
      minScore: params.minScore,
      minSupport: params.minSupport,
      minPairSupport: params.minPairSupport,
      // A stand-in: the build passes the count the totals statement returned.
      ...(beside ? {} : { orders: 0 }),
    });
    const where = beside ? " (a second connection in the same snapshot, while the queries above run)" : "";
    const settings = measureSettingsSql(dialect);
    if (settings !== null) {
      statements.push([`planner settings for the build (SET LOCAL)${where}`, settings.text, settings.values]);
    }
    statements.push([
      `${params.similarity} top-${params.k} per product${where}`,
      text,
      beside ? values : [...values.slice(0, -1), ORDERS_FROM_TOTALS],
    ]);
  }
  return statements
    .map(([what, text, values]) => {
      const args = values
        .map((v, i) => `-- $${i + 1} = ${v === ORDERS_FROM_TOTALS ? v.description : JSON.stringify(v)}`)
        .join("\n");
      return `-- ${what}\n${text};${args ? `\n${args}` : ""}`;
    })
    .join("\n\n");
}
