/**
 * The shop catalog of a build: read once before the build (a bad line fails before anything is
 * written) and matched to the run's products for the summary.
 */
import { matchCatalog, type ProductCatalog, readCatalog, type ShopCatalog } from "@cobuy/pipeline";
import type { Context } from "../context.js";

/** What the summary and `--json` report of the catalog. */
export interface CatalogSummary {
  readonly file: string;
  readonly entries: number;
  /** Catalog ids that no sale mentions. */
  readonly unknownIds: number;
  /** Products of the run without a catalog row (they keep their id as name). */
  readonly productsWithoutEntry: number;
}

/**
 * Reads `--catalog` (undefined without it); a bad line throws `file:line:column: …`.
 * @example
 * const catalog = await readCatalogFlag(ctx, parseCatalogPath(ctx, values));
 */
export async function readCatalogFlag(
  ctx: Context,
  file: string | undefined,
): Promise<ShopCatalog | undefined> {
  if (file === undefined) return undefined;
  const catalog = await ctx.stage("catalog", () => readCatalog(file));
  ctx.log.info(`catalog: ${catalog.entries.size} entries`, { file });
  return catalog;
}

/**
 * The catalog's counts against a run's products.
 * @example
 * catalogSummary(catalog, result.index); // { file, entries: 3, unknownIds: 1, productsWithoutEntry: 1 }
 */
export function catalogSummary(catalog: ShopCatalog, products: ProductCatalog): CatalogSummary {
  const match = matchCatalog(products.productIds, catalog);
  return {
    file: catalog.source,
    entries: catalog.entries.size,
    unknownIds: match.unknownIds,
    productsWithoutEntry: match.productsWithoutEntry,
  };
}
