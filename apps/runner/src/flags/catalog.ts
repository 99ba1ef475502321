/**
 * The catalog family: `--catalog FILE`, a shop's product names (id, name, extra columns) that
 * `build` and `pipeline` write into the rich document's products section.
 */
import type { OptionSpecs, OptionValues } from "../command.js";
import type { Context } from "../context.js";

export const CATALOG_OPTIONS = {
  catalog: {
    type: "string",
    valueName: "FILE",
    description:
      "product catalog, CSV or Parquet (id or product_id, name, any extra columns such as url or image): names in recs.rich.json, the database and the API",
  },
} as const satisfies OptionSpecs;

/**
 * The catalog path (absolute), or undefined without `--catalog`.
 * @example
 * parseCatalogPath(ctx, { catalog: "products.csv" }); // "/shop/products.csv"
 */
export function parseCatalogPath(ctx: Context, v: OptionValues<typeof CATALOG_OPTIONS>): string | undefined {
  return v.catalog === undefined || v.catalog === "" ? undefined : ctx.resolvePath(v.catalog);
}
