/**
 * Opens the object store the `--store` / `--s3-endpoint` flags (flags/store.ts) name: one place that
 * turns flags + the standard AWS environment into an object store (runs, fetch, load, pipeline) or
 * an S3 client (`--input s3://…`).
 *
 * Configuration read here (libraries never read the environment):
 * - `--store URL`: a folder, `file:///…` or `s3://bucket/prefix`; default `<home>/runs`.
 * - `--s3-endpoint URL`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`: S3-compatible server
 *   (path-style addressing is then used).
 * - `AWS_REGION` / `AWS_DEFAULT_REGION`; credentials through the SDK's default chain
 *   (env, `AWS_PROFILE` + shared config/credentials files, SSO, container/instance roles).
 */
import {
  createS3Client,
  isS3ExportError,
  type ObjectStore,
  openStore,
  parseStoreUrl,
  S3Store,
} from "@cobuy/s3-export";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import type { StoreFlagValues } from "../flags/store.js";

export interface OpenedStore {
  readonly store: ObjectStore;
  /** What to show the user, e.g. `s3://bucket/prefix (http://127.0.0.1:9000)`. */
  readonly label: string;
  /** The folder (absolute) when the store is a local folder; undefined for S3. */
  readonly folder?: string;
  /** Frees sockets (S3); call when done. */
  close(): void;
}

/**
 * @example
 * const { store, close } = openStoreFromFlags(ctx, values, { forRead: true });
 * try { await listRuns(store); } finally { close(); }
 */
export function openStoreFromFlags(
  ctx: Context,
  values: StoreFlagValues,
  opts: { forRead?: boolean } = {},
): OpenedStore {
  const explicit = values.store !== undefined && values.store !== "";
  let target: ReturnType<typeof parseStoreUrl>;
  try {
    target = parseStoreUrl(explicit ? (values.store as string) : ctx.home.runs);
  } catch (err) {
    if (isS3ExportError(err, "COBUY_STORE_INVALID_URL")) throw new UsageError(err.message, { cause: err });
    throw err;
  }
  if (target.kind === "folder") {
    // An explicit folder that does not exist is a typo when reading; the default one is just empty.
    const folder = ctx.resolvePath(target.path);
    const store = openStore(
      { kind: "folder", path: folder },
      { folder: { createRoot: !(opts.forRead && explicit) } },
    );
    return { store, label: store.description, folder, close: () => {} };
  }
  const { client, endpoint, region } = s3ClientFromFlags(ctx, values);
  const store = new S3Store({ client, bucket: target.bucket, prefix: target.prefix });
  const shownEndpoint = endpoint !== undefined ? ` (${new URL(endpoint).origin})` : "";
  ctx.log.debug("object store", { store: store.description, endpoint: shownEndpoint.trim(), region });
  return { store, label: `${store.description}${shownEndpoint}`, close: () => client.destroy() };
}

/**
 * An S3 client from `--s3-endpoint` (else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`) and
 * `AWS_REGION` / `AWS_DEFAULT_REGION`; also used for `--input s3://…`.
 * @example
 * const { client } = s3ClientFromFlags(ctx, values); // client.destroy() when done
 */
export function s3ClientFromFlags(
  ctx: Context,
  values: Pick<StoreFlagValues, "s3-endpoint">,
): { client: ReturnType<typeof createS3Client>; endpoint?: string; region?: string } {
  const endpoint =
    values["s3-endpoint"] || ctx.env.AWS_ENDPOINT_URL_S3 || ctx.env.AWS_ENDPOINT_URL || undefined;
  const region = ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION || undefined;
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) {
    throw new UsageError(`--s3-endpoint must be an http(s) URL (got "${endpoint}")`);
  }
  const client = createS3Client({
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
  });
  return {
    client,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(region !== undefined ? { region } : {}),
  };
}
