/**
 * The steps of a load, each run inside the load's one transaction with an options object and a
 * value as its result. `load-run.ts` calls them in order.
 */
import { createHash } from "node:crypto";
import { quoteIdent, type Session } from "../db/backend.js";
import type { Json } from "../db/types.js";
import { ChecksumError, FormatError, LoadError, PgLoaderError, SourceError } from "../errors.js";
import { PRODUCT_COPY_COLUMNS, productCopyLines } from "../parse/copy-encoder.js";
import { RichRecsParser } from "../parse/rich-recs-parser.js";
import type { ManifestFile } from "../source/manifest.js";
import { type RunSource, readSmallFile } from "../source/run-source.js";
import { lockSchema } from "./lock.js";

/** File names inside a run. */
export const RICH_RECS = "recs.rich.json";
export const VALIDATION = "validation.json";

/** Reports bytes and rows read so far while the recommendations stream. */
export type StreamProgress = (read: { bytes: number; totalBytes?: number; rows: number }) => void;

/** A run the `runs` table knows. */
export interface KnownRun {
  key: number;
  status: "loaded" | "pruned";
  recommendation_count: number;
  product_count: number;
  product_stats: "document" | "derived";
}

/**
 * Runs one step; a database error becomes a LoadError naming `phase` (pg-loader's own errors and
 * bad options pass unchanged).
 */
export async function inPhase<T>(phase: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw asLoadError(phase, err);
  }
}

function asLoadError(phase: string, err: unknown): unknown {
  if (err instanceof PgLoaderError || err instanceof RangeError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // A PgLoaderError from another copy of this package.
  if (typeof code === "string" && code.startsWith("COBUY_PG_")) return err;
  return new LoadError(phase, (err as Error | null)?.message ?? String(err), { cause: err });
}

/** Sets the load's statement timeout and takes the schema's lock (waiting at most `lockTimeoutMs`). */
export async function lockForLoad(options: {
  session: Session;
  schema: string;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}): Promise<void> {
  const { session, statementTimeoutMs: t } = options;
  if (t !== undefined) {
    if (!Number.isInteger(t) || t < 0)
      throw new RangeError(`statementTimeoutMs must be an integer ≥ 0, got ${t}`);
    await session.execute(`SET LOCAL statement_timeout = ${t}`);
  }
  await lockSchema(session, options.schema, options.lockTimeoutMs);
}

/** The run's row, or undefined when the database has never seen it. */
export async function findRun(options: { session: Session; runId: string }): Promise<KnownRun | undefined> {
  return options.session.kysely
    .selectFrom("runs")
    .select(["key", "status", "recommendation_count", "product_count", "product_stats"])
    .where("id", "=", options.runId)
    .executeTakeFirst();
}

/** A key for a run never loaded before (from the runs table's identity sequence). */
export async function newRunKey(options: { session: Session; schema: string }): Promise<number> {
  const [row] = await options.session.execute(
    `SELECT nextval(pg_get_serial_sequence($1, 'key'))::int AS key`,
    [`${quoteIdent(options.schema)}.runs`],
  );
  return Number(row?.key);
}

/**
 * A point in the transaction to return to: what the load did after it is undone, what came
 * before (the lock) is kept.
 */
export async function savepoint(session: Session): Promise<{ rollback(): Promise<void> }> {
  await session.execute("SAVEPOINT cobuy_load");
  return { rollback: async () => void (await session.execute("ROLLBACK TO SAVEPOINT cobuy_load")) };
}

/**
 * Streams recs.rich.json into `table` by COPY while hashing it; size and sha256 are checked
 * against the manifest before the COPY ends, so a corrupt document never commits.
 */
export async function copyRecommendations(options: {
  session: Session;
  source: RunSource;
  table: string;
  /** The manifest's entry for recs.rich.json (undefined: unverified). */
  entry: ManifestFile | undefined;
  expectedRunId: string | undefined;
  onProgress: StreamProgress;
}): Promise<RichRecsParser> {
  const { source, entry, onProgress } = options;
  const stream = await source.open(RICH_RECS);
  if (stream === undefined) throw new SourceError(`${source.uri}${RICH_RECS} is missing`);
  const parser = new RichRecsParser(RICH_RECS, { expectedRunId: options.expectedRunId });
  const hash = createHash("sha256");
  const totalBytes = entry?.size;
  let bytes = 0;
  let lastReport = 0;
  async function* lines(): AsyncGenerator<Uint8Array> {
    for await (const chunk of readSource(stream!, `${source.uri}${RICH_RECS}`)) {
      hash.update(chunk);
      bytes += chunk.length;
      parser.write(chunk);
      for (const block of parser.take()) yield block;
      if (bytes - lastReport >= 8 << 20) {
        lastReport = bytes;
        onProgress({ bytes, totalBytes, rows: parser.rows });
      }
    }
    parser.end();
    for (const block of parser.take()) yield block;
    verifyFile(RICH_RECS, entry, bytes, hash.digest("hex"));
  }
  onProgress({ bytes: 0, totalBytes, rows: 0 });
  await options.session.copyIn(
    options.table,
    ["product_id", "rank", "recommended_id", "score", "support"],
    lines(),
  );
  onProgress({ bytes, totalBytes, rows: parser.rows });
  return parser;
}

/** Copies the run's products into `table`; returns how many. */
export async function copyProducts(options: {
  session: Session;
  table: string;
  document: RichRecsParser;
}): Promise<number> {
  const { document } = options;
  await options.session.copyIn(options.table, PRODUCT_COPY_COLUMNS, productCopyLines(document));
  let products = document.recStats.size;
  for (const pid of document.docProducts.keys()) if (!document.recStats.has(pid)) products++;
  return products;
}

/** validation.json as a JSON object (undefined when the run has none and the manifest lists none). */
export async function readValidation(options: {
  source: RunSource;
  entry: ManifestFile | undefined;
}): Promise<Json | undefined> {
  const { source, entry } = options;
  const bytes = await readSmallFile(source, VALIDATION);
  if (bytes === undefined) {
    if (entry) throw new SourceError(`${source.uri}${VALIDATION} is listed in manifest.json but missing`);
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
        { cause: err },
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
