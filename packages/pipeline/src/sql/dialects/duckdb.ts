import type { SqlDialect } from "./dialect.js";

/** DuckDB (embedded; its default string order is already byte order). */
export const duckdbDialect: SqlDialect = {
  name: "duckdb",
  text: (x) => `CAST(${x} AS VARCHAR)`,
  blank: (x) => `trim(${x}, ' ' || chr(9)) = ''`,
  byteOrder: (x) => x,
  buildSettings: [],
  param: (n) => `$${n}`,
  classify(e) {
    // DuckDB reports errors by message only: "Catalog Error: Table with name x does not exist!",
    // "Binder Error: Referenced column "x" not found in FROM clause!".
    const message = (e as Error | null)?.message ?? "";
    if (/^Catalog Error: (Table|Schema) with name .* does not exist/.test(message)) return "missing-table";
    if (/^Binder Error: Referenced column .* not found/.test(message)) return "missing-column";
    return undefined;
  },
};
