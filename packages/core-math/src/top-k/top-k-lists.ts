import { DEFAULT_K, kProblem } from "@cobuy/contracts";
import { CoreMathError } from "../errors.js";
import type { TopKLists } from "../types.js";

/**
 * Empty top-k lists for `products` products (all typed arrays, `products × k` slots).
 *
 * @example
 * ```ts
 * const lists = createTopKLists(1000, 10);
 * offerTopK(lists, 0, 42, 0.93, 12); // product 0: candidate 42, score 0.93, support 12
 * ```
 */
// O(products · k) memory
export function createTopKLists(products: number, k: number): TopKLists {
  checkK(k);
  const slots = products * k;
  return {
    products,
    k,
    length: new Uint16Array(products),
    ids: new Uint32Array(slots),
    scores: new Float64Array(slots),
    support: new Float64Array(slots),
  };
}

/**
 * `k`, or the default list length when undefined; throws `COBUY_MATH_BAD_OPTION` unless it follows
 * the contracts' rule (an integer from 1 to `MAX_K`).
 *
 * @example
 * ```ts
 * const k = checkK(options.k); // 5 when not given
 * ```
 */
export function checkK(k: number | undefined): number {
  const value = k ?? DEFAULT_K;
  const problem = kProblem(value);
  if (problem !== undefined) throw new CoreMathError("COBUY_MATH_BAD_OPTION", problem);
  return value;
}

/**
 * True when `(id, score)` would enter product `p`'s list: the list has room, or the candidate
 * beats its last item (score descending, then id ascending). Does not check `minScore`.
 *
 * @example
 * ```ts
 * if (acceptsTopK(lists, p, q, s)) offerTopK(lists, p, q, s, lookUpSupport(p, q));
 * ```
 */
// O(1)
export function acceptsTopK(lists: TopKLists, p: number, id: number, score: number): boolean {
  const len = lists.length[p]!;
  const k = lists.k;
  if (len < k) return true;
  const last = p * k + k - 1;
  const s = lists.scores[last]!;
  return score > s || (score === s && id < lists.ids[last]!);
}

/**
 * Offers a candidate to product `p`'s list, kept best first (score descending, then id
 * ascending, whatever order candidates arrive in). Returns whether it entered. The same id must
 * not be offered twice to one list.
 *
 * @example
 * ```ts
 * const lists = createTopKLists(3, 2);
 * offerTopK(lists, 0, 2, 0.5, 1);
 * offerTopK(lists, 0, 1, 0.5, 3); // tie: id 1 goes first
 * // lists.ids.subarray(0, lists.length[0]) → [1, 2]
 * ```
 */
// O(k) moves per accepted candidate, O(1) per rejected one
export function offerTopK(lists: TopKLists, p: number, id: number, score: number, support: number): boolean {
  const k = lists.k;
  const base = p * k;
  const { ids, scores, length } = lists;
  const len = length[p]!;
  let at: number;
  if (len < k) {
    at = base + len;
    length[p] = len + 1;
  } else {
    at = base + k - 1;
    const s = scores[at]!;
    if (!(score > s || (score === s && id < ids[at]!))) return false;
  }
  const sup = lists.support;
  while (at > base) {
    const s = scores[at - 1]!;
    if (!(score > s || (score === s && id < ids[at - 1]!))) break;
    scores[at] = s;
    ids[at] = ids[at - 1]!;
    sup[at] = sup[at - 1]!;
    at--;
  }
  scores[at] = score;
  ids[at] = id;
  sup[at] = support;
  return true;
}

/**
 * Offers every item of `source` to `target` (same products and k): the union's top-k, e.g. to
 * merge the lists kept by several workers over disjoint candidate pairs.
 *
 * @example
 * ```ts
 * mergeTopKLists(total, perWorker[1]);
 * ```
 */
// O(products · k²) worst case
export function mergeTopKLists(target: TopKLists, source: TopKLists): void {
  if (target.products !== source.products || target.k !== source.k) {
    throw new CoreMathError(
      "COBUY_MATH_BAD_INPUT",
      `cannot merge top-k lists of ${source.products}×${source.k} into ${target.products}×${target.k}`,
    );
  }
  const k = source.k;
  for (let p = 0; p < source.products; p++) {
    const base = p * k;
    const n = source.length[p]!;
    for (let i = base; i < base + n; i++) {
      if (!offerTopK(target, p, source.ids[i]!, source.scores[i]!, source.support[i]!)) break;
    }
  }
}

/**
 * Top-k of one dense score row: indices `from ≤ q < to` with `scores[q] > minScore` (and
 * `eligible[q]` when given), best first, ties by index ascending.
 *
 * @example
 * ```ts
 * const { ids, scores } = selectTopK(Float64Array.of(0.1, 0.9, 0.9, 0), 2);
 * // ids → [1, 2], scores → [0.9, 0.9]
 * ```
 */
// O(n + accepted · k) with n = to - from; scratch O(k)
export function selectTopK(
  scores: Float64Array,
  k: number,
  options: { minScore?: number; from?: number; to?: number; eligible?: Uint8Array } = {},
): { ids: Uint32Array; scores: Float64Array } {
  const lists = createTopKLists(1, k);
  const minScore = options.minScore ?? 0;
  const to = options.to ?? scores.length;
  const eligible = options.eligible;
  for (let q = options.from ?? 0; q < to; q++) {
    const s = scores[q]!;
    if (s > minScore && (eligible === undefined || eligible[q]) && acceptsTopK(lists, 0, q, s)) {
      offerTopK(lists, 0, q, s, 0);
    }
  }
  const n = lists.length[0]!;
  return { ids: lists.ids.slice(0, n), scores: lists.scores.slice(0, n) };
}
