import type { CsrMatrix, TopKResult } from "@cobuy/core-math";
import {
  type BuildResult,
  categoryIndices,
  classicTopKOptions,
  type RecommendOptions,
  type SimilarityChoice,
  stageClock,
} from "../build/build-recommendations.js";
import type { ProductCatalog } from "../build/product-catalog.js";
import { PipelineError } from "../errors.js";
import { classicTopK } from "../evaluation/classic.js";
import { blendPopular } from "../evaluation/lists.js";
import { validateRecommendations } from "../validation/validate.js";
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
  checkOptions(options);
  if (c.rows !== P || c.cols !== P || support.length !== P) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `C is ${c.rows}×${c.cols} and support has ${support.length} entries, but the catalog has ${P} products`,
    );
  }
  if (c.colIdx.length === 0) {
    throw new PipelineError(
      "COBUY_NOTHING_TO_RECOMMEND",
      `${catalog.source}: nothing to recommend: no order holds two different products ` +
        `(${catalog.orders} orders, ${catalog.rows} rows, ${P} products); ` +
        "check that the order column groups the lines of one basket",
      { position: { file: catalog.source } },
    );
  }
  const validate = options.validate ?? true;
  const { seconds, stage } = stageClock(options);
  const k = options.k ?? 5;
  const minPairSupport = options.minPairSupport ?? 1;
  const similarity: SimilarityChoice = {
    measure: "cooccurrence-cosine",
    chosen: "requested",
    minPairSupport,
  };
  let topk: TopKResult = await stage("topk", () =>
    classicTopK(c, support, classicTopKOptions(options, k, minPairSupport)),
  );
  let reasons: Uint8Array | null = null;
  if (options.blend) {
    const minSupport = options.minSupport ?? 1;
    // Popularity = orders holding the product = its support; under minSupport: never recommended.
    const popularity = Float64Array.from(support, (s) => (s < minSupport ? 0 : s));
    const blended = blendPopular(topk, {
      weight: options.blend.popular,
      popularity,
      categoryOf: categoryIndices(catalog),
    });
    for (let p = 0; p < P; p++) if (support[p]! < minSupport) blended.length[p] = 0;
    topk = blended;
    reasons = blended.reasons;
  }
  const validation = validate
    ? await stage("validation", () => validateRecommendations(catalog, topk))
    : null;
  let productsWithRecs = 0;
  for (let p = 0; p < P; p++) if (topk.length[p]! > 0) productsWithRecs++;
  return {
    index: catalog,
    topk,
    validation,
    productSupport: support,
    similarity,
    blend: options.blend ? { popular: options.blend.popular } : null,
    reasons,
    stats: {
      rows: catalog.rows,
      orders: catalog.orders,
      products: P,
      categories: catalog.categories.length,
      nnzA: input.nnzA ?? 0,
      nnzC: c.colIdx.length,
      multiplyAdds: topk.multiplyAdds,
      productsWithRecs,
      badRows: catalog.badRows.count,
      categoryConflicts: catalog.categoryConflicts,
      bytesRead: 0,
      seconds,
    },
  };
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
  checkOptions(options);
  const validate = options.validate ?? true;
  const src = await readCooccurrenceFromSql(query, {
    table: options.table,
    ...(options.schema !== undefined && { schema: options.schema }),
    ...(options.columns !== undefined && { columns: options.columns }),
    ...(options.incidence !== undefined && { incidence: options.incidence }),
    ...(options.skipBadRows !== undefined && { skipBadRows: options.skipBadRows }),
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

function checkOptions(o: CooccurrenceRecommendOptions): void {
  const s = o.similarity ?? "cooccurrence-cosine";
  if (s !== "cooccurrence-cosine") {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `similarity "${s}" needs the order lines (binary baskets per order); from counted co-occurrences ` +
        "(the SQL source) only the classic cooccurrence-cosine is available",
    );
  }
  if (o.caps?.maxOrdersPerProduct !== undefined || o.caps?.maxProductsPerOrder !== undefined) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      "caps (maxProductsPerOrder, maxOrdersPerProduct) apply to the core-math measures; the classic " +
        "cooccurrence-cosine counts every order line",
    );
  }
  const mps = o.minPairSupport;
  if (mps !== undefined && !(Number.isInteger(mps) && mps >= 1)) {
    throw new PipelineError("COBUY_PIPELINE_OPTION", `minPairSupport must be an integer ≥ 1 (got ${mps})`);
  }
  const w = o.blend?.popular;
  if (o.blend !== undefined && !(typeof w === "number" && w >= 0 && w <= 1)) {
    throw new PipelineError("COBUY_PIPELINE_OPTION", `blend.popular must be a number from 0 to 1 (got ${w})`);
  }
}
