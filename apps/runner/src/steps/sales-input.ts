/**
 * Opens `--input` of `build`, `pipeline`, `evaluate` and `sweep`: a local file, or an S3 object
 * `s3://bucket/key.csv[.gz|.parquet]` read through @cobuy/s3-export's S3 store, with the same
 * `--s3-endpoint` / AWS environment handling as `--store` (see object-store.ts).
 *
 * - CSV (`.csv`, `.csv.gz`, anything not `.parquet`) is streamed straight from the GET into the
 *   parser; messages name the object (`s3://bucket/key.csv:3:4: …`).
 * - Parquet needs random access and the store has no ranged reads: the object is downloaded to a
 *   temporary file first (removed by `close()`). Same for `evaluate`/`sweep` (`download: true`),
 *   which read the input twice with `--split-by-time`.
 */
import type { Context } from "../context.js";
import { isS3Input } from "../flags/input.js";
import { csvBytes, type SalesInput } from "./opened-input.js";

export type { SalesInput };

/**
 * Opens `--input` for reading (call `close()` when done).
 * @example
 * const input = await openSalesInput(ctx, "s3://bucket/sales.csv.gz", values);
 * try { await readSales(input.source, { name: input.name }); } finally { await input.close(); }
 */
export async function openSalesInput(
  ctx: Context,
  input: string,
  values: { "s3-endpoint"?: string },
  opts: { download?: boolean } = {},
): Promise<SalesInput> {
  if (!isS3Input(input)) {
    const file = ctx.resolvePath(input);
    const bytes = await csvBytes(file);
    return { source: file, ...(bytes !== undefined ? { bytes } : {}), close: async () => {} };
  }
  // The AWS SDK loads only for an s3:// input: a local build never pays its start-up.
  const { openS3SalesInput } = await import("./s3-sales-input.js");
  return openS3SalesInput(ctx, input.trim(), values, opts);
}

/**
 * Runs `fn` on the opened `--input` and closes it afterwards.
 * @example
 * const result = await withSalesInput(ctx, input, values, (src) => runBuild(ctx, src.source, params, { inputName: src.name }));
 */
export async function withSalesInput<T>(
  ctx: Context,
  input: string,
  values: { "s3-endpoint"?: string },
  fn: (input: SalesInput) => Promise<T>,
  opts: { download?: boolean } = {},
): Promise<T> {
  const src = await openSalesInput(ctx, input, values, opts);
  try {
    return await fn(src);
  } finally {
    await src.close();
  }
}
