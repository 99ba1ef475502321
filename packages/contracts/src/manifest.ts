import { ContractError } from "./errors.js";
import { LATEST_FORMAT, MANIFEST_FORMAT } from "./formats.js";
import { runIdProblem } from "./run-id.js";

/** One published document as the manifest records it. */
export interface ManifestFile {
  /** File name, e.g. `recs.json`. */
  name: string;
  /** Key relative to the store root, e.g. `2026-11-29_06-53-07/recs.json`. */
  key: string;
  /** Size of the uncompressed document in bytes. */
  size: number;
  /** Lower-case hex sha256 of the uncompressed document. */
  sha256: string;
  contentType: string;
  /** `gzip` when stored compressed. */
  contentEncoding?: string;
  /** Bytes as stored (differs from `size` when compressed). */
  storedSize: number;
}

/** `<runId>/manifest.json` (format {@link MANIFEST_FORMAT}), written last when a run is published. */
export interface RunManifest {
  format: typeof MANIFEST_FORMAT;
  runId: string;
  /** ISO-8601 time the run was created. */
  createdAt: string;
  files: ManifestFile[];
  /** The run's parameters: the same object as `params` of recs.rich.json. */
  params: Record<string, unknown>;
  counts: Record<string, number>;
  /** Extra key holding the classic recs.json (`recs/key2026-11-29_06-53.json`), if written. */
  classicKey?: string;
}

/** `latest.json` (format {@link LATEST_FORMAT}): names the newest complete run. */
export interface LatestPointer {
  format: typeof LATEST_FORMAT;
  runId: string;
  /** Key of the run's manifest relative to the store root. */
  manifest: string;
  createdAt: string;
  updatedAt: string;
}

type Fields = Record<string, unknown>;

const SHA256_HEX = /^[0-9a-f]{64}$/;

function isObject(v: unknown): v is Fields {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function invalid(why: string): ContractError {
  return new ContractError("COBUY_CONTRACT_INVALID", why);
}

function needString(o: Fields, field: string, at: string): void {
  if (typeof o[field] !== "string" || o[field] === "")
    throw invalid(`${at}${field} must be a non-empty string`);
}

function needTime(o: Fields, field: string): void {
  needString(o, field, "");
  if (Number.isNaN(Date.parse(o[field] as string))) throw invalid(`${field} is not an ISO-8601 time`);
}

function needByteCount(o: Fields, field: string, at: string): void {
  const v = o[field];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw invalid(`${at}${field} must be a non-negative integer (got ${JSON.stringify(v)})`);
  }
}

function needFormat(o: Fields, format: string): void {
  if (o.format !== format) {
    throw invalid(`format is ${JSON.stringify(o.format)}, expected "${format}"`);
  }
}

function needRunId(o: Fields): void {
  const problem = runIdProblem(o.runId);
  if (problem !== undefined) throw invalid(`runId: ${problem}`);
}

function checkFile(f: unknown, at: string): void {
  if (!isObject(f)) throw invalid(`${at} is not an object`);
  const field = `${at}.`;
  for (const k of ["name", "key", "sha256", "contentType"]) needString(f, k, field);
  for (const k of ["size", "storedSize"]) needByteCount(f, k, field);
  if (!SHA256_HEX.test(f.sha256 as string)) throw invalid(`${field}sha256 must be 64 lower-case hex digits`);
  if (f.contentEncoding !== undefined && typeof f.contentEncoding !== "string") {
    throw invalid(`${field}contentEncoding must be a string when present`);
  }
}

/**
 * Checks parsed JSON as a {@link RunManifest} and returns it, else throws `COBUY_CONTRACT_INVALID`
 * naming the field (the caller adds where the manifest came from). Strict: format v1 has exactly
 * these field names (`size`, `sha256`, `runId`…); fields it does not know are kept and ignored.
 *
 * @example
 * ```ts
 * const manifest = parseManifest(JSON.parse(text));
 * const recs = findManifestFile(manifest, "recs.rich.json"); // { name, key, size, sha256, … }
 * ```
 */
export function parseManifest(json: unknown): RunManifest {
  if (!isObject(json)) throw invalid("a manifest must be a JSON object");
  needFormat(json, MANIFEST_FORMAT);
  needRunId(json);
  needTime(json, "createdAt");
  if (!Array.isArray(json.files)) throw invalid("files must be an array");
  const names = new Set<string>();
  json.files.forEach((f: unknown, i: number) => {
    checkFile(f, `files[${i}]`);
    const name = (f as Fields).name as string;
    if (names.has(name)) throw invalid(`files[${i}].name "${name}" is listed twice`);
    names.add(name);
  });
  if (!isObject(json.params)) throw invalid("params must be an object");
  if (!isObject(json.counts)) throw invalid("counts must be an object");
  for (const [k, v] of Object.entries(json.counts)) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw invalid(`counts.${k} must be a finite number`);
  }
  if (json.classicKey !== undefined && typeof json.classicKey !== "string") {
    throw invalid("classicKey must be a string when present");
  }
  return json as unknown as RunManifest;
}

/**
 * Checks parsed JSON as a {@link LatestPointer} and returns it, else throws `COBUY_CONTRACT_INVALID`
 * naming the field (the caller adds where the pointer came from).
 *
 * @example
 * ```ts
 * const { runId, manifest } = parseLatest(JSON.parse(text));
 * ```
 */
export function parseLatest(json: unknown): LatestPointer {
  if (!isObject(json)) throw invalid("a latest pointer must be a JSON object");
  needFormat(json, LATEST_FORMAT);
  needRunId(json);
  needString(json, "manifest", "");
  needTime(json, "createdAt");
  needTime(json, "updatedAt");
  return json as unknown as LatestPointer;
}

/**
 * The manifest's entry for the document called `name`, or undefined when the run has none.
 *
 * @example
 * ```ts
 * findManifestFile(manifest, "validation.json")?.sha256;
 * ```
 */
export function findManifestFile(manifest: RunManifest, name: string): ManifestFile | undefined {
  return manifest.files.find((f) => f.name === name);
}
