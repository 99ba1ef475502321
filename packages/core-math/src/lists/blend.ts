import { CoreMathError } from "../errors.js";
import type { TopKResult } from "../types.js";

/** Why an item is in a blended list: similar, a best seller of the product's category, or overall. */
export type Reason = "similar" | "popular-in-category" | "popular";

/**
 * The reasons by index: `BlendedLists.reasons[i]` is an index into this list.
 *
 * @example
 * ```ts
 * REASONS[blended.reasons[p * blended.k]!]; // "similar" for a list that starts with a similar item
 * ```
 */
export const REASONS: readonly Reason[] = ["similar", "popular-in-category", "popular"];

/** Top-k lists (the core-math layout) with each item's reason as an index into {@link REASONS}. */
export interface BlendedLists extends TopKResult {
  readonly reasons: Uint8Array;
}

/**
 * Products by popularity: `popularity` descending, then index ascending; only products with a
 * popularity above 0 (`among`: only those indices).
 *
 * @example
 * ```ts
 * popularityRanking(Float64Array.of(2, 0, 5)); // Uint32Array [2, 0]
 * ```
 */
// O(P log P)
export function popularityRanking(popularity: Float64Array, among?: ArrayLike<number>): Uint32Array {
  const pool: number[] = [];
  if (among) {
    for (let i = 0; i < among.length; i++) if (popularity[among[i]!]! > 0) pool.push(among[i]!);
  } else {
    for (let p = 0; p < popularity.length; p++) if (popularity[p]! > 0) pool.push(p);
  }
  pool.sort((x, y) => popularity[y]! - popularity[x]! || x - y);
  return Uint32Array.from(pool);
}

/**
 * Similarity lists mixed with the category's popular products, for product pages:
 * the first `k - round(weight × k)` similar items, then the most popular products of the product's
 * category not yet listed, then (while short) the remaining similar items, then the most popular
 * products overall. `weight` 0 only tops up short lists; 1 is a pure category-popularity list.
 * A product with no category gets overall popularity. Every item keeps its reason.
 *
 * @example
 * ```ts
 * const mixed = blendPopular(similar, { weight: 0.4, popularity, categoryOf });
 * ```
 */
// O(P · k) with a set of at most k + 1 ids per product; O(P log P) for the ranking
export function blendPopular(
  similar: TopKResult,
  options: { weight: number; popularity: Float64Array; categoryOf: ArrayLike<number> },
): BlendedLists {
  const { weight, popularity, categoryOf } = options;
  if (!(weight >= 0 && weight <= 1)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `blend weight must be from 0 to 1 (got ${weight})`);
  }
  const P = similar.products;
  const k = similar.k;
  const global = popularityRanking(popularity);
  const byCategory = new Map<number, number[]>();
  for (const p of global) {
    const c = categoryOf[p]!;
    if (c < 0) continue;
    let list = byCategory.get(c);
    if (!list) byCategory.set(c, (list = []));
    list.push(p);
  }
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const reasons = new Uint8Array(P * k);
  const taken = new Set<number>();
  const similarSlots = k - Math.round(weight * k);
  for (let p = 0; p < P; p++) {
    const base = p * k;
    taken.clear();
    taken.add(p);
    let len = 0;
    const simLen = similar.length[p]!;
    let s = 0;
    for (; s < simLen && len < similarSlots; s++) {
      const q = similar.ids[base + s]!;
      taken.add(q);
      ids[base + len] = q;
      scores[base + len] = similar.scores[base + s]!;
      support[base + len] = similar.support[base + s]!;
      reasons[base + len++] = 0;
    }
    const c = categoryOf[p]!;
    const pools: Array<[ArrayLike<number>, number]> = [];
    if (c >= 0) pools.push([byCategory.get(c) ?? [], 1]);
    pools.push([similar.ids.subarray(base + s, base + simLen), 0], [global, 2]);
    for (const [pool, reason] of pools) {
      for (let j = 0; j < pool.length && len < k; j++) {
        const q = pool[j]!;
        if (taken.has(q)) continue;
        taken.add(q);
        ids[base + len] = q;
        if (reason === 0) {
          scores[base + len] = similar.scores[base + s + j]!;
          support[base + len] = similar.support[base + s + j]!;
        } else {
          scores[base + len] = 0;
          support[base + len] = 0;
        }
        reasons[base + len++] = reason;
      }
    }
    length[p] = len;
  }
  return { products: P, k, length, ids, scores, support, multiplyAdds: similar.multiplyAdds, reasons };
}
