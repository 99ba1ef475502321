import { ContractError } from "./errors.js";

/** Recommendations per product when nobody says otherwise: the classic method's five. */
export const DEFAULT_K = 5;
/** The longest list any command builds, stores or serves (a product page shows a handful). */
export const MAX_K = 1000;

/**
 * Why `k` is not a valid list length (an integer from 1 to {@link MAX_K}), or undefined when it is.
 *
 * @example
 * ```ts
 * kProblem(10);  // undefined
 * kProblem(0);   // "k must be an integer from 1 to 1000 (got 0)"
 * ```
 */
export function kProblem(k: unknown): string | undefined {
  if (typeof k === "number" && Number.isInteger(k) && k >= 1 && k <= MAX_K) return undefined;
  return `k must be an integer from 1 to ${MAX_K} (got ${String(k)})`;
}

/**
 * `k` when valid, else throws `COBUY_CONTRACT_INVALID`; undefined gives {@link DEFAULT_K}.
 *
 * @example
 * ```ts
 * checkK(undefined); // 5
 * ```
 */
export function checkK(k: number | undefined): number {
  const value = k ?? DEFAULT_K;
  const problem = kProblem(value);
  if (problem !== undefined) throw new ContractError("COBUY_CONTRACT_INVALID", problem);
  return value;
}
