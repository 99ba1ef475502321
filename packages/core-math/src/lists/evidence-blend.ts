import { CoreMathError } from "../errors.js";
import type { CsrMatrix, TopKResult } from "../types.js";
import { type BlendedLists, popularityRanking } from "./blend.js";

interface Pick {
  q: number;
  chance: number;
  order: number;
  score: number;
  support: number;
  reason: number;
}

const byChance = (x: Pick, y: Pick) => y.chance - x.chance || x.order - y.order;

/** Options of {@link blendByEvidence}. */
export interface EvidenceBlendOptions {
  /**
   * Prior strength α, in orders: how much evidence a similar item needs to keep its slot. 0 keeps
   * every similar item whose co-purchase rate beats a best seller's share; larger α gives the slots
   * of products with few orders (and pairs seen rarely) to best sellers; Infinity ranks by popularity.
   */
  prior: number;
  /** The first this many similar items always keep a slot, whatever their evidence (default 0). */
  keepSimilar?: number;
  /**
   * Category of each product (-1: none). When given, the kept similar items are the first ones of
   * the product's own category (then the others), so the list leads with a same-category item.
   */
  categoryOf?: ArrayLike<number>;
  /**
   * The training orders (orders × products). When given, a best seller's chance is its own pair rate
   * with the product, shrunk the same way, instead of its overall share.
   */
  trainOrders?: CsrMatrix;
  /** Orders holding each product (the training popularity n_q). */
  popularity: Float64Array;
  /** Orders the popularity was counted on (N). */
  orders: number;
}

/**
 * Similarity lists that give slots to best sellers where the evidence behind them is weak. For a
 * product p bought in n_p orders, a similar item q seen with it in c orders (its `support`) is
 * expected in an order holding p with chance (c + α·π_q) / (n_p + α), π_q = n_q / N (the pair rate
 * shrunk towards q's overall share); a best seller q not in p's list with chance π_q, or — given the
 * training orders — by the same shrunk rate of its own pair count with p. The list is the
 * k best of p's similar items and the k + 1 best sellers by that chance (ties: similar first, then
 * the similar list's order, then popularity), the first `keepSimilar` similar items (of the product's
 * category first, given `categoryOf`) always kept, in front (so the product's most specific item
 * stays first), the rest in order of that chance. Few orders or rare pairs → best sellers; strong pairs →
 * the similar items. Reasons: "similar" for list items, "popular" for best sellers (REASONS 0 and 2);
 * an item in both keeps "similar" and its score.
 *
 * @example
 * ```ts
 * const mixed = blendByEvidence(llrLists, { prior: 10, popularity, orders: N });
 * ```
 */
// O(P · k log k) with 2k + 1 candidates per product; O(P log P) for the ranking
export function blendByEvidence(similar: TopKResult, options: EvidenceBlendOptions): BlendedLists {
  const { prior, popularity, orders } = options;
  if (!(prior >= 0)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `evidence prior must be ≥ 0 (got ${prior})`);
  }
  if (!(orders > 0)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `orders must be > 0 (got ${orders})`);
  }
  const P = similar.products;
  const k = similar.k;
  const keep = options.keepSimilar ?? 0;
  if (!(Number.isInteger(keep) && keep >= 0)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `keepSimilar must be an integer ≥ 0 (got ${keep})`);
  }
  const best = popularityRanking(popularity).subarray(0, k + 1);
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const reasons = new Uint8Array(P * k);
  const pick: Pick[] = [];
  const listed = new Set<number>();
  const share = (q: number) => popularity[q]! / orders;
  const bestPairs = options.trainOrders ? pairCountsWith(options.trainOrders, best, P) : undefined;
  // α = ∞ is the popularity limit of the shrunk rate.
  const shrunk = (q: number, c: number, np: number) =>
    prior === Number.POSITIVE_INFINITY ? share(q) : (c + prior * share(q)) / (np + prior || 1);
  for (let p = 0; p < P; p++) {
    const base = p * k;
    pick.length = 0;
    listed.clear();
    const np = popularity[p]!;
    const simLen = similar.length[p]!;
    const cat = options.categoryOf ? options.categoryOf[p]! : -1;
    // Same-category similar items first when a category is given (kept slots take pick's head).
    const order = Array.from({ length: simLen }, (_, r) => r);
    if (cat >= 0) {
      const own = (r: number) => (options.categoryOf![similar.ids[base + r]!] === cat ? 0 : 1);
      order.sort((x, y) => own(x) - own(y) || x - y);
    }
    for (const r of order) {
      const q = similar.ids[base + r]!;
      const c = similar.support[base + r]!;
      const chance = shrunk(q, c, np);
      listed.add(q);
      pick.push({ q, chance, order: r, score: similar.scores[base + r]!, support: c, reason: 0 });
    }
    for (let j = 0; j < best.length; j++) {
      const q = best[j]!;
      if (q === p || listed.has(q)) continue;
      const chance = bestPairs ? shrunk(q, bestPairs[p * best.length + j]!, np) : share(q);
      pick.push({ q, chance, order: k + j, score: 0, support: 0, reason: 2 });
    }
    // Kept similar items lead (the product's most specific item stays first), then the rest by chance.
    const kept = Math.min(keep, simLen, k);
    const rest = pick.slice(kept).sort(byChance);
    const chosen = pick.slice(0, kept).concat(rest.slice(0, k - kept).sort(byChance));
    const len = chosen.length;
    for (let i = 0; i < len; i++) {
      const e = chosen[i]!;
      ids[base + i] = e.q;
      scores[base + i] = e.score;
      support[base + i] = e.support;
      reasons[base + i] = e.reason;
    }
    length[p] = len;
  }
  return { products: P, k, length, ids, scores, support, multiplyAdds: similar.multiplyAdds, reasons };
}

/** Orders holding both p and each of `targets`: row p, column j = |orders ∋ p, targets[j]|. */
// O(Σ_o |o| · |targets in o|) with a P × |targets| table
function pairCountsWith(a: CsrMatrix, targets: Uint32Array, products: number): Float64Array {
  const T = targets.length;
  const column = new Int32Array(products).fill(-1);
  for (let j = 0; j < T; j++) column[targets[j]!] = j;
  const counts = new Float64Array(products * T);
  const inOrder: number[] = [];
  for (let o = 0; o < a.rows; o++) {
    const start = Number(a.rowPtr[o]);
    const end = Number(a.rowPtr[o + 1]);
    inOrder.length = 0;
    for (let i = start; i < end; i++)
      if (a.values[i] !== 0 && column[a.colIdx[i]!]! >= 0) inOrder.push(column[a.colIdx[i]!]!);
    if (inOrder.length === 0) continue;
    for (let i = start; i < end; i++) {
      const p = a.colIdx[i]!;
      if (a.values[i] === 0) continue;
      for (const j of inOrder) if (targets[j] !== p) counts[p * T + j]!++;
    }
  }
  return counts;
}
