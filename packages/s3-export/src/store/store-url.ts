import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import { InvalidStoreUrlError } from "../errors.js";
import { LocalFolderStore, type LocalFolderStoreOptions } from "./local-folder-store.js";
import type { ObjectStore } from "./object-store.js";
import { joinKey } from "./object-store.js";
import { createS3Client, type S3ClientOptions } from "./s3-client.js";
import { S3Store, type S3StoreOptions } from "./s3-store.js";

/** A parsed `--store` value. */
export type StoreTarget = { kind: "s3"; bucket: string; prefix: string } | { kind: "folder"; path: string };

// S3 bucket naming rules (lowercase, digits, dots, hyphens; 3–63 chars).
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket/prefix`, `file:///abs/path` or a plain folder path.
 *
 * @example
 * ```ts
 * parseStoreUrl("s3://my-bucket/cobuy/runs"); // { kind: "s3", bucket: "my-bucket", prefix: "cobuy/runs" }
 * parseStoreUrl("./out");                     // { kind: "folder", path: "./out" }
 * ```
 */
export function parseStoreUrl(url: string): StoreTarget {
  const trimmed = url.trim();
  if (trimmed === "") throw new InvalidStoreUrlError(url, "empty");
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "folder", path: trimmed };
  if (scheme === "file") {
    try {
      return { kind: "folder", path: fileURLToPath(trimmed) };
    } catch (e) {
      throw new InvalidStoreUrlError(url, (e as Error).message);
    }
  }
  if (scheme === "s3") {
    const rest = trimmed.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? "" : joinKey(rest.slice(slash + 1));
    if (!BUCKET_RE.test(bucket)) {
      throw new InvalidStoreUrlError(url, `"${bucket}" is not a valid bucket name`);
    }
    if (prefix.split("/").some((s) => s === "." || s === "..")) {
      throw new InvalidStoreUrlError(url, "prefix must not contain . or .. segments");
    }
    return { kind: "s3", bucket, prefix };
  }
  throw new InvalidStoreUrlError(url, `unsupported scheme "${scheme}://"`);
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Client for `s3://` targets, or options to build one with `createS3Client`. */
  s3?: S3Client | S3ClientOptions;
  /** Extra S3Store options (part size, queue size). */
  s3Store?: Omit<S3StoreOptions, "client" | "bucket" | "prefix">;
  folder?: LocalFolderStoreOptions;
}

/**
 * Opens the store a `--store` value names.
 *
 * @example
 * ```ts
 * const store = openStore("s3://my-bucket/cobuy", { s3: { region: "eu-west-1" } });
 * const local = openStore("./.cobuy/bucket");
 * ```
 */
export function openStore(target: string | StoreTarget, options: OpenStoreOptions = {}): ObjectStore {
  const t = typeof target === "string" ? parseStoreUrl(target) : target;
  if (t.kind === "folder") return new LocalFolderStore(t.path, options.folder);
  const s3 = options.s3;
  const client = isClient(s3) ? s3 : createS3Client(s3 ?? {});
  return new S3Store({ ...options.s3Store, client, bucket: t.bucket, prefix: t.prefix });
}

function isClient(v: unknown): v is S3Client {
  return typeof v === "object" && v !== null && typeof (v as S3Client).send === "function";
}
