/**
 * Errors of the HTTP API. Every error that reaches a client is JSON of one stable shape:
 * `{"error": {"code": "product_not_found", "message": "...", "statusCode": 404, "requestId": "req-1"}}`.
 * Check errors by `code`, not `instanceof` (several copies of a package can be loaded).
 */

/** Stable error codes that clients may branch on. */
export type ApiErrorCode =
  | "invalid_request"
  | "product_not_found"
  | "route_not_found"
  | "no_active_run"
  | "database_unavailable"
  | "shutting_down"
  | "payload_too_large"
  | "unsupported_media_type"
  | "internal_error";

/**
 * An error with an HTTP status and a stable `code`, rendered as the API's JSON error body.
 *
 * @example
 * ```ts
 * throw new ApiError("product_not_found", 404, `product "P9" is not in run 2025-01-01_00-00-00`);
 * ```
 */
export class ApiError extends Error {
  override readonly name: string = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The database could not be reached or dropped the connection; rendered as 503.
 *
 * @example
 * ```ts
 * throw new DatabaseUnavailableError("similar products for P1", err);
 * ```
 */
export class DatabaseUnavailableError extends ApiError {
  override readonly name: string = "DatabaseUnavailableError";
  constructor(what: string, cause: unknown) {
    super(
      "database_unavailable",
      503,
      `database unavailable while reading ${what}: ${describe(cause)} (check DATABASE_URL and that the server is up; retry later)`,
      { cause },
    );
  }
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; statusCode: number; requestId?: string };
}

const UNAVAILABLE_SYSCALL = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/**
 * True when `err` says the database is down or unreachable rather than that a query is wrong:
 * socket errors, Postgres classes 08 (connection), 53 (resources), 57P0x (shutdown/terminated),
 * 57014 (statement timeout),
 * pg's "Connection terminated", pool timeouts and a closed PGlite.
 *
 * @example
 * ```ts
 * if (isDatabaseUnavailable(err)) reply.code(503);
 * ```
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof o.code === "string" ? o.code : "";
    if (UNAVAILABLE_SYSCALL.has(code)) return true;
    // 08 connection, 53 resources, 57P0x shutdown, 57014 statement timeout (the server is too slow).
    if (/^(08|53|57P0|57014)/.test(code)) return true;
    const message = typeof o.message === "string" ? o.message : "";
    if (
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed|pool.*(ended|destroyed)|Cannot use a pool after calling end|driver has already been destroyed|connect ECONNREFUSED/i.test(
        message,
      )
    ) {
      return true;
    }
    // AggregateError from net.connect when every address family is refused.
    if (Array.isArray(o.errors) && o.errors.some((x) => isDatabaseUnavailable(x))) return true;
    e = o.cause;
  }
  return false;
}

function describe(err: unknown): string {
  if (err && typeof err === "object") {
    const o = err as { code?: unknown; message?: unknown };
    const msg = typeof o.message === "string" && o.message ? o.message : String(err);
    return typeof o.code === "string" && !msg.includes(o.code) ? `${o.code}: ${msg}` : msg;
  }
  return String(err);
}
