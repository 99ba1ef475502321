import { type BlendedLists, popularityRanking, type TopKResult } from "@cobuy/core-math";

/** Top-k lists with each item's reason (core-math's `BlendedLists`): what evaluation scores. */
export type RecLists = BlendedLists;

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
