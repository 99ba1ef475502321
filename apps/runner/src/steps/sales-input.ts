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
import { createWriteStream } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isS3ExportError, parseStoreUrl, S3Store } from "@cobuy/s3-export";
import type { Context } from "../context.js";
import { CobuyCliError, RunnerIoError, UsageError } from "../errors.js";
import { isS3Input } from "../flags/input.js";
import { s3ClientFromFlags } from "./object-store.js";

/** An opened `--input`. */
export interface SalesInput {
  /** What readSales reads: a path, or the object's body. */
  readonly source: string | Readable;
  /** Name for messages (readSales' `name`): the `s3://` URL for an object; undefined for a local file. */
  readonly name?: string;
  /**
   * Bytes the reader counts as read by the end (its `bytesRead`: the file or object size, compressed
   * for gzip); undefined for Parquet, which reads only the pages of three columns, or when unknown.
   */
  readonly bytes?: number;
  /** Frees the stream, the temporary file and the client's sockets. */
  close(): Promise<void>;
}

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
  const url = input.trim();
  let target: ReturnType<typeof parseStoreUrl>;
  try {
    target = parseStoreUrl(url);
  } catch (err) {
    if (isS3ExportError(err)) throw new UsageError(`--input: ${err.message}`, { cause: err });
    throw err;
  }
  if (target.kind !== "s3" || target.prefix === "") {
    throw new UsageError(`--input ${url} names a bucket, not an object: use s3://bucket/path/sales.csv`);
  }
  const key = target.prefix;
  const { client, endpoint } = s3ClientFromFlags(ctx, values);
  const store = new S3Store({ client, bucket: target.bucket });
  const fail = (err: unknown): Error => {
    if (isS3ExportError(err))
      return new CobuyCliError(err.code, `--input ${url}: ${err.message}`, { cause: err });
    return err as Error;
  };
  let body: Readable;
  let size: number;
  try {
    const obj = await store.get(key);
    body = obj.body;
    size = obj.size;
  } catch (err) {
    client.destroy();
    throw fail(err);
  }
  ctx.log.debug("input object", { url, bytes: size, endpoint: endpoint ?? "AWS" });
  if (!opts.download && !/\.parquet$/i.test(key)) {
    return {
      source: body,
      name: url,
      bytes: size,
      close: async () => {
        body.destroy();
        client.destroy();
      },
    };
  }
  // Parquet (random access) or a caller that reads twice: a temporary copy.
  const dir = await mkdtemp(join(tmpdir(), "cobuy-input-"));
  const file = join(dir, basename(key));
  const cleanup = async () => {
    body.destroy();
    client.destroy();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ctx.stage("download", () => pipeline(body, createWriteStream(file)));
  } catch (err) {
    await cleanup();
    if (isS3ExportError(err)) throw fail(err);
    throw new RunnerIoError(
      `--input ${url}: the download to a temporary file failed after starting (${(err as Error).message}); ` +
        `bucket "${target.bucket}", key "${key}"${endpoint ? `, endpoint ${new URL(endpoint).origin}` : ""}`,
      { cause: err },
    );
  }
  ctx.log.info(`downloaded ${url} to a temporary file (${size} bytes)`, { path: file });
  const bytes = await csvBytes(file);
  return { source: file, name: url, ...(bytes !== undefined ? { bytes } : {}), close: cleanup };
}

/** The size of a local CSV input; undefined for Parquet (`PAR1` magic) and for a file that cannot be read (the reader reports it). */
async function csvBytes(file: string): Promise<number | undefined> {
  const fh = await open(file, "r").catch(() => undefined);
  if (fh === undefined) return undefined;
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead === 4 && head.toString("latin1") === "PAR1") return undefined;
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
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
