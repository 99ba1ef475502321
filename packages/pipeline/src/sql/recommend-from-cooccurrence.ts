import type { CsrMatrix } from "@cobuy/core-math";
import type { ProductCatalog } from "../catalog/product-catalog.js";
import { PipelineError } from "../errors.js";
import { type BuildResult, checkRecommendOptions, type RecommendOptions } from "../recommend/options.js";
import { recommendCore } from "../recommend/recommend-core.js";
import { readCooccurrenceFromSql, type SqlQuery, type SqlSourceOptions } from "./read-cooccurrence.js";

/** What {@link recommendFromCooccurrence} needs: products, C and support (a `SqlCooccurrence` fits). */
export interface CooccurrenceInput {
  readonly catalog: ProductCatalog;
  /** C = AᵀA: symmetric, zero diagonal, columns ascending, over the catalog's product indices. */
  readonly c: CsrMatrix;
  /** Distinct orders containing each product. */
  readonly support: Uint32Array;
  /** Nonzeros of A, for the stats (0 when unknown). */
  readonly nnzA?: number;
}

/**
 * Options of {@link recommendFromCooccurrence}: {@link RecommendOptions} for the classic measure
 * (`k`, `minScore`, `minSupport`, `minPairSupport`, `threads`, `kernel`, `blend`, `validate`, …).
 * The other measures, `"auto"` and `caps` need the order lines and are refused.
 */
export type CooccurrenceRecommendOptions = Omit<RecommendOptions, "incidence">;

/** Options of {@link buildRecommendationsFromSql}: the SQL source's and the math's. */
export type SqlBuildOptions = Omit<SqlSourceOptions, "onProgress"> & CooccurrenceRecommendOptions;

/**
 * The classic method from C itself (counted elsewhere, e.g. in the database): exact cosine top-k
 * of C's rows → (blend) → validation, the same lists and metric as `recommendFromIndex` gives for
 * the order lines C was counted from. The result has the same shape as `buildRecommendations`'s,
 * with a `ProductCatalog` as `index`, so `writeDocuments` takes it unchanged.
 *
 * @example
 * ```ts
 * const src = await readCooccurrenceFromSql(query, { table: "sales" });
 * const { index, topk, validation, productSupport } = await recommendFromCooccurrence(src, { k: 5 });
 * await writeDocuments("out", { index, topk, validation, productSupport, runId: makeRunId() });
 * ```
 */
export async function recommendFromCooccurrence(
  input: CooccurrenceInput,
  options: CooccurrenceRecommendOptions = {},
): Promise<BuildResult<ProductCatalog>> {
  const { catalog, c, support } = input;
  const P = catalog.productIds.length;
  if (c.rows !== P || c.cols !== P || support.length !== P) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `C is ${c.rows}×${c.cols} and support has ${support.length} entries, but the catalog has ${P} products`,
    );
  }
  return recommendCore(
    { catalog, c, support, nnzA: input.nnzA ?? 0, bytesRead: 0, hasPairs: c.colIdx.length > 0 },
    options,
  );
}

/**
 * The whole classic build with the counting pushed down into SQL: {@link readCooccurrenceFromSql}
 * (stage `ingest`: the products and categories; stage `cooccurrence`: the pair counts and C) then
 * {@link recommendFromCooccurrence} (`topk`, `validation`). Requires the category column unless
 * `validate` is false.
 *
 * @example
 * ```ts
 * const result = await buildRecommendationsFromSql(query, { table: "sales", schema: "shop", k: 5 });
 * console.log(result.stats.nnzC, result.validation?.overall.share);
 * ```
 */
export async function buildRecommendationsFromSql(
  query: SqlQuery,
  options: SqlBuildOptions,
): Promise<BuildResult<ProductCatalog>> {
  checkRecommendOptions(options, { orderLines: false });
  const validate = options.validate ?? true;
  const src = await readCooccurrenceFromSql(query, {
    table: options.table,
    ...(options.schema !== undefined && { schema: options.schema }),
    ...(options.columns !== undefined && { columns: options.columns }),
    ...(options.incidence !== undefined && { incidence: options.incidence }),
    ...(options.skipBadRows !== undefined && { skipBadRows: options.skipBadRows }),
    ...(options.dialect !== undefined && { dialect: options.dialect }),
    requireCategory: options.requireCategory ?? validate,
    ...(options.onStage !== undefined && { onStage: options.onStage }),
    ...(options.beforeData !== undefined && { beforeData: options.beforeData }),
  });
  const rest = await recommendFromCooccurrence(src, options);
  const s = rest.stats.seconds;
  return {
    ...rest,
    stats: {
      ...rest.stats,
      seconds: {
        ...s,
        ingest: src.seconds.catalog,
        cooccurrence: src.seconds.pairs,
        total: s.total + src.seconds.catalog + src.seconds.pairs,
      },
    },
  };
}
