/**
 * Errors of @cobuy/pg-loader. Each has a stable `code`; check `err.code`, not `instanceof`
 * (several copies of the package may be loaded).
 */

/** Base class: stable `code`, actionable message, optional `cause`. */
export class PgLoaderError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is invalid (schema name, pool size, data folder, …). */
export class ConfigError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PGL_CONFIG", message, options);
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
    super("PGL_FORMAT", `${file}${pos ? `:${pos.line}:${pos.column}` : ""}: ${message}`, options);
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
      "PGL_CHECKSUM",
      `${file}: ${what} is ${actual} but manifest.json says ${expected} (the run is corrupt or was modified after publishing; fetch it again)`,
    );
    this.file = file;
  }
}

/** A run source is missing a file or cannot be read. */
export class SourceError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PGL_SOURCE", message, options);
  }
}

/** The named run is not loaded (or was pruned). */
export class RunNotFoundError extends PgLoaderError {
  readonly runId: string;
  constructor(runId: string, detail = "is not loaded") {
    super(
      "PGL_RUN_NOT_FOUND",
      `run "${runId}" ${detail} (list loaded runs with \`cobuy db runs\` or load it with \`cobuy load\`)`,
    );
    this.runId = runId;
  }
}

/** Another load/activate/prune holds the schema's lock and `lockTimeoutMs` expired. */
export class BusyError extends PgLoaderError {
  constructor(schema: string, options?: { cause?: unknown }) {
    super(
      "PGL_BUSY",
      `another load, activate or prune is running on schema "${schema}"; retry when it is done`,
      options,
    );
  }
}

/** The schema has not been migrated (tables missing). */
export class NotMigratedError extends PgLoaderError {
  constructor(schema: string, options?: { cause?: unknown }) {
    super(
      "PGL_NOT_MIGRATED",
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
      "PGL_LOAD_FAILED",
      `load failed while ${phase}: ${message} (nothing was changed; the previous run stays active)`,
      options,
    );
    this.phase = phase;
  }
}

/** A migration failed; `cobuy db migrate` reports which one. */
export class MigrationError extends PgLoaderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PGL_MIGRATION", message, options);
  }
}

/** True when `err` carries the pg-loader error `code` (duck-typed). */
export function hasCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}
