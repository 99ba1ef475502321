/**
 * The database steps of `load`, `db`, `serve` and `pipeline`: opening the target flags/db.ts chose,
 * loading a run with a progress bar, and telling the user how to query it.
 */
import { mkdir } from "node:fs/promises";
import {
  activeRun,
  type CobuyDb,
  type LoadProgress,
  type LoadResult,
  loadRun,
  openDatabase,
  type RunSource,
  searchProducts,
} from "@cobuy/pg-loader";
import type { Context } from "../context.js";
import type { DbTarget } from "../flags/db.js";

/** Opens the target (creating the PGlite folder when needed). */
export async function openDbTarget(target: DbTarget): Promise<CobuyDb> {
  if (target.config.kind === "pglite" && target.config.dataDir)
    await mkdir(target.config.dataDir, { recursive: true });
  return openDatabase(target.config);
}

/** A finished load: pg-loader's result and a product of the active run to show in examples. */
export interface LoadedRun {
  readonly result: LoadResult;
  readonly target: DbTarget;
  /** A product id of the active run (for the "how to query" lines). */
  readonly example?: string;
}

/**
 * Stage "database" (opening the target: PGlite's first start creates its folder, seconds of one
 * core, which a summary should name), then stage "load": loads a source with a progress bar and a
 * log line.
 * @example
 * const { result } = await loadWithProgress(ctx, target, localRunSource(dir));
 */
export async function loadWithProgress(
  ctx: Context,
  target: DbTarget,
  source: RunSource,
  opts: { activate?: boolean } = {},
): Promise<LoadedRun> {
  const db = await ctx.stage("database", () => openDbTarget(target));
  try {
    const result = await ctx.stage(
      "load",
      (bar) =>
        loadRun(db, source, {
          activate: opts.activate,
          statementTimeoutMs: target.statementTimeoutMs,
          onProgress: (e: LoadProgress) => {
            if (e.phase === "recommendations" && e.bytes !== undefined) bar.update(e.bytes, e.totalBytes);
            else if (e.phase !== "recommendations")
              ctx.log.debug(`load: ${e.phase}`, { run: e.runId, rows: e.rows });
          },
        }),
      { unit: "bytes" },
    );
    ctx.log.info(
      result.status === "loaded"
        ? `loaded run ${result.runId}`
        : `run ${result.runId} was already loaded (nothing to do)`,
      {
        database: target.label,
        schema: target.schema,
        recommendations: result.recommendations,
        active: result.active,
      },
    );
    const example = (await activeRun(db)) ? (await searchProducts(db, "", { limit: 1 }))[0]?.id : undefined;
    return { result, target, ...(example !== undefined ? { example } : {}) };
  } finally {
    await db.close();
  }
}

/** The `--json` summary's view of a load: pg-loader's result and where it went. */
export function loadSummary(loaded: LoadedRun): Record<string, unknown> {
  const { result, target } = loaded;
  return { ...result, database: target.label, kind: target.kind, schema: target.schema };
}

/** Lines telling the user how to query the loaded data. */
export function howToQuery(target: DbTarget, product = "P1"): string[] {
  const sqlText = `SELECT recommended_id, score, support FROM ${target.schema}.active_recommendations WHERE product_id = '${product.replaceAll("'", "''")}' ORDER BY rank;`;
  const lines = [
    `query:     cobuy db similar ${/^[\w.-]+$/.test(product) ? product : JSON.stringify(product)}${target.schema !== "cobuy" ? ` --schema ${target.schema}` : ""}`,
  ];
  if (target.kind === "postgres") lines.push(`           psql "$DATABASE_URL" -c "${sqlText}"`);
  else lines.push(`           (PGlite in ${target.label}; SQL: ${sqlText})`);
  return lines;
}
