import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline, Readable } from "node:stream";
import { createGzip } from "node:zlib";
import {
  LATEST_FORMAT,
  LATEST_KEY,
  type LatestPointer,
  MANIFEST_FORMAT,
  MANIFEST_NAME,
  type ManifestFile,
  REFUSED_NAME,
  type RunManifest,
} from "@cobuy/contracts";
import { InvalidArgumentError, isS3ExportError, RunExistsError, VerifyFailedError } from "../errors.js";
import type { ObjectStore, ServerSideEncryption } from "../store/object-store.js";
import { createIfAbsent, joinKey } from "../store/object-store.js";
import { HashingStream } from "../util/hash-stream.js";
import { readLatest, readManifest } from "./read-runs.js";
import { assertRunId, classicKeyFor } from "./run-id.js";

/** One document to publish: from a file on disk (`path`) or from memory (`body`). */
export interface PublishFile {
  /** Name inside the run folder, e.g. `recs.rich.json` (one key segment). */
  name: string;
  path?: string;
  body?: string | Uint8Array;
  /** Default `application/json`. */
  contentType?: string;
}

/** Progress events of {@link publishRun}. */
export type PublishProgress =
  | { phase: "upload"; name: string; key: string; loadedBytes: number }
  | { phase: "uploaded"; name: string; key: string; size: number; storedSize: number }
  | { phase: "manifest"; key: string }
  | { phase: "latest"; key: string; runId: string }
  | { phase: "refused"; key: string; runId: string };

/** Input of {@link publishRun}. */
export interface PublishRunOptions {
  /** `YYYY-MM-DD_HH-MM-SS[_suffix]` (see `makeRunId`). */
  runId: string;
  files: PublishFile[];
  params?: Record<string, unknown>;
  counts?: Record<string, number>;
  /** Store documents gzip-compressed with `Content-Encoding: gzip` (manifest and latest stay plain). */
  gzip?: boolean;
  /** SSE-S3 (`{ type: "AES256" }`) or SSE-KMS (`{ type: "aws:kms", kmsKeyId }`) on every object. */
  sse?: ServerSideEncryption;
  /** Also write the classic recs.json (uncompressed) under this pattern, e.g. `recs/key{ts}.json`. */
  classicKey?: string;
  /** Which file the classic key copies. Default `recs.json`. */
  classicFile?: string;
  /** Default: now. */
  createdAt?: Date;
  /**
   * The activation guard's refusal (why, by how much): the run is published complete, then this
   * record goes to `<runId>/refused.json` instead of moving `latest.json`, which keeps naming the
   * previous run.
   */
  refusal?: Record<string, unknown>;
  /** Replace an existing complete run with the same id (default false: refuse). */
  overwrite?: boolean;
  onProgress?: (event: PublishProgress) => void;
}

/** What {@link publishRun} wrote. Keys are relative to the store root. */
export interface PublishRunResult {
  runId: string;
  store: string;
  manifestKey: string;
  latestKey: string;
  classicKey?: string;
  manifest: RunManifest;
  /** Published with a {@link PublishRunOptions.refusal}: latest.json was left alone. */
  refused: boolean;
  /**
   * Whether latest.json now names this run. False when latest.json already named a newer run
   * (another publisher's, started later): "latest" is the newest verified run, never moved back.
   */
  latestMoved: boolean;
  /** The run latest.json names after this publish. */
  latestRunId: string | undefined;
}

const JSON_TYPE = "application/json";
/** Created exclusively first in a run's folder: whoever creates it owns the run id. */
export const RUN_CLAIM_NAME = ".claim";

function openSource(f: PublishFile): Readable {
  if (f.body !== undefined) return Readable.from([Buffer.from(f.body)]);
  if (f.path !== undefined) return createReadStream(f.path);
  throw new InvalidArgumentError(`file "${f.name}" has neither path nor body`);
}

interface Uploaded {
  size: number;
  sha256: string;
  storedSize: number;
}

/** Streams one document to the store, hashing it on the way, then checks the stored size. */
async function uploadOne(
  store: ObjectStore,
  key: string,
  source: Readable,
  opts: {
    gzip: boolean;
    contentType: string;
    runId: string;
    sse: ServerSideEncryption | undefined;
    onLoaded?: (n: number) => void;
  },
): Promise<Uploaded> {
  const plain = new HashingStream();
  const stored = new HashingStream();
  const done = (err: Error | null) => {
    if (err) stored.destroy(err);
  };
  if (opts.gzip) pipeline(source, plain, createGzip({ level: 6 }), stored, done);
  else pipeline(source, plain, stored, done);
  await store.put(key, stored, {
    contentType: opts.contentType,
    ...(opts.gzip ? { contentEncoding: "gzip" } : {}),
    metadata: { "cobuy-run-id": opts.runId },
    ...(opts.sse !== undefined ? { sse: opts.sse } : {}),
    ...(opts.onLoaded !== undefined ? { onProgress: opts.onLoaded } : {}),
  });
  const head = await store.head(key);
  if (head === undefined) {
    throw new VerifyFailedError({ store: store.description, key }, "object missing after upload");
  }
  if (head.size !== stored.bytes) {
    throw new VerifyFailedError(
      { store: store.description, key },
      `stored size ${head.size} B, sent ${stored.bytes} B`,
    );
  }
  return { size: plain.bytes, sha256: plain.digest(), storedSize: stored.bytes };
}

async function putJson(
  store: ObjectStore,
  key: string,
  value: unknown,
  runId: string,
  sse: ServerSideEncryption | undefined,
): Promise<void> {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  await store.put(key, body, {
    contentType: JSON_TYPE,
    metadata: { "cobuy-run-id": runId },
    ...(sse !== undefined ? { sse } : {}),
  });
  const head = await store.head(key);
  if (head?.size !== body.length) {
    throw new VerifyFailedError(
      { store: store.description, key },
      head === undefined ? "object missing after upload" : `stored ${head.size} B, sent ${body.length} B`,
    );
  }
}

/**
 * Publishes a run: every document under `<runId>/`, then `<runId>/manifest.json` (sizes, sha256
 * of the uncompressed bytes, params, counts), then moves `latest.json` to it — last, so a reader
 * following `latest.json` never sees a half-written run. Each upload is verified (stored size)
 * instead of trusting success. On failure before `latest.json` the run's objects are removed
 * (best effort) and the typed error is rethrown; `latest.json` still names the previous run.
 *
 * @example
 * ```ts
 * const store = openStore("s3://my-bucket/cobuy");
 * const { manifest } = await publishRun(store, {
 *   runId: makeRunId(),
 *   files: [{ name: "recs.json", path: "out/recs.json" }, { name: "recs.rich.json", path: "out/recs.rich.json" }],
 *   params: { k: 5 }, counts: { orders: 10, rows: 30, products: 8 },
 *   gzip: true, classicKey: "recs/key{ts}.json",
 * });
 * ```
 */
export async function publishRun(store: ObjectStore, options: PublishRunOptions): Promise<PublishRunResult> {
  const { runId, files } = options;
  assertRunId(runId);
  if (files.length === 0) throw new InvalidArgumentError("publishRun: no files to publish");
  const names = new Set<string>();
  for (const f of files) {
    if (!/^[0-9A-Za-z][0-9A-Za-z._-]*$/.test(f.name) || f.name === MANIFEST_NAME) {
      throw new InvalidArgumentError(
        `invalid document name "${f.name}" (one path segment, not "${MANIFEST_NAME}")`,
      );
    }
    if (names.has(f.name)) throw new InvalidArgumentError(`document "${f.name}" listed twice`);
    names.add(f.name);
    if (f.body === undefined && f.path === undefined) {
      throw new InvalidArgumentError(`document "${f.name}" has neither path nor body`);
    }
    if (f.body === undefined && f.path !== undefined) {
      const st = await stat(f.path).catch(() => undefined);
      if (!st?.isFile()) {
        throw new InvalidArgumentError(`document "${f.name}": file not found: ${f.path}`);
      }
    }
  }
  const classicFile = options.classicFile ?? "recs.json";
  const classic = options.classicKey !== undefined ? files.find((f) => f.name === classicFile) : undefined;
  if (options.classicKey !== undefined && classic === undefined) {
    throw new InvalidArgumentError(
      `classic key "${options.classicKey}" needs a document named "${classicFile}" among the files`,
    );
  }
  const createdAt = options.createdAt ?? new Date();
  const manifestKey = joinKey(runId, MANIFEST_NAME);
  const sse = options.sse;
  const emit = options.onProgress ?? (() => {});

  if (!options.overwrite && (await store.head(manifestKey)) !== undefined) {
    throw new RunExistsError(runId, { store: store.description, key: manifestKey });
  }

  const written: string[] = [];
  if (!options.overwrite) {
    // Claims the run id atomically before any document: a second publisher of the same id stops
    // here and never overwrites, nor cleans up, the first one's objects.
    const claimKey = joinKey(runId, RUN_CLAIM_NAME);
    const claim = { runId, createdAt: createdAt.toISOString() };
    if (
      !(await createIfAbsent(store, claimKey, JSON.stringify(claim), {
        contentType: JSON_TYPE,
        metadata: { "cobuy-run-id": runId },
        ...(sse !== undefined ? { sse } : {}),
      }))
    ) {
      throw new RunExistsError(runId, { store: store.description, key: claimKey });
    }
    written.push(claimKey);
  }
  try {
    const entries: ManifestFile[] = [];
    for (const f of files) {
      const key = joinKey(runId, f.name);
      const contentType = f.contentType ?? JSON_TYPE;
      written.push(key);
      const up = await uploadOne(store, key, openSource(f), {
        gzip: options.gzip === true,
        contentType,
        runId,
        sse,
        onLoaded: (n) => emit({ phase: "upload", name: f.name, key, loadedBytes: n }),
      });
      emit({ phase: "uploaded", name: f.name, key, size: up.size, storedSize: up.storedSize });
      entries.push({
        name: f.name,
        key,
        size: up.size,
        sha256: up.sha256,
        contentType,
        ...(options.gzip === true ? { contentEncoding: "gzip" } : {}),
        storedSize: up.storedSize,
      });
    }

    let classicKey: string | undefined;
    if (classic !== undefined && options.classicKey !== undefined) {
      classicKey = joinKey(classicKeyFor(options.classicKey, runId, createdAt));
      written.push(classicKey);
      const up = await uploadOne(store, classicKey, openSource(classic), {
        gzip: false,
        contentType: classic.contentType ?? JSON_TYPE,
        runId,
        sse,
      });
      const entry = entries.find((e) => e.name === classic.name);
      if (entry !== undefined && entry.sha256 !== up.sha256) {
        throw new VerifyFailedError(
          { store: store.description, key: classicKey },
          `"${classic.name}" changed while publishing (sha256 ${up.sha256} ≠ ${entry.sha256})`,
        );
      }
    }

    const manifest: RunManifest = {
      format: MANIFEST_FORMAT,
      runId,
      createdAt: createdAt.toISOString(),
      files: entries,
      params: options.params ?? {},
      counts: options.counts ?? {},
      ...(classicKey !== undefined ? { classicKey } : {}),
    };
    written.push(manifestKey);
    await putJson(store, manifestKey, manifest, runId, sse);
    emit({ phase: "manifest", key: manifestKey });

    const latest: LatestPointer = {
      format: LATEST_FORMAT,
      runId,
      manifest: manifestKey,
      createdAt: manifest.createdAt,
      updatedAt: new Date().toISOString(),
    };
    written.length = 0; // From here on the run is complete: never delete it on failure.
    await verifyOwnRun(store, manifest);
    const current = await readCurrentLatest(store);
    let latestMoved = false;
    let latestRunId = current?.runId;
    if (options.refusal !== undefined) {
      const refusedKey = joinKey(runId, REFUSED_NAME);
      await putJson(store, refusedKey, { runId, ...options.refusal }, runId, sse);
      emit({ phase: "refused", key: refusedKey, runId });
    } else if (current === undefined || !isNewerRun(current, manifest)) {
      latestMoved = true;
      try {
        await putJson(store, LATEST_KEY, latest, runId, sse);
        latestRunId = runId;
      } catch (e) {
        // A concurrent publisher's write of latest.json landed between ours and the check (servers
        // without atomic replacement, e.g. s3rver, show it half-written): fine if it now parses.
        const now = isS3ExportError(e, "COBUY_STORE_VERIFY_FAILED")
          ? await readCurrentLatest(store)
          : undefined;
        if (now === undefined) throw e;
        latestRunId = now.runId;
      }
      emit({ phase: "latest", key: LATEST_KEY, runId });
    }

    return {
      runId,
      store: store.description,
      manifestKey,
      latestKey: LATEST_KEY,
      ...(classicKey !== undefined ? { classicKey } : {}),
      manifest,
      refused: options.refusal !== undefined,
      latestMoved,
      latestRunId,
    };
  } catch (err) {
    // Manifest first, so a concurrent reader stops seeing the run as complete at once.
    for (const key of [...written].reverse()) {
      await store.delete(key).catch(() => {});
    }
    throw err;
  }
}

/**
 * latest.json as another publisher may be writing it: some servers (s3rver) serve a half-written
 * object or reset the read, so a failed read is tried again shortly; one that stays unparsable is replaced.
 */
async function readCurrentLatest(store: ObjectStore): Promise<LatestPointer | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readLatest(store);
    } catch (e) {
      if (attempt === 3) {
        if (isS3ExportError(e, "COBUY_STORE_INVALID_MANIFEST")) return undefined;
        throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
}

/** Ordering of "latest": creation time, then run id (ids start with the same timestamp). */
function isNewerRun(
  a: { runId: string; createdAt: string },
  b: { runId: string; createdAt: string },
): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt > b.createdAt;
  return a.runId > b.runId;
}

/**
 * Reads back the manifest and every document of the run just written and checks they are this
 * publish's (same manifest, same stored sizes), so latest.json never names a run another process
 * overwrote or cleaned up.
 */
async function verifyOwnRun(store: ObjectStore, manifest: RunManifest): Promise<void> {
  const stored = await readManifest(store, manifest.runId);
  const at = { store: store.description, key: joinKey(manifest.runId, MANIFEST_NAME) };
  if (stored.createdAt !== manifest.createdAt || stored.files.length !== manifest.files.length) {
    throw new VerifyFailedError(at, "manifest.json was replaced by another publisher");
  }
  for (const f of manifest.files) {
    const head = await store.head(f.key);
    if (head === undefined || head.size !== f.storedSize) {
      throw new VerifyFailedError(
        { store: store.description, key: f.key },
        head === undefined
          ? "document missing after publish"
          : `stored ${head.size} B, expected ${f.storedSize} B`,
      );
    }
  }
}
