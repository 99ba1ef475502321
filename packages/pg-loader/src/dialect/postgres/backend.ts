import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Kysely } from "kysely";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { type Backend, quoteIdent, type Session } from "../../db/backend.js";
import type { Database } from "../../db/types.js";
import { FnDialect } from "../fn-dialect.js";

/**
 * Backend over a `pg` pool: one pooled client per transaction, bulk rows through
 * `COPY … FROM STDIN` (pg-copy-streams), streamed with backpressure.
 */
export class PostgresBackend implements Backend {
  readonly kind = "postgres";
  constructor(
    /** The pool (read-only use: the query API runs its named prepared statements on it). */
    readonly pool: pg.Pool,
    private readonly schema: string,
  ) {}

  /** The same connection(s), for another schema. */
  withSchema(schema: string): PostgresBackend {
    return new PostgresBackend(this.pool, schema);
  }

  async transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client whose connection dies emits 'error'; the failing query reports it.
    let connectionError: unknown;
    const onError = (err: unknown) => {
      connectionError ??= err;
    };
    client.on("error", onError);
    let broken = false;
    try {
      await client.query("BEGIN");
      const run = async (text: string, params: readonly unknown[]) => {
        const r = await client.query(text, params as unknown[]);
        return { rows: r.rows as unknown[], affected: r.rowCount ?? undefined };
      };
      const session: Session = {
        kysely: new Kysely<Database>({ dialect: new FnDialect(run) }).withSchema(this.schema),
        execute: async (text, params = []) => (await run(text, params)).rows as Record<string, unknown>[],
        copyIn: async (table, columns, source) => {
          const statement = `COPY ${quoteIdent(this.schema)}.${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM STDIN WITH (FREEZE)`;
          await pipeline(Readable.from(source), client.query(copyFrom(statement)));
        },
      };
      const result = await fn(session);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true; // the connection is gone; the server rolled the transaction back itself
      }
      throw connectionError !== undefined && !(err instanceof Error) ? connectionError : err;
    } finally {
      client.off("error", onError);
      client.release(broken || connectionError !== undefined ? true : undefined);
    }
  }
}
