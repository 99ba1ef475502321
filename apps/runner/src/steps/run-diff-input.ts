/**
 * The two sides of `cobuy runs diff`: a run folder on disk (as `cobuy build --out DIR` writes it), a
 * run in a store or a run loaded in the database, read as the lists, order count and headline
 * metrics `diffRuns` compares.
 */
import { stat } from "node:fs/promises";
import {
  activeRunId,
  type CobuyDb,
  localRunSource,
  previousActiveRunId,
  type RunSource,
  readSmallFile,
  readRunLists as readStoredRunLists,
} from "@cobuy/pg-loader";
import { type RunLists, runListsFromRich, runMetrics } from "@cobuy/pipeline/diff";
import { listRuns, type ObjectStore, readLatest, resolveRunId } from "@cobuy/s3-export";
import { RunnerIoError, UsageError } from "../errors.js";
import { storeRunSource } from "./run-source.js";

const MAX_DOCUMENT_BYTES = 1 << 30;

/** True when `p` names an existing folder (a local run folder rather than a run id). */
export async function isFolder(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The default pair of a store: `latest.json`'s run, and the newest complete, non-refused run
 * before it (`before` is given when the caller named it).
 * @example
 * const { before, after } = await defaultDiffPair(store);
 */
export async function defaultDiffPair(
  store: ObjectStore,
  named: { before?: string; after?: string } = {},
): Promise<{ before: string; after: string }> {
  const after =
    named.after !== undefined
      ? await resolveRunId(store, named.after)
      : ((await readLatest(store))?.runId ?? undefined);
  if (after === undefined)
    throw new UsageError(`${store.description} has no latest run: name two runs (cobuy runs diff A B)`);
  if (named.before !== undefined) return { before: await resolveRunId(store, named.before), after };
  const earlier = (await listRuns(store)).find(
    (r) => r.complete && !r.refused && r.runId !== after && r.runId < after,
  );
  if (earlier === undefined)
    throw new UsageError(
      `${store.description} holds no complete, non-refused run before ${after} to compare with`,
    );
  return { before: earlier.runId, after };
}

/**
 * The default pair of a database: the active run, and the run active before it that is still
 * loaded (`before` is given when the caller named it).
 * @example
 * const { before, after } = await defaultDbDiffPair(db, "postgres://me@db/cobuy");
 */
export async function defaultDbDiffPair(
  db: CobuyDb,
  label: string,
  named: { before?: string } = {},
): Promise<{ before: string; after: string }> {
  const after = await activeRunId(db);
  if (after === null)
    throw new UsageError(`no run is active in ${label}: name two loaded runs (cobuy runs diff --db A B)`);
  const before = named.before ?? (await previousActiveRunId(db));
  if (before === null)
    throw new UsageError(
      `${label} holds no loaded run that was active before ${after}: name the run to compare with (cobuy db runs lists them)`,
    );
  return { before, after };
}

/**
 * Reads one side of a diff from the database: the run's lists, its order count and the classic
 * metric of its validation (the database keeps no evaluation.json).
 * @example
 * const lists = await readDbRunLists(db, "2025-01-31_12-00-00");
 */
export async function readDbRunLists(db: CobuyDb, runId: string): Promise<RunLists> {
  const stored = await readStoredRunLists(db, runId);
  return {
    runId: stored.runId,
    lists: stored.lists,
    ...(stored.orders !== undefined ? { orders: stored.orders } : {}),
    metrics: runMetrics(stored.validation),
  };
}

/**
 * Reads one side of a diff: `recs.rich.json` (required), `validation.json` and `evaluation.json`
 * (their metrics are compared when both sides have them).
 * @example
 * const lists = await readRunLists(localRunSource("out/run-a"));
 */
export async function readRunLists(source: RunSource): Promise<RunLists> {
  const rich = await readJsonDocument(source, "recs.rich.json");
  if (rich === undefined)
    throw new RunnerIoError(
      `${source.uri}recs.rich.json is missing: not a cobuy run (see cobuy build --out)`,
    );
  const validation = await readJsonDocument(source, "validation.json");
  const evaluation = await readJsonDocument(source, "evaluation.json");
  const lists = runListsFromRich(rich as Parameters<typeof runListsFromRich>[0], { validation, evaluation });
  // A store names its runs by folder; a build folder only by the run id its recs.rich.json records.
  return { ...lists, runId: source.runId ?? lists.runId ?? source.uri };
}

/**
 * A side named on the command line: an existing folder is a run folder, anything else a run id
 * (or `latest`) in the store.
 */
export async function runSourceFor(
  arg: string,
  resolved: string,
  store: () => ObjectStore,
): Promise<RunSource> {
  if (await isFolder(resolved)) return localRunSource(resolved);
  return storeRunSource(store(), arg);
}

async function readJsonDocument(source: RunSource, name: string): Promise<unknown> {
  const bytes = await readSmallFile(source, name, MAX_DOCUMENT_BYTES);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new RunnerIoError(`${source.uri}${name}: not JSON (${(e as Error).message})`, { cause: e });
  }
}
