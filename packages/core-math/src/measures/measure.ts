/**
 * The similarity measures computed from one counting pass over binary baskets
 * (see `countPairs`). The classic `cooccurrence-cosine` (cosine between rows of C) lives in the
 * cosine kernel; these read the pair counts directly.
 *
 * With N orders, n_p = orders holding p, c = orders holding both p and q (binary incidence):
 * - `cosine`   c / sqrt(n_p n_q)          (cosine of A's binary item columns, "Ochiai")
 * - `jaccard`  c / (n_p + n_q - c)
 * - `lift`     c N / (n_p n_q)
 * - `llr`      Mahout's log-likelihood ratio G² of the 2×2 table (c, n_p-c, n_q-c, N-n_p-n_q+c)
 * - `expected` (c - E) / sqrt(E), E = Σ_{orders o ∋ p} 1 - (1 - π_q)^(|o|-1), π_q = n_q / L,
 *              L = Σ_o |o|: co-purchases against the count expected by chance given each order's
 *              size (the popularity correction of "Two decades of recommender systems at
 *              Amazon.com", 2017). Directional: E(p→q) ≠ E(q→p).
 */
export type MeasureName = "cosine" | "jaccard" | "lift" | "llr" | "expected";

/** Every measure `measureTopK` accepts, in a stable order. */
export const MEASURES: readonly MeasureName[] = ["cosine", "jaccard", "lift", "llr", "expected"];

/** True when `name` is one of {@link MEASURES}. */
export function isMeasureName(name: string): name is MeasureName {
  return (MEASURES as readonly string[]).includes(name);
}
