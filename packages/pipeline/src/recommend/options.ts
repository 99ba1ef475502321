import { DEFAULT_K, kProblem } from "@cobuy/contracts";
import {
  CLASSIC_SIMILARITY,
  type CosinePlanName,
  type CosinePlanReport,
  type DownsampleOptions,
  type Incidence,
  isSimilarityName,
  SIMILARITIES,
  type SimilarityName,
  type TopKResult,
  type TopKWork,
} from "@cobuy/core-math";
import type { ProductCatalog } from "../catalog/product-catalog.js";
import { PipelineError } from "../errors.js";
import type { SalesIndex } from "../ingest/sales-index.js";
import type { Candidate } from "../selection/select-similarity.js";
import type { ValidationResult } from "../validation/validate.js";

/** The values of `RecommendOptions.plan`. */
export const PLANS: readonly CosinePlanName[] = ["auto", "scatter", "order-side", "dense"];

/** The stages of a build, in order. */
export type Stage = "ingest" | "incidence" | "auto" | "cooccurrence" | "topk" | "validation";

/** A stage started, or ended after `seconds`. */
export type StageEvent =
  | { readonly stage: Stage; readonly phase: "start" }
  | { readonly stage: Stage; readonly phase: "end"; readonly seconds: number };

/** Progress inside a long stage. */
export type ProgressEvent =
  | { readonly stage: "ingest"; readonly bytesRead: number; readonly rows: number }
  | {
      readonly stage: "topk";
      /** Products done of all (tiles of 16 products for the order-side and dense plans). */
      readonly done: number;
      readonly total: number;
      /** The estimated multiply-adds behind them (core-math's `TopKWork`): drive bars and ETAs by it. */
      readonly work: TopKWork;
    }
  | { readonly stage: "auto"; readonly detail: string };

/** Options of the build core (`recommendFromIndex`, `recommendFromCooccurrence`): the math. */
export interface RecommendOptions {
  /** Recommendations per product. Default: contracts' `DEFAULT_K` (5); at most `MAX_K`. */
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
   * How the classic cosine is computed (core-math's planner): "auto" (default: the cheapest
   * estimate), or "scatter", "order-side", "dense" forced (tests, benchmarks). Same lists either way.
   */
  plan?: CosinePlanName;
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
   * Mix the category's best sellers into the lists (core-math's `blendPopular`): the first
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

/** Counts and timings of a build. */
export interface BuildStats {
  readonly rows: number;
  readonly orders: number;
  readonly products: number;
  readonly categories: number;
  /** Nonzeros of A (distinct order × product pairs). */
  readonly nnzA: number;
  /** Nonzeros of C (ordered product pairs bought together); undefined when the plan never built C. */
  readonly nnzC: number | undefined;
  readonly multiplyAdds: number;
  /** The classic cosine's plan: strategy, estimates, blocks, seconds (absent for other measures). */
  readonly plan?: CosinePlanReport;
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
 * What a build returns, whichever input fed it.
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

export function optionError(message: string): PipelineError {
  return new PipelineError("COBUY_PIPELINE_OPTION", message);
}

/**
 * `k`, or contracts' `DEFAULT_K` when undefined; `COBUY_PIPELINE_OPTION` with contracts' message
 * unless it is an integer from 1 to `MAX_K`.
 */
export function resolveK(k: number | undefined): number {
  const value = k ?? DEFAULT_K;
  const problem = kProblem(value);
  if (problem !== undefined) throw optionError(problem);
  return value;
}

export function hasCaps(caps: DownsampleOptions | undefined): caps is DownsampleOptions {
  return caps?.maxProductsPerOrder !== undefined || caps?.maxOrdersPerProduct !== undefined;
}

/**
 * Every option check of a build, for both inputs: `orderLines` is false for counted co-occurrences
 * (the SQL source), which can only serve the classic measure.
 */
export function checkRecommendOptions(o: RecommendOptions, { orderLines }: { orderLines: boolean }): void {
  resolveK(o.k);
  if (o.plan !== undefined && !PLANS.includes(o.plan)) {
    throw optionError(`plan must be one of ${PLANS.join(", ")} (got "${o.plan}")`);
  }
  const s = o.similarity;
  if (s !== undefined && s !== "auto" && !isSimilarityName(s)) {
    throw optionError(`similarity must be "auto" or one of ${SIMILARITIES.join(", ")} (got "${s}")`);
  }
  if (!orderLines && (s ?? CLASSIC_SIMILARITY) !== CLASSIC_SIMILARITY) {
    throw optionError(
      `similarity "${s}" needs the order lines (binary baskets per order); from counted co-occurrences ` +
        `(the SQL source) only the classic ${CLASSIC_SIMILARITY} is available`,
    );
  }
  const mps = o.minPairSupport;
  if (mps !== undefined && !(Number.isInteger(mps) && mps >= 1)) {
    throw optionError(`minPairSupport must be an integer ≥ 1 (got ${mps})`);
  }
  if (hasCaps(o.caps) && (s ?? CLASSIC_SIMILARITY) === CLASSIC_SIMILARITY) {
    throw optionError(
      "caps (maxProductsPerOrder, maxOrdersPerProduct) apply to the core-math measures " +
        `(${SIMILARITIES.filter((m) => m !== CLASSIC_SIMILARITY).join(", ")}, or auto); ` +
        `the classic ${CLASSIC_SIMILARITY} counts every order line`,
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
