import {
  type CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
} from "kysely";

/** Executes one statement on an already-open connection or transaction. */
export type ExecuteFn = (
  sql: string,
  params: readonly unknown[],
) => Promise<{ rows: unknown[]; affected?: number }>;

class FnConnection implements DatabaseConnection {
  constructor(private readonly run: ExecuteFn) {}
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.run(compiled.sql, compiled.parameters);
    return {
      rows: r.rows as R[],
      numAffectedRows: r.affected === undefined ? undefined : BigInt(r.affected),
    };
  }
  // biome-ignore lint/correctness/useYield: streaming is not offered on a borrowed connection
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streamQuery is not supported inside a pg-loader session");
  }
}

class FnDriver implements Driver {
  readonly #conn: FnConnection;
  constructor(run: ExecuteFn) {
    this.#conn = new FnConnection(run);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.#conn;
  }
  async beginTransaction(): Promise<void> {
    throw new Error("the session is already a transaction");
  }
  async commitTransaction(): Promise<void> {
    throw new Error("the session is already a transaction");
  }
  async rollbackTransaction(): Promise<void> {
    throw new Error("the session is already a transaction");
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/**
 * A Kysely dialect over one connection that is already inside a transaction the loader manages
 * (a pooled `pg` client or a PGlite transaction). Compiles PostgreSQL.
 */
export class FnDialect implements Dialect {
  constructor(private readonly run: ExecuteFn) {}
  createDriver(): Driver {
    return new FnDriver(this.run);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
