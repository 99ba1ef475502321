import type { RUN_DIFF_FORMAT } from "./formats.js";

/** Five-number summary of a per-product figure over the products both runs hold (all 0 when none). */
export interface DiffDistribution {
  mean: number;
  min: number;
  p10: number;
  p50: number;
  p90: number;
  max: number;
}

/** A product whose list changed most (lowest rank-biased overlap first). */
export interface ChangedProduct {
  id: string;
  overlap: number;
  rbo: number;
  /** First item of each list, `null` for an empty list. */
  top1Before: string | null;
  top1After: string | null;
}

/** A figure both runs have, and how it moved (`delta = after - before`). */
export interface MetricDelta {
  before: number;
  after: number;
  delta: number;
}

/** One side of a diff. */
export interface DiffSide {
  runId: string;
  /** Products with a list (every product of the input). */
  products: number;
  /** `counts.orders` of the run, when known. */
  orders?: number;
}

/**
 * How the lists of run `after` differ from those of run `before`, format {@link RUN_DIFF_FORMAT}.
 * Per-product figures compare the two top-`k` lists of the products both runs hold.
 *
 * @example
 * ```ts
 * const diff: RunDiff = JSON.parse(text);
 * console.log(`${diff.after.runId}: top-1 changed for ${(diff.top1Churn * 100).toFixed(1)} %`);
 * ```
 */
export interface RunDiff {
  format: typeof RUN_DIFF_FORMAT;
  before: DiffSide;
  after: DiffSide;
  /** List depth compared. */
  k: number;
  /** Persistence of rank-biased overlap (weight of rank d is proportional to p^(d-1)). */
  rboP: number;
  products: {
    common: number;
    added: number;
    dropped: number;
    /** `after.products / before.products` (1 when both are empty, 0 when only `before` is). */
    ratio: number;
    /** Up to 20 ids each, sorted. */
    addedExamples: string[];
    droppedExamples: string[];
  };
  /** `after.orders / before.orders`, when both runs know their orders. */
  ordersRatio?: number;
  /** |top-k ∩ top-k| / max(list lengths) per common product (1 when both lists are empty). */
  overlap: DiffDistribution;
  /** Extrapolated rank-biased overlap per common product. */
  rbo: DiffDistribution;
  /**
   * Share of the common products with a non-empty list on either side whose first item changed
   * (1 when the runs share no product but `before` had some: nothing carried over).
   */
  top1Churn: number;
  /** Mean |score after − score before| over the items a product's two lists share. */
  scoreDrift: DiffDistribution;
  mostChanged: ChangedProduct[];
  /** The classic metric (validation share) and evaluation metrics, when both runs have them. */
  metrics: Record<string, MetricDelta>;
}
