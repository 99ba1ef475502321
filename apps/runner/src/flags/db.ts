/**
 * The database family: `--schema`, `--pool-size`, `--statement-timeout` (load, db, serve, pipeline),
 * declared once, and the choice of database from them and the environment.
 *
 * Configuration read here (libraries never read the environment):
 * - `DATABASE_URL` (postgres://…; `?sslmode=require` works), else `PGHOST`/`PGDATABASE` with
 *   `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGSSLMODE`; else PGlite in `<home>/pglite`.
 */
import type { DatabaseConfig } from "@cobuy/pg-loader";
import type { OptionSpecs, OptionValues } from "../command.js";
import type { Context } from "../context.js";
import { intEnv, intOption, postgresUrl } from "./values.js";

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

export type DbFlagValues = OptionValues<typeof DB_OPTIONS>;

/** A database chosen from the environment and flags, with a label safe to print. */
export interface DbTarget {
  readonly config: DatabaseConfig;
  /** `postgres://user@host:5432/db` (no password) or the PGlite folder. */
  readonly label: string;
  readonly kind: "postgres" | "pglite";
  readonly schema: string;
  readonly statementTimeoutMs?: number;
}

/**
 * @example
 * const target = dbTargetFromEnv(ctx, values); // DATABASE_URL, PG*, else <home>/pglite
 */
export function dbTargetFromEnv(
  ctx: Context,
  values: DbFlagValues,
  defaults: { poolSize?: number } = {},
): DbTarget {
  const schema = values.schema || "cobuy";
  const poolSize = intOption(values["pool-size"], "pool-size", defaults.poolSize ?? 4, { min: 1 });
  const statementTimeoutMs = intOption(values["statement-timeout"], "statement-timeout", undefined, {
    min: 0,
  });
  const env = ctx.env;
  const url = env.DATABASE_URL?.trim();
  if (url) {
    const parsed = postgresUrl(url, "DATABASE_URL", "postgres://user:password@host:5432/db");
    parsed.password = "";
    return {
      // What the URL leaves out comes from PG* here: pg-loader itself reads no environment.
      config: { ...pgEnvDefaults(env), connectionString: url, poolSize, schema, applicationName: "cobuy" },
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
    const port = intEnv(env.PGPORT, "PGPORT", { min: 1 });
    const config: DatabaseConfig = {
      ...pgEnvDefaults(env),
      host: env.PGHOST,
      port,
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

/** The connection fields libpq takes from the environment: PGUSER (else the OS user), PGPASSWORD, PGDATABASE. */
function pgEnvDefaults(env: Context["env"]): { user?: string; password?: string; database?: string } {
  return { user: env.PGUSER || env.USER || undefined, password: env.PGPASSWORD, database: env.PGDATABASE };
}
