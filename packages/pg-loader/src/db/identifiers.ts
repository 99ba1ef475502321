import { schemaNameProblem } from "@cobuy/contracts";
import { ConfigError } from "../errors.js";

/** Default schema holding cobuy's tables. */
export const DEFAULT_SCHEMA = "cobuy";

/**
 * Checks a schema name by the rule of @cobuy/contracts (`schemaNameProblem`): lower-case letters,
 * digits and `_`, starting with a letter or `_`, at most 63 bytes, not `pg_*`/`information_schema`.
 * Names are still always quoted when used.
 * @example
 * validateSchemaName("cobuy"); // "cobuy"
 */
export function validateSchemaName(name: string): string {
  const problem = schemaNameProblem(name);
  if (problem !== undefined) throw new ConfigError(problem);
  return name;
}
