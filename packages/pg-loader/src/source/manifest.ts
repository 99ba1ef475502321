import type { Json } from "../db/types.js";
import { FormatError } from "../errors.js";
import { type RunSource, readSmallFile } from "./run-source.js";

/** One file a manifest vouches for. */
export interface ManifestFile {
  name: string;
  size?: number;
  /** Lower-case hex sha256. */
  sha256?: string;
}

/** The parts of manifest.json the loader uses. */
export interface RunManifest {
  runId?: string;
  createdAt?: string;
  params?: Json;
  counts?: Json;
  files: Map<string, ManifestFile>;
  /** The manifest as read, stored nowhere but available to callers. */
  raw: Record<string, unknown>;
}

export const MANIFEST = "manifest.json";

/**
 * Reads manifest.json of a run (undefined when the run has none).
 * @example
 * const m = await readManifest(localRunSource("runs/2025-01-31_12-00-00")); // m?.files.get("recs.rich.json")?.sha256
 * Accepts `files` as an array of
 * `{name|path|key, size|bytes, sha256}` or as an object keyed by file name; `sha256` as hex or base64.
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
  return parseManifest(raw);
}

/**
 * Normalises a parsed manifest.json (s3-export's `cobuy.manifest.v1`, or a plain `{files}` map).
 * @example
 * parseManifest({ runId: "r", files: [{ name: "recs.rich.json", size: 10, sha256: "ab…" }] }).files;
 */
export function parseManifest(raw: unknown): RunManifest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new FormatError(MANIFEST, "must be a JSON object");
  }
  const m = raw as Record<string, unknown>;
  const files = new Map<string, ManifestFile>();
  const add = (name: unknown, entry: Record<string, unknown>) => {
    if (typeof name !== "string" || name === "") throw new FormatError(MANIFEST, "a file entry has no name");
    const base = name.split("/").pop()!;
    const size = entry.size ?? entry.bytes ?? entry.length;
    if (size !== undefined && (typeof size !== "number" || !Number.isInteger(size) || size < 0)) {
      throw new FormatError(MANIFEST, `files["${name}"].size must be a non-negative integer`);
    }
    const sha = entry.sha256 ?? entry.checksum ?? entry.hash;
    if (sha !== undefined && typeof sha !== "string")
      throw new FormatError(MANIFEST, `files["${name}"].sha256 must be a string`);
    files.set(base, {
      name: base,
      size: size as number | undefined,
      sha256: sha === undefined ? undefined : normaliseSha256(sha, name),
    });
  };
  if (Array.isArray(m.files)) {
    for (const e of m.files) {
      if (typeof e !== "object" || e === null)
        throw new FormatError(MANIFEST, "files[] entries must be objects");
      const r = e as Record<string, unknown>;
      add(r.name ?? r.path ?? r.key ?? r.file, r);
    }
  } else if (typeof m.files === "object" && m.files !== null) {
    for (const [name, e] of Object.entries(m.files as Record<string, unknown>)) {
      if (typeof e === "string") add(name, { sha256: e });
      else if (typeof e === "object" && e !== null) add(name, e as Record<string, unknown>);
      else throw new FormatError(MANIFEST, `files["${name}"] must be an object`);
    }
  } else {
    throw new FormatError(MANIFEST, 'has no "files" list');
  }
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    runId: str(m.runId) ?? str(m.run_id) ?? str(m.id),
    createdAt: str(m.createdAt) ?? str(m.created_at),
    params: (m.params as Json | undefined) ?? undefined,
    counts: (m.counts as Json | undefined) ?? undefined,
    files,
    raw: m,
  };
}

function normaliseSha256(value: string, name: string): string {
  const v = value.replace(/^sha256[:-]/i, "");
  if (/^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase();
  const b = Buffer.from(v, "base64");
  if (b.length === 32) return b.toString("hex");
  throw new FormatError(
    MANIFEST,
    `files["${name}"].sha256 "${value}" is neither 64 hex digits nor base64 of 32 bytes`,
  );
}
