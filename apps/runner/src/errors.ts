/**
 * Errors the runner raises itself. Every error carries a stable `code`; the CLI prints
 * `cobuy: <message>` and exits 2 for usage errors, 1 for everything else.
 * Errors from the libraries (@cobuy/pipeline, …) are recognised by their `code`, never by `instanceof`.
 */

/** Base class: a stable `code`, an actionable message, an optional `cause`. */
export class CobuyCliError extends Error {
  readonly code: string;
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;
  constructor(code: string, message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** Bad command line: unknown command/flag, missing or malformed value. Exit code 2. */
export class UsageError extends CobuyCliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, { ...options, exitCode: 2 });
  }
}

/** A file or folder the runner itself touches is missing or unusable. */
export class RunnerIoError extends CobuyCliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("RUNNER_IO", message, options);
  }
}

/** What the CLI needs to report any thrown value: a code, a one-line message, an exit code. */
export interface ErrorReport {
  code: string;
  message: string;
  exitCode: number;
}

/** Turns anything thrown into a one-line report (code by duck typing: several package copies may be loaded). */
export function describeError(err: unknown): ErrorReport {
  if (err !== null && typeof err === "object") {
    const e = err as { code?: unknown; message?: unknown; exitCode?: unknown; name?: unknown };
    const message = oneLine(typeof e.message === "string" && e.message ? e.message : String(err));
    const code = typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : "ERROR";
    if (typeof e.exitCode === "number") return { code, message, exitCode: e.exitCode };
    if (code.startsWith("ERR_PARSE_ARGS_")) return { code: "USAGE", message, exitCode: 2 };
    return { code, message, exitCode: 1 };
  }
  return { code: "ERROR", message: oneLine(String(err)), exitCode: 1 };
}

function oneLine(s: string): string {
  const first = s.split(/\r?\n/, 1)[0] ?? "";
  return first.trim() || "unknown error";
}
