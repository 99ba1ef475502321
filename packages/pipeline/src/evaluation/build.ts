import {
  type CsrMatrix,
  countPairs,
  type DownsampleOptions,
  measureTopK,
  type PairCounts,
  type TopKResult,
} from "@cobuy/core-math";
import type { ClassicKernel, SimilarityName } from "./evaluate.js";

/** Pair counts of training orders for the core-math measures. */
export function countPairsFor(train: CsrMatrix, caps?: DownsampleOptions): PairCounts {
  return countPairs(train, caps);
}

/** Top-k lists of one similarity on training orders (the classic one through `classic`). */
export async function listsFor(
  similarity: SimilarityName,
  train: CsrMatrix,
  counts: PairCounts | undefined,
  options: { k: number; minScore: number; minPairSupport: number },
  classic: ClassicKernel | undefined,
): Promise<TopKResult> {
  if (similarity === "cooccurrence-cosine") {
    if (!classic)
      throw new Error('similarity "cooccurrence-cosine" needs the classic kernel (options.classic)');
    return classic(train, options);
  }
  return measureTopK(counts ?? countPairs(train), similarity, options);
}
