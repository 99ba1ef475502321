import type { SqlQuery, SqlRows } from "./read-cooccurrence.js";

/** A result read chunk by chunk, as @duckdb/node-api's `DuckDBResult` is. */
export interface SqlChunkStream {
  /** The next chunk (null or empty at the end). */
  fetchChunk(): Promise<{ readonly rowCount: number; getRows(): SqlRows } | null>;
}

/**
 * A {@link SqlQuery} over a chunk-streaming driver: one chunk of rows per batch. The library never
 * imports a driver; with @duckdb/node-api:
 *
 * @example
 * ```ts
 * const connection = await (await DuckDBInstance.create("shop.duckdb")).connect();
 * const query = chunkQuery((text, values) => connection.stream(text, values.length ? [...values] : undefined));
 * ```
 */
export function chunkQuery(
  stream: (text: string, values: readonly unknown[]) => Promise<SqlChunkStream>,
): SqlQuery {
  return (text, values) => ({
    async *[Symbol.asyncIterator](): AsyncGenerator<SqlRows> {
      const result = await stream(text, values);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) return;
        yield chunk.getRows();
      }
    },
  });
}
