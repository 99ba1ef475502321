import { makeRunId, runIdProblem } from "@cobuy/contracts";
import { InvalidArgumentError } from "../errors.js";

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})(?:-(\d{2}))?/;

/** Throws `COBUY_STORE_INVALID_ARGUMENT` unless `runId` follows the run-id rule of @cobuy/contracts. */
export function assertRunId(runId: string): void {
  const problem = runIdProblem(runId);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
}

/**
 * Expands a classic key pattern: `{ts}` → the run's minute timestamp `YYYY-MM-DD_HH-MM` (as the
 * classic tutorial wrote it), `{runId}` → the run id.
 *
 * @example
 * ```ts
 * classicKeyFor("recs/key{ts}.json", "2026-11-29_06-53-07"); // "recs/key2026-11-29_06-53.json"
 * ```
 */
export function classicKeyFor(pattern: string, runId: string, createdAt?: Date): string {
  const m = TS_RE.exec(runId);
  let ts: string;
  if (m !== null) ts = `${m[1]}-${m[2]}-${m[3]}_${m[4]}-${m[5]}`;
  else ts = makeRunId(createdAt ?? new Date()).slice(0, 16);
  return pattern.replaceAll("{ts}", ts).replaceAll("{runId}", runId);
}
