/**
 * @cobuy/s3-export — publish cobuy runs to S3 or a local folder atomically, read them back with
 * verification, and prune old ones.
 *
 * @example
 * ```ts
 * import { makeRunId } from "@cobuy/contracts";
 * import { openStore, publishRun, fetchRun } from "@cobuy/s3-export";
 * const store = openStore("s3://my-bucket/cobuy", { s3: { region: "eu-west-1" } });
 * await publishRun(store, { runId: makeRunId(), files: [{ name: "recs.json", path: "out/recs.json" }] });
 * await fetchRun(store, "latest", "./copy");
 * ```
 */
export * from "./errors.js";
export {
  type FetchProgress,
  type FetchRunOptions,
  type FetchRunResult,
  fetchRun,
  type OpenRunFile,
  openRunFile,
} from "./runs/fetch-run.js";
export { type PruneRunsOptions, type PruneRunsResult, pruneRuns } from "./runs/prune-runs.js";
export {
  type PublishFile,
  type PublishProgress,
  type PublishRunOptions,
  type PublishRunResult,
  publishRun,
} from "./runs/publish-run.js";
export { listRuns, type RunSummary, readLatest, readManifest, resolveRunId } from "./runs/read-runs.js";
export { classicKeyFor } from "./runs/run-id.js";
export { LocalFolderStore, type LocalFolderStoreOptions } from "./store/local-folder-store.js";
export {
  assertValidKey,
  createIfAbsent,
  type GetResult,
  joinKey,
  type ListEntry,
  type ObjectInfo,
  type ObjectStore,
  type PutBody,
  type PutOptions,
  type ServerSideEncryption,
} from "./store/object-store.js";
export { createS3Client, type S3ClientOptions } from "./store/s3-client.js";
export { normalizeS3Error } from "./store/s3-errors.js";
export { S3Store, type S3StoreOptions } from "./store/s3-store.js";
export {
  type OpenStoreOptions,
  openStore,
  parseStoreUrl,
  type StoreTarget,
} from "./store/store-url.js";
