import { ConfigError } from "../errors.js";

/** Default schema holding cobuy's tables. */
export const DEFAULT_SCHEMA = "cobuy";

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name: lower-case letters, digits and `_`, starting with a letter or `_`, at most
 * 63 bytes, not `pg_*`/`information_schema`. Names are still always quoted when used.
 * @example
 * validateSchemaName("cobuy"); // "cobuy"
 */
export function validateSchemaName(name: string): string {
  if (typeof name !== "string" || !IDENT.test(name)) {
    throw new ConfigError(
      `schema "${String(name)}" is not a valid identifier (use lower-case letters, digits and "_", starting with a letter, at most 63 characters)`,
    );
  }
  if (name.startsWith("pg_") || name === "information_schema") {
    throw new ConfigError(`schema "${name}" is reserved by PostgreSQL; choose another name`);
  }
  return name;
}
