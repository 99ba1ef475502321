import type { CsrMatrix, TopKResult } from "@cobuy/core-math";

/** Why an item is in a list. */
export type Reason = "similar" | "popular-in-category" | "popular";
export const REASONS: readonly Reason[] = ["similar", "popular-in-category", "popular"];

/** Top-k lists (the core-math layout) with each item's reason as an index into {@link REASONS}. */
export interface RecLists extends TopKResult {
  readonly reasons: Uint8Array;
}

/** The rows `orders` of A (ascending), in the same product space. */
export function selectOrders(a: CsrMatrix, orders: Uint32Array): CsrMatrix {
  let nnz = 0;
  for (const o of orders) nnz += Number(a.rowPtr[o + 1]) - Number(a.rowPtr[o]);
  const rowPtr = new Uint32Array(orders.length + 1);
  const colIdx = new Uint32Array(nnz);
  const values = new Float64Array(nnz);
  let at = 0;
  orders.forEach((o, r) => {
    for (let i = Number(a.rowPtr[o]); i < Number(a.rowPtr[o + 1]); i++) {
      colIdx[at] = a.colIdx[i]!;
      values[at++] = a.values[i]!;
    }
    rowPtr[r + 1] = at;
  });
  return { rows: orders.length, cols: a.cols, rowPtr, colIdx, values };
}

/** Orders holding each product (binary), over the rows of `a`. */
export function productOrderCounts(a: CsrMatrix): Float64Array {
  const n = new Float64Array(a.cols);
  for (let i = 0; i < a.colIdx.length; i++) if (a.values[i] !== 0) n[a.colIdx[i]!]!++;
  return n;
}

/** Products by popularity: orders holding them descending, then index ascending; only bought ones. */
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

/** Wraps similarity lists: every item's reason is "similar". */
export function similarLists(top: TopKResult): RecLists {
  return { ...top, reasons: new Uint8Array(top.ids.length) };
}

/**
 * The baseline: the same list of the k most popular products for everyone (minus the product
 * itself). Scores are the training popularity (orders holding the item).
 */
export function popularLists(popularity: Float64Array, k: number): RecLists {
  const P = popularity.length;
  const rank = popularityRanking(popularity).subarray(0, k + 1);
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  for (let p = 0; p < P; p++) {
    let len = 0;
    for (let j = 0; j < rank.length && len < k; j++) {
      const q = rank[j]!;
      if (q === p) continue;
      ids[p * k + len] = q;
      scores[p * k + len++] = popularity[q]!;
    }
    length[p] = len;
  }
  return {
    products: P,
    k,
    length,
    ids,
    scores,
    support: new Float64Array(P * k),
    multiplyAdds: 0,
    reasons: new Uint8Array(P * k).fill(2),
  };
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
export function blendPopular(
  similar: TopKResult,
  options: { weight: number; popularity: Float64Array; categoryOf: ArrayLike<number> },
): RecLists {
  const { weight, popularity, categoryOf } = options;
  if (!(weight >= 0 && weight <= 1)) throw new RangeError(`blend weight must be from 0 to 1 (got ${weight})`);
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
