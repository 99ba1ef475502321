/**
 * `cobuy load DIR` / `cobuy load --store URL [--run RUN]`: loads a run into PostgreSQL
 * (DATABASE_URL, or the PG* variables) or, by default, into the embedded PGlite database under
 * $COBUY_HOME/pglite, and makes it the active run in one transaction.
 *
 * Also exports the database flags and helpers `db` and `pipeline` share (not a command itself).
 *
 * Configuration read here (libraries never read the environment):
 * - `DATABASE_URL` (postgres://…; `?sslmode=require` works), else `PGHOST`/`PGDATABASE` with
 *   `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`; else PGlite in `<home>/pglite`.
 * - `--schema`, `--pool-size`, `--statement-timeout` flags.
 */
import { mkdir } from "node:fs/promises";
import {
  activeRun,
  type CobuyDb,
  type DatabaseConfig,
  type LoadProgress,
  type LoadResult,
  loadRun,
  localRunSource,
  openDatabase,
  type RunSource,
  searchProducts,
} from "@cobuy/pg-loader";
import { openRunFile, readManifest, resolveRunId } from "@cobuy/s3-export";
import { defineCommand, type OptionSpecs } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { openStoreFromFlags, STORE_OPTIONS } from "./store-flags.js";

export const DB_OPTIONS = {
  schema: {
    type: "string",
    valueName: "NAME",
    description: "database schema holding cobuy's tables (default cobuy)",
  },
  "pool-size": {
    type: "string",
    valueName: "N",
    description: "PostgreSQL connection pool size (default 4)",
  },
  "statement-timeout": {
    type: "string",
    valueName: "MS",
    description: "PostgreSQL statement_timeout in ms for the load's statements (default: the server's)",
  },
} as const satisfies OptionSpecs;

export interface DbFlagValues {
  schema?: string;
  "pool-size"?: string;
  "statement-timeout"?: string;
}

/** A database chosen from the environment and flags, with a label safe to print. */
export interface DbTarget {
  config: DatabaseConfig;
  /** `postgres://user@host:5432/db` (no password) or the PGlite folder. */
  label: string;
  kind: "postgres" | "pglite";
  schema: string;
  statementTimeoutMs?: number;
}

/**
 * @example
 * const target = dbTargetFromEnv(ctx, values); // DATABASE_URL, PG*, else <home>/pglite
 */
export function dbTargetFromEnv(ctx: Context, values: DbFlagValues): DbTarget {
  const schema = values.schema || "cobuy";
  const poolSize = intFlag("--pool-size", values["pool-size"], 1) ?? 4;
  const statementTimeoutMs = intFlag("--statement-timeout", values["statement-timeout"], 0);
  const env = ctx.env;
  const url = env.DATABASE_URL?.trim();
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError("DATABASE_URL is not a URL (expected postgres://user:password@host:5432/db)");
    }
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
      throw new UsageError(`DATABASE_URL must start with postgres:// (got ${parsed.protocol}//…)`);
    }
    parsed.password = "";
    return {
      config: { connectionString: url, poolSize, schema, applicationName: "cobuy" },
      label: parsed.toString(),
      kind: "postgres",
      schema,
      statementTimeoutMs,
    };
  }
  if (env.PGHOST || env.PGDATABASE) {
    const sslmode = env.PGSSLMODE;
    const ssl =
      sslmode === undefined || sslmode === "disable" || sslmode === "prefer" || sslmode === "allow"
        ? undefined
        : sslmode === "require"
          ? { rejectUnauthorized: false }
          : true;
    const port = intFlag("PGPORT", env.PGPORT, 1);
    const config: DatabaseConfig = {
      host: env.PGHOST,
      port,
      user: env.PGUSER,
      password: env.PGPASSWORD,
      database: env.PGDATABASE,
      ssl,
      poolSize,
      schema,
      applicationName: "cobuy",
    };
    const label = `postgres://${env.PGUSER ?? ""}${env.PGUSER ? "@" : ""}${env.PGHOST ?? "localhost"}:${port ?? 5432}/${env.PGDATABASE ?? ""}`;
    return { config, label, kind: "postgres", schema, statementTimeoutMs };
  }
  return {
    config: { kind: "pglite", dataDir: ctx.home.pglite, schema },
    label: ctx.home.pglite,
    kind: "pglite",
    schema,
    statementTimeoutMs,
  };
}

/** Opens the target (creating the PGlite folder when needed). */
export async function openDbTarget(target: DbTarget): Promise<CobuyDb> {
  if (target.config.kind === "pglite" && target.config.dataDir)
    await mkdir(target.config.dataDir, { recursive: true });
  return openDatabase(target.config);
}

/**
 * A published run in an object store as a pg-loader RunSource: documents are decompressed and
 * checked against the manifest by @cobuy/s3-export while they stream (pg-loader checks again).
 */
export async function storeRunSource(
  store: Parameters<typeof resolveRunId>[0],
  run: string | undefined,
): Promise<RunSource> {
  const runId = await resolveRunId(store, run ?? "latest");
  const manifest = await readManifest(store, runId);
  const names = new Set(manifest.files.map((f) => f.name));
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    uri: `${store.description.replace(/\/+$/, "")}/${runId}/`,
    runId,
    async open(name) {
      if (name === "manifest.json") {
        return (async function* () {
          yield manifestBytes;
        })();
      }
      if (!names.has(name)) return undefined;
      return (await openRunFile(store, runId, name)).stream;
    },
  };
}

/**
 * Loads a source with a progress bar and a log line; shared by `load` and `pipeline`.
 * @example
 * const { result } = await loadWithProgress(ctx, target, localRunSource(dir));
 */
export async function loadWithProgress(
  ctx: Context,
  target: DbTarget,
  source: RunSource,
  opts: { activate?: boolean } = {},
): Promise<{ result: LoadResult; example?: string }> {
  const db = await openDbTarget(target);
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
    return { result, example };
  } finally {
    await db.close();
  }
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

export const loadCommand = defineCommand({
  name: "load",
  summary: "load a run into PostgreSQL (DATABASE_URL) or the embedded PGlite and make it active",
  usage: "cobuy load DIR [options]\ncobuy load --store URL [--run RUN] [options]",
  description:
    "Verifies the run's checksums against manifest.json, bulk-loads recs.rich.json (COPY on PostgreSQL)\n" +
    "and switches the active run in one transaction: a failed load leaves the previous run active.\n" +
    "Loading an already loaded run does nothing. Database: DATABASE_URL, else PGHOST/PGDATABASE (+PG*),\n" +
    "else PGlite in $COBUY_HOME/pglite.",
  options: {
    ...STORE_OPTIONS,
    run: {
      type: "string",
      valueName: "RUN",
      description: "run id in the store (default: the one latest.json names)",
    },
    activate: {
      type: "boolean",
      default: true,
      description: "make the run active (--no-activate: load only)",
    },
    ...DB_OPTIONS,
  },
  positionals: true,
  examples: [
    "cobuy load .cobuy/runs/2026-07-01_00-00-00",
    "DATABASE_URL=postgres://postgres@127.0.0.1/app cobuy load --store s3://bucket/cobuy --json",
  ],
  async run(ctx, { values, positionals }) {
    if (positionals.length > 1)
      throw new UsageError(`cobuy load takes one run folder (got ${positionals.length})`);
    const dir = positionals[0];
    if (dir !== undefined && (values.store !== undefined || values.run !== undefined)) {
      throw new UsageError("give either a run folder or --store [--run], not both");
    }
    if (dir === undefined && values.store === undefined && values.run === undefined) {
      throw new UsageError("cobuy load needs a run folder or --store URL (see cobuy load --help)");
    }
    const target = dbTargetFromEnv(ctx, values);
    let source: RunSource;
    let close = () => {};
    if (dir !== undefined) {
      source = localRunSource(ctx.resolvePath(dir));
    } else {
      const opened = openStoreFromFlags(ctx, values, { forRead: true });
      close = opened.close;
      source = await storeRunSource(opened.store, values.run);
    }
    try {
      const { result, example } = await loadWithProgress(ctx, target, source, { activate: values.activate });
      ctx.print(
        `${result.status === "loaded" ? "loaded" : "already loaded"}: run ${result.runId} → ${target.label} (schema ${target.schema})`,
      );
      ctx.print(
        `rows:      ${result.recommendations} recommendations, ${result.products} products (${result.productStats} product stats, checksums ${result.checksums})`,
      );
      ctx.print(
        `active:    ${result.active ? result.runId : `${result.previousActiveRunId ?? "(none)"} (this run is loaded, not active)`}`,
      );
      for (const line of howToQuery(target, example)) ctx.print(line);
      return {
        ...result,
        database: target.label,
        kind: target.kind,
        schema: target.schema,
        source: source.uri,
      };
    } finally {
      close();
    }
  },
});

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${name} must be an integer ≥ ${min} (got "${v}")`);
  return n;
}
