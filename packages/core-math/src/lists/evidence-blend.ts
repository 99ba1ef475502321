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
  /**
   * Share of the catalog (products with a popularity above 0) the lists must recommend, from 0 to 1
   * (default 0: no requirement). Where the lists fall short, uncovered similar items take the slots
   * where they cost the fewest expected co-purchases (see {@link blendByEvidence}).
   */
  minCoverage?: number;
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
 * With `minCoverage`, while fewer than ⌈minCoverage × catalog⌉ products are recommended anywhere, the
 * blend swaps in the uncovered similar item q of a product p whose slot costs the fewest expected
 * co-purchases: n_p × (chance of the item it displaces − chance of q), where the displaced item is
 * p's least likely one not kept and listed elsewhere too (so coverage never drops; a short list
 * takes q in a free slot). A catalog-wide requirement spends the slots of products where a similar
 * item is nearly as likely as a best seller (rare products, strong pairs), not a fixed share of every
 * list — a per-product `keepSimilar` pays for coverage on best sellers' own pages too.
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
  const minCoverage = options.minCoverage ?? 0;
  if (!(minCoverage >= 0 && minCoverage <= 1)) {
    throw new CoreMathError("COBUY_MATH_BAD_OPTION", `minCoverage must be from 0 to 1 (got ${minCoverage})`);
  }
  const best = popularityRanking(popularity).subarray(0, k + 1);
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const reasons = new Uint8Array(P * k);
  // Per slot: the chance and tie order of the item, for coverage swaps; kept slots per product.
  const chances = new Float64Array(P * k);
  const orderOf = new Int32Array(P * k);
  const keptOf = new Uint16Array(P);
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
      chances[base + i] = e.chance;
      orderOf[base + i] = e.order;
    }
    length[p] = len;
    keptOf[p] = kept;
  }
  const lists = { products: P, k, length, ids, scores, support, reasons, chances, orderOf, keptOf };
  if (minCoverage > 0) coverCatalog(lists, similar, popularity, minCoverage, shrunk);
  return { products: P, k, length, ids, scores, support, multiplyAdds: similar.multiplyAdds, reasons };
}

interface SlotLists {
  products: number;
  k: number;
  length: Uint16Array;
  ids: Uint32Array;
  scores: Float64Array;
  support: Float64Array;
  reasons: Uint8Array;
  chances: Float64Array;
  orderOf: Int32Array;
  keptOf: Uint16Array;
}

/**
 * The coverage swaps of {@link blendByEvidence} (`minCoverage`), in place: greedy by cost, each
 * candidate (p, rank r of p's similar list) re-costed when it comes up (costs only rise as slots are
 * spent, so the first candidate whose cost still holds is the cheapest: the exact greedy order).
 */
// O((P k + swaps) log(P k)) with a binary heap over the P·k candidates
function coverCatalog(
  lists: SlotLists,
  similar: TopKResult,
  popularity: Float64Array,
  minCoverage: number,
  shrunk: (q: number, c: number, np: number) => number,
): void {
  const { products: P, k, length, ids, chances, keptOf } = lists;
  const listedIn = new Uint32Array(P);
  let catalog = 0;
  for (let p = 0; p < P; p++) if (popularity[p]! > 0) catalog++;
  let covered = 0;
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < length[p]!; i++) {
      const q = ids[p * k + i]!;
      if (listedIn[q] === 0 && popularity[q]! > 0) covered++;
      listedIn[q] = listedIn[q]! + 1;
    }
  }
  const need = Math.ceil(minCoverage * catalog);
  if (covered >= need) return;
  // The slot of p a new item would take: a free one (-1 - slot), else the least likely item not kept
  // and listed elsewhere (ties: the later slot), else none (P·k: no slot).
  const slotFor = (p: number): number => {
    if (length[p]! < k) return -1 - length[p]!;
    let slot = P * k;
    for (let i = keptOf[p]!; i < length[p]!; i++) {
      if (listedIn[ids[p * k + i]!]! < 2) continue;
      if (slot === P * k || chances[p * k + i]! <= chances[p * k + slot]!) slot = i;
    }
    return slot;
  };
  const costOf = (p: number, r: number): number => {
    const slot = slotFor(p);
    if (slot === P * k) return Number.POSITIVE_INFINITY;
    const np = popularity[p]!;
    const gain = np * shrunk(similar.ids[p * k + r]!, similar.support[p * k + r]!, np);
    return (slot < 0 ? 0 : np * chances[p * k + slot]!) - gain;
  };
  const cost = new Float64Array(P * k);
  const heap = new Uint32Array(P * k);
  let size = 0;
  // Candidate c = p·k + r; ties in cost go to the smaller c (product, then rank).
  const before = (x: number, y: number) => cost[x]! < cost[y]! || (cost[x] === cost[y] && x < y);
  const siftUp = (at: number) => {
    const c = heap[at]!;
    while (at > 0) {
      const up = (at - 1) >> 1;
      if (!before(c, heap[up]!)) break;
      heap[at] = heap[up]!;
      at = up;
    }
    heap[at] = c;
  };
  const siftDown = (at: number) => {
    const c = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && before(heap[child + 1]!, heap[child]!)) child++;
      if (!before(heap[child]!, c)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = c;
  };
  for (let p = 0; p < P; p++) {
    if (!(popularity[p]! > 0)) continue;
    for (let r = 0; r < similar.length[p]!; r++) {
      if (listedIn[similar.ids[p * k + r]!]! > 0) continue;
      const c = p * k + r;
      cost[c] = costOf(p, r);
      if (cost[c] === Number.POSITIVE_INFINITY) continue;
      heap[size++] = c;
      siftUp(size - 1);
    }
  }
  while (covered < need && size > 0) {
    const c = heap[0]!;
    const p = Math.floor(c / k);
    const r = c - p * k;
    const q = similar.ids[c]!;
    if (listedIn[q]! > 0) {
      heap[0] = heap[--size]!;
      siftDown(0);
      continue;
    }
    const now = costOf(p, r);
    if (now > cost[c]!) {
      cost[c] = now;
      if (now === Number.POSITIVE_INFINITY) heap[0] = heap[--size]!;
      siftDown(0);
      continue;
    }
    heap[0] = heap[--size]!;
    siftDown(0);
    let slot = slotFor(p);
    if (slot < 0) {
      slot = length[p]!;
      length[p] = slot + 1;
    } else {
      const displaced = ids[p * k + slot]!;
      listedIn[displaced] = listedIn[displaced]! - 1;
    }
    const at = p * k + slot;
    ids[at] = q;
    lists.scores[at] = similar.scores[c]!;
    lists.support[at] = similar.support[c]!;
    lists.reasons[at] = 0;
    chances[at] = shrunk(q, similar.support[c]!, popularity[p]!);
    lists.orderOf[at] = r;
    listedIn[q] = 1;
    covered++;
    sortUnkept(lists, p);
  }
}

/** Re-sorts p's slots after the kept ones by chance (ties: tie order), as the blend lists them. */
function sortUnkept(lists: SlotLists, p: number): void {
  const { k } = lists;
  const from = p * k + lists.keptOf[p]!;
  const slots = Array.from({ length: p * k + lists.length[p]! - from }, (_, i) => from + i);
  const rows = slots.map((s) => ({
    q: lists.ids[s]!,
    chance: lists.chances[s]!,
    order: lists.orderOf[s]!,
    score: lists.scores[s]!,
    support: lists.support[s]!,
    reason: lists.reasons[s]!,
  }));
  rows.sort(byChance);
  rows.forEach((e, i) => {
    const s = from + i;
    lists.ids[s] = e.q;
    lists.chances[s] = e.chance;
    lists.orderOf[s] = e.order;
    lists.scores[s] = e.score;
    lists.support[s] = e.support;
    lists.reasons[s] = e.reason;
  });
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
