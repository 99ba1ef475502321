import type { SqlDialect } from "./dialect.js";

/** The SQLSTATE of a driver error (node-postgres, PGlite and most drivers put it in `code`). */
function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** PostgreSQL and the engines that speak its SQL (Citus, Redshift, Greenplum, PGlite). */
export const postgresDialect: SqlDialect = {
  name: "postgres",
  text: (x) => `CAST(${x} AS TEXT)`,
  blank: (x) => `btrim(${x}, ' ' || chr(9)) = ''`,
  byteOrder: (x) => `${x} COLLATE "C"`,
  param: (n) => `$${n}`,
  classify(e) {
    const state = sqlState(e);
    if (state === "42P01" || state === "3F000") return "missing-table";
    if (state === "42703") return "missing-column";
    return undefined;
  },
};
