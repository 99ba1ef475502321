import {
  activeRun,
  activeRunId,
  type CobuyDb,
  hasCode,
  type ProductInfo,
  ping,
  popularInCategory,
  previousActiveRunId,
  readRunLists,
  searchProducts,
  searchProductsByName,
  similarProducts,
} from "@cobuy/pg-loader";
import { runMetrics } from "@cobuy/pipeline/diff";
import type {
  ProductRecord,
  RecommendationSource,
  RunSummary,
  ValidationSummary,
} from "./recommendation-source.js";

/** Longest list pg-loader's `similarProducts` returns; stored lists are read whole and cut in memory. */
const FULL_LIST = 1000;

/**
 * The {@link RecommendationSource} over a database that `@cobuy/pg-loader` migrated and loaded
 * (PostgreSQL or PGlite), through pg-loader's query API. One statement per cache miss.
 *
 * @example
 * ```ts
 * import { openDatabase } from "@cobuy/pg-loader";
 * const source = pgLoaderSource(await openDatabase({ kind: "pglite", dataDir: ".cobuy/pglite" }));
 * console.log(await source.similar("P1"));
 * ```
 */
export function pgLoaderSource(db: CobuyDb): RecommendationSource {
  return {
    async activeRunId() {
      // Checked up to once per request: only the id, not pg-loader's full run row (params,
      // counts and validation jsonb); a prepared statement on PostgreSQL.
      try {
        return await activeRunId(db);
      } catch (err) {
        if (notMigrated(err)) return null;
        throw err;
      }
    },

    async activeRun() {
      const run = await activeRun(db).catch((err: unknown) => {
        if (notMigrated(err)) return null;
        throw err;
      });
      if (!run) return null;
      return {
        runId: run.id,
        createdAt: run.createdAt,
        loadedAt: run.loadedAt,
        counts: numbers(run.counts),
        params: object(run.params),
        validation: validation(run.validation),
        productStats: run.productStats,
      } satisfies RunSummary;
    },

    async similar(productId) {
      const found = await similarProducts(db, productId, { k: FULL_LIST });
      if (!found) return null;
      return {
        runId: found.runId,
        entry: {
          product: product(found.product),
          items: found.items.map((i) => ({
            id: i.id,
            score: i.score,
            support: Number(i.support),
            category: i.category,
            name: i.name,
            extra: object(i.extra),
          })),
        },
      };
    },

    async popularInCategory(category, limit) {
      return (await popularInCategory(db, category, limit)).map(product);
    },

    async searchProducts(prefix, page) {
      const rows = await searchProducts(db, prefix, { limit: page.limit + 1, offset: page.offset });
      return { items: rows.slice(0, page.limit).map(product), hasMore: rows.length > page.limit };
    },

    async searchProductsByName(text, page) {
      const rows = await searchProductsByName(db, text, { limit: page.limit + 1, offset: page.offset });
      return { items: rows.slice(0, page.limit).map(product), hasMore: rows.length > page.limit };
    },

    async ping() {
      await ping(db);
    },

    async previousRunId() {
      try {
        return await previousActiveRunId(db);
      } catch (err) {
        if (notMigrated(err)) return null;
        throw err;
      }
    },

    async runLists(runId) {
      try {
        const stored = await readRunLists(db, runId);
        return {
          runId: stored.runId,
          lists: stored.lists,
          ...(stored.orders !== undefined ? { orders: stored.orders } : {}),
          // The database keeps validation.json, not evaluation.json: the classic metric only.
          metrics: runMetrics(stored.validation),
        };
      } catch (err) {
        if (hasCode(err, "COBUY_PG_RUN_NOT_FOUND")) return null;
        throw err;
      }
    },
  };
}

// A database nothing was loaded into yet (no cobuy tables): the same as "no active run".
function notMigrated(err: unknown): boolean {
  return hasCode(err, "COBUY_PG_NOT_MIGRATED");
}

// int4 arrives as a number; parse anyway in case a column widens to int8 (pg returns strings).
function product(p: ProductInfo): ProductRecord {
  return {
    id: p.id,
    category: p.category,
    support: p.support === null ? null : Number(p.support),
    name: p.name,
    extra: object(p.extra),
  };
}

function object(v: unknown): Record<string, unknown> | null {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function numbers(v: unknown): Record<string, number> | null {
  const o = object(v);
  if (!o) return null;
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(o)) if (typeof value === "number") out[key] = value;
  return out;
}

function validation(v: unknown): ValidationSummary | null {
  const o = object(v);
  if (!o || !object(o.overall) || !object(o.byCategory)) return null;
  return {
    overall: o.overall as ValidationSummary["overall"],
    byCategory: o.byCategory as ValidationSummary["byCategory"],
  };
}
