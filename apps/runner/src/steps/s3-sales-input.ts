/**
 * `--input s3://bucket/key`: the object read through @cobuy/s3-export's S3 store (see
 * sales-input.ts, which loads this module only for such an input).
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isS3ExportError, parseStoreUrl, S3Store } from "@cobuy/s3-export";
import type { Context } from "../context.js";
import { CobuyCliError, RunnerIoError, UsageError } from "../errors.js";
import { s3ClientFromFlags } from "./object-store.js";
import { csvBytes, type SalesInput } from "./opened-input.js";

/** Opens the object `url` (an `s3://` `--input`); see `openSalesInput`. */
export async function openS3SalesInput(
  ctx: Context,
  url: string,
  values: { "s3-endpoint"?: string },
  opts: { download?: boolean },
): Promise<SalesInput> {
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
