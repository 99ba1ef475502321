import type { PGlite, Transaction } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { type Backend, quoteIdent, type Session } from "../../db/backend.js";
import type { Database } from "../../db/types.js";
import { FnDialect } from "../fn-dialect.js";

/** Bytes of COPY text sent to PGlite per `COPY … FROM '/dev/blob'` (bounds memory on large runs). */
const BLOB_BYTES = 16 * 1024 * 1024;

/**
 * Backend over an embedded PGlite instance: PGlite's exclusive transaction, bulk rows through
 * `COPY … FROM '/dev/blob'` in 16 MB blobs (PGlite has no streaming COPY FROM STDIN).
 */
export class PgliteBackend implements Backend {
  readonly kind = "pglite";
  constructor(
    private readonly pglite: PGlite,
    private readonly schema: string,
  ) {}

  /** The same connection(s), for another schema. */
  withSchema(schema: string): PgliteBackend {
    return new PgliteBackend(this.pglite, schema);
  }

  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    return this.pglite.transaction(async (tx: Transaction) => {
      const run = async (text: string, params: readonly unknown[]) => {
        const r = await tx.query(text, params as unknown[]);
        return { rows: r.rows as unknown[], affected: r.affectedRows };
      };
      const session: Session = {
        kysely: new Kysely<Database>({ dialect: new FnDialect(run) }).withSchema(this.schema),
        execute: async (text, params = []) => (await run(text, params)).rows as Record<string, unknown>[],
        copyIn: async (table, columns, source) => {
          const statement = `COPY ${quoteIdent(this.schema)}.${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) FROM '/dev/blob' WITH (FREEZE)`;
          let parts: (Uint8Array | string)[] = [];
          let size = 0;
          const flush = async () => {
            if (size === 0) return;
            const blob = new Blob(parts);
            parts = [];
            size = 0;
            await tx.query(statement, [], { blob });
          };
          for await (const chunk of source) {
            parts.push(chunk);
            size += chunk.length;
            if (size >= BLOB_BYTES) await flush();
          }
          await flush();
        },
      };
      return fn(session);
    });
  }
}
