import { isMeasureName, MEASURES, type MeasureName } from "./measure.js";

/** The classic measure: cosine between rows of C = AᵀA (count incidence), the method's default. */
export const CLASSIC_SIMILARITY = "cooccurrence-cosine";

/**
 * Every similarity a build can serve: the classic {@link CLASSIC_SIMILARITY} (through `cosineTopK`
 * / `classicTopK` on C) and the measures of one counting pass (`measureTopK` on `countPairs`).
 */
export type SimilarityName = typeof CLASSIC_SIMILARITY | MeasureName;

/**
 * Every {@link SimilarityName}, the classic one first, then {@link MEASURES} in their order.
 *
 * @example
 * ```ts
 * SIMILARITIES.join(", "); // "cooccurrence-cosine, cosine, jaccard, lift, llr, expected"
 * ```
 */
export const SIMILARITIES: readonly SimilarityName[] = [CLASSIC_SIMILARITY, ...MEASURES];

/**
 * True when `name` is one of {@link SIMILARITIES}.
 *
 * @example
 * ```ts
 * if (!isSimilarityName(flag)) throw new Error(`unknown measure ${flag}`);
 * ```
 */
export function isSimilarityName(name: string): name is SimilarityName {
  return name === CLASSIC_SIMILARITY || isMeasureName(name);
}
