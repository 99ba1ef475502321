import { ContractError } from "./errors.js";

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * Matches a run id: the UTC start time `YYYY-MM-DD_HH-MM-SS`, optionally followed by `_<suffix>`
 * (letters, digits, `-` and `.`).
 *
 * @example
 * ```ts
 * RUN_ID_PATTERN.test("2025-03-04_05-06-07_b"); // true
 * ```
 */
export const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:_[A-Za-z0-9.-]+)?$/;

/**
 * A run id from a UTC start time, optionally suffixed to tell apart runs started in the same second.
 *
 * @example
 * ```ts
 * makeRunId(new Date("2025-03-04T05:06:07Z"));      // "2025-03-04_05-06-07"
 * makeRunId(new Date("2025-03-04T05:06:07Z"), "b"); // "2025-03-04_05-06-07_b"
 * ```
 */
export function makeRunId(at: Date = new Date(), suffix?: string): string {
  if (Number.isNaN(at.getTime()))
    throw new ContractError("COBUY_CONTRACT_INVALID", "makeRunId needs a valid date");
  const id =
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` +
    `_${pad(at.getUTCHours())}-${pad(at.getUTCMinutes())}-${pad(at.getUTCSeconds())}`;
  if (suffix === undefined || suffix === "") return id;
  if (!/^[A-Za-z0-9.-]+$/.test(suffix)) {
    throw new ContractError(
      "COBUY_CONTRACT_INVALID",
      `run id suffix ${JSON.stringify(suffix)} may only hold letters, digits, "-" and "."`,
    );
  }
  return `${id}_${suffix}`;
}
