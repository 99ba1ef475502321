import {
  AccessDeniedError,
  BadCredentialsError,
  EndpointUnreachableError,
  type ErrorLocation,
  isS3ExportError,
  NetworkError,
  ObjectNotFoundError,
  type S3ExportError,
  StoreNotFoundError,
  StoreRequestError,
  WrongRegionError,
} from "../errors.js";

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);
const NETWORK = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "ERR_STREAM_PREMATURE_CLOSE",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);
const BAD_CREDENTIALS = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "CredentialsProviderError",
  "InvalidClientTokenId",
]);

interface ProviderErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** Every nested error (cause chains, AggregateError members), the outer one first. */
function chain(err: unknown): ProviderErrorShape[] {
  const out: ProviderErrorShape[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (typeof e !== "object" || e === null || seen.has(e) || depth > 5) return;
    seen.add(e);
    const s = e as ProviderErrorShape;
    out.push(s);
    if (Array.isArray(s.errors)) for (const x of s.errors) visit(x, depth + 1);
    visit(s.cause, depth + 1);
  };
  visit(err, 0);
  return out;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/**
 * Maps an S3 SDK / Node network error to this package's typed errors. Servers report the same
 * condition under `name`, `Code` or only an HTTP status (HEAD responses have no body), so all
 * are consulted.
 */
export function normalizeS3Error(
  err: unknown,
  operation: string,
  loc: ErrorLocation,
  objectOperation: boolean,
): S3ExportError {
  if (isS3ExportError(err)) return err;
  const all = chain(err);
  const top = all[0] ?? {};
  const status = top.$metadata?.httpStatusCode ?? top.$response?.statusCode;
  const names = all.flatMap((e) => [str(e.Code), str(e.name), str(e.code)]).filter(Boolean);
  const providerCode = str(top.Code) ?? str(top.name) ?? str(top.code);
  const full: ErrorLocation = {
    ...loc,
    ...(providerCode !== undefined ? { providerCode } : {}),
    ...(status !== undefined ? { httpStatus: status } : {}),
  };
  const has = (set: Set<string> | string[]) =>
    names.find((n) => (Array.isArray(set) ? set.includes(n as string) : set.has(n as string)));
  const message = str(top.message) ?? String(err);

  if (has(["NoSuchBucket"])) return new StoreNotFoundError(full, err);
  if (has(["NoSuchKey"]) || (objectOperation && (has(["NotFound"]) || status === 404))) {
    return new ObjectNotFoundError(full, err);
  }
  const cred = has(BAD_CREDENTIALS);
  if (cred !== undefined) {
    const detail =
      cred === "CredentialsProviderError"
        ? "no AWS credentials were found by the default credential chain"
        : cred === "SignatureDoesNotMatch"
          ? "the secret access key does not match the access key id"
          : cred === "InvalidAccessKeyId"
            ? "the access key id is unknown to the server"
            : `${cred}: the credentials are expired or invalid`;
    return new BadCredentialsError(operation, detail, full, err);
  }
  if (has(["AccessDenied", "AllAccessDisabled", "Forbidden"]) || status === 403) {
    return new AccessDeniedError(operation, full, err);
  }
  if (
    has(["PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"]) ||
    status === 301
  ) {
    return new WrongRegionError(operation, full, err);
  }
  const unreachable = has(UNREACHABLE);
  if (unreachable !== undefined) {
    return new EndpointUnreachableError(operation, unreachable, full, err);
  }
  const net = has(NETWORK);
  if (net !== undefined || /socket hang up|aborted|ECONNRESET|timed? ?out/i.test(message)) {
    return new NetworkError(operation, net ?? message, full, err);
  }
  const detail =
    providerCode !== undefined
      ? `${providerCode}${status !== undefined ? ` (HTTP ${status})` : ""}: ${message}`
      : message;
  return new StoreRequestError(operation, detail, full, err);
}

/** Endpoint URL without user info, query or trailing slash, safe for messages. */
export function redactEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.href.replace(/\/$/, "");
  } catch {
    return "(unparseable endpoint)";
  }
}
