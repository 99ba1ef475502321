/**
 * The activation guard: before a new run replaces the one serving (the store's latest run for
 * `pipeline` and `publish`, the database's active run for `load`), their lists are compared
 * (@cobuy/pipeline/diff) and the limits of flags/guard.ts decide. A refused run never becomes
 * latest or active; {@link GuardRefusedError} then says in one line what failed and how to override.
 */
import type { RunDiff } from "@cobuy/contracts";
import {
  activateRun,
  activeRunId,
  type CobuyDb,
  migrate,
  type RunSource,
  searchProducts,
} from "@cobuy/pg-loader";
import type { BuildResult, ProductCatalog } from "@cobuy/pipeline";
import {
  checkGuard,
  type DiffItem,
  diffRuns,
  type GuardFailure,
  type GuardLimits,
  type GuardVerdict,
  type RunLists,
  runMetrics,
} from "@cobuy/pipeline/diff";
import { type ObjectStore, readLatest } from "@cobuy/s3-export";
import type { Context } from "../context.js";
import { GuardRefusedError } from "../errors.js";
import type { DbTarget } from "../flags/db.js";
import type { GuardFlags } from "../flags/guard.js";
import { type LoadedRun, loadWithProgress, openDbTarget } from "./database.js";
import { readDbRunLists, readRunLists } from "./run-diff-input.js";
import { storeRunSource } from "./run-source.js";

/** The guard's decision on one run, with the comparison it was made from. */
export interface GuardOutcome {
  /** The run that serves now → the new run. */
  readonly diff: RunDiff;
  readonly verdict: GuardVerdict;
  readonly limits: GuardLimits;
  /** True when the run must not replace the serving one (failed checks, no `--force`). */
  readonly refused: boolean;
  /** Failed checks overridden by `--force`. */
  readonly forced: boolean;
}

/**
 * A build's lists as diffRuns reads them, straight from memory (the lists recs.rich.json holds,
 * with the classic metric of its validation), so nothing is read back from disk.
 * @example
 * const next = buildRunLists(result, runId);
 */
export function buildRunLists(result: BuildResult<ProductCatalog>, runId: string): RunLists {
  const { productIds, orders } = result.index;
  const { k, ids, scores, length } = result.topk;
  const entries: [string, DiffItem[]][] = new Array(productIds.length);
  // O(products · k)
  for (let p = 0; p < productIds.length; p++) {
    const n = length[p] as number;
    const list: DiffItem[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const j = p * k + i;
      list[i] = { id: productIds[ids[j] as number] as string, score: scores[j] as number };
    }
    entries[p] = [productIds[p] as string, list];
  }
  // fromEntries defines own properties: a product named "__proto__" stays a product.
  return { runId, lists: Object.fromEntries(entries), orders, metrics: runMetrics(result.validation) };
}

/** The lists of the run the store's latest.json names (undefined when it names none). */
async function latestRunLists(store: ObjectStore): Promise<RunLists | undefined> {
  const latest = await readLatest(store);
  if (latest === undefined) return undefined;
  return readRunLists(await storeRunSource(store, latest.runId));
}

/**
 * `cobuy load` under the guard. With no active run, or `activate: false`, an ordinary load. Else the
 * run is loaded without activating it, its lists and the active run's are read back from the
 * database and compared, and only a run the guard lets through is made active: a refused run stays
 * loaded (inspectable, activated later by `cobuy load … --force`) while the active run keeps serving.
 * @example
 * const { loaded, guard } = await loadGuarded(ctx, target, source, parseGuardFlags(values));
 * if (guard?.refused) throw guardRefusedError(guard, { runId: loaded.result.runId });
 */
export async function loadGuarded(
  ctx: Context,
  target: DbTarget,
  source: RunSource,
  flags: GuardFlags & { readonly activate: boolean },
): Promise<{ loaded: LoadedRun; guard?: GuardOutcome }> {
  const servingId = flags.activate ? await withDb(target, migratedActiveRunId) : null;
  if (servingId === null)
    return { loaded: await loadWithProgress(ctx, target, source, { activate: flags.activate }) };
  const loaded = await loadWithProgress(ctx, target, source, { activate: false });
  const { runId } = loaded.result;
  if (runId === servingId) return { loaded };
  return withDb(target, async (db) => {
    const [before, after] = [await readDbRunLists(db, servingId), await readDbRunLists(db, runId)];
    const guard = await guardRun(ctx, before, after, flags);
    if (guard.refused) return { loaded, guard };
    await activateRun(db, runId);
    const example = (await searchProducts(db, "", { limit: 1 }))[0]?.id;
    const result = { ...loaded.result, active: true, previousActiveRunId: servingId };
    return { loaded: { ...loaded, result, ...(example !== undefined ? { example } : {}) }, guard };
  });
}

/** The active run's id, after migrating (a fresh database has none). */
async function migratedActiveRunId(db: CobuyDb): Promise<string | null> {
  const { error } = await migrate(db);
  if (error) throw error;
  return activeRunId(db);
}

async function withDb<T>(target: DbTarget, fn: (db: CobuyDb) => Promise<T>): Promise<T> {
  const db = await openDbTarget(target);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * The guard of `pipeline` and `publish`: `next` (read only when needed) against the run the store's
 * latest.json names; undefined when it names none (nothing serves yet, nothing to compare).
 * @example
 * const guard = await guardAgainstLatest(ctx, opened.store, () => buildRunLists(result, runId), flags);
 */
export async function guardAgainstLatest(
  ctx: Context,
  store: ObjectStore,
  next: () => RunLists | Promise<RunLists>,
  flags: GuardFlags,
): Promise<GuardOutcome | undefined> {
  const serving = await latestRunLists(store);
  return serving === undefined ? undefined : guardRun(ctx, serving, await next(), flags);
}

/**
 * Stage "guard": compares `next` with `serving` and checks the limits.
 * @example
 * const outcome = await guardRun(ctx, serving, buildRunLists(result, runId), parseGuardFlags(values));
 * if (outcome.refused) { ... publish with refusalRecord(outcome) ... }
 */
export function guardRun(
  ctx: Context,
  serving: RunLists,
  next: RunLists,
  flags: GuardFlags,
): Promise<GuardOutcome> {
  return ctx.stage("guard", () => {
    const diff = diffRuns(serving, next);
    const verdict = checkGuard(diff, flags.limits);
    const outcome: GuardOutcome = {
      diff,
      verdict,
      limits: flags.limits,
      refused: !verdict.passed && !flags.force,
      forced: !verdict.passed && flags.force,
    };
    const facts = { against: serving.runId, churn: diff.top1Churn, overlap: diff.overlap.mean };
    if (outcome.forced)
      ctx.log.warn(`guard: ${failureText(verdict.failures)}; activating anyway (--force)`, facts);
    else if (!outcome.refused)
      ctx.log.info(`guard: run ${next.runId} passes against ${serving.runId}`, facts);
    return outcome;
  });
}

/**
 * The one-line refusal: every failed check (worst first), by how much, and the flags that would
 * let the run through.
 * @example
 * refusalMessage(outcome); // "refused: top-1 churn 0.62 is above --max-churn 0.35 (rerun with --max-churn 0.7 or --force)"
 */
export function refusalMessage(outcome: GuardOutcome): string {
  const { failures } = outcome.verdict;
  const overrides = failures.map((f) => `--${f.check} ${passingLimit(f)}`).join(" ");
  return `refused: ${failureText(failures)} (rerun with ${overrides} or --force)`;
}

/**
 * What `--json` says about the guard: the verdict, the limits, the failed checks and the diff's
 * figures (without its example lists). `undefined` outcome: there was no run to compare with.
 */
export function guardSummary(outcome: GuardOutcome | undefined): Record<string, unknown> {
  if (outcome === undefined) return { verdict: "skipped", reason: "no run serving to compare with" };
  const { mostChanged: _, products, ...figures } = outcome.diff;
  const { addedExamples: _a, droppedExamples: _d, ...productCounts } = products;
  return {
    verdict: outcome.refused ? "refused" : outcome.forced ? "forced" : "passed",
    against: outcome.diff.before.runId,
    limits: outcome.limits,
    failures: outcome.verdict.failures,
    diff: { ...figures, products: productCounts },
  };
}

/**
 * The human line of a run the guard let through.
 * @example
 * guardLine(outcome); // "passed against 2026-07-01_00-00-00_123abcde (top-1 churn 0.04, mean overlap@10 0.93)"
 */
export function guardLine(outcome: GuardOutcome): string {
  const d = outcome.diff;
  const figures = `top-1 churn ${round(d.top1Churn)}, mean overlap@${d.k} ${round(d.overlap.mean)}`;
  return outcome.forced
    ? `forced past ${failureText(outcome.verdict.failures)} (against ${d.before.runId})`
    : `passed against ${d.before.runId} (${figures})`;
}

/** The record publishRun writes to `<runId>/refused.json`: why, against which run, the limits. */
export function refusalRecord(outcome: GuardOutcome): Record<string, unknown> {
  return { refusedAt: new Date().toISOString(), message: refusalMessage(outcome), ...guardSummary(outcome) };
}

/**
 * The error a refused run ends its command with; `where` (e.g. the refused run's folder, the run
 * that keeps serving) goes into `--json` beside the guard's summary.
 */
export function guardRefusedError(outcome: GuardOutcome, where: Record<string, unknown>): GuardRefusedError {
  return new GuardRefusedError(refusalMessage(outcome), { ...where, guard: guardSummary(outcome) });
}

function failureText(failures: readonly GuardFailure[]): string {
  return failures.map((f) => f.message).join(", ");
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** The nearest tenth on the passing side of the measured value (the checks are strict). */
function passingLimit(f: GuardFailure): string {
  const upper = f.check === "max-churn";
  let tenths = upper ? Math.ceil(f.value * 10 - 1e-9) : Math.floor(f.value * 10 + 1e-9);
  // Compared as the user will type it: the printed limit itself must let the value through.
  const passes = (t: number) => (upper ? f.value <= t / 10 : f.value >= t / 10);
  while (!passes(tenths)) tenths += upper ? 1 : -1;
  return String(Math.max(0, tenths) / 10);
}
