import { PipelineError } from "../errors.js";

// Letters (any script), digits, "_" and "$"; not starting with a digit or "$". No quotes, dots,
// spaces, NUL or anything else that could end a quoted identifier or change what it names.
const IDENTIFIER = /^[\p{L}_][\p{L}\p{N}_$]*$/u;
/** PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * `name` as a double-quoted SQL identifier, after checking it: letters, digits, `_` and `$`, not
 * starting with a digit or `$`, at most 63 bytes. Quoted names are case-sensitive (a table created
 * as `CREATE TABLE Sales` is named `sales`). Throws `COBUY_SQL_IDENTIFIER` otherwise.
 *
 * @example
 * ```ts
 * quoteIdentifier("order_id", "order column"); // "\"order_id\""
 * quoteIdentifier("x; DROP TABLE y", "table"); // throws COBUY_SQL_IDENTIFIER
 * ```
 */
export function quoteIdentifier(name: string, role: string): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new PipelineError(
      "COBUY_SQL_IDENTIFIER",
      `the ${role} name ${JSON.stringify(name)} is not a plain SQL identifier: use letters, digits, "_" and "$" ` +
        `(not starting with a digit or "$"), at most ${MAX_IDENTIFIER_BYTES} bytes`,
    );
  }
  return `"${name}"`;
}
