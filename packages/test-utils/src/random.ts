/**
 * The seeded generator for tests that draw many random inputs: core-math's one seeded randomness,
 * so tests and the code under test share a generator. The same seed always gives the same inputs,
 * so a failure names its seed and can be replayed. Import from `@cobuy/test-utils/random` (no
 * service starters come with it).
 *
 * @example
 * ```ts
 * const next = seededUniform(7);
 * const k = 1 + Math.floor(next() * 10);
 * ```
 */
export { seededUniform } from "@cobuy/core-math";
