/**
 * How much two ranked lists agree: overlap@k and rank-biased overlap. Lists hold distinct ids in
 * rank order (as every list of recs.rich.json does).
 */

/**
 * |top-k of a ∩ top-k of b| / max(|top-k of a|, |top-k of b|): 1 for equal lists (also two empty
 * ones), 0 for disjoint ones. O(k) with one Set.
 * @example
 * overlapAtK(["a", "b", "c"], ["c", "a", "d"], 3); // 2/3
 */
export function overlapAtK(a: readonly string[], b: readonly string[], k: number): number {
  const na = Math.min(a.length, k);
  const nb = Math.min(b.length, k);
  const depth = Math.max(na, nb);
  if (depth === 0) return 1;
  const inA = new Set<string>();
  for (let i = 0; i < na; i++) inA.add(a[i] as string);
  let shared = 0;
  for (let i = 0; i < nb; i++) if (inA.has(b[i] as string)) shared++;
  return shared / depth;
}

/**
 * Extrapolated rank-biased overlap (Webber, Moffat & Zobel 2010, eq. 32) of the top-k of two lists,
 * evaluated to depth n = max of the two truncated lengths:
 * RBO = (X_n / n)·pⁿ + (1−p)/p · Σ_{d=1..n} (X_d / d)·p^d, X_d = |a[:d] ∩ b[:d]|.
 * 1 for equal lists (also two empty ones), 0 for disjoint ones; agreement at the top weighs most.
 * O(n): X_d grows by one for each of a[d−1], b[d−1] already seen on the other side.
 * @example
 * rankBiasedOverlap(["a", "b"], ["b", "a"], 5, 0.9); // 0.9
 */
export function rankBiasedOverlap(a: readonly string[], b: readonly string[], k: number, p: number): number {
  const na = Math.min(a.length, k);
  const nb = Math.min(b.length, k);
  const depth = Math.max(na, nb);
  if (depth === 0) return 1;
  const seenA = new Set<string>();
  const seenB = new Set<string>();
  let shared = 0;
  let sum = 0;
  let weight = 1;
  for (let d = 1; d <= depth; d++) {
    const x = d <= na ? (a[d - 1] as string) : undefined;
    const y = d <= nb ? (b[d - 1] as string) : undefined;
    if (x !== undefined && y !== undefined && x === y) shared++;
    else {
      if (x !== undefined && seenB.has(x)) shared++;
      if (y !== undefined && seenA.has(y)) shared++;
    }
    if (x !== undefined) seenA.add(x);
    if (y !== undefined) seenB.add(y);
    weight *= p;
    sum += (shared / d) * weight;
  }
  return (shared / depth) * weight + ((1 - p) / p) * sum;
}
