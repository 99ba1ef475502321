/** The total choice rule shared by "auto" (measures) and `blend: "auto"` (evidence priors). */

/** What the rule reads of a candidate's validation figures. */
export interface Scored {
  hitRate: number;
  coverage: number;
}

/** Share of the best coverage any candidate reaches below which a candidate is never chosen. */
export const RELAXED_FLOOR_SHARE = 0.75;

/**
 * The coverage floor applied: the smaller of `minCoverage` and {@link RELAXED_FLOOR_SHARE} of the
 * highest coverage a candidate reaches, so the rule always has eligible candidates (it is total)
 * and never gives up much HitRate for a little coverage the data barely allows.
 *
 * @example
 * ```ts
 * coverageFloor([{ hitRate: 0.09, coverage: 0.52 }, { hitRate: 0.06, coverage: 0.67 }], 0.8); // 0.5025 (¾ × 0.67)
 * ```
 */
export function coverageFloor(candidates: readonly Scored[], minCoverage: number): number {
  let most = 0;
  for (const c of candidates) if (c.coverage > most) most = c.coverage;
  return Math.min(minCoverage, RELAXED_FLOOR_SHARE * most);
}

/**
 * Index of the chosen candidate: the highest hitRate among candidates with coverage ≥
 * {@link coverageFloor} (ties: the first, so a fixed candidate order gives the same choice every
 * run), and the rule in words for the documents.
 *
 * @example
 * ```ts
 * chooseCandidate(candidates, 0.8, "hitRate@5"); // { index: 3, floor: 0.6, rule: "…" }
 * ```
 */
export function chooseCandidate(
  candidates: readonly Scored[],
  minCoverage: number,
  metricName: string,
): { index: number; floor: number; rule: string } {
  if (candidates.length === 0) throw new Error("auto: no candidate to compare");
  const floor = coverageFloor(candidates, minCoverage);
  let index = -1;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.coverage >= floor && (index < 0 || c.hitRate > candidates[index]!.hitRate)) index = i;
  }
  const rule = `highest ${metricName} among candidates with coverage >= min(${minCoverage}, ${RELAXED_FLOOR_SHARE} x the best coverage) = ${Math.round(floor * 1e6) / 1e6}`;
  return { index, floor, rule };
}
