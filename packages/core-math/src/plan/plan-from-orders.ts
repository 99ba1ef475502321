import { resolveLists } from "../cosine/options.js";
import { productSupport } from "../sparse/incidence.js";
import type { CosineStrategy, CsrMatrix, PlanEstimate, TopKOptions } from "../types.js";
import { checkIncidenceOnce, transposeOnce } from "./orders-once.js";
import { choosePlan } from "./plan.js";

/** What {@link planFromOrders} would run, before anything is computed. */
export interface PlannedCosine {
  readonly strategy: CosineStrategy;
  /** False for "order-side": that plan never reads C, so the caller need not build it. */
  readonly needsC: boolean;
  readonly reason: string;
  readonly estimates: readonly PlanEstimate[];
}

/**
 * The plan `cosineTopKFromOrders(a, options)` would choose, from the counts of A alone: lets a
 * caller build C in a stage of its own only when the plan reads it.
 *
 * @example
 * ```ts
 * const planned = planFromOrders(a, { k: 10 });
 * const top = planned.needsC
 *   ? await cosineTopK(cooccurrence(a), productSupport(a), { k: 10, incidence: a, plan: "auto" })
 *   : await cosineTopKFromOrders(a, { k: 10 });
 * ```
 */
// O(orders + products + nnz(A)) (a transpose, kept for the cosineTopK* call that follows, and the planner's sampled estimates)
export function planFromOrders(a: CsrMatrix, options: Omit<TopKOptions, "incidence"> = {}): PlannedCosine {
  const P = a.cols;
  checkIncidenceOnce(a, P);
  const r = resolveLists(P, productSupport(a), options);
  const choice = choosePlan(
    { products: P, eligible: r.eligible, k: r.k, a, at: transposeOnce(a) },
    options.plan,
    options.threads,
  );
  const strategy = choice.estimate.strategy;
  return { strategy, needsC: strategy !== "order-side", reason: choice.reason, estimates: choice.estimates };
}
