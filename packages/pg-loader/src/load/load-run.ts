import type { Insertable } from "kysely";
import type { Session } from "../db/backend.js";
import { type CobuyDb, type DbInput, inSession, withDb } from "../db/open-database.js";
import type { RunsTable } from "../db/types.js";
import { FormatError, SourceError } from "../errors.js";
import { migrate } from "../migrations/migrate.js";
import { activeRunId } from "../query/queries.js";
import { manifestEntry, type RunManifest, readManifest } from "../source/manifest.js";
import { localRunSource, type RunSource } from "../source/run-source.js";
import { setActive } from "./activate-run.js";
import {
  copyProducts,
  copyRecommendations,
  findRun,
  inPhase,
  type KnownRun,
  lockForLoad,
  newRunKey,
  RICH_RECS,
  readValidation,
  savepoint,
  VALIDATION,
} from "./load-steps.js";
import { attachPartitions, createPartitions } from "./partitions.js";

/** Progress of a load, reported through `onProgress`. */
export interface LoadProgress {
  phase: "manifest" | "lock" | "recommendations" | "products" | "index" | "activate" | "done";
  runId?: string;
  /** Bytes of recs.rich.json read so far / in total (when the manifest or source says). */
  bytes?: number;
  totalBytes?: number;
  /** Rows sent so far in this phase. */
  rows?: number;
}

export interface LoadOptions {
  onProgress?: (event: LoadProgress) => void;
  /** Make the run active after loading it (default true). */
  activate?: boolean;
  /** Fail instead of waiting longer than this for another load/activate/prune (default: wait). */
  lockTimeoutMs?: number;
  /** `statement_timeout` for the load's statements (default: the connection's own; 0 = none). */
  statementTimeoutMs?: number;
  /** Refuse a run without manifest.json (default false: load it unverified). */
  requireManifest?: boolean;
  /** Run migrations first (default true). */
  migrate?: boolean;
}

/** What a load did. */
export interface LoadResult {
  runId: string;
  /** `loaded`: rows written; `unchanged`: the run was already loaded, nothing done. */
  status: "loaded" | "unchanged";
  /** Whether the run is the active one after this call. */
  active: boolean;
  /** The active run before this call (null when there was none). */
  previousActiveRunId: string | null;
  recommendations: number;
  products: number;
  /** `document` when recs.rich.json has `products`, else `derived` (support = max pair support, no category). */
  productStats: "document" | "derived";
  /** `verified` against manifest.json, or `unverified` when the run has no manifest. */
  checksums: "verified" | "unverified";
  durationMs: number;
}

/** What is known before the transaction starts. */
interface LoadPlan {
  source: RunSource;
  manifest: RunManifest | undefined;
  /** Named by the source or the manifest; else only recs.rich.json names the run. */
  runId: string | undefined;
}

/** What one load transaction needs. */
interface LoadContext {
  db: CobuyDb;
  session: Session;
  plan: LoadPlan;
  options: LoadOptions;
  progress: (event: LoadProgress) => void;
}

type LoadOutcome = Omit<LoadResult, "durationMs">;

/**
 * Loads a run (folder path or RunSource) and makes it active, atomically: checksums verified while
 * streaming, rows bulk-copied into new partitions, the active pointer switched in the same
 * transaction. Reloading a loaded run is a no-op. Concurrent loads of one schema are serialised by
 * an advisory lock; the loser of a race on the same run returns `unchanged`.
 * @example
 * const r = await loadRun(db, "out/runs/2025-01-31_12-00-00", { onProgress: (e) => log(e.phase) });
 * console.log(r.status, r.recommendations); // "loaded" 1000000
 */
export async function loadRun(
  input: DbInput,
  source: RunSource | string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  return withDb(input, async (db) => {
    if (options.migrate !== false) {
      const { error } = await migrate(db);
      if (error) throw error;
    }
    progress({ phase: "manifest" });
    const plan = await planLoad({
      source: typeof source === "string" ? localRunSource(source) : source,
      requireManifest: options.requireManifest === true,
    });
    const outcome = await db.backend.transaction((session) =>
      loadInTransaction({ db, session, plan, options, progress }),
    );
    return { ...outcome, durationMs: Date.now() - started };
  });
}

/** Reads and checks the manifest: the run id it names and the files it vouches for. */
async function planLoad(options: { source: RunSource; requireManifest: boolean }): Promise<LoadPlan> {
  const { source } = options;
  const manifest = await readManifest(source);
  if (manifest === undefined && options.requireManifest) {
    throw new SourceError(`${source.uri}manifest.json is missing (the run is unpublished or incomplete)`);
  }
  if (manifest && source.runId && manifest.runId && manifest.runId !== source.runId) {
    throw new FormatError(
      "manifest.json",
      `runId is "${manifest.runId}" but the source names run "${source.runId}"`,
    );
  }
  if (manifest && !manifestEntry(manifest, RICH_RECS))
    throw new SourceError(`${source.uri}manifest.json does not list ${RICH_RECS}`);
  return { source, manifest, runId: source.runId ?? manifest?.runId };
}

/**
 * lock → already loaded? → partitions → COPY recommendations → validation → COPY products →
 * index and analyse → record the run → switch the active pointer. Any throw rolls everything
 * back (the previous run stays active); "already loaded" is a result, and undoes what it wrote.
 */
async function loadInTransaction(ctx: LoadContext): Promise<LoadOutcome> {
  const { db, session, plan, options, progress } = ctx;
  const schema = db.schema;
  progress({ phase: "lock", runId: plan.runId });
  await inPhase("taking the schema lock", () =>
    lockForLoad({
      session,
      schema,
      statementTimeoutMs: options.statementTimeoutMs,
      lockTimeoutMs: options.lockTimeoutMs,
    }),
  );
  const previous = await inPhase("reading the active run", () => activeRunId(inSession(db, session)));
  const named =
    plan.runId === undefined
      ? undefined
      : await inPhase("reading the run", () => findRun({ session, runId: plan.runId! }));
  if (plan.runId !== undefined && named?.status === "loaded")
    return unchanged({ runId: plan.runId, run: named, previous, plan });

  // Without a run id up front, the document names its run only once streamed.
  const undo =
    plan.runId === undefined
      ? await inPhase("creating the run's partitions", () => savepoint(session))
      : undefined;
  const { key, tables } = await inPhase("creating the run's partitions", async () => {
    const k = named?.key ?? (await newRunKey({ session, schema }));
    return { key: k, tables: await createPartitions({ session, schema, key: k }) };
  });

  const document = await inPhase(`streaming ${RICH_RECS}`, () =>
    copyRecommendations({
      session,
      source: plan.source,
      table: tables.recommendations,
      entry: manifestEntry(plan.manifest, RICH_RECS),
      expectedRunId: plan.runId,
      onProgress: (read) => progress({ phase: "recommendations", runId: plan.runId, ...read }),
    }),
  );
  const runId = document.header.runId ?? plan.runId;
  if (runId === undefined)
    throw new FormatError(RICH_RECS, 'has no "runId" and the run has no manifest naming it');
  if (undo !== undefined) {
    const found = await inPhase(`streaming ${RICH_RECS}`, () => findRun({ session, runId }));
    if (found?.status === "loaded") {
      await inPhase("undoing the copy of an already loaded run", () => undo.rollback());
      return unchanged({ runId, run: found, previous, plan });
    }
    // A pruned run reloaded without a manifest: its old key is still taken by its metadata row.
    if (found !== undefined)
      await inPhase(`streaming ${RICH_RECS}`, () => forgetPrunedRun({ session, runId }));
  }

  const validation = await inPhase(`reading ${VALIDATION}`, () =>
    readValidation({ source: plan.source, entry: manifestEntry(plan.manifest, VALIDATION) }),
  );
  progress({ phase: "products", runId, rows: 0 });
  const products = await inPhase("copying products", () =>
    copyProducts({ session, table: tables.products, document }),
  );
  progress({ phase: "products", runId, rows: products });

  progress({ phase: "index", runId });
  await inPhase("indexing and attaching the partitions", () =>
    // PGlite keeps its default sort memory: its WASM heap is small.
    attachPartitions({ session, schema, key, sortMemoryMb: db.kind === "postgres" ? 256 : undefined }),
  );

  const productStats = document.hasProducts ? "document" : "derived";
  const header = document.header;
  await inPhase("recording the run", () =>
    recordRun({
      session,
      key,
      reusesKey: named !== undefined,
      row: {
        id: runId,
        created_at: header.createdAt ?? plan.manifest?.createdAt ?? new Date().toISOString(),
        loaded_at: new Date().toISOString(),
        source_uri: plan.source.uri,
        params: JSON.stringify(header.params ?? plan.manifest?.params ?? {}),
        counts: JSON.stringify(header.counts ?? plan.manifest?.counts ?? {}),
        validation: validation === undefined ? null : JSON.stringify(validation),
        status: "loaded",
        recommendation_count: document.rows,
        product_count: products,
        product_stats: productStats,
      },
    }),
  );
  const activate = options.activate !== false;
  if (activate) {
    progress({ phase: "activate", runId });
    await inPhase("switching the active run", () => setActive({ session, key }));
  }
  progress({ phase: "done", runId, rows: document.rows });
  return {
    runId,
    status: "loaded",
    active: activate || previous === runId,
    previousActiveRunId: previous,
    recommendations: document.rows,
    products,
    productStats,
    checksums: plan.manifest ? "verified" : "unverified",
  };
}

/** The result for a run that is already loaded. */
function unchanged(options: {
  runId: string;
  run: KnownRun;
  previous: string | null;
  plan: LoadPlan;
}): LoadOutcome {
  const { runId, run, previous } = options;
  return {
    runId,
    status: "unchanged",
    active: previous === runId,
    previousActiveRunId: previous,
    recommendations: run.recommendation_count,
    products: run.product_count,
    productStats: run.product_stats,
    checksums: options.plan.manifest ? "verified" : "unverified",
  };
}

/** Writes the run's metadata row: a new row, or the pruned run's row whose key is reused. */
async function recordRun(options: {
  session: Session;
  key: number;
  reusesKey: boolean;
  row: Omit<Insertable<RunsTable>, "key">;
}): Promise<void> {
  const { session, key, row } = options;
  if (options.reusesKey)
    await session.kysely
      .updateTable("runs")
      .set(row)
      .where("key", "=", key)
      .where("status", "=", "pruned")
      .execute();
  else
    await session.kysely
      .insertInto("runs")
      .values({ key, ...row })
      .execute();
}

/** Deletes a pruned run's metadata row, so the run can be recorded again under a new key. */
async function forgetPrunedRun(options: { session: Session; runId: string }): Promise<void> {
  await options.session.kysely
    .deleteFrom("runs")
    .where("id", "=", options.runId)
    .where("status", "=", "pruned")
    .execute();
}
