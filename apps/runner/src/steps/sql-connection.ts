/**
 * One connection to the database a build runs in, as @cobuy/pipeline's SqlQuery plus its snapshot
 * boundaries: PostgreSQL through pg and pg-cursor, DuckDB embedded (its file, or an in-memory
 * database over a .csv/.parquet file it reads itself). Each driver loads only when used.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import {
  chunkQuery,
  cursorQuery,
  duckdbDialect,
  postgresDialect,
  type SqlDialect,
  type SqlQuery,
} from "@cobuy/pipeline";
import type CursorClass from "pg-cursor";
import type { Context } from "../context.js";
import { CLI_ERROR_CODES, CobuyCliError } from "../errors.js";
import { DUCKDB_MEMORY_DEFAULT, type SqlInput } from "../flags/input.js";

export interface SqlConnection {
  readonly dialect: SqlDialect;
  readonly query: SqlQuery;
  /** Starts the read-only snapshot the data queries share. */
  begin(): Promise<void>;
  /**
   * After `begin`: a second connection in the same snapshot, for a statement that can run beside
   * the others (PostgreSQL), or null (DuckDB, or a server that cannot share its snapshot).
   */
  statementQuery(): Promise<SqlQuery | null>;
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
export async function openSqlConnection(
  ctx: Context,
  input: SqlInput,
  options: { readonly duckdbMemoryDefault?: string } = {},
): Promise<SqlConnection> {
  // Stage "connect": all of opening PostgreSQL; DuckDB's open also reads a file, its own stage.
  return input.engine === "duckdb"
    ? openDuckdb(ctx, input, options.duckdbMemoryDefault ?? DUCKDB_MEMORY_DEFAULT)
    : ctx.stage("connect", () => openPostgres(ctx, input));
}

async function openPostgres(ctx: Context, input: SqlInput): Promise<SqlConnection> {
  // Loaded here, not at the top: pg costs about 45 ms to import, which a build of a file need not pay.
  const [{ default: pg }, cursorModule] = await Promise.all([import("pg"), import("pg-cursor")]);
  // pg-cursor's types say `export =`; loaded as ESM its class is the default export.
  const Cursor = (cursorModule as unknown as { default: typeof CursorClass }).default;
  const client = new pg.Client({ connectionString: input.url, application_name: "cobuy" });
  client.on("error", (e) => ctx.log.debug(`database connection error: ${e.message}`));
  try {
    await client.connect();
  } catch (e) {
    throw connectError(input.label.split(" table ")[0]!, e);
  }
  const cursors = (c: InstanceType<typeof pg.Client>) =>
    cursorQuery((text, values) => c.query(new Cursor(text, [...values], { rowMode: "array" })), {
      batchRows: 50_000,
    });
  const BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  // The second connection and its backend's pid (to cancel a statement a failed build leaves running).
  let second: { client: InstanceType<typeof pg.Client>; pid: number } | null = null;
  return {
    dialect: postgresDialect,
    query: cursors(client),
    begin: async () => void (await client.query(BEGIN)),
    async statementQuery() {
      let id: string | null;
      try {
        // A standby cannot export its snapshot; without one the two connections could see different rows.
        const sql = "SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_export_snapshot() END AS id";
        const exported: unknown = (await client.query(sql)).rows[0]?.id;
        id = typeof exported === "string" ? exported : null;
      } catch (e) {
        // An engine without these functions (Redshift, say). The failed call aborted the
        // transaction before any data query ran in it: a new one starts clean.
        ctx.log.debug(`one connection only: cannot export the snapshot (${(e as Error).message})`);
        await client.query("ROLLBACK");
        await client.query(BEGIN);
        return null;
      }
      // The id is the server's own ("00000003-0000001B-1"); SET TRANSACTION takes no parameters.
      if (id === null || !/^[0-9A-F-]+$/i.test(id)) return null;
      const other = new pg.Client({ connectionString: input.url, application_name: "cobuy" });
      other.on("error", (e) => ctx.log.debug(`database connection error: ${e.message}`));
      try {
        await other.connect();
        await other.query(BEGIN);
        await other.query(`SET TRANSACTION SNAPSHOT '${id}'`);
        const pid = Number((await other.query("SELECT pg_backend_pid() AS pid")).rows[0]?.pid);
        second = { client: other, pid };
      } catch (e) {
        // max_connections reached, say: the build runs on one connection, as before.
        ctx.log.debug(`one connection only: ${(e as Error).message}`);
        await other.end().catch(() => {});
        return null;
      }
      return cursors(other);
    },
    async commit() {
      if (second !== null) {
        await second.client.query("COMMIT");
        await second.client.end();
        second = null;
      }
      await client.query("COMMIT");
    },
    async close() {
      if (second !== null) {
        // A build that failed before the second connection's statement ended: the server would run
        // it to its end after the disconnect, so it is cancelled.
        const { pid } = second;
        await client.query("ROLLBACK").catch(() => {});
        await client.query("SELECT pg_cancel_backend($1)", [pid]).catch(() => {});
        await second.client.end().catch(() => {});
        second = null;
      }
      await client.end().catch(() => {});
    },
  };
}

// Stages "connect" (loading DuckDB and opening the database: about 0.2 s, most of it the native
// module) and, with a file, "read" (the file into a table): neither is in the build's own stages.
async function openDuckdb(ctx: Context, input: SqlInput, memoryDefault: string): Promise<SqlConnection> {
  const { instance, connection, removeSpill } = await ctx.stage("connect", () =>
    createDuckdb(ctx, input, memoryDefault),
  );
  const cap = new MemoryCap(ctx, input.memoryLimit, memoryDefault, () =>
    // DuckDB's own default: RESET would return to the cap the instance was created with.
    connection.run(`SET memory_limit = '${Math.floor((totalmem() * 0.8) / 2 ** 20)}MB'`),
  );
  if (input.file !== undefined) {
    // The file's path goes in as a variable, never into the SQL text; every column reads as text,
    // as the CSV reader reads it. A temporary table, not a view: the build's five statements then
    // parse the file once (measured at M: a view re-reads it for each).
    const file = ctx.resolvePath(input.file);
    const reader = /\.parquet$/i.test(file)
      ? "read_parquet(getvariable('cobuy_input'))"
      : "read_csv(getvariable('cobuy_input'), header = true, all_varchar = true)";
    try {
      await ctx.stage("read", async () => {
        await connection.run("SET VARIABLE cobuy_input = $1", [file]);
        await cap.retry(() => connection.run(`CREATE TEMP TABLE sales AS SELECT * FROM ${reader}`));
      });
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      removeSpill();
      throw new CobuyCliError(CLI_ERROR_CODES.io, `cannot read ${input.file}: ${cap.explain(e)}`, {
        cause: e,
      });
    }
  }
  const capped = chunkQuery((text, values) =>
    connection.stream(text, values.length > 0 ? [...(values as never[])] : undefined),
  );
  const query: SqlQuery = (text, values) => ({
    async *[Symbol.asyncIterator]() {
      for (;;) {
        let yielded = false;
        try {
          for await (const rows of capped(text, values)) {
            yielded = true;
            yield rows;
          }
          return;
        } catch (e) {
          // Rows already handed on cannot be taken back: only a statement that failed before
          // its first row runs again.
          if (yielded || !(await cap.lift(e))) throw cap.named(e);
        }
      }
    },
  });
  return {
    dialect: duckdbDialect,
    query,
    // One connection, read-only: the queries see the same rows without a transaction.
    begin: async () => {},
    // DuckDB runs each statement on every core already.
    statementQuery: async () => null,
    commit: async () => {},
    close: async () => {
      connection.closeSync();
      instance.closeSync();
      removeSpill();
    },
  };
}

/**
 * DuckDB's memory cap over one connection. The default cap is a guess at what a build needs, so
 * the first statement that runs out of memory under it lifts it (to DuckDB's own default, 80 %
 * of the machine's memory) and runs once more; a cap the user gave with `--db-memory` is kept.
 */
class MemoryCap {
  private lifted: boolean;
  constructor(
    private readonly ctx: Context,
    private readonly given: string | undefined,
    private readonly fallback: string,
    private readonly reset: () => Promise<unknown>,
  ) {
    this.lifted = given !== undefined;
  }

  /** Lifts the default cap after `e` if `e` is DuckDB running out of memory under it; true when it did. */
  async lift(e: unknown): Promise<boolean> {
    if (this.lifted || !isOutOfMemory(e)) return false;
    this.lifted = true;
    this.ctx.log.info(
      `DuckDB needed more than ${this.fallback}: running the statement again without the cap (--db-memory sets one)`,
    );
    await this.reset();
    return true;
  }

  async retry<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (!(await this.lift(e))) throw e;
      return run();
    }
  }

  /** `e`, or when it ran into the cap the user gave, an error that names that cap. */
  named(e: unknown): unknown {
    return this.given !== undefined && isOutOfMemory(e) ? new Error(this.explain(e), { cause: e }) : e;
  }

  /** The error's message, naming the cap the user gave when that is what it ran into. */
  explain(e: unknown): string {
    const message = e instanceof Error ? e.message : String(e);
    return this.given !== undefined && isOutOfMemory(e)
      ? `${message} (under --db-memory ${this.given})`
      : message;
  }
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof Error && /out of memory/i.test(e.message);
}

/** The DuckDB instance and its one connection, spilling into a folder of its own (stage "connect"). */
async function createDuckdb(ctx: Context, input: SqlInput, memoryDefault: string) {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const path = input.url === "" ? ":memory:" : ctx.resolvePath(input.url);
  // DuckDB spills next to the database file, or into ./.tmp for an in-memory one: neither is ours
  // to write, so it spills into a folder of its own, removed on close.
  const spill = mkdtempSync(join(tmpdir(), "cobuy-duckdb-"));
  const removeSpill = () => rmSync(spill, { recursive: true, force: true });
  let instance: Awaited<ReturnType<typeof DuckDBInstance.create>>;
  try {
    // Row order never matters to the build (every list is ranked in SQL): without insertion order
    // DuckDB's joins, aggregates and window sorts run in parallel and spill less.
    const settings = {
      preserve_insertion_order: "false",
      memory_limit: input.memoryLimit ?? memoryDefault,
      temp_directory: spill,
    };
    instance = await DuckDBInstance.create(
      path,
      input.url === "" ? settings : { ...settings, access_mode: "READ_ONLY" },
    );
  } catch (e) {
    removeSpill();
    throw connectError(`duckdb ${input.url}`, e);
  }
  const connection = await instance.connect();
  return { instance, connection, removeSpill };
}
