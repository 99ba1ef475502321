/**
 * One connection to the database a build runs in, as @cobuy/pipeline's SqlQuery plus its snapshot
 * boundaries: PostgreSQL through pg and pg-cursor, DuckDB embedded (its file, or an in-memory
 * database over a .csv/.parquet file it reads itself; its native module loads only when used).
 */
import {
  chunkQuery,
  cursorQuery,
  duckdbDialect,
  postgresDialect,
  type SqlDialect,
  type SqlQuery,
} from "@cobuy/pipeline";
import pg from "pg";
import Cursor from "pg-cursor";
import type { Context } from "../context.js";
import { CLI_ERROR_CODES, CobuyCliError } from "../errors.js";
import type { SqlInput } from "../flags/input.js";

export interface SqlConnection {
  readonly dialect: SqlDialect;
  readonly query: SqlQuery;
  /** Starts the read-only snapshot the data queries share. */
  begin(): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

function connectError(what: string, e: unknown): CobuyCliError {
  return new CobuyCliError(CLI_ERROR_CODES.sqlConnect, `cannot connect to ${what}: ${(e as Error).message}`, {
    cause: e,
  });
}

/**
 * @example
 * const db = await openSqlConnection(ctx, input);
 * try { await buildMeasureFromSql(db.query, { table: input.table, measure: "llr", dialect: db.dialect }); } finally { await db.close(); }
 */
export async function openSqlConnection(ctx: Context, input: SqlInput): Promise<SqlConnection> {
  return input.engine === "duckdb" ? openDuckdb(ctx, input) : openPostgres(ctx, input);
}

async function openPostgres(ctx: Context, input: SqlInput): Promise<SqlConnection> {
  const client = new pg.Client({ connectionString: input.url, application_name: "cobuy" });
  client.on("error", (e) => ctx.log.debug(`database connection error: ${e.message}`));
  try {
    await client.connect();
  } catch (e) {
    throw connectError(input.label.split(" table ")[0]!, e);
  }
  return {
    dialect: postgresDialect,
    query: cursorQuery((text, values) => client.query(new Cursor(text, [...values], { rowMode: "array" })), {
      batchRows: 50_000,
    }),
    begin: async () => void (await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")),
    commit: async () => void (await client.query("COMMIT")),
    close: () => client.end().catch(() => {}),
  };
}

async function openDuckdb(ctx: Context, input: SqlInput): Promise<SqlConnection> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const path = input.url === "" ? ":memory:" : ctx.resolvePath(input.url);
  let instance: Awaited<ReturnType<typeof DuckDBInstance.create>>;
  try {
    // Row order never matters to the build (every list is ranked in SQL): without insertion order
    // DuckDB's joins, aggregates and window sorts run in parallel and spill less.
    const settings = { preserve_insertion_order: "false" };
    instance = await DuckDBInstance.create(
      path,
      input.url === "" ? settings : { ...settings, access_mode: "READ_ONLY" },
    );
  } catch (e) {
    throw connectError(`duckdb ${input.url}`, e);
  }
  const connection = await instance.connect();
  if (input.file !== undefined) {
    // The file's path goes in as a variable, never into the SQL text; every column reads as text,
    // as the CSV reader reads it. A temporary table, not a view: the build's five statements then
    // parse the file once (measured at M: a view re-reads it for each).
    const file = ctx.resolvePath(input.file);
    const reader = /\.parquet$/i.test(file)
      ? "read_parquet(getvariable('cobuy_input'))"
      : "read_csv(getvariable('cobuy_input'), header = true, all_varchar = true)";
    await connection.run("SET VARIABLE cobuy_input = $1", [file]);
    try {
      await connection.run(`CREATE TEMP TABLE sales AS SELECT * FROM ${reader}`);
    } catch (e) {
      throw new CobuyCliError(CLI_ERROR_CODES.io, `cannot read ${input.file}: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  const query = chunkQuery((text, values) =>
    connection.stream(text, values.length > 0 ? [...(values as never[])] : undefined),
  );
  return {
    dialect: duckdbDialect,
    query,
    // One connection, read-only: the queries see the same rows without a transaction.
    begin: async () => {},
    commit: async () => {},
    close: async () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
