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
  // Measured at M (docs/in-database.md): the plan's estimates are in the billions, so JIT compiles
  // for over a second, and the self-join on the order id sorts both sides by text under the
  // database's collation where a hash join needs no sort.
  buildSettings: [
    ["jit", "off"],
    ["enable_mergejoin", "off"],
  ],
  param: (n) => `$${n}`,
  classify(e) {
    const state = sqlState(e);
    if (state === "42P01" || state === "3F000") return "missing-table";
    if (state === "42703") return "missing-column";
    return undefined;
  },
};
