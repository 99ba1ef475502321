import { MANIFEST_NAME } from "@cobuy/contracts";
import { InvalidArgumentError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { listRuns } from "./read-runs.js";

/** Options of {@link pruneRuns}. */
export interface PruneRunsOptions {
  /** Complete runs to keep, newest first (the latest run is kept in any case). */
  keep: number;
  /** Report what would be deleted without deleting. */
  dryRun?: boolean;
}

/** Outcome of {@link pruneRuns}. */
export interface PruneRunsResult {
  kept: string[];
  deleted: string[];
  /** Objects deleted (or that would be). */
  objects: number;
}

/**
 * Deletes old runs: keeps the newest `keep` complete runs and always the run latest.json names;
 * deletes older complete runs and incomplete leftovers older than the latest run (a newer
 * incomplete run may be a publish in progress). Manifests go first so a run never looks
 * complete while half-deleted.
 *
 * @example
 * ```ts
 * const { deleted } = await pruneRuns(store, { keep: 5 });
 * ```
 */
export async function pruneRuns(store: ObjectStore, options: PruneRunsOptions): Promise<PruneRunsResult> {
  if (!Number.isInteger(options.keep) || options.keep < 0) {
    throw new InvalidArgumentError(`keep must be an integer ≥ 0, got ${options.keep}`);
  }
  const runs = await listRuns(store);
  const latest = runs.find((r) => r.latest)?.runId;
  const complete = runs.filter((r) => r.complete);
  const keepSet = new Set(complete.slice(0, options.keep).map((r) => r.runId));
  if (latest !== undefined) keepSet.add(latest);
  const doomed = runs.filter((r) => {
    if (keepSet.has(r.runId)) return false;
    if (r.complete) return true;
    return latest !== undefined && r.runId < latest;
  });
  for (const r of runs) if (!r.complete && !doomed.includes(r)) keepSet.add(r.runId);
  let objects = 0;
  for (const r of doomed) {
    const keys: string[] = [];
    for await (const e of store.list(`${r.runId}/`)) keys.push(e.key);
    objects += keys.length;
    if (options.dryRun) continue;
    const manifest = `${r.runId}/${MANIFEST_NAME}`;
    keys.sort((a, b) => (a === manifest ? -1 : b === manifest ? 1 : 0));
    for (const k of keys) await store.delete(k);
  }
  return {
    kept: runs.filter((r) => keepSet.has(r.runId)).map((r) => r.runId),
    deleted: doomed.map((r) => r.runId),
    objects,
  };
}
