import { DatabaseUnavailableError, NotMigratedError } from "../errors.js";

// Socket errors of a server that is down or unreachable.
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
// PostgreSQL classes 08 (connection), 53 (resources), 57P0x (shutdown, terminated), 57014 (statement timeout).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0|57014)/;
// pg, pg-pool, Kysely and PGlite report a lost or closed connection by message only.
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed|pool.*(ended|destroyed)|Cannot use a pool after calling end|driver has already been destroyed|connect ECONNREFUSED/i;
// 42P01 undefined_table, 3F000 invalid_schema_name: nothing was migrated into the schema yet.
const NOT_MIGRATED_SQLSTATE = new Set(["42P01", "3F000"]);

/**
 * True when a driver error says the database is down or unreachable rather than that a statement
 * is wrong (follows `cause` and AggregateError's `errors`).
 */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof o.code === "string" ? o.code : "";
    if (UNAVAILABLE_SYSCALL.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (typeof o.message === "string" && UNAVAILABLE_MESSAGE.test(o.message)) return true;
    // AggregateError from net.connect when every address family is refused.
    if (Array.isArray(o.errors) && o.errors.some((x) => isUnavailable(x))) return true;
    e = o.cause;
  }
  return false;
}

/**
 * The boundary between the driver and pg-loader's callers: PostgreSQL/socket errors that mean
 * "not migrated" or "database unavailable" become the typed errors; anything else is returned as is.
 */
export function fromDriverError(err: unknown, schema: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NOT_MIGRATED_SQLSTATE.has(code))
    return new NotMigratedError(schema, { cause: err });
  if (typeof code === "string" && code.startsWith("COBUY_")) return err;
  if (isUnavailable(err)) {
    return new DatabaseUnavailableError(
      `database unavailable: ${describe(err)} (check the server is up; retry later)`,
      {
        cause: err,
      },
    );
  }
  return err;
}

function describe(err: unknown): string {
  if (err && typeof err === "object") {
    const o = err as { code?: unknown; message?: unknown };
    const msg = typeof o.message === "string" && o.message ? o.message : String(err);
    return typeof o.code === "string" && !msg.includes(o.code) ? `${o.code}: ${msg}` : msg;
  }
  return String(err);
}
