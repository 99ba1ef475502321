import type { RunLists } from "@cobuy/pipeline/diff";

/**
 * The small read interface the API needs. The app depends on this, not on a database: the
 * pg-loader adapter (`pgLoaderSource`) implements it over PostgreSQL or PGlite.
 */

/** Per-category (or overall) share of products whose best recommendation has the same category. */
export interface ValidationCell {
  products: number;
  sameCategory: number;
  share: number;
}

/** The `validation.json` document of a run. */
export interface ValidationSummary {
  overall: ValidationCell;
  byCategory: Record<string, ValidationCell>;
}

/** The active run as the API reports it. */
export interface RunSummary {
  runId: string;
  createdAt: string | null;
  loadedAt: string | null;
  counts: Record<string, number> | null;
  params: Record<string, unknown> | null;
  validation: ValidationSummary | null;
  /**
   * Where product categories and popularity come from: `document` (the run's `products` section:
   * real order counts) or `derived` (from the lists alone: no categories, support = the largest
   * pair support); null when the source cannot say.
   */
  productStats: "document" | "derived" | null;
}

/** A shop catalog's other columns of a product (url, image…), by column name. */
export type CatalogExtra = Record<string, unknown>;

/**
 * A product of a run. `support` is its popularity (orders holding it), null when the run lacks it;
 * `name` its catalog name (`--catalog`), else its id; `extra` null without a catalog row.
 */
export interface ProductRecord {
  id: string;
  category: string | null;
  support: number | null;
  name: string;
  extra: CatalogExtra | null;
}

/** One recommendation: the recommended product, its cosine score, co-occurrence support, category. */
export interface SimilarItem {
  id: string;
  score: number;
  support: number;
  category: string | null;
  /** The recommended product's catalog name, else its id. */
  name: string;
  extra: CatalogExtra | null;
}

/** A product and its stored recommendation list, best first. */
export interface ProductWithRecs {
  product: ProductRecord;
  items: SimilarItem[];
}

/** One page of a prefix search; `hasMore` says a next page exists. */
export interface ProductPage {
  items: ProductRecord[];
  hasMore: boolean;
}

/** A product's list together with the run it was read from. */
export interface RunProduct {
  runId: string;
  entry: ProductWithRecs;
}

/**
 * What the API reads: always the active run. Answers that carry data also carry the run id they
 * were read from (one statement each, so an answer never mixes two runs); the app uses that id for
 * the response, the ETag and the cache.
 *
 * @example
 * ```ts
 * const source: RecommendationSource = pgLoaderSource(db);
 * const found = await source.similar("P1");
 * if (found) console.log(found.runId, found.entry.items.length);
 * ```
 */
export interface RecommendationSource {
  /** The active run's id, or null when nothing is loaded. Called often: keep it one tiny query. */
  activeRunId(): Promise<string | null>;
  /** The active run with counts and validation, or null. */
  activeRun(): Promise<RunSummary | null>;
  /** The product and its full stored list in the active run; null when it is not there. */
  similar(productId: string): Promise<RunProduct | null>;
  /** The most popular products of a category in the active run, by support descending then id. */
  popularInCategory(category: string, limit: number): Promise<ProductRecord[]>;
  /** Products of the active run whose id starts with `prefix`, by id (byte order). */
  searchProducts(prefix: string, page: { limit: number; offset: number }): Promise<ProductPage>;
  /**
   * Products of the active run found by name, case- and accent-insensitively: names starting with
   * `text` first, then names containing it.
   */
  searchProductsByName(text: string, page: { limit: number; offset: number }): Promise<ProductPage>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** The run active before the active one whose lists are still loaded; null when there is none. */
  previousRunId(): Promise<string | null>;
  /** Every list of a loaded run (active or not) as `diffRuns` reads it; null when it is not loaded. */
  runLists(runId: string): Promise<RunLists | null>;
}
