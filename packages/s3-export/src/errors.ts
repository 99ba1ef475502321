/**
 * Typed errors of @cobuy/s3-export. Check them by `code` (or with {@link isS3ExportError}), not
 * with `instanceof`: several copies of this package can be loaded at once.
 *
 * @example
 * ```ts
 * try { await fetchRun(store, "latest", "./out"); }
 * catch (e) { if (isS3ExportError(e, "COBUY_STORE_CHECKSUM_MISMATCH")) process.exitCode = 2; else throw e; }
 * ```
 */

/** Every stable error code this package throws. */
export type S3ExportErrorCode =
  | "COBUY_STORE_INVALID_URL"
  | "COBUY_STORE_INVALID_KEY"
  | "COBUY_STORE_INVALID_ARGUMENT"
  | "COBUY_STORE_NOT_FOUND"
  | "COBUY_STORE_OBJECT_NOT_FOUND"
  | "COBUY_STORE_ACCESS_DENIED"
  | "COBUY_STORE_BAD_CREDENTIALS"
  | "COBUY_STORE_ENDPOINT_UNREACHABLE"
  | "COBUY_STORE_NETWORK"
  | "COBUY_STORE_WRONG_REGION"
  | "COBUY_STORE_REQUEST_FAILED"
  | "COBUY_STORE_VERIFY_FAILED"
  | "COBUY_STORE_CHECKSUM_MISMATCH"
  | "COBUY_STORE_INVALID_MANIFEST"
  | "COBUY_STORE_RUN_NOT_FOUND"
  | "COBUY_STORE_RUN_EXISTS";

/** Where an error happened; every field is safe to print (no secrets). */
export interface ErrorLocation {
  /** Store description, e.g. `s3://bucket/prefix` or `file:///data/runs`. */
  store?: string;
  bucket?: string;
  key?: string;
  /** Endpoint with any user info removed, e.g. `http://127.0.0.1:4568`. */
  endpoint?: string;
  /** Provider error name/code as received (e.g. `NoSuchBucket`), if any. */
  providerCode?: string;
  httpStatus?: number;
}

/**
 * Base class of every error thrown by this package.
 *
 * @example
 * ```ts
 * if (isS3ExportError(err)) console.error(`${err.code}: ${err.message}`);
 * ```
 */
export class S3ExportError extends Error {
  readonly code: S3ExportErrorCode;
  readonly location: ErrorLocation;
  constructor(
    code: S3ExportErrorCode,
    message: string,
    options: { cause?: unknown; location?: ErrorLocation } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location ?? {};
  }
}

function where(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.bucket !== undefined) parts.push(`bucket "${loc.bucket}"`);
  else if (loc.store !== undefined) parts.push(`store ${loc.store}`);
  if (loc.key !== undefined) parts.push(`key "${loc.key}"`);
  if (loc.endpoint !== undefined) parts.push(`endpoint ${loc.endpoint}`);
  return parts.join(", ");
}

/** A store URL that cannot be parsed (`s3://bucket/prefix`, `file://…` or a path). */
export class InvalidStoreUrlError extends S3ExportError {
  constructor(url: string, why: string) {
    super(
      "COBUY_STORE_INVALID_URL",
      `invalid store "${url}": ${why} (use a folder path, file:///abs/path or s3://bucket/prefix)`,
    );
  }
}

/** An object key that is empty, absolute or climbs out of the store (`..`). */
export class InvalidKeyError extends S3ExportError {
  constructor(key: string, why: string) {
    super("COBUY_STORE_INVALID_KEY", `invalid object key "${key}": ${why}`, { location: { key } });
  }
}

/** A caller passed an unusable argument (bad run id, unknown file name, keep < 0, …). */
export class InvalidArgumentError extends S3ExportError {
  constructor(message: string) {
    super("COBUY_STORE_INVALID_ARGUMENT", message);
  }
}

/** The bucket (S3) or root folder (local store) does not exist. */
export class StoreNotFoundError extends S3ExportError {
  constructor(loc: ErrorLocation, cause?: unknown) {
    const what =
      loc.bucket !== undefined
        ? `bucket "${loc.bucket}" does not exist at ${loc.endpoint ?? "the configured endpoint"}`
        : `store folder ${loc.store ?? "?"} does not exist`;
    const hint =
      loc.bucket !== undefined
        ? "create the bucket, or check --store, AWS_REGION and --s3-endpoint"
        : "publish a run into it first, or check --store";
    super("COBUY_STORE_NOT_FOUND", `${what} (${hint})`, { cause, location: loc });
  }
}

/** The object does not exist in the store. */
export class ObjectNotFoundError extends S3ExportError {
  constructor(loc: ErrorLocation, cause?: unknown) {
    super("COBUY_STORE_OBJECT_NOT_FOUND", `object not found: ${where(loc)}`, { cause, location: loc });
  }
}

/** The credentials are valid but not allowed to perform the operation. */
export class AccessDeniedError extends S3ExportError {
  constructor(operation: string, loc: ErrorLocation, cause?: unknown) {
    super(
      "COBUY_STORE_ACCESS_DENIED",
      `access denied for ${operation} (${where(loc)}): the credentials in use lack permission ` +
        "(check the IAM/bucket policy, AWS_PROFILE, and that the bucket belongs to this account)",
      { cause, location: loc },
    );
  }
}

/** The credentials are missing, unknown, expired or wrongly signed. */
export class BadCredentialsError extends S3ExportError {
  constructor(operation: string, detail: string, loc: ErrorLocation, cause?: unknown) {
    super(
      "COBUY_STORE_BAD_CREDENTIALS",
      `bad credentials for ${operation} (${where(loc)}): ${detail} ` +
        "(check AWS_PROFILE / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the shared config)",
      { cause, location: loc },
    );
  }
}

/** The endpoint could not be reached (connection refused, DNS failure, no route). */
export class EndpointUnreachableError extends S3ExportError {
  constructor(operation: string, detail: string, loc: ErrorLocation, cause?: unknown) {
    super(
      "COBUY_STORE_ENDPOINT_UNREACHABLE",
      `cannot reach ${loc.endpoint ?? "the S3 endpoint"} for ${operation} (${where(loc)}): ${detail} ` +
        "(check --s3-endpoint / AWS_ENDPOINT_URL_S3, AWS_REGION and the network)",
      { cause, location: loc },
    );
  }
}

/** The connection failed mid-request (reset, timeout) after the SDK's retries. */
export class NetworkError extends S3ExportError {
  constructor(operation: string, detail: string, loc: ErrorLocation, cause?: unknown) {
    super(
      "COBUY_STORE_NETWORK",
      `network failure during ${operation} (${where(loc)}): ${detail}; retries exhausted, nothing was published past this point`,
      { cause, location: loc },
    );
  }
}

/** The bucket lives in another region than the client's. */
export class WrongRegionError extends S3ExportError {
  constructor(operation: string, loc: ErrorLocation, cause?: unknown) {
    super(
      "COBUY_STORE_WRONG_REGION",
      `bucket "${loc.bucket}" is not in the configured region (${operation}); set AWS_REGION to the bucket's region`,
      { cause, location: loc },
    );
  }
}

/** Any other provider failure (after the SDK's retries). */
export class StoreRequestError extends S3ExportError {
  constructor(operation: string, detail: string, loc: ErrorLocation, cause?: unknown) {
    super("COBUY_STORE_REQUEST_FAILED", `${operation} failed (${where(loc)}): ${detail}`, {
      cause,
      location: loc,
    });
  }
}

/** An upload reported success but the stored object does not match what was sent. */
export class VerifyFailedError extends S3ExportError {
  constructor(loc: ErrorLocation, detail: string) {
    super(
      "COBUY_STORE_VERIFY_FAILED",
      `uploaded object does not match what was sent (${where(loc)}): ${detail}`,
      {
        location: loc,
      },
    );
  }
}

/** Downloaded bytes do not match the manifest's sha256/size: the stored object is corrupted. */
export class ChecksumMismatchError extends S3ExportError {
  readonly expected: string;
  readonly actual: string;
  constructor(loc: ErrorLocation, expected: string, actual: string) {
    super(
      "COBUY_STORE_CHECKSUM_MISMATCH",
      `checksum mismatch for ${where(loc)}: manifest says ${expected}, stored object gives ${actual} ` +
        "(the object is corrupted or was overwritten; republish the run or fetch another one)",
      { location: loc },
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** manifest.json or latest.json is not valid JSON of the expected format. */
export class InvalidManifestError extends S3ExportError {
  constructor(loc: ErrorLocation, why: string, cause?: unknown) {
    super("COBUY_STORE_INVALID_MANIFEST", `invalid run metadata in ${where(loc)}: ${why}`, {
      cause,
      location: loc,
    });
  }
}

/** The run (or `latest`) does not exist or is incomplete (no manifest). */
export class RunNotFoundError extends S3ExportError {
  constructor(runId: string, loc: ErrorLocation) {
    const what =
      runId === "latest"
        ? `no latest.json in ${loc.store ?? "the store"}: no run has been published there yet`
        : `run "${runId}" not found (or incomplete: no manifest.json) in ${loc.store ?? "the store"}`;
    super("COBUY_STORE_RUN_NOT_FOUND", `${what} (list runs with \`cobuy runs list --store …\`)`, {
      location: loc,
    });
  }
}

/** A complete run with this id already exists; runs are immutable. */
export class RunExistsError extends S3ExportError {
  constructor(runId: string, loc: ErrorLocation) {
    super(
      "COBUY_STORE_RUN_EXISTS",
      `run "${runId}" already exists in ${loc.store ?? "the store"} (runs are immutable: use a new run id or pass overwrite: true)`,
      { location: loc },
    );
  }
}

/**
 * True when `err` is an error of this package (optionally with the given code). Works across
 * package copies because it checks the shape, not the class.
 *
 * @example
 * ```ts
 * if (isS3ExportError(err, "COBUY_STORE_NOT_FOUND")) console.error("create the bucket first");
 * ```
 */
export function isS3ExportError(
  err: unknown,
  code?: S3ExportErrorCode,
): err is S3ExportError & { code: S3ExportErrorCode } {
  if (typeof err !== "object" || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== "string" || !c.startsWith("COBUY_STORE_") || !("location" in err)) return false;
  return code === undefined || c === code;
}
