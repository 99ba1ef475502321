import { ContractError } from "./errors.js";

const pad = (n: number) => String(n).padStart(2, "0");

/** A run id is one object-key segment; S3 keys and log lines stay short. */
const MAX_RUN_ID_LENGTH = 128;

/**
 * Matches a run id: the UTC start time `YYYY-MM-DD_HH-MM-SS`, optionally followed by `_<suffix>`
 * (letters, digits, `.`, `_` and `-`), at most 128 characters. It is the one rule every package
 * checks (the writer that names a run, the store that publishes it, the loaders that read it), so
 * an id is always a safe single key segment that sorts chronologically and can never be `latest`.
 *
 * @example
 * ```ts
 * RUN_ID_PATTERN.test("2025-03-04_05-06-07_b"); // true
 * RUN_ID_PATTERN.test("latest");                // false
 * ```
 */
export const RUN_ID_PATTERN = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(?:_[A-Za-z0-9._-]{1,108})?$/;

/**
 * Why `id` is not a run id (see {@link RUN_ID_PATTERN}), or undefined when it is.
 *
 * @example
 * ```ts
 * runIdProblem("2025-03-04_05-06-07"); // undefined
 * runIdProblem("../x");                // 'invalid run id "../x": …'
 * ```
 */
export function runIdProblem(id: unknown): string | undefined {
  if (typeof id === "string" && RUN_ID_PATTERN.test(id)) return undefined;
  return (
    `invalid run id ${typeof id === "string" ? JSON.stringify(id) : String(id)}: use the UTC start time ` +
    `YYYY-MM-DD_HH-MM-SS, optionally followed by "_" and letters, digits, ".", "_" or "-" ` +
    `(e.g. 2026-11-29_06-53-07 or 2026-11-29_06-53-07_b2), at most ${MAX_RUN_ID_LENGTH} characters`
  );
}

/**
 * `id` when it is a run id, else throws `COBUY_CONTRACT_INVALID` (see {@link runIdProblem}).
 *
 * @example
 * ```ts
 * checkRunId("2025-03-04_05-06-07"); // "2025-03-04_05-06-07"
 * checkRunId("latest");              // throws
 * ```
 */
export function checkRunId(id: string): string {
  const problem = runIdProblem(id);
  if (problem !== undefined) throw new ContractError("COBUY_CONTRACT_INVALID", problem);
  return id;
}

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
  const full = `${id}_${suffix}`;
  if (!RUN_ID_PATTERN.test(full)) {
    throw new ContractError(
      "COBUY_CONTRACT_INVALID",
      `run id suffix ${JSON.stringify(suffix)} may only hold letters, digits, ".", "_" and "-", ` +
        `and the id at most ${MAX_RUN_ID_LENGTH} characters`,
    );
  }
  return full;
}

/**
 * A run id no other process makes, that sorts in the order runs were made: the readable UTC
 * timestamp of {@link makeRunId}, then the milliseconds (3 digits) and 5 random base-36 characters.
 * Two publishers started in the same second (a cron overlap, a retry) never share an id or a
 * staging folder, and a store's runs listed by id come out in creation order (to the millisecond),
 * which `runs list`, `runs diff` (latest against the run before it) and `runs prune` rely on.
 * Older ids without a suffix still match {@link RUN_ID_PATTERN}.
 *
 * @example
 * ```ts
 * makeUniqueRunId(new Date("2025-03-04T05:06:07.042Z")); // e.g. "2025-03-04_05-06-07_042k3x9q"
 * ```
 */
export function makeUniqueRunId(at: Date = new Date()): string {
  if (Number.isNaN(at.getTime()))
    throw new ContractError("COBUY_CONTRACT_INVALID", "makeUniqueRunId needs a valid date");
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(5));
  let suffix = String(at.getUTCMilliseconds()).padStart(3, "0");
  for (const b of bytes) suffix += (b % 36).toString(36);
  return makeRunId(at, suffix);
}
