import type { RunDiff } from "@cobuy/contracts";
import { PipelineError } from "../errors.js";

/**
 * The limits a new run must meet against the active one before it replaces it. Each is a share in
 * [0, 1] (ratios may exceed 1).
 */
export interface GuardLimits {
  /** Highest share of common products whose top-1 recommendation changed. */
  readonly maxChurn: number;
  /** Lowest mean overlap@k of the common products' lists. */
  readonly minOverlap: number;
  /** Lowest `after.products / before.products`. */
  readonly minProductsRatio: number;
  /** Lowest `after.orders / before.orders` (skipped when a run does not know its orders). */
  readonly minOrdersRatio: number;
}

/**
 * Defaults measured with `pnpm guard-churn` (docs/guard.md has the table): `cobuy build --k 10`
 * (and --k 5) on groceries and instacart, classic and llr, each rebuilt on 95 % and 90 % of the
 * orders (five seeds each) and compared with the build on all of them. Those ordinary days reached
 * at worst top-1 churn 0.343, mean overlap 0.811 at k 10 (0.743 at k 5), products ratio 0.962 and
 * orders ratio 0.896; the bad days (half the orders, product and category columns swapped, the
 * first 200 lines) at best churn 0.506 and overlap 0.611 (0.572 at k 5). Each limit sits about 0.1
 * beyond the worst ordinary day (overlap: between the ordinary and bad days of both depths), so a
 * day that loses 20 % of its orders is at the edge; churn alone refuses every bad day and each bad
 * day fails at least two checks, so a run that does not know its orders is guarded too. 90 % is a
 * pessimistic day: a nightly export over a history window changes far less from one day to the next.
 */
export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  maxChurn: 0.45,
  minOverlap: 0.65,
  minProductsRatio: 0.85,
  minOrdersRatio: 0.8,
};

/** One failed check: which, the measured value, the limit and the flag that sets it. */
export interface GuardFailure {
  readonly check: "max-churn" | "min-overlap" | "min-products-ratio" | "min-orders-ratio";
  readonly value: number;
  readonly limit: number;
  /** e.g. "top-1 churn 0.62 is above --max-churn 0.35". */
  readonly message: string;
}

/** The guard's decision. */
export interface GuardVerdict {
  readonly passed: boolean;
  /** Worst first: by how far past its limit, relative to the limit. */
  readonly failures: readonly GuardFailure[];
}

/**
 * Checks a diff (active run → new run) against the limits. Pure.
 * @example
 * const verdict = checkGuard(diffRuns(active, next), { ...DEFAULT_GUARD_LIMITS, maxChurn: 0.5 });
 * if (!verdict.passed) console.log(verdict.failures[0]?.message);
 */
export function checkGuard(diff: RunDiff, limits: GuardLimits = DEFAULT_GUARD_LIMITS): GuardVerdict {
  for (const [name, v] of Object.entries(limits)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
      throw new PipelineError("COBUY_PIPELINE_OPTION", `guard limit ${name} must be a number ≥ 0, got ${v}`);
  }
  const failures: (GuardFailure & { excess: number })[] = [];
  const above = (check: GuardFailure["check"], what: string, value: number, limit: number) => {
    if (value > limit)
      failures.push({
        check,
        value,
        limit,
        excess: (value - limit) / Math.max(limit, 1e-9),
        message: `${what} ${fmt(value)} is above --${check} ${fmt(limit)}`,
      });
  };
  const below = (check: GuardFailure["check"], what: string, value: number, limit: number) => {
    if (value < limit)
      failures.push({
        check,
        value,
        limit,
        excess: (limit - value) / Math.max(limit, 1e-9),
        message: `${what} ${fmt(value)} is below --${check} ${fmt(limit)}`,
      });
  };
  below("min-products-ratio", "products ratio", diff.products.ratio, limits.minProductsRatio);
  if (diff.ordersRatio !== undefined)
    below("min-orders-ratio", "orders ratio", diff.ordersRatio, limits.minOrdersRatio);
  above("max-churn", "top-1 churn", diff.top1Churn, limits.maxChurn);
  // Lists of products the runs do not share cannot overlap: with none in common, churn says it.
  if (diff.products.common > 0) below("min-overlap", "mean overlap@k", diff.overlap.mean, limits.minOverlap);
  failures.sort((a, b) => b.excess - a.excess);
  return { passed: failures.length === 0, failures: failures.map(({ excess: _, ...f }) => f) };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : String(v);
}
