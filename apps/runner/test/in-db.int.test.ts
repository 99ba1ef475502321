// The whole build in the database through the built binary: `--engine duckdb --input FILE`,
// `--input-sql duckdb:///file --table T` and `--input-sql postgres://… --similarity llr` write the
// same recs.json, byte for byte, as the local engine on the same order lines; `--explain-sql`
// prints the statements without running them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy } from "./helpers/cli.js";
import { loadSalesTable } from "./helpers/sales-table.js";

const SHARED = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const S = join(SHARED, "golden", "s", "sales.csv");
const present = existsSync(S);

let work: string;
let localSummary: { validation: unknown; counts: unknown };
const cobuy = (args: string[]) => runCobuy(args, work, isolatedEnv(work));
/** `cobuy build` of llr, k = 10, from `source` (input flags) into `out`. */
const llrBuild = (source: string[], out: string) =>
  cobuy(["build", ...source, "--similarity", "llr", "--k", "10", "--out", out, "--json"]);
const recs = (dir: string) => readFileSync(join(work, dir, "recs.json"), "utf8");

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cobuy-indb-it-"));
  if (!present) return;
  // A DuckDB database file and a Parquet copy of the golden set, written by DuckDB itself.
  const instance = await DuckDBInstance.create(join(work, "shop.duckdb"));
  const c = await instance.connect();
  await c.run("CREATE TABLE sales AS SELECT * FROM read_csv($1, header = true, all_varchar = true)", [S]);
  await c.run("SET VARIABLE target = $1", [join(work, "sales.parquet")]);
  await c.run("COPY sales TO (getvariable('target')) (FORMAT parquet)");
  c.closeSync();
  instance.closeSync();
  const local = await llrBuild(["--input", S], "local");
  expect(local.code, local.stderr).toBe(0);
  localSummary = lastJson(local.stdout) as typeof localSummary;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.runIf(present)("in DuckDB", () => {
  it("--engine duckdb on the CSV and on Parquet: the local engine's recs.json and metric", async () => {
    for (const [dir, file] of [
      ["duck-csv", S],
      ["duck-parquet", join(work, "sales.parquet")],
    ] as const) {
      const r = await llrBuild(["--engine", "duckdb", "--input", file], dir);
      expect(r.code, r.stderr).toBe(0);
      expect(recs(dir), dir).toBe(recs("local"));
      expect(lastJson(r.stdout).validation, dir).toEqual(localSummary.validation);
      // The pairs never leave the database, so their number is not known here.
      expect(lastJson(r.stdout).counts, dir).toEqual({ ...(localSummary.counts as object), nonzeros: null });
      // Loading DuckDB and reading the file into its table are stages of their own, before the
      // build's: the summary's stages account for its time.
      expect(Object.keys(lastJson(r.stdout).stages), dir).toEqual([
        "connect",
        "read",
        "ingest",
        "topk",
        "validation",
        "write",
      ]);
    }
  });

  it("--similarity expected runs in DuckDB too: the local engine's recs.json", async () => {
    const build = (source: string[], out: string) =>
      cobuy(["build", ...source, "--similarity", "expected", "--k", "10", "--out", out, "--json"]);
    const local = await build(["--input", S], "expected-local");
    const duck = await build(["--engine", "duckdb", "--input", S], "expected-duck");
    expect(local.code, local.stderr).toBe(0);
    expect(duck.code, duck.stderr).toBe(0);
    expect(recs("expected-duck")).toBe(recs("expected-local"));
    expect(recs("expected-duck")).not.toBe(recs("local")); // not llr's lists
  });

  it("--input-sql duckdb:///file --table sales, for llr and for the classic measure", async () => {
    const url = `duckdb://${join(work, "shop.duckdb")}`;
    const llr = await llrBuild(["--input-sql", url, "--table", "sales"], "duck-db");
    expect(llr.code, llr.stderr).toBe(0);
    expect(recs("duck-db")).toBe(recs("local"));
    const classicLocal = await cobuy([
      "build",
      "--input",
      S,
      "--out",
      "classic-local",
      "--json",
      "--threads",
      "1",
    ]);
    const classic = await cobuy([
      "build",
      "--input-sql",
      url,
      "--table",
      "sales",
      "--out",
      "classic-duck",
      "--json",
      "--threads",
      "1",
    ]);
    expect(classic.code, classic.stderr).toBe(0);
    expect(recs("classic-duck")).toBe(recs("classic-local"));
    expect(lastJson(classic.stdout).validation).toEqual(lastJson(classicLocal.stdout).validation);
  });

  it("--explain-sql prints the statements with their parameters and runs nothing", async () => {
    const r = await cobuy([
      "build",
      "--engine",
      "duckdb",
      "--input",
      join(work, "absent.csv"),
      "--similarity",
      "lift",
      "--k",
      "7",
      "--min-pair-support",
      "2",
      "--explain-sql",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("-- lift top-7 per product");
    expect(r.stdout).toContain("row_number() OVER (PARTITION BY p ORDER BY s DESC");
    expect(r.stdout).toContain("-- $2 = 2");
    expect(r.stdout).toContain("-- $4 = 7");
    // The orders come from the totals statement the build runs first, not from a count of its own.
    expect(r.stdout).toContain("orders AS (SELECT CAST($5 AS float8) AS n)");
    expect(r.stdout).toContain('-- $5 = the orders (third column) of "rows, bad rows, orders" above');
    expect(existsSync(join(work, "absent.csv"))).toBe(false);
    const pipeline = await cobuy([
      "pipeline",
      "--engine",
      "duckdb",
      "--input",
      S,
      "--similarity",
      "llr",
      "--no-load",
      "--explain-sql",
    ]);
    expect(pipeline.code, pipeline.stderr).toBe(0);
    expect(pipeline.stdout).toContain("-- llr top-5 per product");
    expect(pipeline.stdout).not.toContain("run 20"); // nothing was published
  });

  it("usage errors: a measure the database cannot run, an unknown engine, --engine without a local file", async () => {
    for (const args of [
      ["build", "--engine", "duckdb", "--input", S, "--similarity", "auto", "--out", "x"],
      ["build", "--engine", "spark", "--input", S, "--out", "x"],
      ["build", "--engine", "duckdb", "--input", "s3://bucket/sales.csv", "--out", "x"],
      ["build", "--input", S, "--explain-sql", "--out", "x"],
    ]) {
      const r = await cobuy([...args, "--json"]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(lastJson(r.stdout).error.code).toBe("COBUY_CLI_USAGE");
    }
  });

  it("a NULL id in the DuckDB table: the typed error naming the table", async () => {
    const instance = await DuckDBInstance.create(join(work, "bad.duckdb"));
    const c = await instance.connect();
    await c.run("CREATE TABLE sales (order_id VARCHAR, product_id VARCHAR, category VARCHAR)");
    await c.run("INSERT INTO sales VALUES ('1', 'a', 'C'), ('1', NULL, 'C'), ('1', 'b', 'C')");
    c.closeSync();
    instance.closeSync();
    const url = `duckdb://${join(work, "bad.duckdb")}`;
    const r = await cobuy([
      "build",
      "--input-sql",
      url,
      "--table",
      "sales",
      "--similarity",
      "llr",
      "--out",
      "bad",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(lastJson(r.stdout).error.code).toBe("COBUY_PIPELINE_SQL_DATA");
    expect(lastJson(r.stdout).error.message).toMatch(/table sales: 1 of 3 rows have a NULL or blank/);
  });
});

describe.runIf(present && requirePostgres("--input-sql --similarity llr"))("in PostgreSQL", () => {
  let db: TestPgDatabase;
  beforeAll(async () => {
    db = await createTestPgDatabase("cobuy_indb_runner");
    await loadSalesTable(db.connectionString, S);
  });
  afterAll(async () => db?.drop());

  it("--input-sql postgres://… --similarity llr: the local engine's recs.json", async () => {
    const r = await llrBuild(["--input-sql", db.connectionString, "--table", "sales"], "pg-llr");
    expect(r.code, r.stderr).toBe(0);
    expect(recs("pg-llr")).toBe(recs("local"));
    expect(Object.keys(lastJson(r.stdout).stages)).toEqual([
      "connect",
      "ingest",
      "topk",
      "validation",
      "write",
    ]);
  });

  it("--explain-sql: the statement runs on a second connection and counts its own orders", async () => {
    const source = ["--input-sql", db.connectionString, "--table", "sales"];
    const r = await cobuy(["build", ...source, "--similarity", "llr", "--explain-sql"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "-- llr top-5 per product (a second connection in the same snapshot, while the queries above run)",
    );
    expect(r.stdout).toContain("FROM (SELECT o FROM baskets GROUP BY o) distinct_orders");
    expect(r.stdout).not.toContain("$5");
  });
});
