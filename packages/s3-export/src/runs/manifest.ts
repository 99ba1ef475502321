import type { ErrorLocation } from "../errors.js";
import { InvalidManifestError } from "../errors.js";

/** Key of the pointer to the newest complete run, relative to the store root. */
export const LATEST_KEY = "latest.json";
/** File name of a run's manifest inside `<runId>/`. */
export const MANIFEST_NAME = "manifest.json";
export const MANIFEST_FORMAT = "cobuy.manifest.v1";
export const LATEST_FORMAT = "cobuy.latest.v1";

/** One published document as the manifest records it. */
export interface ManifestFile {
  /** File name, e.g. `recs.json`. */
  name: string;
  /** Key relative to the store root, e.g. `2026-11-29_06-53-07/recs.json`. */
  key: string;
  /** Size of the uncompressed document in bytes. */
  size: number;
  /** Hex sha256 of the uncompressed document. */
  sha256: string;
  contentType: string;
  /** `gzip` when stored compressed. */
  contentEncoding?: string;
  /** Bytes as stored (differs from `size` when compressed). */
  storedSize: number;
}

/** `<runId>/manifest.json`. */
export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  runId: string;
  createdAt: string;
  files: ManifestFile[];
  params: Record<string, unknown>;
  counts: Record<string, number>;
  /** Extra key holding the classic recs.json (`recs/key2026-11-29_06-53.json`), if written. */
  classicKey?: string;
}

/** `latest.json`: names the newest complete run. */
export interface LatestPointer {
  format: typeof LATEST_FORMAT;
  runId: string;
  /** Key of the run's manifest relative to the store root. */
  manifest: string;
  createdAt: string;
  updatedAt: string;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates parsed JSON as a {@link RunManifest}. */
export function parseManifest(json: unknown, loc: ErrorLocation): RunManifest {
  const bad = (why: string) => new InvalidManifestError(loc, why);
  if (!isObj(json)) throw bad("not a JSON object");
  if (json.format !== MANIFEST_FORMAT) throw bad(`format is not "${MANIFEST_FORMAT}"`);
  if (typeof json.runId !== "string") throw bad("runId missing");
  if (typeof json.createdAt !== "string") throw bad("createdAt missing");
  if (!Array.isArray(json.files)) throw bad("files missing");
  json.files.forEach((f: unknown, i: number) => {
    if (!isObj(f)) throw bad(`files[${i}] is not an object`);
    for (const k of ["name", "key", "sha256", "contentType"]) {
      if (typeof f[k] !== "string") throw bad(`files[${i}].${k} missing`);
    }
    for (const k of ["size", "storedSize"]) {
      if (typeof f[k] !== "number") throw bad(`files[${i}].${k} missing`);
    }
    if (!/^[0-9a-f]{64}$/.test(f.sha256 as string)) throw bad(`files[${i}].sha256 is not hex sha256`);
  });
  if (!isObj(json.params)) throw bad("params missing");
  if (!isObj(json.counts)) throw bad("counts missing");
  return json as unknown as RunManifest;
}

/** Validates parsed JSON as a {@link LatestPointer}. */
export function parseLatest(json: unknown, loc: ErrorLocation): LatestPointer {
  const bad = (why: string) => new InvalidManifestError(loc, why);
  if (!isObj(json)) throw bad("not a JSON object");
  if (json.format !== LATEST_FORMAT) throw bad(`format is not "${LATEST_FORMAT}"`);
  if (typeof json.runId !== "string") throw bad("runId missing");
  if (typeof json.manifest !== "string") throw bad("manifest missing");
  return json as unknown as LatestPointer;
}
