import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

/** Explicit configuration for {@link createS3Client}; the runner fills it from env/flags. */
export interface S3ClientOptions {
  /** e.g. `eu-west-1`. Default: the SDK's chain (AWS_REGION, profile), else `us-east-1` when an endpoint is set. */
  region?: string;
  /** S3-compatible endpoint, e.g. `http://127.0.0.1:9000` (MinIO) or `https://<acct>.r2.cloudflarestorage.com`. */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`). Default: true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Total attempts per request with the SDK's standard retry strategy (backoff + jitter). Default 5. */
  maxAttempts?: number;
  /** Give up connecting after this many ms. Default 5000. */
  connectionTimeoutMs?: number;
  /** Give up when a socket is idle this long mid-request. Default 60000. */
  idleTimeoutMs?: number;
  /**
   * SDK request checksums (CRC32 on uploads). `"when-supported"` is the SDK default on AWS;
   * `"when-required"` suits S3-compatible servers that reject them. Default: `"when-required"`
   * when `endpoint` is set, else `"when-supported"`. Integrity is checked by sha256 either way.
   */
  checksums?: "when-supported" | "when-required";
  /** Static credentials. Default: the SDK's default credential chain (env, profiles, SSO, IMDS…). */
  credentials?: S3ClientConfig["credentials"];
}

/**
 * Builds an `S3Client` from explicit options; credentials come from the SDK's default chain
 * unless given. Libraries never read the environment: pass what the runner parsed.
 *
 * @example
 * ```ts
 * const client = createS3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:9000" });
 * const store = new S3Store({ client, bucket: "cobuy", prefix: "runs" });
 * ```
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const hasEndpoint = options.endpoint !== undefined && options.endpoint !== "";
  const checksums = options.checksums ?? (hasEndpoint ? "when-required" : "when-supported");
  const checksumMode = checksums === "when-required" ? "WHEN_REQUIRED" : "WHEN_SUPPORTED";
  const region = options.region ?? (hasEndpoint ? "us-east-1" : undefined);
  return new S3Client({
    ...(region !== undefined ? { region } : {}),
    ...(hasEndpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? hasEndpoint,
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "standard",
    requestChecksumCalculation: checksumMode,
    responseChecksumValidation: checksumMode,
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 5_000,
      socketTimeout: options.idleTimeoutMs ?? 60_000,
    },
  });
}
