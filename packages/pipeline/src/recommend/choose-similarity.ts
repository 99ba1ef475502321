import { CLASSIC_SIMILARITY, type CsrMatrix } from "@cobuy/core-math";
import type { ProductCatalog } from "../catalog/product-catalog.js";
import { classicKernel, type EvaluationData } from "../selection/candidates.js";
import { selectSimilarity } from "../selection/select-similarity.js";
import { holdoutSplit } from "../selection/split.js";
import { hasCaps, optionError, type RecommendOptions, type SimilarityChoice } from "./options.js";

/**
 * "auto": `selectSimilarity` on a holdout of the catalog's own orders ("training" = all orders of
 * the input), with the classic kernel on this build's A (its incidence, threads, kernel).
 */
export async function chooseSimilarity(
  catalog: ProductCatalog,
  a: CsrMatrix,
  orderIds: readonly string[] | undefined,
  k: number,
  options: RecommendOptions,
): Promise<SimilarityChoice> {
  if (!orderIds) {
    throw optionError(
      'similarity "auto" needs the order ids: read the sales with keepOrderIds: true (buildRecommendations does)',
    );
  }
  const names = catalog.categories;
  const pc = catalog.productCategory;
  const data: EvaluationData = {
    productIds: catalog.productIds,
    categories: catalog.productIds.map((_, p) => (pc ? (names[pc[p]!] ?? null) : null)),
    orderIds,
    a,
  };
  const fraction = options.auto?.fraction ?? 0.2;
  const seed = options.auto?.seed ?? 1;
  const split = holdoutSplit(data.orderIds, { fraction, seed });
  const onProgress = options.onProgress;
  const picked = await selectSimilarity(data, split, {
    k,
    ...(options.minScore !== undefined && { minScore: options.minScore }),
    ...(options.auto?.minPairSupports !== undefined && { minPairSupports: options.auto.minPairSupports }),
    ...(options.auto?.minCoverage !== undefined && { minCoverage: options.auto.minCoverage }),
    ...(hasCaps(options.caps) && { caps: options.caps }),
    classic: classicKernel({
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.kernel !== undefined && { kernel: options.kernel }),
    }),
    ...(onProgress && {
      onProgress: (e: { stage: string; detail?: string }) =>
        onProgress({ stage: "auto", detail: e.detail ?? e.stage }),
    }),
  });
  const { selection } = picked;
  return {
    measure: picked.similarity,
    chosen: "auto",
    minPairSupport: picked.minPairSupport,
    ...(hasCaps(options.caps) && picked.similarity !== CLASSIC_SIMILARITY && { caps: options.caps }),
    selection: {
      fraction,
      seed,
      trainOrders: selection.trainOrders,
      validationOrders: selection.validationOrders,
      minCoverage: selection.minCoverage,
      rule: selection.rule,
      candidates: selection.candidates,
    },
  };
}
