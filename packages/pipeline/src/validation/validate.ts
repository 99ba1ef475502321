import type { TopKLists } from "@cobuy/core-math";
import { NO_CATEGORY, type ProductCatalog } from "../catalog/product-catalog.js";
import { PipelineError } from "../errors.js";

/** Products of a category and how many of them have a best recommendation in the same category. */
export interface CategoryShare {
  readonly products: number;
  readonly sameCategory: number;
  /** sameCategory / products (0 when there are no products). */
  readonly share: number;
}

/**
 * The classic validation metric (design.md), overall and per category, as written to `validation.json`.
 *
 * @example
 * ```ts
 * const { overall, byCategory } = validateRecommendations(index, topk);
 * console.log(`${overall.sameCategory}/${overall.products}`, byCategory.C01?.share);
 * ```
 */
export interface ValidationResult {
  readonly overall: CategoryShare;
  /** Keyed by category name, in byte order of the names. */
  readonly byCategory: Readonly<Record<string, CategoryShare>>;
  /** Products seen with more than one category in the input (each was given its most frequent one). */
  readonly categoryConflicts: number;
  /**
   * Products without a category (every row of theirs had an empty category): outside every
   * category, so counted neither in `overall` nor in `byCategory`.
   */
  readonly productsWithoutCategory: number;
}

function share(products: number, sameCategory: number): CategoryShare {
  return { products, sameCategory, share: products === 0 ? 0 : sameCategory / products };
}

/**
 * The classic metric: for each category, the products whose best recommendation has the same
 * category, divided by all products of that category; a product with no recommendation is a miss.
 * A product without a category ({@link NO_CATEGORY}) belongs to no category and is left out (counted
 * in `productsWithoutCategory`); as a best recommendation it is a miss for the product it follows.
 * `lists` are the top-k lists of `index`'s products (product p's list at `ids[p*k ..]`).
 *
 * @example
 * ```ts
 * const v = validateRecommendations(index, topk);
 * console.log(v.overall.share, v.byCategory.C01?.share);
 * ```
 */
// O(products + categories)
export function validateRecommendations(
  index: Pick<
    ProductCatalog,
    "source" | "productIds" | "categories" | "productCategory" | "categoryConflicts"
  >,
  lists: TopKLists,
): ValidationResult {
  const pc = index.productCategory;
  if (pc === null) {
    throw new PipelineError(
      "COBUY_PIPELINE_MISSING_DATA",
      `${index.source}: validation needs a category column, and the input has none (add a "category" column or choose it with columns.category)`,
      { position: { file: index.source } },
    );
  }
  const P = index.productIds.length;
  if (lists.products !== P) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      `the top-k lists cover ${lists.products} products but the index has ${P}: pass the lists computed from this index`,
    );
  }
  const K = index.categories.length;
  const total = new Uint32Array(K);
  const same = new Uint32Array(K);
  const k = lists.k;
  let uncategorized = 0;
  for (let p = 0; p < P; p++) {
    const c = pc[p]!;
    if (c === NO_CATEGORY) {
      uncategorized++;
      continue;
    }
    total[c]!++;
    if (lists.length[p]! > 0 && pc[lists.ids[p * k]!] === c) same[c]!++;
  }
  // No prototype: a category may be called "__proto__".
  const byCategory: Record<string, CategoryShare> = Object.create(null);
  let n = 0;
  let m = 0;
  for (let c = 0; c < K; c++) {
    if (total[c] === 0) continue;
    byCategory[index.categories[c]!] = share(total[c]!, same[c]!);
    n += total[c]!;
    m += same[c]!;
  }
  return {
    overall: share(n, m),
    byCategory,
    categoryConflicts: index.categoryConflicts,
    productsWithoutCategory: uncategorized,
  };
}
