import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededUniform } from "@cobuy/core-math";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import Cursor from "pg-cursor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuildResult,
  buildMeasureFromSql,
  buildRecommendations,
  chunkQuery,
  cursorQuery,
  duckdbDialect,
  measureTopKSql,
  type ProductCatalog,
  postgresDialect,
  SQL_MEASURES,
  type SqlDialect,
  type SqlQuery,
} from "../src/index.js";
import { rejection, sharedDir, tempDir } from "./helpers.js";

// The whole first-order build in the database (counting, scores, top-k by a window function)
// against the local engine's measureTopK on the same order lines, on both engines: real
// PostgreSQL and embedded DuckDB. Ids equal where scores are not tied, scores within 1e-9.

const dir = tempDir();
const golden = join(sharedDir(), "golden");
const data = join(sharedDir(), "data");

/** Order lines with shapes that stress the SQL: narrow, wide, one huge order, ties, repeats. */
function randomSales(seed: number, shape: "narrow" | "wide" | "huge-order" | "ties"): string {
  const rand = seededUniform(seed);
  const rows = ["order_id,product_id,category"];
  const products = shape === "wide" ? 400 : shape === "ties" ? 12 : 60;
  const orders = shape === "ties" ? 40 : 300;
  for (let o = 0; o < orders; o++) {
    const size = shape === "narrow" ? 1 + Math.floor(rand() * 3) : 1 + Math.floor(rand() * 12);
    for (let i = 0; i < size; i++) {
      // Skewed popularity (a few products in most orders), ids whose byte order is not numeric.
      const p = shape === "ties" ? (o * 3 + i) % products : Math.floor(products * rand() ** 2);
      rows.push(`o${o},P${p},C${p % 5}`);
      if (rand() < 0.05) rows.push(`o${o},P${p},C${p % 5}`); // a repeated line counts once
    }
  }
  if (shape === "huge-order") for (let p = 0; p < products; p++) rows.push(`big,P${p},C${p % 5}`);
  return `${rows.join("\n")}\n`;
}

interface Engine {
  readonly dialect: SqlDialect;
  query: SqlQuery;
  load(table: string, file: string, columns?: string): Promise<void>;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
  /** A second connection to the same database (PostgreSQL only), for the build statement. */
  second?(): Promise<{ query: SqlQuery; close(): Promise<void> }>;
}

async function postgresEngine(): Promise<Engine> {
  const db: TestPgDatabase = await createTestPgDatabase("cobuy_indb");
  const client = new pg.Client({ connectionString: db.connectionString });
  await client.connect();
  return {
    dialect: postgresDialect,
    query: cursorQuery((text, values) => client.query(new Cursor(text, [...values], { rowMode: "array" }))),
    async load(table, file, columns = "order_id text, product_id text, category text") {
      await client.query(`CREATE TABLE ${table} (${columns})`);
      // COPY FROM a file runs in the server process, which may not read the test's folder.
      const { from } = await import("pg-copy-streams");
      const { pipeline } = await import("node:stream/promises");
      const { createReadStream } = await import("node:fs");
      await pipeline(
        createReadStream(file),
        client.query(from(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`)),
      );
    },
    exec: async (text) => void (await client.query(text)),
    async close() {
      await client.end();
      await db.drop();
    },
    async second() {
      const other = new pg.Client({ connectionString: db.connectionString });
      await other.connect();
      return {
        query: cursorQuery((text, values) =>
          other.query(new Cursor(text, [...values], { rowMode: "array" })),
        ),
        close: () => other.end(),
      };
    },
  };
}

/** PGlite (PostgreSQL in WebAssembly, in memory): the PostgreSQL dialect without a server. */
async function pgliteEngine(): Promise<Engine> {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  return {
    dialect: postgresDialect,
    query: (text, values) => ({
      async *[Symbol.asyncIterator]() {
        yield (await db.query<unknown[]>(text, [...values], { rowMode: "array" })).rows;
      },
    }),
    async load(table, file) {
      const [, ...lines] = readFileSync(file, "utf8").trim().split("\n");
      const cols = lines.map((l) => l.split(","));
      await db.exec(`CREATE TABLE ${table} (order_id text, product_id text, category text)`);
      await db.query(`INSERT INTO ${table} SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, [
        cols.map((c) => c[0]),
        cols.map((c) => c[1]),
        cols.map((c) => c[2]),
      ]);
    },
    exec: async (text) => void (await db.exec(text)),
    close: () => db.close(),
  };
}

async function duckdbEngine(): Promise<Engine> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  return {
    dialect: duckdbDialect,
    query: chunkQuery((text, values) =>
      connection.stream(text, values.length > 0 ? [...(values as never[])] : undefined),
    ),
    async load(table, file, columns) {
      const types = columns
        ? `, columns = {${columns
            .split(", ")
            .map((c) => `'${c.split(" ")[0]}': '${c.split(" ")[1]}'`)
            .join(", ")}}`
        : ", all_varchar = true";
      await connection.run(`CREATE TABLE ${table} AS SELECT * FROM read_csv($1, header = true${types})`, [
        file,
      ]);
    },
    exec: async (text) => void (await connection.run(text)),
    async close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

function lists(r: BuildResult<ProductCatalog>) {
  const { topk, index } = r;
  return index.productIds.map((id, p) => {
    const at = p * topk.k;
    const n = topk.length[p]!;
    return {
      id,
      ids: Array.from(topk.ids.subarray(at, at + n), (q) => index.productIds[q]!),
      scores: Array.from(topk.scores.subarray(at, at + n)),
      support: Array.from(topk.support.subarray(at, at + n)),
    };
  });
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/** Same products and lists: scores within 1e-9; ids equal except among scores tied within 1e-9. */
function expectSameLists(sql: BuildResult<ProductCatalog>, local: BuildResult<ProductCatalog>) {
  expect(sql.index.productIds).toEqual(local.index.productIds);
  expect(Array.from(sql.productSupport)).toEqual(Array.from(local.productSupport));
  const a = lists(sql);
  const b = lists(local);
  let compared = 0;
  for (let p = 0; p < a.length; p++) {
    const [x, y] = [a[p]!, b[p]!];
    expect(x.scores.length, x.id).toBe(y.scores.length);
    const full = y.scores.length === local.topk.k;
    for (let i = 0; i < y.scores.length; i++) {
      expect(close(x.scores[i]!, y.scores[i]!), `${x.id}[${i}]: ${x.scores[i]} vs ${y.scores[i]}`).toBe(true);
      const tiedBefore = i > 0 && close(y.scores[i]!, y.scores[i - 1]!);
      const tiedAfter = i + 1 < y.scores.length && close(y.scores[i]!, y.scores[i + 1]!);
      const tiedAtCut = full && close(y.scores[i]!, y.scores[y.scores.length - 1]!);
      if (!(tiedBefore || tiedAfter || tiedAtCut)) {
        expect(x.ids[i], `${x.id}[${i}]`).toBe(y.ids[i]);
        expect(x.support[i], `${x.id}[${i}] pair count`).toBe(y.support[i]);
        compared++;
      }
    }
  }
  return compared;
}

const engines: Array<[string, () => Promise<Engine>, boolean]> = [
  ["DuckDB", duckdbEngine, true],
  ["PostgreSQL", postgresEngine, requirePostgres("the in-database measure builds")],
  ["PGlite", pgliteEngine, true],
];

for (const [name, open, available] of engines) {
  describe.runIf(available)(`whole first-order builds in ${name}`, () => {
    let engine: Engine;
    const tables = new Map<string, string>();
    beforeAll(async () => {
      engine = await open();
      const files: Array<[string, string]> = [];
      for (const set of ["xs", "s", "edge"]) {
        const file = join(golden, set, "sales.csv");
        if (existsSync(file)) files.push([`golden_${set}`, file]);
      }
      const groceries = join(data, "groceries", "transactions.csv");
      if (existsSync(groceries)) files.push(["groceries", groceries]);
      for (const [seed, shape] of [
        [1, "narrow"],
        [2, "wide"],
        [3, "huge-order"],
        [4, "ties"],
      ] as const) {
        const file = join(dir, `${name}-${shape}.csv`);
        writeFileSync(file, randomSales(seed, shape));
        files.push([`random_${shape.replace("-", "_")}`, file]);
      }
      for (const [table, file] of files) {
        await engine.load(table, file);
        tables.set(table, file);
      }
    }, 120_000);
    afterAll(async () => engine?.close());

    it("llr, lift, cosine, jaccard and expected equal the local engine on every table, k = 5 and 10", async () => {
      let compared = 0;
      for (const [table, file] of tables) {
        for (const measure of SQL_MEASURES) {
          for (const k of table === "groceries" ? [10] : [5, 10]) {
            const local = await buildRecommendations(file, { k, similarity: measure });
            const sql = await buildMeasureFromSql(engine.query, {
              table,
              measure,
              k,
              dialect: engine.dialect,
            });
            compared += expectSameLists(sql, local);
            expect(sql.validation, `${table} ${measure} k=${k}`).toEqual(local.validation);
            expect(sql.stats.productsWithRecs).toBe(local.stats.productsWithRecs);
          }
        }
      }
      expect(compared).toBeGreaterThan(1000);
    }, 300_000);

    it("min support, min pair support and min score filter as the local engine does", async () => {
      const file = tables.get("random_wide")!;
      const options = { k: 7, minSupport: 4, minPairSupport: 2, minScore: 1.5 } as const;
      const local = await buildRecommendations(file, { ...options, similarity: "llr" });
      const sql = await buildMeasureFromSql(engine.query, {
        table: "random_wide",
        measure: "llr",
        ...options,
        dialect: engine.dialect,
      });
      expectSameLists(sql, local);
      const unfiltered = await buildMeasureFromSql(engine.query, {
        table: "random_wide",
        measure: "llr",
        k: 7,
        dialect: engine.dialect,
      });
      expect(unfiltered.stats.multiplyAdds).toBeGreaterThan(sql.stats.multiplyAdds);
    });

    it("expected where exp underflows: an order of 1,300 products beside thousands of pairs with one best seller", async () => {
      // y = (s − 1)·ln(1 − π) for the big order and the best seller is below −745: exp(y) is 0 in
      // float8, which PostgreSQL's exp() reports as an error unless the SQL keeps it from underflowing.
      const rows = ["order_id,product_id,category"];
      for (let p = 0; p < 1300; p++) rows.push(`big,P${p},C${p % 3}`);
      for (let o = 0; o < 6000; o++) rows.push(`o${o},P0,C0`, `o${o},P${1 + (o % 97)},C1`);
      const file = join(dir, `${name}-underflow.csv`);
      writeFileSync(file, `${rows.join("\n")}\n`);
      await engine.load("underflow", file);
      const local = await buildRecommendations(file, { k: 5, similarity: "expected" });
      const sql = await buildMeasureFromSql(engine.query, {
        table: "underflow",
        measure: "expected",
        k: 5,
        dialect: engine.dialect,
      });
      expect(expectSameLists(sql, local)).toBeGreaterThan(50);
    }, 120_000);

    it("the statement alone (counting its own orders) returns the rows the build's statement returns", async () => {
      const rowsOf = async (text: string, values: readonly unknown[]) => {
        const out: string[] = [];
        for await (const b of engine.query(text, values))
          for (const r of b) out.push(r.map(String).join("|"));
        return out.sort();
      };
      for (const table of ["random_wide", "random_huge_order", "golden_s"]) {
        if (!tables.has(table)) continue;
        for (const skipBadRows of [false, true]) {
          const base = { table, measure: "llr", k: 5, skipBadRows, dialect: engine.dialect } as const;
          const built = await buildMeasureFromSql(engine.query, base);
          const alone = measureTopKSql(base);
          const given = measureTopKSql({ ...base, orders: built.stats.orders });
          expect(alone.text).not.toBe(given.text);
          const rows = await rowsOf(alone.text, alone.values);
          expect(rows.length, table).toBeGreaterThan(0);
          expect(await rowsOf(given.text, given.values), table).toEqual(rows);
        }
      }
    });

    it("the statement runs on the connection statementQuery gives (on query when it gives null): same lists", async () => {
      const recording =
        (q: SqlQuery, into: string[]): SqlQuery =>
        (text, values) => {
          into.push(text);
          return q(text, values);
        };
      const isStatement = (t: string) => t.includes("row_number() OVER (PARTITION BY p");
      const base = { table: "random_wide", measure: "llr", k: 5, dialect: engine.dialect } as const;
      const plain = await buildMeasureFromSql(engine.query, base);
      const first: string[] = [];
      const none = await buildMeasureFromSql(recording(engine.query, first), {
        ...base,
        statementQuery: async () => null,
      });
      expect(lists(none)).toEqual(lists(plain));
      expect(first.filter(isStatement)).toHaveLength(1);
      if (!engine.second) return;
      const other = await engine.second();
      try {
        const onFirst: string[] = [];
        const onSecond: string[] = [];
        const shared = await buildMeasureFromSql(recording(engine.query, onFirst), {
          ...base,
          statementQuery: async () => recording(other.query, onSecond),
        });
        expect(lists(shared)).toEqual(lists(plain));
        expect(shared.stats.orders).toBe(plain.stats.orders);
        expect(onFirst.filter(isStatement)).toEqual([]);
        // The settings, then the statement that counts its own orders (no fifth parameter).
        expect(onSecond).toHaveLength(2);
        expect(onSecond[1]).toBe(measureTopKSql(base).text);
        // A catalog query that fails (NULL ids) fails the build with its own error.
        await engine.exec("CREATE TABLE bad_second (order_id text, product_id text, category text)");
        await engine.exec("INSERT INTO bad_second VALUES ('1', 'a', 'C'), ('1', NULL, 'C'), ('1', 'b', 'C')");
        const e = await rejection(
          buildMeasureFromSql(engine.query, {
            ...base,
            table: "bad_second",
            statementQuery: async () => other.query,
          }),
        );
        expect(e.code).toBe("COBUY_PIPELINE_SQL_DATA");
        expect(e.message).toMatch(/table bad_second: 1 of 3 rows have a NULL or blank/);
      } finally {
        await other.close();
      }
    });

    it("only products × k rows come back", async () => {
      let rows = 0;
      const counting: SqlQuery = (text, values) => ({
        async *[Symbol.asyncIterator]() {
          for await (const b of engine.query(text, values)) {
            if (text.includes("row_number()")) rows += b.length;
            yield b;
          }
        },
      });
      const r = await buildMeasureFromSql(counting, {
        table: "random_wide",
        measure: "llr",
        k: 3,
        dialect: engine.dialect,
      });
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThanOrEqual(r.index.productIds.length * 3);
      expect(rows).toBe(Array.from(r.topk.length).reduce((s, n) => s + n, 0));
    });

    it("refuses NULL and blank ids, a missing column and a missing table with the CSV path's codes", async () => {
      await engine.exec("CREATE TABLE bad (order_id text, product_id text, category text)");
      await engine.exec(
        "INSERT INTO bad VALUES ('1', 'a', 'C'), ('1', NULL, 'C'), ('2', ' \t', 'C'), ('2', 'b', 'C'), ('1', 'b', 'C')",
      );
      const options = { table: "bad", measure: "llr", dialect: engine.dialect } as const;
      const e = await rejection(buildMeasureFromSql(engine.query, options));
      expect(e.code).toBe("COBUY_PIPELINE_SQL_DATA");
      expect(e.message).toMatch(/table bad: 2 of 5 rows have a NULL or blank order_id or product_id/);
      const skipped = await buildMeasureFromSql(engine.query, { ...options, skipBadRows: true });
      expect(skipped.index.badRows.count).toBe(2);
      expect(skipped.index.productIds).toEqual(["a", "b"]);
      const missingColumn = await rejection(
        buildMeasureFromSql(engine.query, { ...options, columns: { product: "sku" } }),
      );
      expect(missingColumn.code).toBe("COBUY_PIPELINE_SQL_MISSING_COLUMN");
      expect(missingColumn.message).toMatch(/table bad: the table has no column "sku"/);
      const missingTable = await rejection(buildMeasureFromSql(engine.query, { ...options, table: "nope" }));
      expect(missingTable.code).toBe("COBUY_PIPELINE_SQL_MISSING_TABLE");
    });

    it("blank is empty or only spaces and tabs, as the CSV reader sees it: a leading space is not", async () => {
      await engine.exec("CREATE TABLE blanks (order_id text, product_id text, category text)");
      await engine.exec(
        "INSERT INTO blanks VALUES ('1', 'a', 'C'), ('1', ' a', 'C'), ('2', '  b', 'C'), ('2', 'a', 'C')," +
          " ('3', '', 'C'), ('3', ' ', 'C'), ('3', '\t', 'C'), ('4', ' \t ', 'C'), (' ', 'a', 'C')," +
          " ('\t', '  b', 'C'), ('5', ' a', 'C'), ('5', '  b', 'C')",
      );
      const options = { table: "blanks", measure: "jaccard", dialect: engine.dialect } as const;
      const e = await rejection(buildMeasureFromSql(engine.query, options));
      expect(e.message).toMatch(/table blanks: 6 of 12 rows have a NULL or blank order_id or product_id/);
      const skipped = await buildMeasureFromSql(engine.query, { ...options, skipBadRows: true });
      expect(skipped.index.badRows.count).toBe(6);
      expect(skipped.index.productIds).toEqual(["  b", " a", "a"]);
      expect(skipped.index.orders).toBe(3);
    });

    it("a numeric id column reads as text, and a wrong column type fails with a typed error", async () => {
      await engine.exec("CREATE TABLE typed (order_id integer, product_id integer, category text)");
      await engine.exec(
        "INSERT INTO typed VALUES (1, 10, 'A'), (1, 9, 'A'), (2, 10, 'A'), (2, 9, 'B'), (2, 8, 'B')",
      );
      const r = await buildMeasureFromSql(engine.query, {
        table: "typed",
        measure: "lift",
        dialect: engine.dialect,
      });
      expect(r.index.productIds).toEqual(["10", "8", "9"]); // byte order of the text, as the CSV reader
      await engine.exec("CREATE TABLE badtype (order_id text, product_id boolean[], category text)");
      const e = await rejection(
        buildMeasureFromSql(engine.query, { table: "badtype", measure: "lift", dialect: engine.dialect }),
      );
      expect(e.code).toMatch(/^COBUY_PIPELINE_SQL_(QUERY|DATA)$/);
      expect(e.message).toMatch(/table badtype/);
    });
  });
}

describe("the generated SQL", () => {
  it("carries user values as parameters and names as quoted identifiers", () => {
    const { text, values } = measureTopKSql({
      table: "sales",
      schema: "shop",
      measure: "llr",
      k: 10,
      minPairSupport: 3,
      minScore: 0.5,
      columns: { order: "basket", product: "sku" },
    });
    expect(values).toEqual([1, 3, 0.5, 10]);
    expect(text).toContain('FROM "shop"."sales"');
    expect(text).toContain('SELECT DISTINCT "sku" AS p FROM "shop"."sales"');
    expect(text).toContain('SELECT "basket" AS o, "sku" AS p FROM "shop"."sales"');
    expect(text).not.toMatch(/\b10\b|\b0\.5\b/);
    expect(text).toContain('COLLATE "C"');
    expect(measureTopKSql({ table: "sales", measure: "llr", dialect: duckdbDialect }).text).not.toContain(
      "COLLATE",
    );
  });

  it("takes the orders as its fifth parameter when the caller counted them, else counts them itself", () => {
    const counting = measureTopKSql({ table: "sales", measure: "llr", k: 10 });
    expect(counting.values).toHaveLength(4);
    expect(counting.text).toContain("GROUP BY o) distinct_orders");
    const given = measureTopKSql({ table: "sales", measure: "llr", k: 10, orders: 250_000 });
    expect(given.values).toEqual([1, 1, 0, 10, 250_000]);
    expect(given.text).toContain("orders AS (SELECT CAST($5 AS float8) AS n)");
    expect(given.text).not.toContain("distinct_orders");
    for (const orders of [-1, 1.5, Number.NaN]) {
      expect(() => measureTopKSql({ table: "sales", measure: "llr", orders })).toThrow(
        expect.objectContaining({ code: "COBUY_PIPELINE_OPTION" }),
      );
    }
  });

  it("refuses an identifier that is not plain, and the measures it cannot run", async () => {
    expect(() => measureTopKSql({ table: 'x"; DROP TABLE y; --', measure: "llr" })).toThrow(
      expect.objectContaining({ code: "COBUY_PIPELINE_SQL_IDENTIFIER" }),
    );
    expect(() => measureTopKSql({ table: "t", measure: "cooccurrence-cosine" as never })).toThrow(
      expect.objectContaining({ code: "COBUY_PIPELINE_OPTION" }),
    );
  });
});
