/**
 * Compressed sparse rows: row r holds columns `colIdx[rowPtr[r] .. rowPtr[r+1])`, sorted ascending,
 * with `values` beside them.
 *
 * @example
 * ```ts
 * // [[0, 2], [1, 0]]
 * const m: CsrMatrix = {
 *   rows: 2, cols: 2, rowPtr: Uint32Array.of(0, 1, 2), colIdx: Uint32Array.of(1, 0), values: Float64Array.of(2, 1),
 * };
 * ```
 */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Uint32Array | Float64Array; // length rows + 1; Float64Array when nnz >= 2^32
  readonly colIdx: Uint32Array;
  readonly values: Float64Array;
}

/**
 * How each order line counts in A: `"count"` sums repeated lines (the classic method), `"binary"`
 * counts a product once per order.
 *
 * @example
 * ```ts
 * const a = buildIncidence(lineOrder, lineProduct, orders, products, "binary" satisfies Incidence);
 * ```
 */
export type Incidence = "count" | "binary";

/**
 * Options of `cosineTopK` / `cosineTopKSync`; the defaults reproduce the classic method.
 *
 * @example
 * ```ts
 * const options: TopKOptions = { k: 10, minSupport: 5, onProgress: (_done, _total, work) => bar.update(work.done / work.total) };
 * ```
 */
export interface TopKOptions {
  /** Recommendations kept per product (default 5). */
  k?: number;
  /** Keep only scores strictly above this (default 0: every positive score). */
  minScore?: number;
  /** Products in fewer orders get no list and are never recommended (default 1: no filter). */
  minSupport?: number;
  /**
   * Candidates need C[p][q] ≥ this (default 1: no filter, pairs never bought together stay);
   * scores stay the classic cosine. Applied inside the kernels, so lists are exact at any k.
   */
  minPairSupport?: number;
  /**
   * Worker threads; default: available cores (`os.availableParallelism()`), fewer when the work
   * is too small to pay for starting workers. 1 runs on the calling thread.
   */
  threads?: number;
  /** "wasm" (default) or the plain TypeScript reference "js" (always on the calling thread). */
  kernel?: "wasm" | "js";
  /**
   * How a row of C·C is read back: "auto" (default) picks per row, "full" scans every column
   * after p, "touched" keeps a list of the columns touched. Results are identical; only speed differs.
   */
  scan?: "auto" | "full" | "touched";
  /**
   * Called now and then, and once at the end: `done`/`total` count the kernel's units (products;
   * tiles of 16 products for the "order-side" and "dense" plans), `work` the estimated work they
   * stand for (see {@link TopKWork}). Drive a bar or an ETA by `work`: rows differ in cost by orders
   * of magnitude.
   */
  onProgress?: TopKProgress;
  /**
   * The incidence A (orders × products) C was built from: lets the planner go through the
   * orders (plan "order-side") when that is cheaper. Must be the A of `cooccurrence(a)`.
   */
  incidence?: CsrMatrix;
  /**
   * "auto": the cheapest estimate (the default with `incidence` and in `cosineTopKFromOrders`;
   * without `incidence`, `cosineTopK` scatters unless asked); "scatter", "order-side" (needs
   * `incidence`) or "dense" force one (tests, benchmarks). Every plan gives the same lists.
   */
  plan?: CosinePlanName;
}

/**
 * How far a top-k call is, in the planner's estimated multiply-adds: `total` is the chosen plan's
 * estimate (`result.plan.estimatedMultiplyAdds`; for `measureTopK`, the pair scores of the rows
 * with a list, each "expected" score counting its order sizes), shared among the rows or tiles by
 * their own estimates. `done` never decreases and ends at `total` exactly; the work the kernel
 * reports afterwards (`result.multiplyAdds`) may differ from the estimate.
 *
 * @example
 * ```ts
 * const top = await cosineTopK(c, support, { onProgress: (_d, _t, w) => bar.update(w.done, w.total) });
 * ```
 */
export interface TopKWork {
  readonly done: number;
  readonly total: number;
  readonly unit: "multiply-adds";
}

/** `onProgress` of the top-k calls: kernel units done and total, and the estimated work. */
export type TopKProgress = (done: number, total: number, work: TopKWork) => void;

/**
 * Top-k lists of every product, flat: product p's list is at `[p*k, p*k + length[p])`,
 * best first (score descending, then product index ascending).
 *
 * @example
 * ```ts
 * const from = p * lists.k;
 * const recs = lists.ids.subarray(from, from + lists.length[p]!);
 * ```
 */
export interface TopKLists {
  readonly products: number;
  readonly k: number;
  readonly length: Uint16Array;
  readonly ids: Uint32Array;
  readonly scores: Float64Array;
  /** C[p][q] of each listed pair: the co-occurrence count behind it. */
  readonly support: Float64Array;
}

/**
 * {@link TopKLists} plus the work done to find them.
 *
 * @example
 * ```ts
 * const top = await cosineTopK(c, support, { k: 5 });
 * console.log(`${(top.multiplyAdds / seconds / 1e9).toFixed(2)} G multiply-adds/s`);
 * ```
 */
export interface TopKResult extends TopKLists {
  /** Multiply-adds performed (for rates in benchmarks). */
  readonly multiplyAdds: number;
  /** What the planner estimated and chose, and what it cost (cosineTopK, cosineTopKSync, cosineTopKFromOrders). */
  readonly plan?: CosinePlanReport;
}

/** A strategy for the classic cosine (see README, "Plans"). */
export type CosineStrategy = "scatter" | "order-side" | "dense";
/** `plan` option: a strategy, or `"auto"` to let the planner pick the cheapest. */
export type CosinePlanName = "auto" | CosineStrategy;

/** The planner's estimate for one strategy. */
export interface PlanEstimate {
  readonly strategy: CosineStrategy;
  /** Multiply-adds the kernel will report (scattered for "scatter", SIMD for the others). */
  readonly multiplyAdds: number;
  /** Pairs checked one by one (tile kernels). */
  readonly checks: number;
  /** Estimated seconds on one core, C's construction included when it is not given. */
  readonly seconds: number;
  /** WebAssembly memory for one thread, bytes. */
  readonly bytes: number;
  /** Why the strategy cannot run here (missing A or C, memory), or undefined. */
  readonly infeasible?: string;
}

/** One block of rows and what ran there. */
export interface PlanBlock {
  readonly strategy: CosineStrategy;
  /** Products `from ≤ p < to` whose pairs (p, q > p) this block computed. */
  readonly from: number;
  readonly to: number;
  readonly estimatedMultiplyAdds: number;
  readonly multiplyAdds: number;
  readonly seconds: number;
}

/**
 * The plan of one `cosineTopK`/`cosineTopKFromOrders` call: what was estimated, what was chosen,
 * what it cost. `seconds` is the wall time of the top-k itself; `cooccurrenceSeconds` the time
 * spent building C when the call had to (undefined when C was given or not needed).
 */
export interface CosinePlanReport {
  readonly requested: CosinePlanName;
  readonly strategy: CosineStrategy;
  readonly kernel: "wasm" | "js";
  readonly threads: number;
  readonly reason: string;
  readonly estimates: readonly PlanEstimate[];
  readonly blocks: readonly PlanBlock[];
  readonly estimatedMultiplyAdds: number;
  readonly multiplyAdds: number;
  readonly seconds: number;
  /** Busy seconds of each thread (how even the split was). */
  readonly threadSeconds: readonly number[];
  readonly cooccurrenceSeconds?: number;
  /** nnz(C) when C was given or built. */
  readonly nnzC?: number;
}
