import { resolveLists } from "../cosine/options.js";
import { productSupport } from "../sparse/incidence.js";
import type { CosineStrategy, CsrMatrix, PlanEstimate, TopKOptions } from "../types.js";
import { checkIncidenceOnce, transposeOnce } from "./orders-once.js";
import { checkPlanOptions, choosePlan, orderSideInfeasible } from "./plan.js";

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
 * caller build C in a stage of its own only when the plan reads it. `needsC` is known without the
 * estimates when order-side cannot run or another plan is forced; `strategy`, `reason` and
 * `estimates` are then worked out only when read.
 *
 * @example
 * ```ts
 * const planned = planFromOrders(a, { k: 10 });
 * const top = planned.needsC
 *   ? await cosineTopK(cooccurrence(a), productSupport(a), { k: 10, incidence: a, plan: "auto" })
 *   : await cosineTopKFromOrders(a, { k: 10 });
 * ```
 */
// O(orders + products + nnz(A)) (a transpose, kept for the cosineTopK* call that follows); + the
// planner's sampled estimates when needsC depends on them or the plan is read
export function planFromOrders(a: CsrMatrix, options: Omit<TopKOptions, "incidence"> = {}): PlannedCosine {
  const P = a.cols;
  checkIncidenceOnce(a, P);
  const r = resolveLists(P, productSupport(a), options);
  let choice: ReturnType<typeof choosePlan> | undefined;
  const choose = () => {
    choice ??= choosePlan(
      { products: P, eligible: r.eligible, k: r.k, a, at: transposeOnce(a) },
      options.plan,
      options.threads,
    );
    return choice;
  };
  const requested = checkPlanOptions(options.plan, options.threads);
  // The sampled scatter estimate through A costs about as much as building C at gen-sales M; it
  // only matters when order-side is a candidate.
  const known =
    requested === "scatter" || requested === "dense" || (requested === "auto" && orderSideInfeasible(a));
  const needsC = known ? true : choose().estimate.strategy !== "order-side";
  return {
    needsC,
    get strategy() {
      return choose().estimate.strategy;
    },
    get reason() {
      return choose().reason;
    },
    get estimates() {
      return choose().estimates;
    },
  };
}
