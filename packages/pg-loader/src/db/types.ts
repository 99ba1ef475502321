import type { ColumnType, Generated } from "kysely";

/** Any JSON value as stored in a jsonb column. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** `runs`: one row per loaded (or pruned) run. */
export interface RunsTable {
  /** Surrogate key used by the partitioned data tables (int4). */
  key: Generated<number>;
  /** The run id, e.g. `2025-01-31_12-00-00`. */
  id: string;
  created_at: ColumnType<Date, Date | string, Date | string>;
  loaded_at: ColumnType<Date, Date | string | undefined, Date | string>;
  source_uri: string | null;
  params: ColumnType<Json, string, string>;
  counts: ColumnType<Json, string, string>;
  validation: ColumnType<Json | null, string | null, string | null>;
  /** `loaded` (data present) or `pruned` (metadata only). */
  status: "loaded" | "pruned";
  recommendation_count: number;
  product_count: number;
  /** `document`: category/support from recs.rich.json's `products`; `derived`: from the recs only. */
  product_stats: "document" | "derived";
}

/** `recommendations`: partitioned by `run_key`, primary key (run_key, product_id, rank). */
export interface RecommendationsTable {
  run_key: number;
  product_id: string;
  /** 1-based position in the product's list. */
  rank: number;
  recommended_id: string;
  score: number;
  /** Co-occurrence count C[p][q]. */
  support: number;
}

/** `products`: partitioned by `run_key`, primary key (run_key, product_id). */
export interface ProductsTable {
  run_key: number;
  product_id: string;
  category: string | null;
  /** Orders containing the product (null when the run document has no `products` section). */
  support: number | null;
  /** Number of recommendations the product has in this run. */
  rec_count: number;
  /** Its catalog name; null without a catalog row (read as the id). */
  name: string | null;
  /** The catalog's other columns; null without a catalog row. */
  extra: ColumnType<Json | null, string | null, string | null>;
  /** searchKey(name ?? product_id): what name search matches (null only for runs of old loads). */
  search_key: string | null;
}

/** `active_run`: a single row pointing at the run the front end reads. */
export interface ActiveRunTable {
  singleton: ColumnType<boolean, boolean | undefined, never>;
  run_key: number;
  activated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** `activations`: one row per switch of the active pointer, oldest first (`seq`). */
export interface ActivationsTable {
  seq: Generated<string>;
  run_id: string;
  activated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** View `active_recommendations`: the active run's recommendations with the recommended product's category. */
export interface ActiveRecommendationsView {
  run_id: string;
  product_id: string;
  rank: number;
  recommended_id: string;
  score: number;
  support: number;
  recommended_category: string | null;
  /** The recommended product's catalog name, else its id. */
  recommended_name: string;
  recommended_extra: Json | null;
}

/** View `active_products`: the active run's products. */
export interface ActiveProductsView {
  run_id: string;
  product_id: string;
  category: string | null;
  support: number | null;
  rec_count: number;
  /** Its catalog name, else its id. */
  name: string;
  extra: Json | null;
}

/** The Kysely database type of a cobuy schema. */
export interface Database {
  runs: RunsTable;
  recommendations: RecommendationsTable;
  products: ProductsTable;
  active_run: ActiveRunTable;
  activations: ActivationsTable;
  active_recommendations: ActiveRecommendationsView;
  active_products: ActiveProductsView;
}
