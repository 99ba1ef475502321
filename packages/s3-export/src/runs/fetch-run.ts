import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { pipeline, Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline as pipelineAsync } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { findManifestFile, MANIFEST_NAME, type ManifestFile, type RunManifest } from "@cobuy/contracts";
import { ChecksumMismatchError, InvalidArgumentError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";
import { readManifest } from "./read-runs.js";

/** Checks bytes against a manifest entry while they stream; errors instead of ending on mismatch. */
class VerifyingStream extends Transform {
  private readonly hash = createHash("sha256");
  private bytes = 0;
  constructor(
    private readonly file: ManifestFile,
    private readonly store: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const actual = this.hash.digest("hex");
    if (actual !== this.file.sha256 || this.bytes !== this.file.size) {
      cb(
        new ChecksumMismatchError(
          { store: this.store, key: this.file.key },
          `sha256 ${this.file.sha256} (${this.file.size} B)`,
          `sha256 ${actual} (${this.bytes} B)`,
        ),
      );
      return;
    }
    cb();
  }
}

/** The stored object's bytes, decompressed and verified against the manifest entry. */
async function openVerified(store: ObjectStore, file: ManifestFile): Promise<Readable> {
  const obj = await store.get(file.key);
  const verify = new VerifyingStream(file, store.description);
  const noop = () => {};
  if (file.contentEncoding === "gzip") pipeline(obj.body, createGunzip(), verify, noop);
  else pipeline(obj.body, verify, noop);
  const description = store.description;
  async function* checked(): AsyncGenerator<Buffer> {
    try {
      for await (const c of verify) yield c as Buffer;
    } catch (err) {
      const e = err as Error & { code?: string };
      // A corrupted gzip stream is a corrupted object, not a zlib problem.
      if (typeof e.code === "string" && e.code.startsWith("Z_")) {
        throw new ChecksumMismatchError(
          { store: description, key: file.key },
          `sha256 ${file.sha256}`,
          `undecodable gzip (${e.message})`,
        );
      }
      throw err;
    }
  }
  return Readable.from(checked(), { objectMode: false });
}

/** An open document of a run, see {@link openRunFile}. */
export interface OpenRunFile {
  manifest: RunManifest;
  file: ManifestFile;
  /** Uncompressed bytes; errors with `COBUY_STORE_CHECKSUM_MISMATCH` instead of ending if they differ. */
  stream: Readable;
}

/**
 * Opens one document of a run as a stream for loaders: decompressed, and checked against the
 * manifest's sha256 as it flows — the stream errors (`COBUY_STORE_CHECKSUM_MISMATCH`) rather than ending,
 * so consume it inside a transaction and roll back on error.
 *
 * @example
 * ```ts
 * const { stream, manifest } = await openRunFile(store, "latest", "recs.rich.json");
 * for await (const chunk of stream) parser.write(chunk);
 * ```
 */
export async function openRunFile(store: ObjectStore, run: string, name: string): Promise<OpenRunFile> {
  const manifest = await readManifest(store, run);
  const file = findManifestFile(manifest, name);
  if (file === undefined) {
    throw new InvalidArgumentError(
      `run "${manifest.runId}" has no document "${name}" (it has: ${manifest.files.map((f) => f.name).join(", ")})`,
    );
  }
  return { manifest, file, stream: await openVerified(store, file) };
}

/** Progress events of {@link fetchRun}. */
export type FetchProgress = { phase: "verified"; name: string; path: string; size: number };

/** Options of {@link fetchRun}. */
export interface FetchRunOptions {
  /** Only these documents (default: all). */
  names?: string[];
  onProgress?: (event: FetchProgress) => void;
}

/** What {@link fetchRun} wrote. */
export interface FetchRunResult {
  runId: string;
  dir: string;
  manifest: RunManifest;
  files: { name: string; path: string; size: number; sha256: string }[];
}

/**
 * Downloads a run into `toDir`, verifying every document's sha256 and size against the manifest.
 * Documents land in temp files and are renamed into place only once all of them verified, so a
 * corrupted object (`COBUY_STORE_CHECKSUM_MISMATCH`) leaves nothing behind. Also writes `manifest.json`.
 *
 * @example
 * ```ts
 * const { files } = await fetchRun(store, "latest", "./downloaded");
 * ```
 */
export async function fetchRun(
  store: ObjectStore,
  run: string,
  toDir: string,
  options: FetchRunOptions = {},
): Promise<FetchRunResult> {
  const manifest = await readManifest(store, run);
  let wanted = manifest.files;
  if (options.names !== undefined) {
    const missing = options.names.filter((n) => findManifestFile(manifest, n) === undefined);
    if (missing.length > 0) {
      throw new InvalidArgumentError(`run "${manifest.runId}" has no document(s): ${missing.join(", ")}`);
    }
    wanted = manifest.files.filter((f) => options.names?.includes(f.name));
  }
  const dir = path.resolve(toDir);
  await fs.mkdir(dir, { recursive: true });
  const temps: { tmp: string; final: string }[] = [];
  try {
    const files: FetchRunResult["files"] = [];
    for (const f of wanted) {
      const final = path.join(dir, f.name);
      const tmp = path.join(dir, `.${f.name}.${randomBytes(6).toString("hex")}.part`);
      temps.push({ tmp, final });
      await pipelineAsync(await openVerified(store, f), createWriteStream(tmp));
      files.push({ name: f.name, path: final, size: f.size, sha256: f.sha256 });
      options.onProgress?.({ phase: "verified", name: f.name, path: final, size: f.size });
    }
    for (const t of temps) await fs.rename(t.tmp, t.final);
    await fs.writeFile(path.join(dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
    return { runId: manifest.runId, dir, manifest, files };
  } catch (err) {
    for (const t of temps) await fs.rm(t.tmp, { force: true });
    throw err;
  }
}
