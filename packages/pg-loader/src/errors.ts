/**
 * Errors of @cobuy/pg-loader. Each has a stable `code`; check `err.code`, not `instanceof`
 * (several copies of the package may be loaded).
 */

/** Base class: stable `code`, actionable message, optional `cause`. */
export class PgLoaderError extends Error {
  readonly code: PgLoaderErrorCode;
  constructor(code: PgLoaderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is invalid (schema name, pool size, data folder, …). */
export class ConfigError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COBUY_PG_CONFIG", message, options);
  }
}

/** A run document is not valid JSON or violates its format; `file:line:column` says where. */
export class FormatError extends PgLoaderError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(
    file: string,
    message: string,
    pos?: { line: number; column: number },
    options?: { cause?: unknown },
  ) {
    super("COBUY_PG_FORMAT", `${file}${pos ? `:${pos.line}:${pos.column}` : ""}: ${message}`, options);
    this.file = file;
    this.line = pos?.line;
    this.column = pos?.column;
  }
}

/** A document's size or sha256 differs from what manifest.json records. */
export class ChecksumError extends PgLoaderError {
  readonly file: string;
  constructor(file: string, what: "sha256" | "size", expected: string, actual: string) {
    super(
      "COBUY_PG_CHECKSUM",
      `${file}: ${what} is ${actual} but manifest.json says ${expected} (the run is corrupt or was modified after publishing; fetch it again)`,
    );
    this.file = file;
  }
}

/** A run source is missing a file or cannot be read. */
export class SourceError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COBUY_PG_SOURCE", message, options);
  }
}

/** The named run is not loaded (or was pruned). */
export class RunNotFoundError extends PgLoaderError {
  readonly runId: string;
  constructor(runId: string, detail = "is not loaded") {
    super(
      "COBUY_PG_RUN_NOT_FOUND",
      `run "${runId}" ${detail} (list loaded runs with \`cobuy db runs\` or load it with \`cobuy load\`)`,
    );
    this.runId = runId;
  }
}

/** Another load/activate/prune holds the schema's lock and `lockTimeoutMs` expired. */
export class BusyError extends PgLoaderError {
  constructor(schema: string, options?: { cause?: unknown }) {
    super(
      "COBUY_PG_BUSY",
      `another load, activate or prune is running on schema "${schema}"; retry when it is done`,
      options,
    );
  }
}

/** The schema has not been migrated (tables missing). */
export class NotMigratedError extends PgLoaderError {
  constructor(schema: string, options?: { cause?: unknown }) {
    super(
      "COBUY_PG_NOT_MIGRATED",
      `schema "${schema}" has no cobuy tables; run \`cobuy db migrate\` (or load a run) first`,
      options,
    );
  }
}

/** A database operation failed; the transaction was rolled back and the previous state kept. */
export class LoadError extends PgLoaderError {
  readonly phase: string;
  constructor(phase: string, message: string, options?: { cause?: unknown }) {
    super(
      "COBUY_PG_LOAD_FAILED",
      `load failed while ${phase}: ${message} (nothing was changed; the previous run stays active)`,
      options,
    );
    this.phase = phase;
  }
}

/** A migration failed; `cobuy db migrate` reports which one. */
export class MigrationError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COBUY_PG_MIGRATION", message, options);
  }
}

/**
 * The database cannot be reached, dropped the connection, is shutting down, out of resources or
 * too slow (statement timeout); `cause` holds the driver error. Retry later.
 */
export class DatabaseUnavailableError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("COBUY_PG_UNAVAILABLE", message, options);
  }
}

/** The stable codes of pg-loader's errors. */
export type PgLoaderErrorCode =
  | "COBUY_PG_CONFIG"
  | "COBUY_PG_FORMAT"
  | "COBUY_PG_CHECKSUM"
  | "COBUY_PG_SOURCE"
  | "COBUY_PG_RUN_NOT_FOUND"
  | "COBUY_PG_BUSY"
  | "COBUY_PG_NOT_MIGRATED"
  | "COBUY_PG_UNAVAILABLE"
  | "COBUY_PG_LOAD_FAILED"
  | "COBUY_PG_MIGRATION";

/**
 * True when `err` carries the pg-loader error `code` (duck-typed).
 * @example
 * if (hasCode(err, "COBUY_PG_NOT_MIGRATED")) return null;
 */
export function hasCode(err: unknown, code: PgLoaderErrorCode): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}
