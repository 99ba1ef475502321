import { cosineTopK } from "../cosine/cosine-top-k.js";
import { CoreMathError } from "../errors.js";
import { checkK } from "../top-k/top-k-lists.js";
import type { CsrMatrix, TopKOptions, TopKResult } from "../types.js";

/** Deepest candidate list read when filtering by pair support (memory: products × depth). */
const MAX_DEPTH = 256;

/** Options of {@link classicTopK}: `cosineTopK`'s plus a minimum pair support. */
export interface ClassicTopKOptions extends TopKOptions {
  /** Candidates need C[p][q] ≥ this (default 1: no filter); scores stay the classic cosine. */
  minPairSupport?: number;
}

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
 * The classic lists of one C for any `k` and minimum pair support, computing each depth of
 * `cosineTopK` at most once: a list of depth d is the first d items of any deeper one (lists are
 * a total order: score descending, then id ascending), so shallower requests and every minimum pair
 * support are cut from the deepest run so far. Evaluation builds one per split and asks it for
 * every candidate.
 *
 * @example
 * ```ts
 * const classic = new ClassicLists(cooccurrence(a), productSupport(a), { threads: 2 });
 * const plain = await classic.topK(5, 1);
 * const filtered = await classic.topK(5, 3); // reuses what the first call computed when deep enough
 * ```
 */
export class ClassicLists {
  private deepest: TopKResult | undefined;
  private runs = 0;
  private readonly options: Omit<TopKOptions, "k">;

  constructor(
    readonly c: CsrMatrix,
    readonly support: ArrayLike<number>,
    options: Omit<TopKOptions, "k"> = {},
  ) {
    this.options = options;
  }

  /** The first `depth` items of every list (one `cosineTopK` run unless a deeper one is kept). */
  private async atDepth(depth: number): Promise<TopKResult> {
    if (this.deepest === undefined || this.deepest.k < depth) {
      this.runs++;
      this.deepest = await cosineTopK(this.c, this.support, { ...this.options, k: depth });
    }
    return this.deepest;
  }

  /**
   * Top-k with C[p][q] ≥ `minPairSupport` (scores stay the classic cosine), cut from the 256
   * best neighbours (or a deeper run already kept); a list still short at 256 stays short. One
   * deep run serves every support: a ladder of depths (k·4, k·16, 256) would cost each rung again.
   */
  async topK(k: number | undefined, minPairSupport = 1): Promise<TopKResult> {
    const kk = checkK(k);
    if (minPairSupport <= 1) {
      const deep = await this.atDepth(kk);
      // Pairs never bought together (support 0) stay: the classic cosine relates them too.
      return deep.k === kk ? deep : filterByPairSupport(deep, kk, kk, Number.NEGATIVE_INFINITY).lists;
    }
    const deepest = Math.max(kk, Math.min(this.c.cols - 1, MAX_DEPTH));
    const kept = this.deepest;
    // A kept run deep enough for every list is as good as the deepest one (lists are a total order).
    if (kept !== undefined && kept.k >= kk && kept.k < deepest) {
      const { lists, short } = filterByPairSupport(kept, kept.k, kk, minPairSupport);
      if (short.length === 0) return lists;
    }
    return filterByPairSupport(await this.atDepth(deepest), deepest, kk, minPairSupport).lists;
  }

  /** `cosineTopK` runs so far (each depth at most once): what sharing across candidates saves. */
  get kernelRuns(): number {
    return this.runs;
  }
}

/**
 * The classic lists (exact cosine top-k of C's rows) with a minimum pair support: C[p][q] ≥ s
 * filters candidates while scores stay the classic cosine; the lists are cut from the 256 best
 * neighbours (a list short there stays short). Without a minimum pair support it is
 * `cosineTopK` itself. For several calls on one C, keep a {@link ClassicLists}.
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
  const { minPairSupport = 1, k, ...rest } = options;
  if (minPairSupport <= 1) return cosineTopK(c, support, { ...rest, k: checkK(k) });
  return new ClassicLists(c, support, rest).topK(k, minPairSupport);
}
