/** One bin of a score histogram: scores in [from, to) (the last bin also holds `to`). */
export interface ScoreBin {
  from: number;
  to: number;
  count: number;
}

/**
 * Equal-width histogram of `scores` between their minimum and maximum; empty without scores.
 * @example
 * scoreBins([0.1, 0.5, 0.9], 2); // [{from: 0.1, to: 0.5, count: 1}, {from: 0.5, to: 0.9, count: 2}]
 */
export function scoreBins(scores: ArrayLike<number>, bins = 20): ScoreBin[] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  // O(n) twice over the scores: once for the range, once to count.
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s < lo) lo = s;
    if (s > hi) hi = s;
  }
  if (lo > hi) return [];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: bins }, (_, i) => ({
    from: Math.round((lo + i * width) * 1e9) / 1e9,
    to: Math.round((lo + (i + 1) * width) * 1e9) / 1e9,
    count: 0,
  }));
  for (let i = 0; i < scores.length; i++) {
    out[Math.min(bins - 1, Math.floor((scores[i]! - lo) / width))]!.count++;
  }
  return out;
}
