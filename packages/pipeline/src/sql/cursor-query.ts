import type { SqlQuery, SqlRows } from "./read-cooccurrence.js";

/** A server-side cursor over one query's rows, as pg-cursor's `Cursor` is. */
export interface SqlCursor {
  /** Up to `rows` more rows (each an array of column values); an empty array at the end. */
  read(rows: number): Promise<unknown[][]>;
  close(): Promise<void>;
}

/**
 * A {@link SqlQuery} over a cursor-opening function: reads `batchRows` rows at a time, so a large
 * result (the pair counts) streams through in batches. The library never imports a driver; with
 * node-postgres and pg-cursor:
 *
 * @example
 * ```ts
 * import Cursor from "pg-cursor";
 * const query = cursorQuery((text, values) => client.query(new Cursor(text, [...values], { rowMode: "array" })));
 * const src = await readCooccurrenceFromSql(query, { table: "sales" });
 * ```
 */
export function cursorQuery(
  open: (text: string, values: readonly unknown[]) => SqlCursor,
  { batchRows = 10_000 }: { batchRows?: number } = {},
): SqlQuery {
  if (!(Number.isInteger(batchRows) && batchRows >= 1)) {
    throw new RangeError(`batchRows must be an integer ≥ 1 (got ${batchRows})`);
  }
  return (text, values) => ({
    async *[Symbol.asyncIterator](): AsyncGenerator<SqlRows> {
      const cursor = open(text, values);
      let failed = false;
      try {
        for (;;) {
          let rows: unknown[][];
          try {
            rows = await cursor.read(batchRows);
          } catch (e) {
            failed = true; // the driver has already ended the query
            throw e;
          }
          if (rows.length === 0) return;
          yield rows;
        }
      } finally {
        if (!failed) await cursor.close();
      }
    },
  });
}
