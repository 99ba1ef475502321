import type { BadRowsReport, CategoryConflict, SalesIndex } from "../ingest/read-sales.js";

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

/**
 * True when `catalog` is a `SalesIndex` (it holds the order lines, so the stages that need them —
 * the core-math measures, "auto", evaluation — can run on it).
 *
 * @example
 * ```ts
 * if (isSalesIndex(result.index)) await evaluate(evaluationDataFromIndex(result.index), options);
 * ```
 */
export function isSalesIndex(catalog: ProductCatalog): catalog is SalesIndex {
  return (catalog as Partial<SalesIndex>).lineOrder instanceof Uint32Array;
}
