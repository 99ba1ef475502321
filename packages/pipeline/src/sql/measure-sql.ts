import type { MeasureName, TopKResult } from "@cobuy/core-math";
import type { ProductCatalog } from "../catalog/product-catalog.js";
import { PipelineError } from "../errors.js";
import { type BuildResult, optionError, type RecommendOptions, resolveK } from "../recommend/options.js";
import { stageClock } from "../recommend/stage-clock.js";
import { validateRecommendations } from "../validation/validate.js";
import type { SqlDialect } from "./dialects/dialect.js";
import { postgresDialect } from "./dialects/postgres.js";
import {
  badLine,
  count,
  defined,
  product,
  quoteIdentifier,
  readCatalogFromSql,
  type SqlQuery,
  type SqlRows,
  type SqlRunner,
  type SqlSourceOptions,
  sqlRunner,
  tableLabel,
} from "./read-cooccurrence.js";

/** The measures whose whole build runs as SQL: every first-order measure. */
export const SQL_MEASURES = [
  "cosine",
  "jaccard",
  "lift",
  "llr",
  "expected",
] as const satisfies readonly MeasureName[];
export type SqlMeasure = (typeof SQL_MEASURES)[number];

/** Options of {@link measureTopKSql}. */
export interface MeasureSqlOptions
  extends Pick<SqlSourceOptions, "table" | "schema" | "columns" | "skipBadRows" | "dialect"> {
  measure: SqlMeasure;
  k?: number;
  minScore?: number;
  minSupport?: number;
  minPairSupport?: number;
  /**
   * The distinct orders of the table (bad rows left out with `skipBadRows`), when the caller has
   * counted them already, as the catalog's totals statement does: the statement then takes the
   * number as its fifth parameter instead of grouping every line by order again (DuckDB at L: a
   * hash aggregate of 2.5 M orders). Without it the statement counts them itself.
   */
  orders?: number;
}

/** One statement and its parameters (user values never go into the text). */
export interface SqlStatement {
  readonly text: string;
  readonly values: readonly unknown[];
}

// The CTEs that score each pair from np, nq (orders holding p, q), n (orders) and c (orders
// holding both) into `scored (p, q, c, s, s_rev)`, in float8 and in the order of operations of
// core-math's measureTopK, so that the two agree to the last few ulps.
// log1p(x) without a log1p function (PostgreSQL has none): ln(u)·x/(u − 1) with u = 1 + x is
// accurate to a few ulps (Goldberg), where ln(1 + x) alone loses the digits of a small x.
const log1p = (x: string) =>
  `(CASE WHEN 1 + ${x} = 1 THEN ${x} ELSE ln(1 + ${x}) * ${x} / ((1 + ${x}) - 1) END)`;
// expm1(y) from y and u = exp(y) (Kahan): (u − 1)·y/ln(u), y itself where u rounds to 1, u − 1
// where u is far from 1 (no cancellation; also keeps ln(0) out). The caller keeps exp from
// underflowing, which PostgreSQL reports as an error.
const expm1 = (y: string, u: string) =>
  `(CASE WHEN ${u} = 1 THEN ${y} WHEN ${u} < 0.5 THEN ${u} - 1 ELSE (${u} - 1) * ${y} / ln(${u}) END)`;

// "expected" (core-math's measure.ts): (c − E)/√E with E(p, n_q) = Σ_s h_p[s]·(1 − (1 − π_q)^(s−1)),
// h_p the sizes of the orders holding p, π_q = n_q / L, L the order lines. E depends on p and n_q
// only, so it is computed once per distinct (p, n_q) a pair needs (as the local engine memoises
// it), both ways: the measure is not symmetric.
function expectedSql(): string[] {
  return [
    " line_count AS (SELECT CAST(count(*) AS float8) AS l FROM baskets),",
    " order_sizes AS (SELECT o, CAST(count(*) AS float8) AS s FROM baskets GROUP BY o),",
    " size_hist AS (SELECT b.i AS p, z.s, CAST(count(*) AS float8) AS h FROM baskets b" +
      " JOIN order_sizes z ON z.o = b.o WHERE z.s > 1 GROUP BY b.i, z.s),",
    " needed AS (SELECT p, nq AS m FROM counted UNION SELECT q, np FROM counted),",
    ` miss AS (SELECT m, ${log1p("(-m / l)")} AS lq FROM (SELECT DISTINCT m FROM needed) d CROSS JOIN line_count),`,
    // exp(y) for y < -40 is below half an ulp of 1: expm1(y) is -1 in float8 there.
    " expect_terms AS (SELECT p, m, h, y, CASE WHEN y < -40 THEN 0 ELSE exp(y) END AS u FROM" +
      " (SELECT d.p, d.m, size_hist.h, (size_hist.s - 1) * miss.lq AS y FROM needed d" +
      " JOIN size_hist ON size_hist.p = d.p JOIN miss ON miss.m = d.m) t),",
    ` expect AS (SELECT p, m, sum(h * -${expm1("y", "u")}) AS e FROM expect_terms GROUP BY p, m),`,
    " scored AS (SELECT w.p, w.q, w.c, (w.c - ep.e) / sqrt(ep.e) AS s, (w.c - eq.e) / sqrt(eq.e) AS s_rev" +
      " FROM counted w JOIN expect ep ON ep.p = w.p AND ep.m = w.nq JOIN expect eq ON eq.p = w.q AND eq.m = w.np)",
  ];
}

function scoreSql(measure: SqlMeasure): string[] {
  const counted =
    " counted AS (SELECT w.p, w.q, w.c, pp.n AS np, pq.n AS nq, orders.n AS n FROM pairs w" +
    " JOIN products pp ON pp.i = w.p JOIN products pq ON pq.i = w.q CROSS JOIN orders),";
  if (measure === "expected") return [counted, ...expectedSql()];
  // s scores q for p, s_rev p for q: equal for the symmetric formulas.
  const plain = (expr: string) => [
    counted,
    ` scored AS (SELECT p, q, c, ${expr} AS s, ${expr} AS s_rev FROM counted)`,
  ];
  if (measure === "cosine") return plain("c / sqrt(np * nq)");
  if (measure === "jaccard") return plain("c / (np + nq - c)");
  if (measure === "lift") return plain("(c * n) / (np * nq)");
  // Mahout's logLikelihoodRatio(k11, k12, k21, k22) of the pair's 2×2 table. Its sums are whole
  // numbers, exact in float8, so k11 + k12 + k21 + k22 is n, k11 + k12 is np, k21 + k22 is n - np
  // (and so on): the same arguments to ln as in core-math, with fewer operations.
  const x = (v: string) => `(CASE WHEN ${v} = 0 THEN 0 ELSE (${v}) * ln(${v}) END)`;
  return [
    // The row and column entropies depend on one product only: once per product, not per pair
    // (the same float8 operations, so the same values).
    ` llr_products AS (SELECT products.i, products.n, ${x("orders.n")} AS xn,` +
      ` ${x("orders.n")} - ${x("products.n")} - ${x("orders.n - products.n")} AS e FROM products CROSS JOIN orders),`,
    // OFFSET 0 keeps this level a subquery: flattened, the planner would paste each term into
    // every use below and evaluate its ln four times (measured: most of the scoring's time).
    " llr_terms AS (SELECT w.p, w.q, w.c, pp.e AS row_e, pq.e AS col_e, pp.xn," +
      `\n   ${x("w.c")} AS x11, ${x("pp.n - w.c")} AS x12, ${x("pq.n - w.c")} AS x21,` +
      `\n   ${x("orders.n - pp.n - pq.n + w.c")} AS x22` +
      " FROM pairs w JOIN llr_products pp ON pp.i = w.p JOIN llr_products pq ON pq.i = w.q CROSS JOIN orders OFFSET 0),",
    // q's list sees k12 and k21 swapped: subtracted in that order, as core-math does for q.
    " llr_entropy AS (SELECT p, q, c, row_e, col_e, xn - x11 - x12 - x21 - x22 AS mat_e," +
      " xn - x11 - x21 - x12 - x22 AS mat_rev FROM llr_terms),",
    // Round-off can make the entropies' difference negative: 0, as Mahout does.
    " scored AS (SELECT p, q, c," +
      " CASE WHEN row_e + col_e < mat_e THEN 0 ELSE 2 * (row_e + col_e - mat_e) END AS s," +
      " CASE WHEN col_e + row_e < mat_rev THEN 0 ELSE 2 * (col_e + row_e - mat_rev) END AS s_rev FROM llr_entropy)",
  ];
}

function checkNumber(name: string, v: number, min: number): void {
  if (!(typeof v === "number" && v >= min && !Number.isNaN(v))) {
    throw optionError(`${name} must be a number ≥ ${min} (got ${v})`);
  }
}

/**
 * The whole first-order build as one statement: binary baskets, orders per product, the
 * self-join on the order id (the upper triangle, mirrored), the minimum pair support, the score,
 * and the top-k per product by a window function — score descending, then the product id in
 * UTF-8 byte order, as the local engine breaks ties. Only products × k rows come back:
 * `(product, recommended, score, pair count, rank)`.
 *
 * @example
 * ```ts
 * const { text, values } = measureTopKSql({ table: "sales", measure: "llr", k: 10 });
 * await client.query(text, [...values]);
 * ```
 */
export function measureTopKSql(options: MeasureSqlOptions): SqlStatement {
  const d: SqlDialect = options.dialect ?? postgresDialect;
  if (!(SQL_MEASURES as readonly string[]).includes(options.measure)) {
    throw optionError(
      `the SQL build serves the measures ${SQL_MEASURES.join(", ")} (got "${options.measure}")`,
    );
  }
  const k = resolveK(options.k);
  const minScore = options.minScore ?? 0;
  const minSupport = options.minSupport ?? 1;
  const minPairSupport = options.minPairSupport ?? 1;
  if (Number.isNaN(minScore)) throw optionError("minScore must be a number (got NaN)");
  checkNumber("minSupport", minSupport, 0);
  checkNumber("minPairSupport", minPairSupport, 0);
  if (options.orders !== undefined && !(Number.isSafeInteger(options.orders) && options.orders >= 0)) {
    throw optionError(`orders must be a whole number ≥ 0 (got ${options.orders})`);
  }
  const names = { order: "order_id", product: "product_id", ...defined(options.columns ?? {}) };
  const t =
    (options.schema !== undefined ? `${quoteIdentifier(options.schema, "schema")}.` : "") +
    quoteIdentifier(options.table, "table");
  const o = quoteIdentifier(names.order, "order column");
  const p = quoteIdentifier(names.product, "product column");
  if (names.order === names.product) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `columns.order and columns.product both name the column ${JSON.stringify(names.order)}`,
    );
  }
  const where = options.skipBadRows ? ` WHERE NOT ${badLine(d, o, p)}` : "";
  const [minSupportP, minPairP, minScoreP, kP, ordersP] = [1, 2, 3, 4, 5].map(d.param);
  const text = [
    // Products as integers in UTF-8 byte order of their ids (the local engine's indices): the
    // join, the grouping and the tie-break then compare integers, not text under a collation.
    `WITH ids AS (SELECT p, ${d.text("p")} AS id, CAST(row_number() OVER (ORDER BY ${d.byteOrder(d.text("p"))}) AS integer) AS i` +
      ` FROM (SELECT DISTINCT ${p} AS p FROM ${t}${where}) distinct_products),`,
    // The lines made distinct once, as (order, product index): no CTE of text pairs in between
    // (PostgreSQL 15 at M: 9 % of the statement). Counted by GROUP BY, not count(DISTINCT), which
    // PostgreSQL runs as a sort.
    ` baskets AS (SELECT DISTINCT lines.o, ids.i FROM (SELECT ${o} AS o, ${p} AS p FROM ${t}${where}) lines` +
      " JOIN ids ON ids.p = lines.p),",
    options.orders !== undefined
      ? ` orders AS (SELECT CAST(${ordersP} AS float8) AS n),`
      : " orders AS (SELECT CAST(count(*) AS float8) AS n FROM (SELECT o FROM baskets GROUP BY o) distinct_orders),",
    " products AS (SELECT i, CAST(count(*) AS float8) AS n FROM baskets GROUP BY i" +
      ` HAVING count(*) >= CAST(${minSupportP} AS float8)),`,
    // Co-located on a table distributed by order id: each node joins its own orders.
    " pairs AS (SELECT a.i AS p, b.i AS q, CAST(count(*) AS float8) AS c FROM baskets a JOIN baskets b" +
      ` ON a.o = b.o AND a.i < b.i GROUP BY a.i, b.i HAVING count(*) >= CAST(${minPairP} AS float8)),`,
    // Every measure here is symmetric: each pair is scored once, then listed both ways.
    ...scoreSql(options.measure).map((cte, i, all) => (i === all.length - 1 ? `${cte},` : cte)),
    ` both_ways AS (SELECT p, q, c, s FROM scored WHERE s > CAST(${minScoreP} AS float8)` +
      ` UNION ALL SELECT q, p, c, s_rev FROM scored WHERE s_rev > CAST(${minScoreP} AS float8)),`,
    " ranked AS (SELECT p, q, c, s, row_number() OVER (PARTITION BY p ORDER BY s DESC, q) AS r FROM both_ways),",
    ` top AS (SELECT p, q, c, s, r FROM ranked WHERE r <= CAST(${kP} AS integer))`,
    "SELECT pid.id, qid.id, top.s, top.c, top.r FROM top JOIN ids pid ON pid.i = top.p JOIN ids qid ON qid.i = top.q",
  ].join("\n");
  const values = [minSupport, minPairSupport, minScore, k];
  return { text, values: options.orders !== undefined ? [...values, options.orders] : values };
}

/**
 * The planner settings {@link measureTopKSql} runs under on the dialect's engine, as one SELECT of
 * `set_config(name, value, true)` — SET LOCAL: they last until the caller's transaction ends,
 * and a read-only transaction (a replica) allows them. Null when the engine needs none (DuckDB).
 *
 * @example
 * ```ts
 * const settings = measureSettingsSql(postgresDialect); // before measureTopKSql, in the same transaction
 * if (settings) await client.query(settings.text, [...settings.values]);
 * ```
 */
export function measureSettingsSql(dialect: SqlDialect = postgresDialect): SqlStatement | null {
  if (dialect.buildSettings.length === 0) return null;
  const calls = dialect.buildSettings.map(
    (_, i) => `set_config(${dialect.param(2 * i + 1)}, ${dialect.param(2 * i + 2)}, true)`,
  );
  return { text: `SELECT ${calls.join(", ")}`, values: dialect.buildSettings.flat() };
}

/** Options of {@link buildMeasureFromSql}. */
export type SqlMeasureBuildOptions = Omit<SqlSourceOptions, "onProgress" | "incidence"> &
  Pick<RecommendOptions, "k" | "minScore" | "minSupport" | "minPairSupport" | "validate" | "onStage"> & {
    measure: SqlMeasure;
    /**
     * A second connection for the build statement, asked for once `beforeData` has resolved: it
     * must see the same rows as `query` (PostgreSQL: a REPEATABLE READ transaction that imports
     * the first one's snapshot with `SET TRANSACTION SNAPSHOT`). Null, or no function, runs the
     * statement after the catalog queries on `query`. Given one, the statement starts at once
     * and runs on a second core while the catalog queries run here (PostgreSQL runs a statement
     * on one core; at M the catalog queries are about a fifth of the build), counting the orders
     * itself. The caller closes it, also when the build fails.
     */
    statementQuery?: () => Promise<SqlQuery | null>;
  };

/** The settings (their one row read and dropped), then the statement's rows as they arrive. */
async function* streamed(
  run: SqlRunner,
  settings: SqlStatement | null,
  statement: SqlStatement,
): AsyncGenerator<SqlRows> {
  if (settings !== null) for await (const batch of run.rows(settings.text, settings.values)) void batch;
  yield* run.rows(statement.text, statement.values);
}

/** All of {@link streamed}'s batches (P × k rows), read while the caller does other work. */
async function statementRows(
  run: SqlRunner,
  settings: SqlStatement | null,
  statement: SqlStatement,
): Promise<SqlRows[]> {
  const batches: SqlRows[] = [];
  for await (const batch of streamed(run, settings, statement)) batches.push(batch);
  return batches;
}

/**
 * A first-order measure's whole build in the database: the catalog queries (stage `ingest`), then
 * the planner settings of {@link measureSettingsSql} (inside the caller's transaction, where
 * `beforeData` started one) and {@link measureTopKSql} (stage `topk`: counting, scores and top-k
 * in one statement; products × k rows come back), then the classic validation metric over those
 * lists (stage `validation`, O(P) here). With `statementQuery` the settings and the statement run
 * on that second connection from the start, beside the catalog queries, and stage `topk` is the
 * wait for them after the catalog. The same lists as `buildRecommendations` with
 * `similarity: measure` gives for the CSV of the table, and the same result shape, so
 * `writeDocuments` takes it unchanged.
 *
 * @example
 * ```ts
 * const result = await buildMeasureFromSql(query, { table: "sales", measure: "llr", k: 10 });
 * ```
 */
export async function buildMeasureFromSql(
  query: SqlQuery,
  options: SqlMeasureBuildOptions,
): Promise<BuildResult<ProductCatalog>> {
  const counting = measureTopKSql(options); // refuses bad options before any query runs
  const validate = options.validate ?? true;
  const dialect = options.dialect ?? postgresDialect;
  const settings = measureSettingsSql(dialect);
  // Set inside beforeData, where the second connection's statement starts.
  const early: { rows: Promise<SqlRows[]> | null } = { rows: null };
  const src = await readCatalogFromSql(query, {
    ...options,
    requireCategory: options.requireCategory ?? validate,
    beforeData: async () => {
      await options.beforeData?.();
      const second = (await options.statementQuery?.()) ?? null;
      if (second === null) return;
      early.rows = statementRows(sqlRunner(second, tableLabel(options), dialect), settings, counting);
      // Awaited below; a catalog query that fails first leaves it to the caller to close.
      early.rows.catch(() => {});
    },
  });
  const { catalog, indexOf, run, label } = src;
  // Run here, after the totals statement counted the orders in the same snapshot, the build
  // statement takes them.
  const statement = early.rows !== null ? counting : measureTopKSql({ ...options, orders: catalog.orders });
  const clock = stageClock(options);
  const P = catalog.productIds.length;
  const k = resolveK(options.k);
  if (settings !== null) src.queries.push(settings.text);
  src.queries.push(statement.text);
  const topk = await clock.stage("topk", async () => {
    const length = new Uint16Array(P);
    const ids = new Uint32Array(P * k);
    const scores = new Float64Array(P * k);
    const support = new Float64Array(P * k);
    let rows = 0;
    const batches = early.rows !== null ? await early.rows : streamed(run, settings, statement);
    for await (const batch of batches) {
      for (const r of batch) {
        const p = product(indexOf, r[0], label);
        const rank = count(r[4], label, "rank");
        const at = p * k + rank - 1;
        ids[at] = product(indexOf, r[1], label);
        scores[at] = Number(r[2]);
        support[at] = count(r[3], label, "pair count");
        if (rank > length[p]!) length[p] = rank;
        rows++;
      }
    }
    return { products: P, k, length, ids, scores, support, multiplyAdds: rows } satisfies TopKResult;
  });
  const validation = validate
    ? await clock.stage("validation", () => validateRecommendations(catalog, topk))
    : null;
  let productsWithRecs = 0;
  for (let p = 0; p < P; p++) if (topk.length[p]! > 0) productsWithRecs++;
  const seconds = { ...clock.seconds, ingest: src.seconds, total: clock.seconds.total + src.seconds };
  return {
    index: catalog,
    topk,
    validation,
    productSupport: src.support,
    similarity: {
      measure: options.measure,
      chosen: "requested",
      minPairSupport: options.minPairSupport ?? 1,
    },
    blend: null,
    reasons: null,
    stats: {
      rows: catalog.rows,
      orders: catalog.orders,
      products: P,
      categories: catalog.categories.length,
      nnzA: src.nnzA,
      nnzC: undefined,
      multiplyAdds: topk.multiplyAdds,
      productsWithRecs,
      badRows: catalog.badRows.count,
      categoryConflicts: catalog.categoryConflicts,
      bytesRead: 0,
      seconds,
    },
  };
}
