import {
  LATEST_KEY,
  type LatestPointer,
  MANIFEST_NAME,
  parseLatest,
  parseManifest,
  REFUSED_NAME,
  type RunManifest,
} from "@cobuy/contracts";
import { type ErrorLocation, InvalidManifestError, isS3ExportError, RunNotFoundError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { assertRunId } from "./run-id.js";

/** One run found in a store by {@link listRuns}. */
export interface RunSummary {
  runId: string;
  /** Has a manifest.json (published completely). */
  complete: boolean;
  /** latest.json names this run. */
  latest: boolean;
  /** The activation guard refused it (`<runId>/refused.json`): published, never made latest. */
  refused: boolean;
  /** Objects under `<runId>/` (manifest included). */
  objects: number;
  /** Stored bytes under `<runId>/`. */
  bytes: number;
  lastModified?: Date;
}

const TIMESTAMP_ID = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}/;
const MAX_JSON_BYTES = 64 * 1024 * 1024;

/** Reads a small JSON object fully (manifest, latest). */
export async function readJson(store: ObjectStore, key: string): Promise<unknown> {
  const obj = await store.get(key);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of obj.body) {
    n += (c as Buffer).length;
    if (n > MAX_JSON_BYTES) {
      obj.body.destroy();
      throw new InvalidManifestError({ store: store.description, key }, "larger than 64 MiB");
    }
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new InvalidManifestError({ store: store.description, key }, (e as Error).message, e);
  }
}

/** `parse(json)`, with a contract violation reported as `COBUY_STORE_INVALID_MANIFEST` at `loc`. */
function parseAt<T>(parse: (json: unknown) => T, json: unknown, loc: ErrorLocation): T {
  try {
    return parse(json);
  } catch (e) {
    throw new InvalidManifestError(loc, (e as Error).message, e);
  }
}

/**
 * Reads `latest.json`, or `undefined` when no run has been published yet.
 *
 * @example
 * ```ts
 * const latest = await readLatest(store); // { runId: "2026-11-29_06-53-07", manifest: "…/manifest.json", … }
 * ```
 */
export async function readLatest(store: ObjectStore): Promise<LatestPointer | undefined> {
  let json: unknown;
  try {
    json = await readJson(store, LATEST_KEY);
  } catch (e) {
    if (isS3ExportError(e, "COBUY_STORE_OBJECT_NOT_FOUND")) return undefined;
    throw e;
  }
  return parseAt(parseLatest, json, { store: store.description, key: LATEST_KEY });
}

/**
 * Resolves `"latest"` to the run id latest.json names; checks any other id's syntax.
 *
 * @example
 * ```ts
 * const runId = await resolveRunId(store, "latest");
 * ```
 */
export async function resolveRunId(store: ObjectStore, run: string): Promise<string> {
  if (run !== "latest") {
    assertRunId(run);
    return run;
  }
  const latest = await readLatest(store);
  if (latest === undefined) throw new RunNotFoundError("latest", { store: store.description });
  return latest.runId;
}

/**
 * Reads and validates a run's manifest (`run` is a run id or `"latest"`).
 *
 * @example
 * ```ts
 * const m = await readManifest(store, "latest");
 * for (const f of m.files) console.log(f.name, f.size, f.sha256);
 * ```
 */
export async function readManifest(store: ObjectStore, run: string): Promise<RunManifest> {
  const runId = await resolveRunId(store, run);
  const key = `${runId}/${MANIFEST_NAME}`;
  let json: unknown;
  try {
    json = await readJson(store, key);
  } catch (e) {
    if (isS3ExportError(e, "COBUY_STORE_OBJECT_NOT_FOUND")) {
      throw new RunNotFoundError(runId, { store: store.description, key });
    }
    throw e;
  }
  const m = parseAt(parseManifest, json, { store: store.description, key });
  if (m.runId !== runId) {
    throw new InvalidManifestError(
      { store: store.description, key },
      `runId is "${m.runId}", expected "${runId}"`,
    );
  }
  return m;
}

/**
 * Lists the runs in a store, newest first. Incomplete runs (a publish that failed or is still
 * running: objects but no manifest) are listed with `complete: false`.
 *
 * @example
 * ```ts
 * for (const r of await listRuns(store)) console.log(r.runId, r.complete, r.latest ? "(latest)" : "");
 * ```
 */
export async function listRuns(store: ObjectStore): Promise<RunSummary[]> {
  const groups = new Map<string, RunSummary>();
  for await (const e of store.list("")) {
    const slash = e.key.indexOf("/");
    if (slash <= 0) continue;
    const runId = e.key.slice(0, slash);
    let g = groups.get(runId);
    if (g === undefined) {
      g = { runId, complete: false, latest: false, refused: false, objects: 0, bytes: 0 };
      groups.set(runId, g);
    }
    g.objects += 1;
    g.bytes += e.size;
    if (e.key === `${runId}/${MANIFEST_NAME}`) g.complete = true;
    if (e.key === `${runId}/${REFUSED_NAME}`) g.refused = true;
    if (e.lastModified !== undefined && (g.lastModified === undefined || e.lastModified > g.lastModified)) {
      g.lastModified = e.lastModified;
    }
  }
  const latest = await readLatest(store);
  const runs = [...groups.values()].filter((g) => g.complete || TIMESTAMP_ID.test(g.runId));
  for (const r of runs) r.latest = r.runId === latest?.runId;
  runs.sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  return runs;
}
