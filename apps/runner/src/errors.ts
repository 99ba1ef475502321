/**
 * Errors the runner raises itself. Every error carries a stable `code` (`COBUY_CLI_*`, the runner's
 * area of the repo-wide `COBUY_<AREA>_<REASON>` style); the CLI prints `cobuy: <message>` and exits 2
 * for usage errors, 1 for everything else.
 * Errors from the libraries (@cobuy/pipeline, …) are recognised by their `code`, never by `instanceof`.
 */

/** The codes of the runner's own failures. */
export const CLI_ERROR_CODES = {
  /** Unknown command or flag, missing or malformed value (exit 2). */
  usage: "COBUY_CLI_USAGE",
  /** A file or folder the runner itself touches is missing or unusable. */
  io: "COBUY_CLI_IO",
  /** `cobuy publish DIR`: the folder is not a complete, valid `cobuy build` output. */
  notBuildOutput: "COBUY_CLI_NOT_BUILD_OUTPUT",
  /** `cobuy publish`: the store already holds a run with the build's run id (runs are immutable). */
  runExists: "COBUY_CLI_RUN_EXISTS",
  /** The activation guard refused the new run: it did not become latest / active (override: --force). */
  guardRefused: "COBUY_CLI_GUARD_REFUSED",
  /** `--input-sql`: the database did not accept the connection. */
  sqlConnect: "COBUY_CLI_SQL_CONNECT",
  /** The event loop emptied while a command was still awaiting (a library dropped a promise). */
  droppedPromise: "COBUY_CLI_DROPPED_PROMISE",
  /** Something without a code of its own was thrown. */
  internal: "COBUY_CLI_INTERNAL",
} as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[keyof typeof CLI_ERROR_CODES];

/** Base class: a stable `code`, an actionable message, an optional `cause`. */
export class CobuyCliError extends Error {
  readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;
  /** Fields the `--json` failure object carries beside `error` (what a script needs to act on it). */
  readonly details?: Record<string, unknown>;
  constructor(
    code: string,
    message: string,
    options?: { cause?: unknown; exitCode?: number; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** Bad command line: unknown command/flag, missing or malformed value. Exit code 2. */
export class UsageError extends CobuyCliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CLI_ERROR_CODES.usage, message, { ...options, exitCode: 2 });
  }
}

/** A file or folder the runner itself touches is missing or unusable. */
export class RunnerIoError extends CobuyCliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CLI_ERROR_CODES.io, message, options);
  }
}

/**
 * The activation guard refused a run (`pipeline`, `publish`, `load`): it was published as refused
 * or loaded without becoming active, and the previous run keeps serving. The message is one line:
 * the failed check, by how much, how to override; `details` holds the verdict and the diff summary.
 */
export class GuardRefusedError extends CobuyCliError {
  constructor(message: string, details: Record<string, unknown>) {
    super(CLI_ERROR_CODES.guardRefused, message, { details });
  }
}

/** What the CLI needs to report any thrown value: a code, a one-line message, an exit code. */
export interface ErrorReport {
  code: string;
  message: string;
  exitCode: number;
  /** {@link CobuyCliError.details}, for the `--json` failure object. */
  details?: Record<string, unknown>;
}

/** Turns anything thrown into a one-line report (code by duck typing: several package copies may be loaded). */
export function describeError(err: unknown): ErrorReport {
  if (err !== null && typeof err === "object") {
    const e = err as {
      code?: unknown;
      message?: unknown;
      exitCode?: unknown;
      name?: unknown;
      details?: unknown;
    };
    const message = oneLine(typeof e.message === "string" && e.message ? e.message : String(err));
    const code =
      typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : CLI_ERROR_CODES.internal;
    if (typeof e.exitCode === "number") {
      const details =
        typeof e.details === "object" && e.details !== null
          ? (e.details as Record<string, unknown>)
          : undefined;
      return { code, message, exitCode: e.exitCode, ...(details !== undefined ? { details } : {}) };
    }
    if (code.startsWith("ERR_PARSE_ARGS_")) return { code: CLI_ERROR_CODES.usage, message, exitCode: 2 };
    return { code, message, exitCode: 1 };
  }
  return { code: CLI_ERROR_CODES.internal, message: oneLine(String(err)), exitCode: 1 };
}

function oneLine(s: string): string {
  const first = s.split(/\r?\n/, 1)[0] ?? "";
  return first.trim() || "unknown error";
}
