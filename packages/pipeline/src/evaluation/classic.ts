import {
  type CsrMatrix,
  cooccurrence,
  cosineTopK,
  productSupport,
  type TopKOptions,
  type TopKResult,
} from "@cobuy/core-math";
import type { ClassicKernel } from "./evaluate.js";

function filterBySupport(
  top: TopKResult,
  k: number,
  minPairSupport: number,
): { lists: TopKResult; short: number[] } {
  const P = top.products;
  const length = new Uint16Array(P);
  const ids = new Uint32Array(P * k);
  const scores = new Float64Array(P * k);
  const support = new Float64Array(P * k);
  const short: number[] = [];
  for (let p = 0; p < P; p++) {
    let len = 0;
    for (let r = 0; r < top.length[p]! && len < k; r++) {
      const i = p * top.k + r;
      if (top.support[i]! < minPairSupport) continue;
      ids[p * k + len] = top.ids[i]!;
      scores[p * k + len] = top.scores[i]!;
      support[p * k + len++] = top.support[i]!;
    }
    length[p] = len;
    // A short list cut from a full one may be missing pairs that ranked below the cut.
    if (len < k && top.length[p] === top.k) short.push(p);
  }
  return { lists: { products: P, k, length, ids, scores, support, multiplyAdds: top.multiplyAdds }, short };
}

/** Deepest candidate list read when filtering by pair support (memory: products × depth). */
const MAX_DEPTH = 256;

/** Options of {@link classicTopK}: `cosineTopK`'s plus a minimum pair support. */
export interface ClassicTopKOptions extends TopKOptions {
  /** Candidates need C[p][q] ≥ this (default 1: no filter); scores stay the classic cosine. */
  minPairSupport?: number;
}

/**
 * The classic lists (exact cosine top-k of C's rows) with a minimum pair support: C[p][q] ≥ s
 * filters candidates while scores stay the classic cosine; lists are fetched deeper (up to the 256
 * best neighbours) until every filtered list is exact. Without a minimum pair support it is
 * `cosineTopK` itself.
 *
 * @example
 * ```ts
 * const top = await classicTopK(cooccurrence(a), productSupport(a), { k: 5, minPairSupport: 2 });
 * ```
 */
export async function classicTopK(
  c: CsrMatrix,
  support: ArrayLike<number>,
  options: ClassicTopKOptions,
): Promise<TopKResult> {
  const { minPairSupport = 1, ...rest } = options;
  const k = rest.k ?? 5;
  const run = (kk: number) => cosineTopK(c, support, { ...rest, k: kk });
  if (minPairSupport <= 1) return run(k);
  const deepest = Math.max(k, Math.min(c.cols - 1, MAX_DEPTH));
  let depth = Math.min(k * 4, deepest);
  for (;;) {
    const { lists, short } = filterBySupport(await run(depth), k, minPairSupport);
    if (short.length === 0 || depth >= deepest) return lists;
    depth = Math.min(depth * 4, deepest);
  }
}

/**
 * The classic kernel for evaluation: C = AᵀA (count incidence, diagonal 0) of the training orders,
 * exact cosine top-k of C's rows. A minimum pair support (C[p][q] ≥ s) filters candidates while
 * scores stay the classic cosine; lists are fetched deeper (up to the 256 best neighbours) until
 * every filtered list is exact (see {@link classicTopK}).
 *
 * @example
 * ```ts
 * const ev = await evaluate(data, { split, classic: classicKernel() });
 * ```
 */
export function classicKernel(options: { threads?: number; kernel?: "wasm" | "js" } = {}): ClassicKernel {
  const cache = new WeakMap<CsrMatrix, { c: CsrMatrix; support: Uint32Array }>();
  return async (a, { k, minScore, minPairSupport }) => {
    let prepared = cache.get(a);
    if (!prepared) {
      prepared = { c: cooccurrence(a), support: productSupport(a) };
      cache.set(a, prepared);
    }
    const { c, support } = prepared;
    return classicTopK(c, support, {
      k,
      minScore,
      minPairSupport,
      threads: options.threads,
      ...(options.kernel !== undefined && { kernel: options.kernel }),
    });
  };
}
