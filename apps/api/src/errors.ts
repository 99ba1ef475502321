import { hasCode } from "@cobuy/pg-loader";

/**
 * Errors of the HTTP API. Every error that reaches a client is JSON of one stable shape:
 * `{"error": {"code": "COBUY_API_PRODUCT_NOT_FOUND", "message": "...", "statusCode": 404, "requestId": "req-1"}}`.
 * Check errors by `code`, not `instanceof` (several copies of a package can be loaded).
 */

/** Stable error codes that clients may branch on. */
export type ApiErrorCode =
  | "COBUY_API_INVALID_REQUEST"
  | "COBUY_API_PRODUCT_NOT_FOUND"
  | "COBUY_API_ROUTE_NOT_FOUND"
  | "COBUY_API_NO_ACTIVE_RUN"
  | "COBUY_API_NO_PREVIOUS_RUN"
  | "COBUY_API_RUN_NOT_FOUND"
  | "COBUY_API_DATABASE_UNAVAILABLE"
  | "COBUY_API_SHUTTING_DOWN"
  | "COBUY_API_PAYLOAD_TOO_LARGE"
  | "COBUY_API_UNSUPPORTED_MEDIA_TYPE"
  | "COBUY_API_INTERNAL_ERROR";

/**
 * An error with an HTTP status and a stable `code`, rendered as the API's JSON error body.
 *
 * @example
 * ```ts
 * throw new ApiError("COBUY_API_PRODUCT_NOT_FOUND", 404, `product "P9" is not in run 2025-01-01_00-00-00`);
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
      "COBUY_API_DATABASE_UNAVAILABLE",
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

/**
 * True when pg-loader reported the database down, unreachable or too slow
 * (`COBUY_PG_UNAVAILABLE`): pg-loader maps driver and PostgreSQL errors at its boundary.
 *
 * @example
 * ```ts
 * if (isDatabaseUnavailable(err)) reply.code(503);
 * ```
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return hasCode(err, "COBUY_PG_UNAVAILABLE");
}

// pg-loader's COBUY_PG_UNAVAILABLE carries the driver's error as its cause: that says what happened.
function describe(err: unknown): string {
  if (isDatabaseUnavailable(err) && (err as { cause?: unknown }).cause !== undefined) {
    return describe((err as { cause?: unknown }).cause);
  }
  if (err && typeof err === "object") {
    const o = err as { code?: unknown; message?: unknown };
    const msg = typeof o.message === "string" && o.message ? o.message : String(err);
    return typeof o.code === "string" && !msg.includes(o.code) ? `${o.code}: ${msg}` : msg;
  }
  return String(err);
}
