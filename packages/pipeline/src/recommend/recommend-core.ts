import { availableParallelism } from "node:os";
import {
  blendPopular,
  CLASSIC_SIMILARITY,
  type ClassicTopKOptions,
  type CsrMatrix,
  classicTopK,
  cooccurrence,
  cosineTopKFromOrders,
  countPairs,
  measureTopK,
  planFromOrders,
  prestartCosineWorkers,
  type TopKResult,
  type TopKWork,
} from "@cobuy/core-math";
import { NO_CATEGORY, type ProductCatalog } from "../catalog/product-catalog.js";
import { PipelineError } from "../errors.js";
import { validateRecommendations } from "../validation/validate.js";
import { chooseSimilarity } from "./choose-similarity.js";
import {
  type BuildResult,
  checkRecommendOptions,
  hasCaps,
  type RecommendOptions,
  resolveK,
  type SimilarityChoice,
} from "./options.js";
import { type StageClock, stageClock } from "./stage-clock.js";

/**
 * Lines of A from which the cosine workers are started before C is built, so they boot on the core
 * that building C leaves idle (45-70 ms each). Below it the plan seldom takes more than one thread.
 */
const PRESTART_MIN_LINES = 1 << 18;

/**
 * What an input gives the build core: the products, their support and C — given (counted in a
 * database) or counted here from the order lines A. Only an input with order lines can serve the
 * core-math measures and "auto".
 */
export interface CountedInput<I extends ProductCatalog> {
  readonly catalog: I;
  /** Distinct orders containing each product. */
  readonly support: Uint32Array;
  /** Nonzeros of A, for the stats (0 when unknown). */
  readonly nnzA: number;
  /** Bytes read from the source, for the stats. */
  readonly bytesRead: number;
  /** False when no order holds two different products. */
  readonly hasPairs: boolean;
  /** C = AᵀA as counted elsewhere; without it the core counts C from `lines.a`. */
  readonly c?: CsrMatrix;
  /** The order lines: A (by the build's incidence) and, for "auto", the order ids. */
  readonly lines?: { readonly a: CsrMatrix; readonly orderIds?: readonly string[] | undefined };
}

function nothingToRecommend(catalog: ProductCatalog): PipelineError {
  return new PipelineError(
    "COBUY_PIPELINE_NOTHING_TO_RECOMMEND",
    `${catalog.source}: nothing to recommend: no order holds two different products ` +
      `(${catalog.orders} orders, ${catalog.rows} rows, ${catalog.productIds.length} products); ` +
      "check that the order column groups the lines of one basket",
    { position: { file: catalog.source } },
  );
}

/** Category index of each product for the blend (-1: none), in the catalog's category order. */
function categoryIndices(catalog: ProductCatalog): Int32Array {
  const pc = catalog.productCategory;
  const out = new Int32Array(catalog.productIds.length).fill(-1);
  if (pc) for (let p = 0; p < out.length; p++) if (pc[p] !== NO_CATEGORY) out[p] = pc[p]!;
  return out;
}

/**
 * The one build core both inputs feed: checks the options, refuses an input with nothing to
 * recommend, picks the measure (or "auto"), makes the lists (the classic cosine of C, or a core-math
 * measure of the pair counts), blends, validates and assembles the stats. Stages `auto`,
 * `cooccurrence` (when C or the pair counts are counted here), `topk` and `validation` are timed on
 * `clock`.
 */
export async function recommendCore<I extends ProductCatalog>(
  input: CountedInput<I>,
  options: RecommendOptions,
  clock: StageClock = stageClock(options),
): Promise<BuildResult<I>> {
  const { catalog, support } = input;
  const P = catalog.productIds.length;
  checkRecommendOptions(options, { orderLines: input.lines !== undefined });
  if (!input.hasPairs) throw nothingToRecommend(catalog);
  const { stage, seconds } = clock;
  const k = resolveK(options.k);
  const onProgress = options.onProgress;
  const topkProgress = onProgress && {
    onProgress: (done: number, total: number, work: TopKWork) =>
      onProgress({ stage: "topk", done, total, work }),
  };

  let similarity: SimilarityChoice;
  if (options.similarity === "auto") {
    const lines = input.lines!;
    similarity = await stage("auto", () => chooseSimilarity(catalog, lines.a, lines.orderIds, k, options));
  } else {
    similarity = {
      measure: options.similarity ?? CLASSIC_SIMILARITY,
      chosen: "requested",
      minPairSupport: options.minPairSupport ?? 1,
      ...(hasCaps(options.caps) && { caps: options.caps }),
    };
  }
  const { measure, minPairSupport } = similarity;
  let nnzC: number | undefined;
  let topk: TopKResult;
  if (measure === CLASSIC_SIMILARITY) {
    const a = input.lines?.a;
    const classic: ClassicTopKOptions = {
      k,
      ...(options.minScore !== undefined && { minScore: options.minScore }),
      ...(options.minSupport !== undefined && { minSupport: options.minSupport }),
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.kernel !== undefined && { kernel: options.kernel }),
      ...(minPairSupport > 1 && { minPairSupport }),
      ...topkProgress,
    };
    const plan = options.plan ?? "auto";
    // Only a plan that reads C pays for building it (order-side never does: on few, wide orders
    // C alone costs seconds and most of the memory).
    const needsC =
      a === undefined ||
      input.c !== undefined ||
      minPairSupport > 1 ||
      planFromOrders(a, { ...classic, plan }).needsC;
    if (needsC) {
      if (input.c === undefined && a!.colIdx.length >= PRESTART_MIN_LINES && options.kernel !== "js") {
        const threads = options.threads ?? availableParallelism();
        if (threads > 1) prestartCosineWorkers(threads);
      }
      const c = input.c ?? (await stage("cooccurrence", () => cooccurrence(a!)));
      nnzC = c.colIdx.length;
      const withOrders = a !== undefined ? { incidence: a, plan } : options.plan ? { plan } : {};
      topk = await stage("topk", () => classicTopK(c, support, { ...classic, ...withOrders }));
    } else {
      topk = await stage("topk", () => cosineTopKFromOrders(a!, { ...classic, plan }));
      nnzC = undefined;
    }
  } else {
    const a = input.lines!.a;
    const counts = await stage("cooccurrence", () => countPairs(a, options.caps ?? {}));
    nnzC = counts.pairs.colIdx.length;
    topk = await stage("topk", () =>
      measureTopK(counts, measure, {
        k,
        minPairSupport,
        ...(options.minScore !== undefined && { minScore: options.minScore }),
        ...(options.minSupport !== undefined && { minSupport: options.minSupport }),
        ...topkProgress,
      }),
    );
  }

  let reasons: Uint8Array | null = null;
  if (options.blend) {
    const minSupport = options.minSupport ?? 1;
    // Popularity = orders holding the product; under minSupport: never recommended, no list.
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
  const validate = options.validate ?? true;
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
      nnzA: input.nnzA,
      nnzC,
      multiplyAdds: topk.multiplyAdds,
      ...(topk.plan !== undefined && { plan: topk.plan }),
      productsWithRecs,
      badRows: catalog.badRows.count,
      categoryConflicts: catalog.categoryConflicts,
      bytesRead: input.bytesRead,
      seconds,
    },
  };
}
