import {
  findManifestFile,
  MANIFEST_NAME,
  type ManifestFile,
  parseManifest,
  type RunManifest,
} from "@cobuy/contracts";
import { FormatError } from "../errors.js";
import { type RunSource, readSmallFile } from "./run-source.js";

export type { ManifestFile, RunManifest };

/** The file name of a run's manifest (`MANIFEST_NAME` of @cobuy/contracts). */
export const MANIFEST = MANIFEST_NAME;

/**
 * Reads a run's manifest.json, checked as format `cobuy.manifest.v1` by @cobuy/contracts (strict:
 * `size`, `sha256`, `runId`, no aliases), or undefined when the run has none.
 * @example
 * const m = await readManifest(localRunSource("runs/2025-01-31_12-00-00")); // m && manifestEntry(m, "recs.rich.json")?.sha256
 */
export async function readManifest(source: RunSource): Promise<RunManifest | undefined> {
  const bytes = await readSmallFile(source, MANIFEST);
  if (bytes === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new FormatError(MANIFEST, `invalid JSON: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    return parseManifest(raw);
  } catch (err) {
    throw new FormatError(MANIFEST, (err as Error).message, undefined, { cause: err });
  }
}

/** The manifest's entry for `name`; undefined without a manifest or when it does not list `name`. */
export function manifestEntry(manifest: RunManifest | undefined, name: string): ManifestFile | undefined {
  return manifest === undefined ? undefined : findManifestFile(manifest, name);
}
