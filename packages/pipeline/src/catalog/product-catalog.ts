import type { PipelineErrorCode } from "../errors.js";

/** One skipped row. */
export interface BadRowExample {
  /** CSV: the line (1-based). Parquet: the row (1-based, counted over the whole file). */
  readonly line: number;
  /** CSV: the column (characters, 1-based). Parquet: the column's position in the schema (1-based). */
  readonly column: number;
  /** Parquet only: the row group (0-based, as Parquet tools number them). */
  readonly rowGroup?: number;
  /** Parquet only: the column's name. */
  readonly columnName?: string;
  readonly code: PipelineErrorCode;
  readonly reason: string;
}

/** Rows skipped under `skipBadRows`: how many, and the first few. */
export interface BadRowsReport {
  readonly count: number;
  readonly examples: readonly BadRowExample[];
}

/**
 * `productCategory` value of a product with no category: every one of its rows had an empty
 * category field. Such a product is outside every category (validation leaves it out).
 *
 * @example
 * ```ts
 * const c = index.productCategory?.[p];
 * const name = c === undefined || c === NO_CATEGORY ? null : index.categories[c];
 * ```
 */
export const NO_CATEGORY = 0xffff_ffff;

/** A product seen with more than one category. */
export interface CategoryConflict {
  readonly productId: string;
  /** The category kept (most frequent; ties go to the first in byte order). */
  readonly chosen: string;
  /** Every category seen for it with its line count, most frequent first. */
  readonly seen: ReadonlyArray<{ readonly category: string; readonly lines: number }>;
}

/**
 * What the stages after counting need to know about the products: ids in UTF-8 byte order (product
 * index = rank, so "ties by index" is "ties by id"), each product's category, and the input's
 * counts. A `SalesIndex` (the CSV path) is one; the SQL source (`readCooccurrenceFromSql`) makes
 * one without the per-line arrays, which it never holds.
 *
 * @example
 * ```ts
 * const name = (catalog: ProductCatalog, p: number) => catalog.productIds[p];
 * ```
 */
export interface ProductCatalog {
  /** Where the rows came from: a path, a stream name, or a table label. */
  readonly source: string;
  /** Product ids, ascending in UTF-8 byte order: product p is `productIds[p]`. */
  readonly productIds: readonly string[];
  /** Category names, ascending in byte order (empty without a category column). */
  readonly categories: readonly string[];
  /**
   * Index into `categories` of each product's category (its most frequent non-empty one; ties go
   * to the first in byte order), or `NO_CATEGORY`; null without a category column.
   */
  readonly productCategory: Uint32Array | null;
  /** Rows kept whose category was empty (0 without a category column). */
  readonly rowsWithoutCategory: number;
  /** Distinct order ids. */
  readonly orders: number;
  /** Order lines kept. */
  readonly rows: number;
  /** Products seen with more than one (non-empty) category, and the first few of them. */
  readonly categoryConflicts: number;
  readonly conflictExamples: readonly CategoryConflict[];
  /** Rows skipped as bad (examples carry line numbers only for files). */
  readonly badRows: BadRowsReport;
}
