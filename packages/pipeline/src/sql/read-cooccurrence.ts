import { quoteIdentifier as quoteChecked } from "@cobuy/contracts";
import type { CsrMatrix, Incidence } from "@cobuy/core-math";
import { type CategoryConflict, NO_CATEGORY, type ProductCatalog } from "../catalog/product-catalog.js";
import { isPipelineError, PipelineError } from "../errors.js";
import type { SalesColumns } from "../ingest/read-options.js";
import type { StageEvent } from "../recommend/options.js";
import type { SqlDialect } from "./dialects/dialect.js";
import { postgresDialect } from "./dialects/postgres.js";
import { PairCounts } from "./pair-counts.js";

/** The identifier rule of @cobuy/contracts; a refused name is `COBUY_PIPELINE_SQL_IDENTIFIER`, before any query. */
export function quoteIdentifier(name: string, role: string): string {
  try {
    return quoteChecked(name, role);
  } catch (e) {
    throw new PipelineError("COBUY_PIPELINE_SQL_IDENTIFIER", (e as Error).message, { cause: e });
  }
}

/**
 * The condition true for a line whose order or product id is NULL or blank (empty or only spaces
 * and tabs, as the CSV reader sees it), for the quoted columns `o` and `p`. Only an empty id or one
 * that starts with a space or a tab can be blank: the first character's code (`ascii('')` is 0 on
 * both engines) spares almost every row the trim (gen-sales L on DuckDB: the check over its 10 M
 * lines took 1.4 s without this test, 0.25 s with it; M on PostgreSQL: half as long).
 */
export function badLine(d: SqlDialect, o: string, p: string): string {
  const blank = (x: string) =>
    `${x} IS NULL OR (ascii(${d.text(x)}) IN (0, 9, 32) AND ${d.blank(d.text(x))})`;
  return `(${blank(o)} OR ${blank(p)})`;
}

/** One batch of result rows, each row an array of column values in SELECT order. */
export type SqlRows = readonly (readonly unknown[])[];

/**
 * Runs one query and yields its rows in batches (a cursor, so a large result never sits in memory
 * at once). The library never opens connections: the caller passes this function (see
 * `cursorQuery` for node-postgres with pg-cursor). Values are numbers, bigints or strings (counts
 * may arrive as strings, e.g. PostgreSQL's bigint and numeric).
 *
 * @example
 * ```ts
 * const query: SqlQuery = (text, values) => ({
 *   async *[Symbol.asyncIterator]() { yield (await client.query({ text, values, rowMode: "array" })).rows; },
 * });
 * ```
 */
export type SqlQuery = (text: string, values: readonly unknown[]) => AsyncIterable<SqlRows>;

/** Options of {@link readCooccurrenceFromSql}. */
export interface SqlSourceOptions {
  /** The table (or view) holding one row per order line. */
  table: string;
  /** Its schema; default: the connection's search_path. */
  schema?: string;
  /** Column names (defaults `order_id`, `product_id`, `category`). Any type; ids are read as text. */
  columns?: SalesColumns;
  /** How a repeated line counts: "count" (the classic method, default) or "binary". */
  incidence?: Incidence;
  /** Fail when the table has no category column (validation needs it). Default false. */
  requireCategory?: boolean;
  /** Leave out rows with a NULL or blank order or product id instead of failing. Default false. */
  skipBadRows?: boolean;
  /** The engine's SQL spellings (default PostgreSQL; `duckdbDialect` for DuckDB). */
  dialect?: SqlDialect;
  /**
   * Stage `ingest` (the probe, totals, products and categories queries) and stage `cooccurrence`
   * (the pair counts and C) start and end.
   */
  onStage?: (event: StageEvent) => void;
  /**
   * Called once the table and columns have been checked, before the data queries: start a
   * REPEATABLE READ transaction here so that they all see the same rows. (The checks run before it
   * because a failed check — how a missing category column is detected — aborts a transaction.)
   */
  beforeData?: () => Promise<void>;
  /** Pair rows received so far, after each batch (the pair query is the long one). */
  onProgress?: (event: { readonly stage: "pairs"; readonly rows: number }) => void;
}

/** What {@link readCooccurrenceFromSql} returns: everything the top-k needs, and no order line. */
export interface SqlCooccurrence {
  /** Products in byte order, their categories and the table's counts. */
  readonly catalog: ProductCatalog;
  /** C = AᵀA as CSR: symmetric, zero diagonal, columns ascending (core-math's `cooccurrence(A)`). */
  readonly c: CsrMatrix;
  /** Distinct orders containing each product (core-math's `productSupport(A)`). */
  readonly support: Uint32Array;
  readonly incidence: Incidence;
  /** Nonzeros of A: distinct (order, product) pairs. */
  readonly nnzA: number;
  /** Pair rows the database returned (the upper triangle of C). */
  readonly pairRows: number;
  /** The SQL that ran, in order (for logs and docs). */
  readonly queries: readonly string[];
  /** Seconds spent reading the products and categories ("catalog") and the pair counts ("pairs"). */
  readonly seconds: { readonly catalog: number; readonly pairs: number };
}

/** The statements of the SQL source for one table: plain SQL, identifiers validated and quoted. */
export interface CooccurrenceSql {
  /** `SELECT o, p[, c] FROM t WHERE 1 = 0`: the table and columns exist. */
  readonly probe: string;
  /** The same check for one column (to name the missing one when the probe fails). */
  readonly probeColumn: (role: "order" | "product" | "category") => string;
  /** Rows, bad rows (NULL or blank ids) and distinct orders. */
  readonly totals: string;
  /** Per product: distinct orders (support) and lines. */
  readonly products: string;
  /** Per product and category: lines (null without a category column). */
  readonly categories: string | null;
  /** The self-join: per pair of products (upper triangle only), Σ over orders of n_p · n_q. */
  readonly pairs: string;
}

const DEFAULT_COLUMNS = { order: "order_id", product: "product_id", category: "category" } as const;

/**
 * The SQL the source runs. The counting is one self-join of the order lines on the order id, so it
 * runs where the orders are; on an engine that distributes the table by order id (Citus, Redshift)
 * the join is co-located and every node counts its own orders in parallel.
 *
 * @example
 * ```ts
 * const sql = cooccurrenceSql({ table: "sales", schema: "shop" });
 * console.log(sql.pairs);
 * ```
 */
export function cooccurrenceSql(
  options: Pick<SqlSourceOptions, "table" | "schema" | "columns" | "incidence" | "dialect">,
  { category = true, skipBadRows = false }: { category?: boolean; skipBadRows?: boolean } = {},
): CooccurrenceSql {
  const names = { ...DEFAULT_COLUMNS, ...defined(options.columns ?? {}) };
  const t =
    (options.schema !== undefined ? `${quoteIdentifier(options.schema, "schema")}.` : "") +
    quoteIdentifier(options.table, "table");
  const o = quoteIdentifier(names.order, "order column");
  const p = quoteIdentifier(names.product, "product column");
  const c = category ? quoteIdentifier(names.category, "category column") : null;
  if (names.order === names.product) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `columns.order and columns.product both name the column ${JSON.stringify(names.order)}`,
    );
  }
  const incidence = options.incidence ?? "count";
  if (incidence !== "count" && incidence !== "binary") {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `incidence must be "count" or "binary" (got "${incidence}")`,
    );
  }
  const d = options.dialect ?? postgresDialect;
  const bad = badLine(d, o, p);
  const where = skipBadRows ? ` WHERE NOT ${bad}` : "";
  const lines =
    incidence === "count"
      ? `SELECT ${o} AS o, ${p} AS p, count(*) AS n FROM ${t}${where} GROUP BY ${o}, ${p}`
      : `SELECT DISTINCT ${o} AS o, ${p} AS p FROM ${t}${where}`;
  const weight = incidence === "count" ? "SUM(a.n * b.n)" : "count(*)";
  const quoted = { order: o, product: p, category: quoteIdentifier(names.category, "category column") };
  const probeOf = (columns: readonly string[]) => `SELECT ${columns.join(", ")} FROM ${t} WHERE 1 = 0`;
  return {
    probe: probeOf(c ? [o, p, c] : [o, p]),
    probeColumn: (role) => probeOf([quoted[role]]),
    // The distinct orders in a subquery of their own: DuckDB runs a count(DISTINCT) beside other
    // aggregates about twice as slowly as alone (gen-sales L; PostgreSQL takes the same either way).
    totals:
      `SELECT lines.n, lines.bad, distinct_orders.n FROM (SELECT count(*) AS n, SUM(CASE WHEN ${bad} THEN 1 ELSE 0 END) AS bad FROM ${t}) lines` +
      ` CROSS JOIN (SELECT count(DISTINCT CASE WHEN ${bad} THEN NULL ELSE ${o} END) AS n FROM ${t}) distinct_orders`,
    // Orders per product by two GROUP BYs, not count(DISTINCT), which PostgreSQL sorts for (M: 15 %).
    products:
      `SELECT ${d.text("p")}, count(*), SUM(n) FROM (SELECT ${p} AS p, count(*) AS n FROM ${t}${where}` +
      ` GROUP BY ${p}, ${o}) per_order GROUP BY p`,
    categories: c
      ? `SELECT ${d.text(p)}, ${d.text(c)}, count(*) FROM ${t}${where} GROUP BY ${p}, ${c}`
      : null,
    pairs:
      `SELECT ${d.text("a.p")}, ${d.text("b.p")}, ${weight} ` +
      `FROM (${lines}) a JOIN (${lines}) b ON a.o = b.o AND a.p < b.p ` +
      "GROUP BY a.p, b.p",
  };
}

/**
 * Counts co-occurrences inside the database that holds the order lines and reads back only what
 * the top-k needs: the products (in UTF-8 byte order, with their category — most frequent
 * non-empty, ties to the first in byte order, as `readSales` does — and their support) and the
 * sparse pair counts (the upper triangle of C = AᵀA), built here into C as CSR. Memory grows with
 * the products and the nonzeros of C, never with the order lines. Queries run one after the other
 * through `query`: first the checks (the table, each column), then — after `beforeData`, where a
 * caller starts a REPEATABLE READ transaction so they see the same rows — the data queries.
 *
 * Errors: `COBUY_PIPELINE_SQL_IDENTIFIER` (a name that is not a plain identifier, before any query),
 * `COBUY_PIPELINE_SQL_MISSING_TABLE`, `COBUY_PIPELINE_SQL_MISSING_COLUMN` (naming the table and column),
 * `COBUY_PIPELINE_SQL_DATA` (no rows, NULL or blank ids without `skipBadRows`, unexpected values),
 * `COBUY_PIPELINE_SQL_QUERY` (any other database error, as `cause`).
 *
 * @example
 * ```ts
 * const src = await readCooccurrenceFromSql(cursorQuery(openCursor), { table: "sales", schema: "shop" });
 * const result = await recommendFromCooccurrence(src, { k: 5 });
 * ```
 */
export async function readCooccurrenceFromSql(
  query: SqlQuery,
  options: SqlSourceOptions,
): Promise<SqlCooccurrence> {
  const { catalog, support, nnzA, indexOf, queries, run, seconds, label } = await readCatalogFromSql(
    query,
    options,
  );
  const P = catalog.productIds.length;
  const sql = cooccurrenceSql(options, {
    category: catalog.productCategory !== null,
    skipBadRows: options.skipBadRows ?? false,
  });
  const incidence = options.incidence ?? "count";

  // The pair counts: the upper triangle of C, summed in the database.
  options.onStage?.({ stage: "cooccurrence", phase: "start" });
  const t1 = now();
  queries.push(sql.pairs);
  const pairs = new PairCounts(P);
  for await (const batch of run.rows(sql.pairs)) {
    for (const r of batch) {
      const value = count(r[2], label, "pair count");
      if (value > 0) pairs.add(product(indexOf, r[0], label), product(indexOf, r[1], label), value);
    }
    options.onProgress?.({ stage: "pairs", rows: pairs.size });
  }
  const pairRows = pairs.size;
  const c = pairs.toCsr();
  const pairsSeconds = now() - t1;
  options.onStage?.({ stage: "cooccurrence", phase: "end", seconds: pairsSeconds });
  return {
    catalog,
    c,
    support,
    incidence,
    nnzA,
    pairRows,
    queries,
    seconds: { catalog: seconds, pairs: pairsSeconds },
  };
}

/** What the SQL builds share: the checked table's catalog, and a runner for further queries. */
export interface SqlCatalog {
  readonly catalog: ProductCatalog;
  readonly support: Uint32Array;
  readonly nnzA: number;
  /** Product id → its index (byte order). */
  readonly indexOf: ReadonlyMap<string, number>;
  /** The SQL that ran so far; a caller appends its own. */
  readonly queries: string[];
  readonly run: SqlRunner;
  readonly seconds: number;
  readonly label: string;
}

/**
 * Stage `ingest` of every SQL build: checks the table and columns, then (after `beforeData`) reads
 * the totals, the products in byte order with their support, and their categories.
 */
export async function readCatalogFromSql(query: SqlQuery, options: SqlSourceOptions): Promise<SqlCatalog> {
  options.onStage?.({ stage: "ingest", phase: "start" });
  const t0 = now();
  const label = tableLabel(options);
  const names = { ...DEFAULT_COLUMNS, ...defined(options.columns ?? {}) };
  const skipBadRows = options.skipBadRows ?? false;
  const full = cooccurrenceSql(options, { skipBadRows });
  const dialect = options.dialect ?? postgresDialect;
  const run = sqlRunner(query, label, dialect);
  const queries: string[] = [];

  // The table and the columns exist (checked one by one on failure, to name the missing one).
  let hasCategory = true;
  try {
    await run.all(full.probe);
  } catch (e) {
    if (classify(dialect, e) !== "missing-column") throw e;
    for (const role of ["order", "product", "category"] as const) {
      try {
        await run.all(full.probeColumn(role));
      } catch (e2) {
        if (classify(dialect, e2) !== "missing-column") throw e2;
        if (role === "category" && options.requireCategory !== true) {
          hasCategory = false;
          continue;
        }
        throw new PipelineError(
          "COBUY_PIPELINE_SQL_MISSING_COLUMN",
          `${label}: the table has no column ${JSON.stringify(names[role])} (the ${role} ${role === "category" ? "name" : "id"}); ` +
            `pass its name with --${role}-col (columns.${role} in the API)`,
          { cause: e2, position: { file: label } },
        );
      }
    }
  }
  const sql = hasCategory ? full : cooccurrenceSql(options, { category: false, skipBadRows });
  queries.push(sql.probe);
  await options.beforeData?.();

  // Rows, bad rows, orders.
  queries.push(sql.totals);
  const [totals] = await run.all(sql.totals);
  const allRows = count(totals?.[0], label, "rows");
  const badRows = count(totals?.[1] ?? 0, label, "bad rows");
  const orders = count(totals?.[2], label, "orders");
  if (badRows > 0 && !skipBadRows) {
    throw new PipelineError(
      "COBUY_PIPELINE_SQL_DATA",
      `${label}: ${badRows} of ${allRows} rows have a NULL or blank ${names.order} or ${names.product}; ` +
        "fix them, or leave such rows out with skipBadRows (the runner's --skip-bad-rows)",
      { position: { file: label } },
    );
  }
  const rows = allRows - badRows;
  if (rows === 0) {
    throw new PipelineError(
      "COBUY_PIPELINE_SQL_DATA",
      `${label}: no sales rows${badRows > 0 ? ` (all ${badRows} rows have a NULL or blank id)` : ""}; add one row per order line`,
      { position: { file: label } },
    );
  }

  // Products in byte order and their support.
  queries.push(sql.products);
  const ids: string[] = [];
  const supports: number[] = [];
  let nnzA = 0;
  for await (const batch of run.rows(sql.products)) {
    for (const r of batch) {
      ids.push(text(r[0], label, "product id"));
      const s = count(r[1], label, "product support");
      supports.push(s);
      nnzA += s;
    }
  }
  const P = ids.length;
  const keys = ids.map((id) => Buffer.from(id, "utf8"));
  const order = Array.from({ length: P }, (_, i) => i).sort((x, y) => Buffer.compare(keys[x]!, keys[y]!));
  const productIds: string[] = new Array(P);
  const support = new Uint32Array(P);
  const indexOf = new Map<string, number>();
  for (let r = 0; r < P; r++) {
    const i = order[r]!;
    if (r > 0 && Buffer.compare(keys[order[r - 1]!]!, keys[i]!) === 0) {
      throw new PipelineError(
        "COBUY_PIPELINE_SQL_DATA",
        `${label}: two product ids read as the same text ${JSON.stringify(ids[i])}; give ${names.product} one spelling per product`,
        { position: { file: label } },
      );
    }
    productIds[r] = ids[i]!;
    support[r] = supports[i]!;
    indexOf.set(ids[i]!, r);
  }

  // Categories: the most frequent non-empty one per product, ties to the first in byte order.
  let categories: string[] = [];
  let productCategory: Uint32Array | null = null;
  let rowsWithoutCategory = 0;
  let categoryConflicts = 0;
  const conflictExamples: CategoryConflict[] = [];
  if (sql.categories !== null) {
    queries.push(sql.categories);
    const votes: Array<Map<string, number> | undefined> = new Array(P);
    const names = new Set<string>();
    for await (const batch of run.rows(sql.categories)) {
      for (const r of batch) {
        const p = product(indexOf, r[0], label);
        const lines = count(r[2], label, "category lines");
        const c = r[1] === null || r[1] === undefined ? "" : text(r[1], label, "category");
        if (/^[ \t]*$/.test(c)) {
          rowsWithoutCategory += lines;
          continue;
        }
        names.add(c);
        let m = votes[p];
        if (m === undefined) votes[p] = m = new Map();
        m.set(c, (m.get(c) ?? 0) + lines);
      }
    }
    categories = byBytes([...names]);
    const rank = new Map(categories.map((c, i) => [c, i]));
    productCategory = new Uint32Array(P).fill(NO_CATEGORY);
    for (let p = 0; p < P; p++) {
      const m = votes[p];
      if (m === undefined) continue;
      const seen = [...m.entries()]
        .map(([c, n]) => [rank.get(c)!, n] as const)
        .sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      productCategory[p] = seen[0]![0];
      if (seen.length < 2) continue;
      categoryConflicts++;
      if (conflictExamples.length < 5) {
        conflictExamples.push({
          productId: productIds[p]!,
          chosen: categories[seen[0]![0]]!,
          seen: seen.map(([c, lines]) => ({ category: categories[c]!, lines })),
        });
      }
    }
  }
  const catalogSeconds = now() - t0;
  options.onStage?.({ stage: "ingest", phase: "end", seconds: catalogSeconds });
  return {
    catalog: {
      source: label,
      productIds,
      categories,
      productCategory,
      rowsWithoutCategory,
      orders,
      rows,
      categoryConflicts,
      conflictExamples,
      badRows: { count: badRows, examples: [] },
    },
    support,
    nnzA,
    indexOf,
    queries,
    run,
    seconds: catalogSeconds,
    label,
  };
}

const now = () => performance.now() / 1000;

export function defined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** `schema.table` for messages (names as given; they are validated before any query). */
export function tableLabel(o: Pick<SqlSourceOptions, "table" | "schema">): string {
  return `table ${o.schema !== undefined ? `${o.schema}.` : ""}${o.table}`;
}

function byBytes(names: string[]): string[] {
  const keyed = names.map((n) => [Buffer.from(n, "utf8"), n] as const);
  keyed.sort((a, b) => Buffer.compare(a[0], b[0]));
  return keyed.map(([, n]) => n);
}

/** What a driver error (possibly wrapped in a PipelineError) means, in the dialect's terms. */
function classify(dialect: SqlDialect, e: unknown) {
  return dialect.classify(isPipelineError(e) ? e.cause : e);
}

/** Runs one query's rows in batches and collects a whole result; database errors become typed ones. */
export type SqlRunner = ReturnType<typeof sqlRunner>;

/** Runs statements through the caller's `query`, turning database errors into typed ones. */
export function sqlRunner(query: SqlQuery, label: string, dialect: SqlDialect) {
  const fail = (e: unknown, text: string): never => {
    if (isPipelineError(e)) throw e;
    const reason = (e as Error)?.message ?? String(e);
    if (classify(dialect, e) === "missing-table") {
      throw new PipelineError(
        "COBUY_PIPELINE_SQL_MISSING_TABLE",
        `${label} does not exist (${reason}); check the name, the schema and that the connection's user can read it`,
        { cause: e, position: { file: label } },
      );
    }
    throw new PipelineError(
      "COBUY_PIPELINE_SQL_QUERY",
      `${label}: the query failed: ${reason} (query: ${text})`,
      {
        cause: e,
        position: { file: label },
      },
    );
  };
  return {
    async *rows(text: string, values: readonly unknown[] = []): AsyncGenerator<SqlRows> {
      let it: AsyncIterator<SqlRows>;
      try {
        it = query(text, values)[Symbol.asyncIterator]();
      } catch (e) {
        return fail(e, text);
      }
      for (;;) {
        let next: IteratorResult<SqlRows>;
        try {
          next = await it.next();
        } catch (e) {
          return fail(e, text);
        }
        if (next.done) return;
        try {
          yield next.value;
        } catch (e) {
          await it.return?.();
          throw e;
        }
      }
    },
    async all(text: string): Promise<Array<readonly unknown[]>> {
      const out: Array<readonly unknown[]> = [];
      for await (const batch of this.rows(text)) out.push(...batch);
      return out;
    },
  };
}

export function dataError(label: string, message: string): PipelineError {
  return new PipelineError("COBUY_PIPELINE_SQL_DATA", `${label}: ${message}`, { position: { file: label } });
}

/** A whole, non-negative count (numbers, bigints and the strings drivers use for bigint/numeric). */
export function count(v: unknown, label: string, what: string): number {
  const n =
    typeof v === "number" ? v : typeof v === "bigint" || typeof v === "string" ? Number(v) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw dataError(label, `the ${what} came back as ${JSON.stringify(String(v))}, not a whole number ≥ 0`);
  }
  return n;
}

export function text(v: unknown, label: string, what: string): string {
  if (typeof v !== "string") throw dataError(label, `a ${what} came back as ${typeof v}, not text`);
  return v;
}

export function product(indexOf: ReadonlyMap<string, number>, v: unknown, label: string): number {
  const p = indexOf.get(text(v, label, "product id"));
  if (p === undefined) {
    throw dataError(
      label,
      `the product ${JSON.stringify(v)} appeared after the products were read: the table changed between ` +
        "the queries; run them in one REPEATABLE READ transaction",
    );
  }
  return p;
}
