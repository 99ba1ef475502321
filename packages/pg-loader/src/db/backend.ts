import type { Kysely } from "kysely";
import type { Database } from "./types.js";

/**
 * What the loader needs from a database beyond Kysely: one transaction on one connection, with
 * bulk `COPY` into a table. Each dialect folder implements it (postgres: pg + pg-copy-streams;
 * pglite: COPY FROM '/dev/blob'; kysely: multi-row INSERTs for a foreign Kysely instance).
 */
export interface Session {
  /** Kysely bound to this transaction's connection, scoped to the cobuy schema. */
  readonly kysely: Kysely<Database>;
  /** Runs one raw statement (only SQL built by this package from constants and validated identifiers). */
  execute(sqlText: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Bulk-loads PostgreSQL COPY text-format lines (`a\tb\n`, already escaped; UTF-8 bytes or strings) into `table(columns)`.
   * `table` and `columns` are constants of this package; `source` yields chunks of whole lines.
   */
  copyIn(
    table: string,
    columns: readonly string[],
    source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  ): Promise<void>;
}

/** A database the loader can run transactions on. */
export interface Backend {
  readonly kind: "postgres" | "pglite" | "kysely";
  /** Runs `fn` in one transaction on one connection; commits if it resolves, rolls back if it throws. */
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T>;
}

/** Symbol under which a dialect adapter created by this package carries its Backend. */
export const BACKEND = Symbol.for("@cobuy/pg-loader.backend");

/** Double-quotes an identifier that is already validated or a constant of this package. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
