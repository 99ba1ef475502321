import { createReadStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import Cursor from "pg-cursor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuildResult,
  buildRecommendations,
  buildRecommendationsFromSql,
  cooccurrenceSql,
  cursorQuery,
  NO_CATEGORY,
  type ProductCatalog,
  readCooccurrenceFromSql,
  recommendFromCooccurrence,
  type SqlQuery,
  writeDocuments,
} from "../src/index.js";
import { rejection, sharedDir, tempDir } from "./helpers.js";

// The SQL source against the real PostgreSQL (a fresh database per run, dropped after): the golden
// sets loaded with COPY must give exactly the CSV path's lists and metric.

const golden = join(sharedDir(), "golden");
const present = existsSync(join(golden, "xs", "sales.csv"));

let db: TestPgDatabase;
let client: pg.Client;
let query: SqlQuery;
const statements: string[] = [];
const dir = tempDir();

async function loadCsv(
  table: string,
  file: string,
  columns = "order_id text, product_id text, category text",
) {
  await client.query(`CREATE TABLE ${table} (${columns})`);
  await pipeline(
    createReadStream(file),
    client.query(copyFrom(`COPY ${table} FROM STDIN WITH (FORMAT csv, HEADER true)`)),
  );
}

function lists(r: BuildResult<ProductCatalog>) {
  const { topk, index } = r;
  return index.productIds.map((id, p) => {
    const at = p * topk.k;
    return {
      id,
      ids: Array.from(topk.ids.subarray(at, at + topk.length[p]!), (q) => index.productIds[q]),
      scores: Array.from(topk.scores.subarray(at, at + topk.length[p]!)),
      support: Array.from(topk.support.subarray(at, at + topk.length[p]!)),
    };
  });
}

/** Same products, categories, counts, lists (ids exact, scores within 1e-12) and validation. */
function expectSame(sql: BuildResult<ProductCatalog>, csv: BuildResult<ProductCatalog>) {
  expect(sql.index.productIds).toEqual(csv.index.productIds);
  expect(sql.index.categories).toEqual(csv.index.categories);
  expect(Array.from(sql.index.productCategory ?? [])).toEqual(Array.from(csv.index.productCategory ?? []));
  expect(Array.from(sql.productSupport)).toEqual(Array.from(csv.productSupport));
  for (const key of ["rows", "orders", "products", "categories", "nnzA", "categoryConflicts"] as const) {
    expect(sql.stats[key], key).toBe(csv.stats[key]);
  }
  // The order-side plan never builds C; every other plan has the SQL path's C.
  if (csv.stats.nnzC !== undefined) expect(sql.stats.nnzC, "nnzC").toBe(csv.stats.nnzC);
  else expect(csv.stats.plan?.strategy).toBe("order-side");
  expect(sql.index.rowsWithoutCategory).toBe(csv.index.rowsWithoutCategory);
  expect(sql.index.conflictExamples).toEqual(csv.index.conflictExamples);
  const a = lists(sql);
  const b = lists(csv);
  for (let p = 0; p < a.length; p++) {
    expect(a[p]!.ids, a[p]!.id).toEqual(b[p]!.ids);
    expect(a[p]!.support, a[p]!.id).toEqual(b[p]!.support);
    for (const [i, s] of a[p]!.scores.entries()) {
      expect(Math.abs(s - b[p]!.scores[i]!), a[p]!.id).toBeLessThanOrEqual(1e-12);
    }
  }
  expect(sql.validation).toEqual(csv.validation);
}

beforeAll(async () => {
  db = await createTestPgDatabase("cobuy_sql");
  client = new pg.Client({ connectionString: db.connectionString });
  await client.connect();
  const cursors = cursorQuery(
    (text, values) => client.query(new Cursor(text, [...values], { rowMode: "array" })),
    {
      batchRows: 1000,
    },
  );
  query = (text, values) => {
    statements.push(text);
    return cursors(text, values);
  };
  if (present) {
    await loadCsv("xs", join(golden, "xs", "sales.csv"));
    await loadCsv("s", join(golden, "s", "sales.csv"));
  }
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

interface GoldenMetric {
  per_category: Record<string, { products: number; hits: number; ratio: number }>;
  overall: { products: number; hits: number; micro_ratio: number };
}

const withPostgres = requirePostgres("the SQL source tests (golden sets, hand-made tables)");

describe.runIf(present && withPostgres)("golden sets loaded with COPY", () => {
  for (const set of ["xs", "s"] as const) {
    for (const k of [5, 10]) {
      it(`${set}, k = ${k}: the lists equal the CSV path's and the metric equals metric.json`, async () => {
        const csv = await buildRecommendations(join(golden, set, "sales.csv"), { k });
        const sql = await buildRecommendationsFromSql(query, { table: set, k });
        expectSame(sql, csv);
        const metric = JSON.parse(readFileSync(join(golden, set, "metric.json"), "utf8")) as GoldenMetric;
        const v = sql.validation!;
        expect(
          Object.fromEntries(
            Object.entries(v.byCategory).map(([c, x]) => [
              c,
              { products: x.products, hits: x.sameCategory, ratio: x.share },
            ]),
          ),
        ).toEqual(metric.per_category);
        expect(v.overall).toEqual({
          products: metric.overall.products,
          sameCategory: metric.overall.hits,
          share: metric.overall.micro_ratio,
        });
      });
    }
  }

  it("s with binary incidence, min support 3, min pair support 2 and a blend equals the CSV path", async () => {
    const options = { k: 5, minSupport: 3, minPairSupport: 2, blend: { popular: 0.4 } } as const;
    const csv = await buildRecommendations(join(golden, "s", "sales.csv"), {
      ...options,
      incidence: "binary",
    });
    const sql = await buildRecommendationsFromSql(query, { table: "s", ...options, incidence: "binary" });
    expectSame(sql, csv);
    expect(Array.from(sql.reasons!)).toEqual(Array.from(csv.reasons!));
    const count = await buildRecommendationsFromSql(query, { table: "s", k: 5 });
    expect(count.stats.nnzC).toBe(sql.stats.nnzC); // same pairs, other counts
  });

  it("writeDocuments takes the SQL result unchanged: recs.json byte for byte as from the CSV", async () => {
    const csv = await buildRecommendations(join(golden, "xs", "sales.csv"), { k: 5 });
    const sql = await buildRecommendationsFromSql(query, { table: "xs", k: 5 });
    for (const [name, r] of [
      ["csv", csv],
      ["sql", sql],
    ] as const) {
      await writeDocuments(join(dir, name), {
        index: r.index,
        topk: r.topk,
        validation: r.validation,
        productSupport: r.productSupport,
        runId: "2026-01-01_00-00-00",
        createdAt: new Date(0),
      });
    }
    for (const f of ["recs.json", "recs.rich.json", "validation.json"]) {
      expect(readFileSync(join(dir, "sql", f), "utf8"), f).toBe(readFileSync(join(dir, "csv", f), "utf8"));
    }
  });

  it("streams the pairs through the cursor in batches and only the upper triangle crosses the wire", async () => {
    let batches = 0;
    let biggest = 0;
    const pairs = cooccurrenceSql({ table: "s" }).pairs;
    const counting: SqlQuery = (text, values) => ({
      async *[Symbol.asyncIterator]() {
        for await (const b of query(text, values)) {
          if (text === pairs) {
            batches++;
            biggest = Math.max(biggest, b.length);
          }
          yield b;
        }
      },
    });
    const src = await readCooccurrenceFromSql(counting, { table: "s" });
    expect(src.pairRows * 2).toBe(src.c.colIdx.length);
    expect(batches).toBe(Math.ceil(src.pairRows / 1000));
    expect(biggest).toBe(1000);
  });
});

describe.runIf(withPostgres)("the SQL source on hand-made tables", () => {
  // Repeated lines, ids whose byte order differs from a locale's, a category conflict, blank and
  // NULL categories, a product without any category, integer order ids.
  const rows: Array<[number, string, string | null]> = [
    [1, "a", "C1"],
    [1, "a", "C1"],
    [1, "B", "C1"],
    [1, "é", "C2"],
    [2, "a", "C1"],
    [2, "é", " "],
    [2, "z", null],
    [3, "B", "C2"],
    [3, "B", "C2"],
    [3, "B", "C1"],
    [3, "z", ""],
    [3, "Ω", "C2"],
    [4, "Ω", "C2"],
    [4, "a", "C1"],
    [4, "a", "C1"],
    [4, "a", "C1"],
    [5, "B", "C1"],
    [5, "solo", "C3"],
  ];
  const csvFile = () => {
    const file = join(dir, "hand.csv");
    writeFileSync(
      file,
      `order_id,product_id,category\n${rows.map(([o, p, c]) => `${o},${p},${c ?? ""}`).join("\n")}\n`,
    );
    return file;
  };

  beforeAll(async () => {
    await client.query("CREATE SCHEMA shop");
    await client.query('CREATE TABLE shop."Lines" (bestellung bigint, artikel text, gruppe text, other int)');
    for (const [o, p, c] of rows) {
      await client.query('INSERT INTO shop."Lines" (bestellung, artikel, gruppe) VALUES ($1, $2, $3)', [
        o,
        p,
        c,
      ]);
    }
  });

  const columns = { order: "bestellung", product: "artikel", category: "gruppe" };

  for (const incidence of ["count", "binary"] as const) {
    it(`${incidence}: repeated lines, byte order, categories as the CSV reader does`, async () => {
      const csv = await buildRecommendations(csvFile(), { k: 3, incidence });
      const sql = await buildRecommendationsFromSql(query, {
        table: "Lines",
        schema: "shop",
        columns,
        k: 3,
        incidence,
      });
      expectSame(sql, csv);
      expect(sql.index.productIds).toEqual(["B", "a", "solo", "z", "é", "Ω"]);
      expect(sql.index.categoryConflicts).toBe(1); // B: C1 ×3, C2 ×2 (é: C2 and a blank, no conflict)
      expect(sql.index.productCategory![3]).toBe(NO_CATEGORY); // z: NULL and blank only
    });
  }

  it("repeated lines multiply in with count incidence and not with binary", async () => {
    const count = await readCooccurrenceFromSql(query, { table: "Lines", schema: "shop", columns });
    const binary = await readCooccurrenceFromSql(query, {
      table: "Lines",
      schema: "shop",
      columns,
      incidence: "binary",
    });
    const at = (c: typeof count.c, p: number, q: number) => {
      for (let i = c.rowPtr[p]!; i < c.rowPtr[p + 1]!; i++) if (c.colIdx[i] === q) return c.values[i]!;
      return 0;
    };
    // a (index 1) and B (index 0): order 1 has a ×2, B ×1; no other order holds both.
    expect(at(count.c, 1, 0)).toBe(2);
    expect(at(count.c, 0, 1)).toBe(2);
    expect(at(binary.c, 1, 0)).toBe(1);
    expect(Array.from(count.support)).toEqual(Array.from(binary.support));
    expect(count.nnzA).toBe(13);
    expect(count.catalog.rows).toBe(rows.length);
    expect(count.catalog.orders).toBe(5);
  });

  it("rejects bad identifiers before sending anything", async () => {
    statements.length = 0;
    for (const bad of [
      { table: 'Lines"; DROP TABLE xs; --' },
      { table: "Lines", schema: "shop.x" },
      { table: "Lines", columns: { order: "bestellung OR 1=1" } },
      { table: "Lines", columns: { category: "" } },
    ]) {
      const e = await rejection(buildRecommendationsFromSql(query, bad));
      expect(e.code).toBe("COBUY_PIPELINE_SQL_IDENTIFIER");
    }
    expect(statements).toEqual([]);
  });

  it("a missing table or column is a typed error that names it", async () => {
    const t = await rejection(readCooccurrenceFromSql(query, { table: "nope", schema: "shop" }));
    expect(t.code).toBe("COBUY_PIPELINE_SQL_MISSING_TABLE");
    expect(t.message).toContain("shop.nope");
    const s = await rejection(readCooccurrenceFromSql(query, { table: "Lines", schema: "nowhere" }));
    expect(s.code).toBe("COBUY_PIPELINE_SQL_MISSING_TABLE");
    expect(s.message).toContain("nowhere.Lines");
    const c = await rejection(
      readCooccurrenceFromSql(query, {
        table: "Lines",
        schema: "shop",
        columns: { ...columns, product: "sku" },
      }),
    );
    expect(c.code).toBe("COBUY_PIPELINE_SQL_MISSING_COLUMN");
    expect(c.message).toMatch(/table shop\.Lines: the table has no column "sku" \(the product id\)/);
    const cat = await rejection(
      buildRecommendationsFromSql(query, {
        table: "Lines",
        schema: "shop",
        columns: { ...columns, category: "kind" },
      }),
    );
    expect(cat.code).toBe("COBUY_PIPELINE_SQL_MISSING_COLUMN");
    expect(cat.message).toContain('"kind" (the category name)');
    // Without validation the category column is optional, as for a CSV; the failed check runs
    // before beforeData, so the data queries can run in a transaction started there.
    let began = 0;
    const free = await buildRecommendationsFromSql(query, {
      table: "Lines",
      schema: "shop",
      columns: { ...columns, category: "kind" },
      validate: false,
      beforeData: async () => {
        began++;
        await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      },
    });
    await client.query("COMMIT");
    expect(began).toBe(1);
    expect(free.index.productCategory).toBeNull();
    expect(free.validation).toBeNull();
  });

  it("NULL or blank ids fail unless skipped, as empty CSV fields do", async () => {
    await client.query(
      'INSERT INTO shop."Lines" (bestellung, artikel, gruppe) VALUES (6, NULL, $1), (NULL, $2, $1), (7, $3, $1)',
      ["C1", "a", " \t"],
    );
    try {
      const e = await rejection(
        buildRecommendationsFromSql(query, { table: "Lines", schema: "shop", columns }),
      );
      expect(e.code).toBe("COBUY_PIPELINE_SQL_DATA");
      expect(e.message).toContain(`3 of ${rows.length + 3} rows have a NULL or blank bestellung or artikel`);
      const skipped = await buildRecommendationsFromSql(query, {
        table: "Lines",
        schema: "shop",
        columns,
        skipBadRows: true,
        k: 3,
      });
      expect(skipped.index.badRows.count).toBe(3);
      expectSame(skipped, await buildRecommendations(csvFile(), { k: 3 }));
    } finally {
      await client.query('DELETE FROM shop."Lines" WHERE bestellung IS NULL OR bestellung > 5');
    }
  });

  it("an empty table and a table without pairs are typed errors", async () => {
    await client.query("CREATE TABLE empty (order_id text, product_id text, category text)");
    expect((await rejection(buildRecommendationsFromSql(query, { table: "empty" }))).code).toBe(
      "COBUY_PIPELINE_SQL_DATA",
    );
    await client.query("INSERT INTO empty VALUES ('o1', 'p1', 'c'), ('o2', 'p2', 'c'), ('o2', 'p2', 'c')");
    expect((await rejection(buildRecommendationsFromSql(query, { table: "empty" }))).code).toBe(
      "COBUY_PIPELINE_NOTHING_TO_RECOMMEND",
    );
  });

  it("refuses the measures that need order lines", async () => {
    const src = await readCooccurrenceFromSql(query, { table: "Lines", schema: "shop", columns });
    for (const similarity of ["llr", "auto"] as const) {
      expect((await rejection(recommendFromCooccurrence(src, { similarity }))).code).toBe(
        "COBUY_PIPELINE_OPTION",
      );
    }
  });
});
