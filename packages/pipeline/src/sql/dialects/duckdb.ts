import type { SqlDialect } from "./dialect.js";

/** DuckDB (embedded; its default string order is already byte order). */
export const duckdbDialect: SqlDialect = {
  name: "duckdb",
  text: (x) => `CAST(${x} AS VARCHAR)`,
  // Only an empty id or one that starts with a space or a tab can be blank: the first character's
  // code (ascii('') is 0) spares almost every row DuckDB's trim, which is slow (gen-sales L: the
  // check over its 10 M lines took 1.4 s without this test, 0.25 s with it).
  blank: (x) => `(ascii(${x}) IN (0, 9, 32) AND trim(${x}, ' ' || chr(9)) = '')`,
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
