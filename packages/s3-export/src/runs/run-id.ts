import { InvalidArgumentError } from "../errors.js";

const RUN_ID_RE = /^[0-9A-Za-z][0-9A-Za-z._-]{0,127}$/;
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})(?:-(\d{2}))?/;

/**
 * A run id from a UTC start time: `YYYY-MM-DD_HH-MM-SS`, optionally suffixed (`…_a1`).
 *
 * @example
 * ```ts
 * makeRunId(new Date("2026-11-29T06:53:07Z")); // "2026-11-29_06-53-07"
 * ```
 */
export function makeRunId(date: Date = new Date(), suffix?: string): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const id =
    `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}_` +
    `${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`;
  const full = suffix === undefined || suffix === "" ? id : `${id}_${suffix}`;
  assertRunId(full);
  return full;
}

/** Throws `E_INVALID_ARGUMENT` unless `runId` is usable as one key segment (and not `latest`). */
export function assertRunId(runId: string): void {
  if (!RUN_ID_RE.test(runId) || runId === "latest" || runId.endsWith(".json")) {
    throw new InvalidArgumentError(
      `invalid run id "${runId}": use letters, digits, ".", "_" and "-" (e.g. 2026-11-29_06-53-07), not "latest"`,
    );
  }
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
