/**
 * The Parquet readers, loaded on first use: hyparquet alone took 26 ms to import (measured here),
 * which every `cobuy build` of a CSV would otherwise pay (the bench times the whole process).
 */
import type { ShopCatalog } from "../catalog/catalog-builder.js";
import type { ReadSalesOptions } from "./read-options.js";
import type { SalesIndex } from "./sales-index.js";

/**
 * Reads sales rows from a Parquet file into a {@link SalesIndex} — the same index `readSales`
 * builds from the CSV with the same rows. `readSales` calls it for paths ending in `.parquet` or
 * starting with the `PAR1` magic bytes.
 *
 * Memory grows with distinct ids and kept rows, not with the file: the footer is read first, then
 * one row group at a time and only the order, product and category columns. Id columns may be
 * strings (`BYTE_ARRAY`, UTF-8) or integers (`INT32`/`INT64`, ids become their decimal strings, as
 * in a CSV); the category column the same. A null or blank category is an empty category (no
 * error); a null or blank order/product id is a bad row (`COBUY_PIPELINE_PARQUET_NULL_ID`, skipped with
 * `skipBadRows`); a product id or category with a control character (tab and line breaks
 * excepted) or over `MAX_ID_BYTES` is a bad row as in a CSV (`COBUY_PIPELINE_PARQUET_BAD_ID`). Errors name the file, the row group (0-based), the row (1-based over the file)
 * and the column. `delimiter` and `maxRecordBytes` do not apply.
 *
 * @example
 * ```ts
 * const index = await readSalesParquet("sales.parquet", { columns: { order: "basket" } });
 * console.log(index.rows, index.orders, index.productIds.length);
 * ```
 */
export async function readSalesParquet(path: string, options: ReadSalesOptions = {}): Promise<SalesIndex> {
  return (await import("./read-sales-parquet.js")).readSalesParquet(path, options);
}

/**
 * Reads a catalog Parquet file: an `id` or `product_id` column (strings or integers), a `name`
 * column (strings), every other top-level column an extra column (strings, numbers, booleans,
 * dates; written as text). A null or empty id fails (`COBUY_PIPELINE_PARQUET_NULL_ID`), an id with
 * a control character or over the length limit too (`COBUY_PIPELINE_PARQUET_BAD_ID`); a null name
 * is the id, a null extra value empty. `readCatalog` calls it for `.parquet` paths and files that
 * start with `PAR1`.
 *
 * @example
 * ```ts
 * const catalog = await readCatalogParquet("products.parquet");
 * catalog.entries.get("24852")?.name; // "Banana"
 * ```
 */
export async function readCatalogParquet(path: string, name = path): Promise<ShopCatalog> {
  return (await import("../catalog/read-catalog-parquet.js")).readCatalogParquet(path, name);
}
