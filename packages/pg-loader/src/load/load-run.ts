import { createHash } from "node:crypto";
import { sql } from "kysely";
import { quoteIdent, type Session } from "../db/backend.js";
import { type CobuyDb, type DbInput, withDb } from "../db/open-database.js";
import type { Json } from "../db/types.js";
import { ChecksumError, FormatError, LoadError, PgLoaderError, SourceError } from "../errors.js";
import { migrate } from "../migrations/migrate.js";
import { copyEscape, RichRecsParser } from "../parse/rich-recs-parser.js";
import { type ManifestFile, manifestEntry, type RunManifest, readManifest } from "../source/manifest.js";
import { localRunSource, type RunSource, readSmallFile } from "../source/run-source.js";
import { lockSchema } from "./lock.js";

/** File names inside a run. */
export const RICH_RECS = "recs.rich.json";
export const VALIDATION = "validation.json";

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

class AlreadyLoaded {
  constructor(readonly result: LoadResult) {}
}

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
  const src = typeof source === "string" ? localRunSource(source) : source;
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  return withDb(input, async (db) => {
    if (options.migrate !== false) {
      const { error } = await migrate(db);
      if (error) throw error;
    }
    progress({ phase: "manifest" });
    const manifest = await readManifest(src);
    if (manifest === undefined && options.requireManifest) {
      throw new SourceError(`${src.uri}manifest.json is missing (the run is unpublished or incomplete)`);
    }
    if (manifest && src.runId && manifest.runId && manifest.runId !== src.runId) {
      throw new FormatError(
        "manifest.json",
        `runId is "${manifest.runId}" but the source names run "${src.runId}"`,
      );
    }
    const knownRunId = src.runId ?? manifest?.runId;
    const recsEntry = manifestEntry(manifest, RICH_RECS);
    if (manifest && !recsEntry) throw new SourceError(`${src.uri}manifest.json does not list ${RICH_RECS}`);
    try {
      return await db.backend.transaction((session) =>
        loadInTransaction(db, session, src, manifest, knownRunId, options, progress, started),
      );
    } catch (err) {
      if (err instanceof AlreadyLoaded) return { ...err.result, durationMs: Date.now() - started };
      throw err;
    }
  });
}

async function loadInTransaction(
  db: CobuyDb,
  session: Session,
  src: RunSource,
  manifest: RunManifest | undefined,
  knownRunId: string | undefined,
  options: LoadOptions,
  progress: (e: LoadProgress) => void,
  started: number,
): Promise<LoadResult> {
  const k = session.kysely;
  let phase = "taking the schema lock";
  try {
    progress({ phase: "lock", runId: knownRunId });
    if (options.statementTimeoutMs !== undefined) {
      const t = options.statementTimeoutMs;
      if (!Number.isInteger(t) || t < 0)
        throw new RangeError(`statementTimeoutMs must be an integer ≥ 0, got ${t}`);
      await session.execute(`SET LOCAL statement_timeout = ${t}`);
    }
    await lockSchema(session, db.schema, options.lockTimeoutMs);
    phase = "reading the active run";
    const previous = await activeRunId(session);
    const unchanged = async (runId: string): Promise<AlreadyLoaded> => {
      const run = await k
        .selectFrom("runs")
        .select(["recommendation_count", "product_count", "product_stats"])
        .where("id", "=", runId)
        .executeTakeFirstOrThrow();
      return new AlreadyLoaded({
        runId,
        status: "unchanged",
        active: previous === runId,
        previousActiveRunId: previous,
        recommendations: run.recommendation_count,
        products: run.product_count,
        productStats: run.product_stats,
        checksums: manifest ? "verified" : "unverified",
        durationMs: 0,
      });
    };
    if (knownRunId !== undefined && (await runStatus(session, knownRunId))?.status === "loaded") {
      throw await unchanged(knownRunId);
    }

    phase = "creating the run's partitions";
    const existing = knownRunId === undefined ? undefined : await runStatus(session, knownRunId);
    const key =
      existing?.key ??
      Number(
        (
          await session.execute(`SELECT nextval(pg_get_serial_sequence($1, 'key'))::int AS key`, [
            `${quoteIdent(db.schema)}.runs`,
          ])
        )[0]!.key,
      );
    if (!Number.isInteger(key) || key <= 0) throw new Error(`unexpected run key ${key}`);
    const recTable = `recommendations_r${key}`;
    const prodTable = `products_r${key}`;
    await createPartition(session, db.schema, "recommendations", recTable, key);
    await createPartition(session, db.schema, "products", prodTable, key);

    phase = `streaming ${RICH_RECS}`;
    const recsEntry = manifestEntry(manifest, RICH_RECS);
    const stream = await src.open(RICH_RECS);
    if (stream === undefined) throw new SourceError(`${src.uri}${RICH_RECS} is missing`);
    const parser = new RichRecsParser(RICH_RECS, { expectedRunId: knownRunId });
    const hash = createHash("sha256");
    let bytes = 0;
    let lastReport = 0;
    const totalBytes = recsEntry?.size;
    async function* recLines(): AsyncGenerator<Uint8Array> {
      for await (const chunk of readSource(stream!, `${src.uri}${RICH_RECS}`)) {
        hash.update(chunk);
        bytes += chunk.length;
        parser.write(chunk);
        for (const lines of parser.take()) yield lines;
        if (bytes - lastReport >= 8 << 20) {
          lastReport = bytes;
          progress({ phase: "recommendations", runId: knownRunId, bytes, totalBytes, rows: parser.rows });
        }
      }
      parser.end();
      for (const lines of parser.take()) yield lines;
      // Checked before the COPY ends, so a corrupt document never commits.
      verifyFile(RICH_RECS, recsEntry, bytes, hash.digest("hex"));
    }
    progress({ phase: "recommendations", runId: knownRunId, bytes: 0, totalBytes, rows: 0 });
    await session.copyIn(recTable, ["product_id", "rank", "recommended_id", "score", "support"], recLines());
    progress({ phase: "recommendations", runId: knownRunId, bytes, totalBytes, rows: parser.rows });

    const header = parser.header;
    const runId = header.runId ?? knownRunId;
    if (runId === undefined)
      throw new FormatError(RICH_RECS, 'has no "runId" and the run has no manifest naming it');
    if (knownRunId === undefined && (await runStatus(session, runId))?.status === "loaded") {
      throw await unchanged(runId);
    }
    if (knownRunId === undefined && (await runStatus(session, runId)) !== undefined) {
      // A pruned run reloaded without a manifest: its old key is still taken by its metadata row.
      await session.execute(`DELETE FROM ${quoteIdent(db.schema)}.runs WHERE id = $1 AND status = 'pruned'`, [
        runId,
      ]);
    }

    phase = `reading ${VALIDATION}`;
    const validation = await readValidation(src, manifestEntry(manifest, VALIDATION));

    phase = "copying products";
    const productStats = parser.hasProducts ? "document" : "derived";
    let products = 0;
    async function* productLines(): AsyncGenerator<string> {
      let out = "";
      const line = (pid: string, category: string | null, support: number | null, recCount: number) => {
        products++;
        out += `${copyEscape(pid)}\t${category === null ? "\\N" : copyEscape(category)}\t${support === null ? "\\N" : support}\t${recCount}\n`;
      };
      for (const [pid, stat] of parser.recStats) {
        const doc = parser.docProducts.get(pid);
        line(pid, doc?.category ?? null, doc ? doc.support : stat.maxSupport, stat.recCount);
        if (out.length >= 1 << 20) {
          yield out;
          out = "";
        }
      }
      for (const [pid, doc] of parser.docProducts) {
        if (parser.recStats.has(pid)) continue;
        line(pid, doc.category, doc.support, 0);
      }
      if (out) yield out;
    }
    progress({ phase: "products", runId, rows: 0 });
    await session.copyIn(prodTable, ["product_id", "category", "support", "rec_count"], productLines());
    progress({ phase: "products", runId, rows: products });

    phase = "indexing and attaching the partitions";
    progress({ phase: "index", runId });
    // ATTACH builds the partitions' indexes by one sort each; give the sort memory so it does not
    // spill (transaction-local; PGlite keeps its default, its WASM heap is small).
    if (db.kind === "postgres") await session.execute("SET LOCAL maintenance_work_mem = '256MB'");
    await attachPartition(session, db.schema, "recommendations", recTable, key);
    await attachPartition(session, db.schema, "products", prodTable, key);
    // Fresh statistics so the first queries plan index scans on the new partitions.
    await session.execute(
      `ANALYZE ${quoteIdent(db.schema)}.${quoteIdent(recTable)}, ${quoteIdent(db.schema)}.${quoteIdent(prodTable)}`,
    );

    phase = "recording the run";
    const createdAt = header.createdAt ?? manifest?.createdAt ?? new Date().toISOString();
    const row = {
      id: runId,
      created_at: createdAt,
      loaded_at: new Date().toISOString(),
      source_uri: src.uri,
      params: JSON.stringify(header.params ?? manifest?.params ?? {}),
      counts: JSON.stringify(header.counts ?? manifest?.counts ?? {}),
      validation: validation === undefined ? null : JSON.stringify(validation),
      status: "loaded" as const,
      recommendation_count: parser.rows,
      product_count: products,
      product_stats: productStats,
    } as const;
    if (existing === undefined)
      await k
        .insertInto("runs")
        .values({ key, ...row })
        .execute();
    else await k.updateTable("runs").set(row).where("key", "=", key).where("status", "=", "pruned").execute();
    const activate = options.activate !== false;
    if (activate) {
      phase = "switching the active run";
      progress({ phase: "activate", runId });
      await setActive(session, key);
    }
    progress({ phase: "done", runId, rows: parser.rows });
    return {
      runId,
      status: "loaded",
      active: activate || previous === runId,
      previousActiveRunId: previous,
      recommendations: parser.rows,
      products,
      productStats,
      checksums: manifest ? "verified" : "unverified",
      durationMs: Date.now() - started,
    };
  } catch (err) {
    if (err instanceof AlreadyLoaded || err instanceof PgLoaderError || err instanceof RangeError) throw err;
    if (
      typeof (err as { code?: unknown }).code === "string" &&
      String((err as { code: string }).code).startsWith("PGL_")
    )
      throw err;
    throw new LoadError(phase, (err as Error).message ?? String(err), { cause: err });
  }
}

/** Iterates a source stream; its own failures (network, store checksum) become SourceError. */
async function* readSource(stream: AsyncIterable<Uint8Array>, where: string): AsyncGenerator<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await it.next();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new SourceError(
        `reading ${where} failed${typeof code === "string" ? ` (${code})` : ""}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (next.done) return;
    yield next.value;
  }
}

function verifyFile(name: string, entry: ManifestFile | undefined, size: number, sha256: string): void {
  if (entry === undefined) return;
  if (entry.size !== undefined && entry.size !== size)
    throw new ChecksumError(name, "size", String(entry.size), String(size));
  if (entry.sha256 !== undefined && entry.sha256 !== sha256)
    throw new ChecksumError(name, "sha256", entry.sha256, sha256);
}

async function readValidation(src: RunSource, entry: ManifestFile | undefined): Promise<Json | undefined> {
  const bytes = await readSmallFile(src, VALIDATION);
  if (bytes === undefined) {
    if (entry) throw new SourceError(`${src.uri}${VALIDATION} is listed in manifest.json but missing`);
    return undefined;
  }
  verifyFile(VALIDATION, entry, bytes.length, createHash("sha256").update(bytes).digest("hex"));
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new FormatError(VALIDATION, `invalid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new FormatError(VALIDATION, "must be a JSON object");
  return v as Json;
}

/** A standalone table shaped like `parent`, checked to hold only `key`'s rows (so ATTACH skips its scan). */
async function createPartition(
  session: Session,
  schema: string,
  parent: string,
  table: string,
  key: number,
): Promise<void> {
  const s = quoteIdent(schema);
  await session.execute(
    `CREATE TABLE ${s}.${quoteIdent(table)} (LIKE ${s}.${quoteIdent(parent)}, CONSTRAINT ${quoteIdent(`${table}_run_key`)} CHECK (run_key = ${key}))`,
  );
  await session.execute(`ALTER TABLE ${s}.${quoteIdent(table)} ALTER COLUMN run_key SET DEFAULT ${key}`);
}

/** Attaches a loaded table as `key`'s partition; PostgreSQL builds its indexes by sorting once. */
async function attachPartition(
  session: Session,
  schema: string,
  parent: string,
  table: string,
  key: number,
): Promise<void> {
  const s = quoteIdent(schema);
  await session.execute(
    `ALTER TABLE ${s}.${quoteIdent(parent)} ATTACH PARTITION ${s}.${quoteIdent(table)} FOR VALUES IN (${key})`,
  );
}

async function runStatus(
  session: Session,
  runId: string,
): Promise<{ key: number; status: "loaded" | "pruned" } | undefined> {
  return session.kysely
    .selectFrom("runs")
    .select(["key", "status"])
    .where("id", "=", runId)
    .executeTakeFirst();
}

/** The active run's id inside a session (null when none). */
export async function activeRunId(session: Session): Promise<string | null> {
  const r = await session.kysely
    .selectFrom("active_run")
    .innerJoin("runs", "runs.key", "active_run.run_key")
    .select("runs.id")
    .executeTakeFirst();
  return r?.id ?? null;
}

/** Points active_run at `key`. */
export async function setActive(session: Session, key: number): Promise<void> {
  await session.kysely
    .insertInto("active_run")
    .values({ run_key: key, activated_at: sql<string>`now()` })
    .onConflict((oc) =>
      oc.column("singleton").doUpdateSet({ run_key: key, activated_at: sql<string>`now()` }),
    )
    .execute();
}
