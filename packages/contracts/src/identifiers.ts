/**
 * The two PostgreSQL identifier rules cobuy applies, side by side so they are changed together:
 *
 * - a **plain identifier** names something the user owns and cobuy only reads (the SQL input's
 *   table, schema and columns): any letters, digits, `_` and `$`, matched exactly because it is
 *   always double-quoted;
 * - a **schema name** names the schema cobuy creates and owns (pg-loader's tables): stricter,
 *   lower-case ASCII so it reads the same quoted or not in `psql`, and never a system schema.
 *
 * Both are at most 63 bytes: PostgreSQL silently truncates longer names (NAMEDATALEN - 1), so a
 * longer one would name something else.
 */
import { ContractError } from "./errors.js";

/** PostgreSQL's NAMEDATALEN - 1. */
export const MAX_IDENTIFIER_BYTES = 63;

// Letters (any script), digits, "_" and "$"; not starting with a digit or "$". No quotes, dots,
// spaces, NUL or anything else that could end a quoted identifier or change what it names.
const PLAIN_IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_$]*$/u;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const utf8 = new TextEncoder();

/**
 * Why `name` is not a plain SQL identifier, or undefined when it is. `role` says what the name is
 * for in the message ("table", "order column"…).
 *
 * @example
 * ```ts
 * identifierProblem("order_id", "order column"); // undefined
 * identifierProblem("a.b", "table");             // 'the table name "a.b" is not a plain SQL identifier: …'
 * ```
 */
export function identifierProblem(name: unknown, role: string): string | undefined {
  if (
    typeof name === "string" &&
    PLAIN_IDENTIFIER.test(name) &&
    utf8.encode(name).length <= MAX_IDENTIFIER_BYTES
  ) {
    return undefined;
  }
  return (
    `the ${role} name ${JSON.stringify(name)} is not a plain SQL identifier: use letters, digits, "_" and "$" ` +
    `(not starting with a digit or "$"), at most ${MAX_IDENTIFIER_BYTES} bytes`
  );
}

/**
 * `name` as a double-quoted SQL identifier once it passes {@link identifierProblem}, else throws
 * `COBUY_CONTRACT_INVALID`. Quoted names are case-sensitive (a table created as `CREATE TABLE Sales`
 * is named `sales`).
 *
 * @example
 * ```ts
 * quoteIdentifier("order_id", "order column"); // "\"order_id\""
 * quoteIdentifier("x; DROP TABLE y", "table"); // throws COBUY_CONTRACT_INVALID
 * ```
 */
export function quoteIdentifier(name: string, role: string): string {
  const problem = identifierProblem(name, role);
  if (problem !== undefined) throw new ContractError("COBUY_CONTRACT_INVALID", problem);
  return `"${name}"`;
}

/**
 * Why `name` cannot be the schema cobuy's tables live in, or undefined when it can: lower-case
 * ASCII letters, digits and `_`, starting with a letter or `_`, at most 63 characters, not `pg_*`
 * or `information_schema`.
 *
 * @example
 * ```ts
 * schemaNameProblem("cobuy");      // undefined
 * schemaNameProblem("pg_catalog"); // 'schema "pg_catalog" is reserved by PostgreSQL; choose another name'
 * ```
 */
export function schemaNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || !SCHEMA_NAME.test(name)) {
    return `schema "${String(name)}" is not a valid identifier (use lower-case letters, digits and "_", starting with a letter, at most 63 characters)`;
  }
  if (name.startsWith("pg_") || name === "information_schema") {
    return `schema "${name}" is reserved by PostgreSQL; choose another name`;
  }
  return undefined;
}

/**
 * `name` when {@link schemaNameProblem} finds nothing wrong, else throws `COBUY_CONTRACT_INVALID`.
 *
 * @example
 * ```ts
 * checkSchemaName("cobuy"); // "cobuy"
 * ```
 */
export function checkSchemaName(name: string): string {
  const problem = schemaNameProblem(name);
  if (problem !== undefined) throw new ContractError("COBUY_CONTRACT_INVALID", problem);
  return name;
}
