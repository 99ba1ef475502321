import { sql } from "kysely";
import { fromDriverError } from "../db/driver-errors.js";
import { type DbInput, withDb } from "../db/open-database.js";
import type { Json } from "../db/types.js";
import { ConfigError } from "../errors.js";
import { readStatements, runRead } from "./read-statements.js";
import { searchKey } from "./search-key.js";

/** A loaded (or pruned) run. */
export interface RunInfo {
  id: string;
  /** ISO-8601. */
  createdAt: string;
  loadedAt: string;
  sourceUri: string | null;
  params: Json;
  counts: Json;
  validation: Json | null;
  status: "loaded" | "pruned";
  recommendationCount: number;
  productCount: number;
  productStats: "document" | "derived";
  active: boolean;
}

/** A product of the active run. */
export interface ProductInfo {
  id: string;
  category: string | null;
  /** Orders containing the product (derived runs: its largest pair support; null when unknown). */
  support: number | null;
  recCount: number;
  /** Its catalog name (`--catalog`), else its id. */
  name: string;
  /** The catalog's other columns (url, image…); null without a catalog row. */
  extra: Json | null;
}

/** One recommendation. */
export interface SimilarProduct {
  id: string;
  /** 1-based rank in the product's full list. */
  rank: number;
  score: number;
  /** Orders holding both products (C[p][q]). */
  support: number;
  category: string | null;
  /** The recommended product's catalog name, else its id. */
  name: string;
  extra: Json | null;
}

/** A product and its recommendations in the active run. */
export interface SimilarProducts {
  runId: string;
  product: ProductInfo;
  items: SimilarProduct[];
}

/**
 * The active run's recommendations for a product, best first; null when the product is not in the
 * active run (or no run is active). One statement, so it never mixes two runs.
 * @example
 * const r = await similarProducts(db, "P1", { k: 5, category: "C01" });
 * r?.items.map((i) => `${i.id} ${i.score.toFixed(3)}`);
 */
export async function similarProducts(
  input: DbInput,
  productId: string,
  options: { k?: number; category?: string } = {},
): Promise<SimilarProducts | null> {
  const k = checkCount("k", options.k ?? 10, 1000);
  return query(input, async (db) => {
    const statements = readStatements(db.schema);
    const rows =
      options.category === undefined
        ? await runRead<SimilarRow>(db, statements.similar, [productId, k])
        : await runRead<SimilarRow>(db, statements.similarInCategory, [productId, k, options.category]);
    const row = rows[0];
    if (row === undefined) return null;
    // A foreign Kysely/pg setup may leave json unparsed.
    const items = (typeof row.items === "string" ? JSON.parse(row.items) : row.items) as
      | SimilarItemTuple[]
      | null;
    return {
      runId: row.run_id,
      product: toProduct(row),
      items: (items ?? []).map(([rank, id, score, support, category, name, extra]) => ({
        id,
        rank,
        score: Number(score),
        support,
        category: category ?? null,
        name: name ?? id,
        extra: extra ?? null,
      })),
    };
  });
}

/**
 * One product of the active run; null when it is not there.
 * @example
 * const p = await productInfo(db, "P1"); // { id: "P1", category: "C01", support: 12, recCount: 10 }
 */
export async function productInfo(input: DbInput, productId: string): Promise<ProductInfo | null> {
  return query(input, async (db) => {
    const [r] = await runRead<ProductRow>(db, readStatements(db.schema).product, [productId]);
    return r ? toProduct(r) : null;
  });
}

/**
 * Products of the active run whose id starts with `prefix`, in id (byte) order.
 * @example
 * const page = await searchProducts(db, "P1", { limit: 20, offset: 40 });
 */
export async function searchProducts(
  input: DbInput,
  prefix: string,
  options: { limit?: number; offset?: number } = {},
): Promise<ProductInfo[]> {
  const limit = checkCount("limit", options.limit ?? 20, 1000);
  const offset = checkCount("offset", options.offset ?? 0, Number.MAX_SAFE_INTEGER, 0);
  const pattern = `${likeEscape(prefix)}%`;
  return query(input, async (db) => {
    const rows = await db.kysely
      .selectFrom("active_products")
      .select(["product_id", "category", "support", "rec_count", "name", "extra"])
      .where("product_id", "like", pattern)
      .orderBy("product_id")
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toProduct);
  });
}

/**
 * Products of the active run found by name, case- and accent-insensitively (see {@link searchKey}):
 * those whose name starts with `text` first (an index range), then those whose name contains it (a
 * scan of the run's products), each group by name then id; `offset` pages through both. Runs
 * loaded without a catalog match by id (the id is the name). An empty `text` finds nothing.
 * @example
 * const page = await searchProductsByName(db, "milk", { limit: 20 });
 * page.map((p) => `${p.name} (${p.id})`); // ["Milk Chocolate Almonds (…)", …, "Organic Whole Milk (…)"]
 */
export async function searchProductsByName(
  input: DbInput,
  text: string,
  options: { limit?: number; offset?: number } = {},
): Promise<ProductInfo[]> {
  const limit = checkCount("limit", options.limit ?? 20, 1000);
  const offset = checkCount("offset", options.offset ?? 0, Number.MAX_SAFE_INTEGER, 0);
  const key = searchKey(text);
  if (key === "") return [];
  return query(input, async (db) => {
    const statements = readStatements(db.schema);
    const [run] = await runRead<{ id: string }>(db, statements.activeRunId, []);
    if (run === undefined) return [];
    const range = [run.id, key, `${key}\u{10FFFF}`];
    const found = await runRead<ProductRow>(db, statements.namePrefix, [...range, limit, offset]);
    if (found.length === limit) return found.map(toProduct);
    // Fewer than a page of prefix matches: the page goes on with names containing the text.
    let prefixMatches = offset + found.length;
    if (found.length === 0 && offset > 0) {
      const [count] = await runRead<{ n: number }>(db, statements.namePrefixCount, range);
      prefixMatches = Number(count?.n ?? 0);
    }
    const pattern = `%${likeEscape(key)}%`;
    const more = await runRead<ProductRow>(db, statements.nameContains, [
      run.id,
      pattern,
      key,
      limit - found.length,
      Math.max(0, offset - prefixMatches),
    ]);
    return [...found, ...more].map(toProduct);
  });
}

/**
 * The most-ordered products of a category in the active run (support desc, then id).
 * @example
 * const top = await popularInCategory(db, "C01", 10);
 */
export async function popularInCategory(
  input: DbInput,
  category: string,
  limit = 10,
): Promise<ProductInfo[]> {
  const n = checkCount("limit", limit, 1000);
  return query(input, async (db) => {
    const rows = await runRead<ProductRow>(db, readStatements(db.schema).popular, [category, n]);
    return rows.map(toProduct);
  });
}

/**
 * Categories of the active run with their product counts, by name.
 * @example
 * const cats = await listCategories(db); // [{ category: "C01", products: 120 }, …]
 */
export async function listCategories(input: DbInput): Promise<{ category: string; products: number }[]> {
  return query(input, async (db) => {
    const rows = await db.kysely
      .selectFrom("active_products")
      .select(["category", sql<number>`count(*)::int`.as("products")])
      .where("category", "is not", null)
      .groupBy("category")
      .orderBy("category")
      .execute();
    return rows.map((r) => ({ category: r.category!, products: Number(r.products) }));
  });
}

/**
 * The active run, or null when none is active.
 * @example
 * const run = await activeRun(db); // { id: "2025-01-31_12-00-00", recommendationCount: 1000000, … }
 */
export async function activeRun(input: DbInput): Promise<RunInfo | null> {
  const runs = await runQuery(input, true);
  return runs[0] ?? null;
}

/**
 * Just the active run's id, or null when none is active: one tiny statement (prepared once per
 * connection on PostgreSQL), cheap enough to call per request. Loads and activations read the
 * previous active run with it too, inside their transaction.
 * @example
 * const id = await activeRunId(db); // "2025-01-31_12-00-00"
 */
export async function activeRunId(input: DbInput): Promise<string | null> {
  return query(input, async (db) => {
    const [r] = await runRead<{ id: string }>(db, readStatements(db.schema).activeRunId, []);
    return r?.id ?? null;
  });
}

/**
 * Checks the database answers (one `SELECT 1`); throws `COBUY_PG_UNAVAILABLE` when it does not.
 * @example
 * await ping(db); // a health check
 */
export async function ping(input: DbInput): Promise<void> {
  await query(input, async (db) => {
    await sql`SELECT 1`.execute(db.kysely);
  });
}

/**
 * All runs the database knows (loaded and pruned), newest first.
 * @example
 * for (const r of await listRuns(db)) console.log(r.id, r.status, r.active ? "*" : "");
 */
export async function listRuns(input: DbInput): Promise<RunInfo[]> {
  return runQuery(input, false);
}

async function runQuery(input: DbInput, activeOnly: boolean): Promise<RunInfo[]> {
  return query(input, async (db) => {
    let q = db.kysely
      .selectFrom("runs")
      .leftJoin("active_run", "active_run.run_key", "runs.key")
      .selectAll("runs")
      .select(sql<boolean>`active_run.run_key IS NOT NULL`.as("active"));
    if (activeOnly) q = q.where("active_run.run_key", "is not", null);
    const rows = await q.orderBy("runs.created_at", "desc").orderBy("runs.id", "desc").execute();
    return rows.map((r) => ({
      id: r.id,
      createdAt: iso(r.created_at),
      loadedAt: iso(r.loaded_at),
      sourceUri: r.source_uri,
      params: r.params,
      counts: r.counts,
      validation: r.validation,
      status: r.status,
      recommendationCount: r.recommendation_count,
      productCount: r.product_count,
      productStats: r.product_stats,
      active: r.active === true,
    }));
  });
}

interface ProductRow {
  product_id: string;
  category: string | null;
  support: number | null;
  rec_count: number;
  name: string | null;
  extra: Json | string | null;
}

/** `[rank, recommended_id, score, support, category, name, extra]` as `json_build_array` writes it. */
type SimilarItemTuple = [number, string, number | string, number, string | null, string | null, Json | null];

interface SimilarRow extends ProductRow {
  run_id: string;
  items: SimilarItemTuple[] | string | null;
}

function toProduct(r: ProductRow): ProductInfo {
  // A foreign Kysely/pg setup may leave jsonb unparsed.
  const extra = typeof r.extra === "string" ? (JSON.parse(r.extra) as Json) : r.extra;
  return {
    id: r.product_id,
    category: r.category,
    support: r.support,
    recCount: r.rec_count,
    name: r.name ?? r.product_id,
    extra: extra ?? null,
  };
}

/** `text` as a literal inside a LIKE pattern (backslash is LIKE's default escape). */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** A timestamptz as ISO-8601, whichever form the driver returned (internal). */
export function iso(v: Date | string): string {
  return (v instanceof Date ? v : new Date(v)).toISOString();
}

function checkCount(name: string, v: number, max: number, min = 1): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

/** Runs a read with an open handle, mapping driver errors to pg-loader's (internal: not in index.ts). */
export async function query<T>(input: DbInput, fn: Parameters<typeof withDb<T>>[1]): Promise<T> {
  return withDb(input, async (db) => {
    try {
      return await fn(db);
    } catch (err) {
      throw fromDriverError(err, db.schema);
    }
  });
}
