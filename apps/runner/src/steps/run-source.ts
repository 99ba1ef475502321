/** Where a published run is read from when it is loaded: the store, or the run folder of a local one. */
import * as path from "node:path";
import { localRunSource, type RunSource } from "@cobuy/pg-loader";
import { type ObjectStore, openRunFile, readManifest, resolveRunId } from "@cobuy/s3-export";
import type { OpenedStore } from "./object-store.js";

/**
 * A published run in an object store as a pg-loader RunSource: documents are decompressed and
 * checked against the manifest by @cobuy/s3-export while they stream (pg-loader checks again).
 * @example
 * const source = await storeRunSource(store, "latest");
 */
export async function storeRunSource(store: ObjectStore, run: string | undefined): Promise<RunSource> {
  const runId = await resolveRunId(store, run ?? "latest");
  const manifest = await readManifest(store, runId);
  const names = new Set(manifest.files.map((f) => f.name));
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    uri: `${store.description.replace(/\/+$/, "")}/${runId}/`,
    runId,
    async open(name) {
      if (name === "manifest.json") {
        return (async function* () {
          yield manifestBytes;
        })();
      }
      if (!names.has(name)) return undefined;
      return (await openRunFile(store, runId, name)).stream;
    },
  };
}

/**
 * A run just published: straight from the run folder when the store is a local folder holding plain
 * (not gzip) documents, else read back from the store (checksums verified while streaming).
 * @example
 * const source = await publishedRunSource(opened, runId, { gzip: false });
 */
export async function publishedRunSource(
  opened: OpenedStore,
  runId: string,
  opts: { gzip: boolean },
): Promise<RunSource> {
  return opened.folder !== undefined && !opts.gzip
    ? localRunSource(path.join(opened.folder, runId))
    : storeRunSource(opened.store, runId);
}
