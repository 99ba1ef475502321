import type { Readable } from "node:stream";
import { InvalidKeyError } from "../errors.js";

/** Server-side encryption for S3 (ignored by the local folder store). */
export type ServerSideEncryption = { type: "AES256" } | { type: "aws:kms"; kmsKeyId?: string };

/** Options of {@link ObjectStore.put}. */
export interface PutOptions {
  contentType?: string;
  /** e.g. `gzip` when the body is already gzip-compressed. */
  contentEncoding?: string;
  /** User metadata (`x-amz-meta-*` on S3); keys lower-case ASCII, values ASCII. */
  metadata?: Record<string, string>;
  sse?: ServerSideEncryption;
  /** Bytes sent so far (multipart uploads report per part). */
  onProgress?: (loadedBytes: number) => void;
}

/** What a store knows about an object. */
export interface ObjectInfo {
  key: string;
  /** Stored size in bytes (compressed size when contentEncoding is set). */
  size: number;
  lastModified?: Date;
  contentType?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
}

/** An object opened for reading. The caller must consume or destroy `body`. */
export interface GetResult extends ObjectInfo {
  body: Readable;
}

/** One entry of {@link ObjectStore.list}. */
export interface ListEntry {
  key: string;
  size: number;
  lastModified?: Date;
}

/** A body for {@link ObjectStore.put}: a stream (uploaded without buffering it whole) or bytes. */
export type PutBody = Readable | Uint8Array | string;

/**
 * A flat key → bytes store: an S3 bucket + prefix, or a local folder. Keys are relative to the
 * store's root, use `/` separators and never start with `/` or contain `..` segments.
 *
 * @example
 * ```ts
 * const store: ObjectStore = new LocalFolderStore("./bucket");
 * await store.put("a/b.json", '{"ok":true}', { contentType: "application/json" });
 * for await (const e of store.list("a/")) console.log(e.key, e.size);
 * ```
 */
export interface ObjectStore {
  /** Printable description without secrets, e.g. `s3://bucket/prefix` or `file:///data/bucket`. */
  readonly description: string;
  /** Writes the whole object or nothing: a failed put never leaves a partial object visible. */
  put(key: string, body: PutBody, options?: PutOptions): Promise<void>;
  /** Opens an object; throws `COBUY_STORE_OBJECT_NOT_FOUND` when missing. */
  get(key: string): Promise<GetResult>;
  /** Object info, or `undefined` when missing. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in ascending key order. */
  list(prefix: string): AsyncIterable<ListEntry>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Creates a small object only when no object exists at `key` (exclusive create on a folder,
   * `If-None-Match: *` on S3). Resolves false, writing nothing, when the key is taken. Optional:
   * {@link createIfAbsent} falls back to head-then-put for stores without it.
   */
  putIfAbsent?(key: string, body: Uint8Array | string, options?: PutOptions): Promise<boolean>;
}

/**
 * {@link ObjectStore.putIfAbsent} when the store has it, else a head-then-put (a race window remains;
 * callers draw unique keys so it is only a second line of defence).
 *
 * @example
 * ```ts
 * if (!(await createIfAbsent(store, "run/.claim", "{}"))) throw new Error("taken");
 * ```
 */
export async function createIfAbsent(
  store: ObjectStore,
  key: string,
  body: Uint8Array | string,
  options: PutOptions = {},
): Promise<boolean> {
  if (store.putIfAbsent !== undefined) return store.putIfAbsent(key, body, options);
  if ((await store.head(key)) !== undefined) return false;
  await store.put(key, body, options);
  return true;
}

/** Throws `COBUY_STORE_INVALID_KEY` unless `key` is a safe relative key. */
export function assertValidKey(key: string): void {
  if (key.length === 0) throw new InvalidKeyError(key, "empty");
  if (key.startsWith("/")) throw new InvalidKeyError(key, "must not start with /");
  if (key.includes("\\")) throw new InvalidKeyError(key, "must not contain backslashes");
  if (key.includes("\0")) throw new InvalidKeyError(key, "must not contain NUL");
  for (const seg of key.split("/")) {
    if (seg === "" || seg === "." || seg === "..") {
      throw new InvalidKeyError(key, `segment "${seg}" is not allowed`);
    }
  }
}

/** Joins key segments with `/`, dropping empty ones and stray slashes. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split("/"))
    .filter((p) => p.length > 0)
    .join("/");
}
