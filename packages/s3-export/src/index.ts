/**
 * @cobuy/s3-export — publish cobuy runs to S3 or a local folder atomically, read them back with
 * verification, and prune old ones.
 *
 * @example
 * ```ts
 * import { openStore, publishRun, fetchRun, makeRunId } from "@cobuy/s3-export";
 * const store = openStore("s3://my-bucket/cobuy", { s3: { region: "eu-west-1" } });
 * await publishRun(store, { runId: makeRunId(), files: [{ name: "recs.json", path: "out/recs.json" }] });
 * await fetchRun(store, "latest", "./copy");
 * ```
 */
export * from "./errors.js";
export { LocalFolderStore, type LocalFolderStoreOptions } from "./store/local-folder-store.js";
export {
  type GetResult,
  type ListEntry,
  type ObjectInfo,
  type ObjectStore,
  type PutBody,
  type PutOptions,
  type ServerSideEncryption,
  assertValidKey,
  joinKey,
} from "./store/object-store.js";
export { type S3ClientOptions, createS3Client } from "./store/s3-client.js";
export { S3Store, type S3StoreOptions } from "./store/s3-store.js";
export { normalizeS3Error } from "./store/s3-errors.js";
export {
  type OpenStoreOptions,
  type StoreTarget,
  openStore,
  parseStoreUrl,
} from "./store/store-url.js";
export {
  LATEST_KEY,
  MANIFEST_NAME,
  type LatestPointer,
  type ManifestFile,
  type RunManifest,
} from "./runs/manifest.js";
export { assertRunId, classicKeyFor, makeRunId } from "./runs/run-id.js";
export {
  type PublishFile,
  type PublishProgress,
  type PublishRunOptions,
  type PublishRunResult,
  publishRun,
} from "./runs/publish-run.js";
export { type RunSummary, listRuns, readLatest, readManifest, resolveRunId } from "./runs/read-runs.js";
export {
  type FetchProgress,
  type FetchRunOptions,
  type FetchRunResult,
  type OpenRunFile,
  fetchRun,
  openRunFile,
} from "./runs/fetch-run.js";
export { type PruneRunsOptions, type PruneRunsResult, pruneRuns } from "./runs/prune-runs.js";
