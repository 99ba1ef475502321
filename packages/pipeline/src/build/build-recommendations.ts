import type { Readable } from "node:stream";
import {
  buildIncidence,
  type CsrMatrix,
  cooccurrence,
  countPairs,
  type DownsampleOptions,
  type Incidence,
  measureTopK,
  productSupport,
  type TopKResult,
} from "@cobuy/core-math";
import { PipelineError } from "../errors.js";
import { type ClassicTopKOptions, classicKernel, classicTopK } from "../evaluation/classic.js";
import {
  type Candidate,
  type EvaluationData,
  isSimilarityName,
  SIMILARITIES,
  type SimilarityName,
  selectSimilarity,
} from "../evaluation/evaluate.js";
import { blendPopular, productOrderCounts } from "../evaluation/lists.js";
import { holdoutSplit } from "../evaluation/split.js";
import { NO_CATEGORY, type ReadSalesOptions, readSales, type SalesIndex } from "../ingest/read-sales.js";
import { type ValidationResult, validateRecommendations } from "../validation/validate.js";
import type { ProductCatalog } from "./product-catalog.js";

/** The stages of {@link buildRecommendations}, in order. */
export type Stage = "ingest" | "incidence" | "auto" | "cooccurrence" | "topk" | "validation";

/** A stage started, or ended after `seconds`. */
export type StageEvent =
  | { readonly stage: Stage; readonly phase: "start" }
  | { readonly stage: Stage; readonly phase: "end"; readonly seconds: number };

/** Progress inside a long stage. */
export type ProgressEvent =
  | { readonly stage: "ingest"; readonly bytesRead: number; readonly rows: number }
  | { readonly stage: "topk"; readonly done: number; readonly total: number }
  | { readonly stage: "auto"; readonly detail: string };

/** Options of {@link recommendFromIndex}: the math. Defaults reproduce the classic method. */
export interface RecommendOptions {
  /** Recommendations per product. Default 5. */
  k?: number;
  /** Keep only scores strictly above this. Default 0. */
  minScore?: number;
  /** Products in fewer orders get no list and are never recommended. Default 1. */
  minSupport?: number;
  /** How a repeated line counts in A: "count" (classic, default) or "binary". */
  incidence?: Incidence;
  /** Worker threads for the cosine stage; default: available cores. */
  threads?: number;
  /** Cosine kernel: "wasm" (default) or the plain TypeScript reference "js". */
  kernel?: "wasm" | "js";
  /**
   * The similarity measure: "cooccurrence-cosine" (the classic method, default), one of core-math's
   * measures ("cosine", "jaccard", "lift", "llr", "expected": binary baskets, one counting pass), or
   * "auto": chosen with its minimum pair support on a validation split carved from the orders (see
   * `auto`; needs `index.orderIds`, which `buildRecommendations` then keeps).
   */
  similarity?: SimilarityName | "auto";
  /** Pairs bought together in fewer orders are ignored (default 1; "auto" chooses its own). */
  minPairSupport?: number;
  /**
   * Deterministic down-sampling before counting, for the core-math measures (and their candidates
   * under "auto"): `maxProductsPerOrder`, `maxOrdersPerProduct`, `seed` (default 0). The classic
   * measure counts every line: caps with `similarity: "cooccurrence-cosine"` are an error.
   */
  caps?: DownsampleOptions;
  /**
   * Mix the category's best sellers into the lists (evaluation's `blendPopular`): the first
   * `k − round(popular·k)` similar items, then the category's best sellers, then the remaining
   * similar items, then the best sellers overall. Every item keeps a reason (`BuildResult.reasons`).
   */
  blend?: { popular: number };
  /**
   * How "auto" chooses: a holdout of `fraction` (default 0.2) of the orders by a seeded hash of their
   * ids (`seed`, default 1) is the validation split, the rest trains every candidate measure ×
   * `minPairSupports` (default [1, 2, 3]); the highest hitRate@k with coverage ≥ `minCoverage`
   * (default 0.8) wins (else the highest coverage). The chosen measure is then built on all orders.
   */
  auto?: { fraction?: number; seed?: number; minPairSupports?: readonly number[]; minCoverage?: number };
  /** Compute the validation metric (needs a category column). Default true. */
  validate?: boolean;
  onStage?: (event: StageEvent) => void;
  onProgress?: (event: ProgressEvent) => void;
}

/** Options of {@link buildRecommendations}: reading plus the math. */
export interface BuildOptions
  extends RecommendOptions,
    Pick<
      ReadSalesOptions,
      | "columns"
      | "skipBadRows"
      | "maxBadRowExamples"
      | "delimiter"
      | "name"
      | "keepOrderIds"
      | "maxRecordBytes"
    > {}

/** Counts and timings of a build. */
export interface BuildStats {
  readonly rows: number;
  readonly orders: number;
  readonly products: number;
  readonly categories: number;
  /** Nonzeros of A (distinct order × product pairs). */
  readonly nnzA: number;
  /** Nonzeros of C (ordered product pairs bought together). */
  readonly nnzC: number;
  readonly multiplyAdds: number;
  /** Products with at least one recommendation. */
  readonly productsWithRecs: number;
  readonly badRows: number;
  readonly categoryConflicts: number;
  /** Bytes read from the source (compressed bytes for gzip). */
  readonly bytesRead: number;
  /** Seconds per stage (0 for a stage that did not run) and in total. */
  readonly seconds: Readonly<Record<Stage | "total", number>>;
}

/** Which measure made the lists, and how it was chosen (recorded as `params.similarity`). */
export interface SimilarityChoice {
  /** The measure that made the lists. */
  readonly measure: SimilarityName;
  /** "requested" (named by the caller) or "auto" (chosen on a validation split). */
  readonly chosen: "requested" | "auto";
  readonly minPairSupport: number;
  /** Caps applied before counting (core-math measures only); omitted when none. */
  readonly caps?: DownsampleOptions;
  /** With "auto": the validation split, the rule and every candidate's hitRate@k and coverage. */
  readonly selection?: {
    readonly fraction: number;
    readonly seed: number;
    readonly trainOrders: number;
    readonly validationOrders: number;
    readonly minCoverage: number;
    readonly rule: string;
    readonly candidates: readonly Candidate[];
  };
}

/**
 * What {@link buildRecommendations} returns.
 *
 * @example
 * ```ts
 * const { index, topk } = await buildRecommendations("sales.csv", { k: 5 });
 * const best = topk.length[0]! > 0 ? index.productIds[topk.ids[0]!] : undefined; // product 0's top-1
 * ```
 */
export interface BuildResult<I extends ProductCatalog = SalesIndex> {
  /** The products and counts: the `SalesIndex` read (a `ProductCatalog` from the SQL source). */
  readonly index: I;
  readonly topk: TopKResult;
  /** Null when `validate` is false. */
  readonly validation: ValidationResult | null;
  /** Distinct orders containing each product (core-math's `productSupport(A)`), by product index. */
  readonly productSupport: Uint32Array;
  /** The measure behind `topk` and how it was chosen. */
  readonly similarity: SimilarityChoice;
  /** The blend applied (null without `blend`). */
  readonly blend: { readonly popular: number } | null;
  /** With `blend`: each item's reason, an index into `REASONS` laid out like `topk.ids`; else null. */
  readonly reasons: Uint8Array | null;
  readonly stats: BuildStats;
}

const now = () => performance.now() / 1000;

/**
 * Reads sales rows and runs every stage: ingest → A → C = AᵀA (zero diagonal) → exact cosine
 * top-k → validation. `source` is a CSV / `.csv.gz` path or a Readable. Throws a
 * `PipelineError` for bad input (`COBUY_NOTHING_TO_RECOMMEND` when no order holds two different
 * products) and passes on `CoreMathError`s from the math.
 *
 * @example
 * ```ts
 * const { index, topk, validation, productSupport } = await buildRecommendations("sales.csv", {
 *   k: 5,
 *   onStage: (e) => e.phase === "end" && console.log(e.stage, e.seconds),
 * });
 * await writeDocuments("out", { index, topk, validation, productSupport, runId: makeRunId() });
 * ```
 */
export async function buildRecommendations(
  source: string | Readable,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const validate = options.validate ?? true;
  options.onStage?.({ stage: "ingest", phase: "start" });
  const t0 = now();
  const onProgress = options.onProgress;
  const readOptions: ReadSalesOptions = {
    requireCategory: validate,
    ...(options.columns !== undefined && { columns: options.columns }),
    ...(options.skipBadRows !== undefined && { skipBadRows: options.skipBadRows }),
    ...(options.maxBadRowExamples !== undefined && { maxBadRowExamples: options.maxBadRowExamples }),
    ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
    ...(options.name !== undefined && { name: options.name }),
    ...((options.keepOrderIds !== undefined || options.similarity === "auto") && {
      keepOrderIds: options.keepOrderIds === true || options.similarity === "auto",
    }),
    ...(options.maxRecordBytes !== undefined && { maxRecordBytes: options.maxRecordBytes }),
    ...(onProgress && {
      onProgress: (bytesRead: number, rows: number) => onProgress({ stage: "ingest", bytesRead, rows }),
    }),
  };
  const index = await readSales(source, readOptions);
  const ingest = now() - t0;
  options.onStage?.({ stage: "ingest", phase: "end", seconds: ingest });
  const rest = await recommendFromIndex(index, options);
  return {
    ...rest,
    stats: {
      ...rest.stats,
      seconds: { ...rest.stats.seconds, ingest, total: rest.stats.seconds.total + ingest },
    },
  };
}

/**
 * The stages after ingest, on a {@link SalesIndex} already in memory (e.g. a subset of orders):
 * A → C → cosine top-k → validation. `stats.seconds.ingest` is 0.
 *
 * @example
 * ```ts
 * const index = await readSales("sales.csv");
 * const { topk, validation } = await recommendFromIndex(index, { k: 10, threads: 1 });
 * ```
 */
export async function recommendFromIndex(
  index: SalesIndex,
  options: RecommendOptions = {},
): Promise<BuildResult> {
  const validate = options.validate ?? true;
  if (index.ordersWithPairs === 0) {
    throw new PipelineError(
      "COBUY_NOTHING_TO_RECOMMEND",
      `${index.source}: nothing to recommend: no order holds two different products ` +
        `(${index.orders} orders, ${index.rows} rows, ${index.productIds.length} products); ` +
        `check that the order column groups the lines of one basket`,
      { position: { file: index.source } },
    );
  }
  checkOptions(options);
  const { seconds, stage } = stageClock(options);
  const P = index.productIds.length;
  const k = options.k ?? 5;
  const a = await stage("incidence", () =>
    buildIncidence(index.lineOrder, index.lineProduct, index.orders, P, options.incidence ?? "count"),
  );
  const support = productSupport(a);
  const onProgress = options.onProgress;
  const topkProgress = onProgress && {
    onProgress: (done: number, total: number) => onProgress({ stage: "topk", done, total }),
  };

  let similarity: SimilarityChoice;
  if (options.similarity === "auto") {
    similarity = await stage("auto", () => chooseSimilarity(index, a, k, options));
  } else {
    const measure = options.similarity ?? "cooccurrence-cosine";
    similarity = {
      measure,
      chosen: "requested",
      minPairSupport: options.minPairSupport ?? 1,
      ...(hasCaps(options.caps) && { caps: options.caps }),
    };
  }
  const { measure, minPairSupport } = similarity;
  let nnzC: number;
  let topk: TopKResult;
  if (measure === "cooccurrence-cosine") {
    const c = await stage("cooccurrence", () => cooccurrence(a));
    nnzC = c.colIdx.length;
    topk = await stage("topk", () => classicTopK(c, support, classicTopKOptions(options, k, minPairSupport)));
  } else {
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
    // Products under minSupport are never recommended and get no list, blended or not.
    const popularity = productOrderCounts(a);
    for (let p = 0; p < P; p++) if (support[p]! < minSupport) popularity[p] = 0;
    const blended = blendPopular(topk, {
      weight: options.blend.popular,
      popularity,
      categoryOf: categoryIndices(index),
    });
    const length = blended.length;
    for (let p = 0; p < P; p++) if (support[p]! < minSupport) length[p] = 0;
    topk = blended;
    reasons = blended.reasons;
  }
  const validation = validate ? await stage("validation", () => validateRecommendations(index, topk)) : null;
  let productsWithRecs = 0;
  for (let p = 0; p < P; p++) if (topk.length[p]! > 0) productsWithRecs++;
  return {
    index,
    topk,
    validation,
    productSupport: support,
    similarity,
    blend: options.blend ? { popular: options.blend.popular } : null,
    reasons,
    stats: {
      rows: index.rows,
      orders: index.orders,
      products: P,
      categories: index.categories.length,
      nnzA: a.colIdx.length,
      nnzC,
      multiplyAdds: topk.multiplyAdds,
      productsWithRecs,
      badRows: index.badRows.count,
      categoryConflicts: index.categoryConflicts,
      bytesRead: index.bytesRead,
      seconds,
    },
  };
}

/**
 * The clock of a build's stages: `stage(name, run)` reports the start and end of `run` through
 * `options.onStage` and records its seconds in `seconds[name]` and `seconds.total` (0 for a stage
 * that does not run).
 */
export function stageClock(options: Pick<RecommendOptions, "onStage">): {
  seconds: Record<Stage | "total", number>;
  stage: <T>(name: Stage, run: () => T | Promise<T>) => Promise<T>;
} {
  const seconds: Record<Stage | "total", number> = {
    ingest: 0,
    incidence: 0,
    auto: 0,
    cooccurrence: 0,
    topk: 0,
    validation: 0,
    total: 0,
  };
  const stage = async <T>(name: Stage, run: () => T | Promise<T>): Promise<T> => {
    options.onStage?.({ stage: name, phase: "start" });
    const t = now();
    const out = await run();
    seconds[name] = now() - t;
    seconds.total += seconds[name];
    options.onStage?.({ stage: name, phase: "end", seconds: seconds[name] });
    return out;
  };
  return { seconds, stage };
}

/** `classicTopK`'s options for the classic measure from a build's options (progress as stage "topk"). */
export function classicTopKOptions(
  options: RecommendOptions,
  k: number,
  minPairSupport: number,
): ClassicTopKOptions {
  const onProgress = options.onProgress;
  return {
    k,
    ...(options.minScore !== undefined && { minScore: options.minScore }),
    ...(options.minSupport !== undefined && { minSupport: options.minSupport }),
    ...(options.threads !== undefined && { threads: options.threads }),
    ...(options.kernel !== undefined && { kernel: options.kernel }),
    ...(minPairSupport > 1 && { minPairSupport }),
    ...(onProgress && {
      onProgress: (done: number, total: number) => onProgress({ stage: "topk", done, total }),
    }),
  };
}

function hasCaps(caps: DownsampleOptions | undefined): caps is DownsampleOptions {
  return caps?.maxProductsPerOrder !== undefined || caps?.maxOrdersPerProduct !== undefined;
}

function optionError(message: string): PipelineError {
  return new PipelineError("COBUY_PIPELINE_OPTION", message);
}

// The options the math does not check itself (or checks too late, after the counting).
function checkOptions(o: RecommendOptions): void {
  const s = o.similarity;
  if (s !== undefined && s !== "auto" && !isSimilarityName(s)) {
    throw optionError(`similarity must be "auto" or one of ${SIMILARITIES.join(", ")} (got "${s}")`);
  }
  const mps = o.minPairSupport;
  if (mps !== undefined && !(Number.isInteger(mps) && mps >= 1)) {
    throw optionError(`minPairSupport must be an integer ≥ 1 (got ${mps})`);
  }
  if (hasCaps(o.caps) && (s ?? "cooccurrence-cosine") === "cooccurrence-cosine") {
    throw optionError(
      "caps (maxProductsPerOrder, maxOrdersPerProduct) apply to the core-math measures " +
        `(${SIMILARITIES.filter((m) => m !== "cooccurrence-cosine").join(", ")}, or auto); ` +
        "the classic cooccurrence-cosine counts every order line",
    );
  }
  const w = o.blend?.popular;
  if (o.blend !== undefined && !(typeof w === "number" && w >= 0 && w <= 1)) {
    throw optionError(`blend.popular must be a number from 0 to 1 (got ${w})`);
  }
  const f = o.auto?.fraction;
  if (f !== undefined && !(f > 0 && f < 1)) {
    throw optionError(`auto.fraction must be between 0 and 1, exclusive (got ${f})`);
  }
}

/** Category index of each product for the blend (-1: none), in the index's category order. */
export function categoryIndices(index: ProductCatalog): Int32Array {
  const pc = index.productCategory;
  const out = new Int32Array(index.productIds.length).fill(-1);
  if (pc) for (let p = 0; p < out.length; p++) if (pc[p] !== NO_CATEGORY) out[p] = pc[p]!;
  return out;
}

/**
 * "auto": evaluation's `selectSimilarity` on a holdout of the index's own orders ("training" = all
 * orders of the input), with the classic kernel on this build's A (its incidence, threads, kernel).
 */
async function chooseSimilarity(
  index: SalesIndex,
  a: CsrMatrix,
  k: number,
  options: RecommendOptions,
): Promise<SimilarityChoice> {
  if (!index.orderIds) {
    throw optionError(
      'similarity "auto" needs the order ids: read the sales with keepOrderIds: true (buildRecommendations does)',
    );
  }
  const names = index.categories;
  const pc = index.productCategory;
  const data: EvaluationData = {
    productIds: index.productIds,
    categories: index.productIds.map((_, p) => (pc ? (names[pc[p]!] ?? null) : null)),
    orderIds: index.orderIds,
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
    ...(hasCaps(options.caps) && picked.similarity !== "cooccurrence-cosine" && { caps: options.caps }),
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
