import { cosineTopK } from "../cosine/cosine-top-k.js";
import { CoreMathError } from "../errors.js";
import { checkK } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKOptions, TopKResult } from "../types.js";

/** Options of {@link classicTopK}: `cosineTopK`'s, whose `minPairSupport` filters inside the kernel. */
export type ClassicTopKOptions = TopKOptions;

/**
 * The first `k` items of each list among its first `depth` whose pair support (C[p][q], the lists'
 * `support`) is at least `minPairSupport`, and the products whose cut list may be missing items:
 * fewer than `k` kept although all `depth` places were filled (pairs below the cut were not seen).
 *
 * @example
 * ```ts
 * const { lists, short } = filterByPairSupport(deep, 80, 5, 2);
 * ```
 */
// O(products · depth); output O(products · k)
export function filterByPairSupport(
  top: TopKResult,
  depth: number,
  k: number,
  minPairSupport: number,
): { lists: TopKResult; short: Uint32Array } {
  if (depth > top.k) {
    throw new CoreMathError("COBUY_MATH_BAD_INPUT", `depth ${depth} is deeper than the lists (${top.k})`);
  }
  const P = top.products;
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const short: number[] = [];
  for (let p = 0; p < P; p++) {
    const seen = Math.min(top.length[p]!, depth);
    let len = 0;
    for (let r = 0; r < seen && len < k; r++) {
      const i = p * top.k + r;
      if (top.support[i]! < minPairSupport) continue;
      ids[p * k + len] = top.ids[i]!;
      scores[p * k + len] = top.scores[i]!;
      support[p * k + len++] = top.support[i]!;
    }
    length[p] = len;
    if (len < k && top.length[p]! >= depth) short.push(p);
  }
  return {
    lists: { products: P, k, length, ids, scores, support, multiplyAdds: top.multiplyAdds },
    short: Uint32Array.from(short),
  };
}

/**
 * The classic lists of one C for any `k` and minimum pair support, running `cosineTopK` only when
 * no kept run can serve the request: the minimum pair support is applied inside the kernel (exact
 * at depth k), and a run at support s₀ and depth d serves (k ≤ d, s ≥ s₀) when cutting it by s
 * leaves no list short (lists are a total order: score descending, then id ascending, so the
 * first k items with C[p][q] ≥ s among a complete or long enough list are the exact ones).
 * Evaluation builds one per split and asks it for every candidate.
 *
 * @example
 * ```ts
 * const classic = new ClassicLists(cooccurrence(a), productSupport(a), { threads: 2 });
 * const plain = await classic.topK(5, 1);
 * const filtered = await classic.topK(5, 3); // cut from the first run when that is exact, else one run at k = 5
 * ```
 */
export class ClassicLists {
  /** Kept runs by the support they were filtered at (≤ 1: none), the deepest of each. */
  private readonly kept = new Map<number, TopKResult>();
  private runs = 0;
  private readonly options: Omit<TopKOptions, "k" | "minPairSupport">;

  constructor(
    readonly c: CsrMatrix,
    readonly support: ArrayLike<number>,
    options: Omit<TopKOptions, "k" | "minPairSupport"> = {},
  ) {
    this.options = options;
  }

  /** Top-k with C[p][q] ≥ `minPairSupport` (scores stay the classic cosine), exact at any k. */
  async topK(k: number | undefined, minPairSupport = 1): Promise<TopKResult> {
    const kk = checkK(k);
    const s = Math.max(minPairSupport, 1);
    const same = this.kept.get(s);
    if (same !== undefined && same.k >= kk) {
      return same.k === kk ? same : filterByPairSupport(same, kk, kk, Number.NEGATIVE_INFINITY).lists;
    }
    // A run at a lower support holds every pair this one keeps, in the same order.
    for (const [s0, run] of this.kept) {
      if (s0 >= s || run.k < kk) continue;
      const { lists, short } = filterByPairSupport(run, run.k, kk, s);
      if (short.length === 0) return lists;
    }
    this.runs++;
    const run = await cosineTopK(this.c, this.support, { ...this.options, k: kk, minPairSupport: s });
    this.kept.set(s, run);
    return run;
  }

  /** `cosineTopK` runs so far (at most one per support and depth): what sharing across candidates saves. */
  get kernelRuns(): number {
    return this.runs;
  }
}

/**
 * The classic lists (exact cosine top-k of C's rows) with a minimum pair support: C[p][q] ≥ s
 * filters candidates inside the kernel while scores stay the classic cosine. It is `cosineTopK`
 * with `minPairSupport`; for several calls on one C, keep a {@link ClassicLists}.
 *
 * @example
 * ```ts
 * const top = await classicTopK(cooccurrence(a), productSupport(a), { k: 5, minPairSupport: 2 });
 * ```
 */
export async function classicTopK(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: ClassicTopKOptions = {},
): Promise<TopKResult> {
  return cosineTopK(c, support, { ...options, k: checkK(options.k) });
}
