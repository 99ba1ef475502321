import type { ConnectionOptions } from "node:tls";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { KyselyBackend } from "../dialect/kysely/backend.js";
import { PgliteBackend } from "../dialect/pglite/backend.js";
import { CobuyPGliteDialect } from "../dialect/pglite/dialect.js";
import { PostgresBackend } from "../dialect/postgres/backend.js";
import { CobuyPostgresDialect } from "../dialect/postgres/dialect.js";
import { ConfigError } from "../errors.js";
import { BACKEND, type Backend, type Session } from "./backend.js";
import { DEFAULT_SCHEMA, validateSchemaName } from "./identifiers.js";
import type { Database } from "./types.js";

/**
 * PostgreSQL through `pg`: a connection string, the fields one by one, or a pool you own. Nothing
 * is read from the environment (no `PG*` variables, no ~/.pgpass): what the connection string
 * leaves out comes from the fields, then from fixed defaults (host `localhost`, port 5432,
 * database = user, no password, no TLS). The user is required.
 */
export interface PostgresConfig {
  kind?: "postgres";
  /** `postgres://user:pass@host:5432/db?sslmode=require`; its parts win over the fields below. */
  connectionString?: string;
  /** A `pg.Pool` you created, used as it is (the connection fields and `poolSize` are ignored; `close()` leaves it open). */
  pool?: PgPool;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** `true`, or TLS options (`{ rejectUnauthorized, ca }`). */
  ssl?: boolean | ConnectionOptions;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Per-statement timeout in ms (server-side `statement_timeout`; 0 = none). */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Schema holding cobuy's tables (default `cobuy`). */
  schema?: string;
}

/** The part of a `pg.Pool` this type names; pass a `pg.Pool`. */
export interface PgPool {
  connect(): Promise<unknown>;
  end(): Promise<void>;
}

/** Embedded PGlite in a local data folder (omit `dataDir` for an in-memory database). */
export interface PgliteConfig {
  kind: "pglite";
  dataDir?: string;
  schema?: string;
}

/** Where to connect. */
export type DatabaseConfig = PostgresConfig | PgliteConfig;

/** An open cobuy database: a Kysely instance scoped to the schema, plus what loading needs. */
export interface CobuyDb {
  readonly kind: "postgres" | "pglite" | "kysely";
  readonly schema: string;
  /** Kysely scoped to `schema` (`db.kysely.selectFrom("active_recommendations")`). */
  readonly kysely: Kysely<Database>;
  /** @internal transactions with bulk COPY */
  readonly backend: Backend;
  /** Closes the pool / PGlite (a borrowed Kysely instance is left open). */
  close(): Promise<void>;
}

/** A Kysely instance over any database type (the loader only needs its executor). */
// biome-ignore lint/suspicious/noExplicitAny: Kysely instances of every database type are accepted
export type AnyKysely = Kysely<any>;

/** Anything the API functions accept: an open handle, a Kysely instance, or a config. */
export type DbInput = CobuyDb | AnyKysely | DatabaseConfig;

/**
 * Opens PostgreSQL (pg pool) or PGlite (data folder), or wraps a Kysely instance you own.
 * @example
 * const db = await openDatabase({ connectionString: "postgres://postgres@127.0.0.1/app", poolSize: 4 });
 * const mine = await openDatabase({ pool: new pg.Pool({ connectionString }) }); // a pool you own
 * const local = await openDatabase({ kind: "pglite", dataDir: ".cobuy/pglite" });
 * await db.close();
 */
export async function openDatabase(input: DbInput, options: { schema?: string } = {}): Promise<CobuyDb> {
  if (isCobuyDb(input)) return input;
  if (isKysely(input)) {
    const schema = validateSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const adapter = input.getExecutor().adapter as unknown as { [BACKEND]?: Backend };
    // A Kysely made by this package carries the pool/PGlite; a foreign one falls back to INSERTs.
    const carried = adapter[BACKEND];
    const backend = carried ?? new KyselyBackend(input as Kysely<Database>, schema);
    return {
      kind: backend.kind,
      schema,
      kysely: (input as Kysely<Database>).withSchema(schema),
      backend: carried ? rescope(carried, schema) : backend,
      close: async () => {},
    };
  }
  const schema = validateSchemaName(input.schema ?? options.schema ?? DEFAULT_SCHEMA);
  if (input.kind === "pglite") {
    if (input.dataDir !== undefined && (typeof input.dataDir !== "string" || input.dataDir === "")) {
      throw new ConfigError("pglite dataDir must be a non-empty folder path (or omitted for in-memory)");
    }
    let pglite: PGlite;
    try {
      pglite = await PGlite.create(input.dataDir === undefined ? {} : { dataDir: input.dataDir });
    } catch (err) {
      throw new ConfigError(
        `cannot open PGlite data folder "${input.dataDir ?? "(memory)"}": ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const backend = new PgliteBackend(pglite, schema);
    const kysely = new Kysely<Database>({ dialect: new CobuyPGliteDialect(pglite, backend) });
    return {
      kind: "pglite",
      schema,
      kysely: kysely.withSchema(schema),
      backend,
      close: async () => {
        if (!pglite.closed) await pglite.close();
      },
    };
  }
  if (input.kind !== undefined && input.kind !== "postgres") {
    throw new ConfigError(`unknown database kind "${String(input.kind)}" (use "postgres" or "pglite")`);
  }
  const borrowed = input.pool as pg.Pool | undefined;
  const pool = borrowed ?? new pg.Pool(poolConfig(input));
  // Idle clients whose connection drops report here; the next checkout gets a fresh one.
  if (borrowed === undefined) pool.on("error", () => {});
  const backend = new PostgresBackend(pool, schema);
  const kysely = new Kysely<Database>({ dialect: new CobuyPostgresDialect(pool, backend) });
  return {
    kind: "postgres",
    schema,
    kysely: kysely.withSchema(schema),
    backend,
    close: borrowed === undefined ? () => kysely.destroy() : async () => {},
  };
}

/** The pool settings, every connection field explicit so `pg` never falls back to PG* variables. */
function poolConfig(input: PostgresConfig): pg.PoolConfig {
  const poolSize = input.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw new ConfigError(`poolSize must be a positive integer, got ${poolSize}`);
  const timeout = input.statementTimeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0)) {
    throw new ConfigError(`statementTimeoutMs must be a non-negative integer, got ${timeout}`);
  }
  let url: pg.ClientConfig = {};
  if (input.connectionString !== undefined) {
    try {
      url = parseIntoClientConfig(input.connectionString);
    } catch (err) {
      throw new ConfigError(`connectionString is not a PostgreSQL URL: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const given = <T>(a: T | null | undefined, b: T | undefined): T | undefined =>
    a === undefined || a === null || a === "" ? b : a;
  const user = given(url.user, input.user);
  if (user === undefined) {
    throw new ConfigError(
      "no PostgreSQL user: put it in the connection string (postgres://USER@host/db) or pass user",
    );
  }
  const password = given(typeof url.password === "string" ? url.password : undefined, input.password);
  return {
    ...url,
    connectionString: undefined,
    host: given(url.host, input.host) ?? "localhost",
    port: given(url.port, input.port) ?? 5432,
    user,
    database: given(url.database, input.database) ?? user,
    // A function, so that a missing password is not looked up in PGPASSWORD or ~/.pgpass.
    password: async () => password as string,
    ssl: url.ssl ?? input.ssl ?? false,
    connectionTimeoutMillis: 0,
    max: poolSize,
    statement_timeout: timeout,
    application_name: given(url.application_name, input.applicationName) ?? "cobuy",
  };
}

/**
 * The open handle seen from inside one of its transactions: the query API run on `session` reads
 * what the transaction sees (and its own writes). Its `transaction` runs in that same session.
 */
export function inSession(db: CobuyDb, session: Session): CobuyDb {
  return {
    kind: db.kind,
    schema: db.schema,
    kysely: session.kysely,
    backend: { kind: db.backend.kind, transaction: (fn) => fn(session) },
    close: async () => {},
  };
}

/**
 * Runs `fn` with an open handle: reuses a handle, wraps a Kysely instance, or opens and closes a config.
 * @example
 * const n = await withDb({ kind: "pglite", dataDir: ".cobuy/pglite" }, async (db) => (await listRuns(db)).length);
 */
export async function withDb<T>(input: DbInput, fn: (db: CobuyDb) => Promise<T>): Promise<T> {
  if (isCobuyDb(input)) return fn(input);
  const db = await openDatabase(input);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function isKysely(x: unknown): x is AnyKysely {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as AnyKysely).selectFrom === "function" &&
    typeof (x as AnyKysely).getExecutor === "function"
  );
}

function isCobuyDb(x: unknown): x is CobuyDb {
  return typeof x === "object" && x !== null && "backend" in x && "kysely" in x && "schema" in x;
}

function rescope(backend: Backend, schema: string): Backend {
  if (backend instanceof PostgresBackend || backend instanceof PgliteBackend) {
    return backend.withSchema(schema);
  }
  return backend;
}
