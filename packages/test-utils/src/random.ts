/**
 * Seeded uniform generators in [0, 1) for tests that draw many random inputs: the same seed always
 * gives the same inputs, so a failure names its seed and can be replayed. Import from
 * `@cobuy/test-utils/random` (no service starters come with it).
 *
 * @example
 * ```ts
 * const next = mulberry32(7);
 * const k = 1 + Math.floor(next() * 10);
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Marsaglia's xorshift32 (a zero seed is taken as 1, which xorshift cannot leave).
 *
 * @example
 * ```ts
 * const next = xorshift32(3);
 * ```
 */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
