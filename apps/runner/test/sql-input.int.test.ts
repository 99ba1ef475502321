// `cobuy build|pipeline --input-sql URL --table NAME` through the built binary against a fresh
// PostgreSQL database: the golden xs set loaded into a table gives the same documents as the CSV.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy } from "./helpers/cli.js";
import { loadSalesTable } from "./helpers/sales-table.js";

const SHARED = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const XS = join(SHARED, "golden", "xs", "sales.csv");
const SECRET = "n0t-a-real-pw";

let pgdb: TestPgDatabase;
let work: string;
let url: string;

const cobuy = (args: string[]) => runCobuy(args, work, isolatedEnv(work));

beforeAll(async () => {
  pgdb = await createTestPgDatabase("cobuy_runner_sql");
  work = mkdtempSync(join(tmpdir(), "cobuy-sql-it-"));
  // The server trusts local connections: the password is accepted and ignored, and must never show.
  const u = new URL(pgdb.connectionString);
  u.password = SECRET;
  url = u.toString();
  if (!existsSync(XS)) return;
  await loadSalesTable(pgdb.connectionString, XS);
});

afterAll(async () => {
  await pgdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.runIf(existsSync(XS) && requirePostgres("--input-sql"))("--input-sql", () => {
  it("cobuy build counts in the database and writes the same documents as from the CSV", async () => {
    const fromCsv = await cobuy(["build", "--input", XS, "--out", "csv", "--json", "--threads", "1"]);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    const fromSql = await cobuy([
      "build",
      "--input-sql",
      url,
      "--table",
      "public.sales",
      "--out",
      "sql",
      "--json",
      "--threads",
      "1",
    ]);
    expect(fromSql.code, fromSql.stderr).toBe(0);
    const a = lastJson(fromCsv.stdout);
    const b = lastJson(fromSql.stdout);
    expect(b.ok).toBe(true);
    expect(b.counts).toEqual(a.counts);
    expect(b.validation).toEqual(a.validation);
    expect(Object.keys(b.stages)).toEqual([
      "connect",
      "ingest",
      "cooccurrence",
      "topk",
      "validation",
      "write",
    ]);
    expect(b.input).toMatch(
      /^postgres:\/\/postgres@127\.0\.0\.1:5432\/cobuy_runner_sql_\w+ table public\.sales$/,
    );
    expect(readFileSync(join(work, "sql", "recs.json"), "utf8")).toBe(
      readFileSync(join(work, "csv", "recs.json"), "utf8"),
    );
    const rich = readFileSync(join(work, "sql", "recs.rich.json"), "utf8");
    expect(JSON.parse(rich).params.input).toBe(b.input);
    for (const text of [fromSql.stdout, fromSql.stderr, rich]) expect(text).not.toContain(SECRET);
  });

  it("binary incidence and min support pass through; the human output names the table, not the password", async () => {
    const r = await cobuy([
      "build",
      "--input-sql",
      url,
      "--table",
      "sales",
      "--out",
      "bin",
      "--incidence",
      "binary",
      "--min-support",
      "3",
      "--log-level",
      "debug",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("nonzeros of C");
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const params = JSON.parse(readFileSync(join(work, "bin", "recs.rich.json"), "utf8")).params;
    expect(params).toMatchObject({ incidence: "binary", minSupport: 3 });
  });

  it("cobuy pipeline --input-sql publishes a run", async () => {
    const r = await cobuy([
      "pipeline",
      "--input-sql",
      url,
      "--table",
      "sales",
      "--no-load",
      "--json",
      "--threads",
      "1",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = lastJson(r.stdout);
    expect(s.counts.products).toBe(298);
    expect(existsSync(join(s.runDir, "recs.json"))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  });

  it("usage errors: no --table, --input too, a measure or --evaluate that needs order lines, a bad URL", async () => {
    const cases: string[][] = [
      ["build", "--input-sql", url, "--out", "x"],
      ["build", "--input-sql", url, "--table", "sales", "--input", XS, "--out", "x"],
      ["build", "--input-sql", url, "--table", "sales", "--similarity", "auto", "--out", "x"],
      ["build", "--input-sql", "mysql://h/db", "--table", "sales", "--out", "x"],
      ["build", "--input-sql", url, "--table", "a.b.c", "--out", "x"],
      ["build", "--input", XS, "--table", "sales", "--out", "x"],
      ["pipeline", "--input-sql", url, "--table", "sales", "--evaluate", "--no-load"],
    ];
    for (const args of cases) {
      const r = await cobuy([...args, "--json"]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(lastJson(r.stdout).error.code).toBe("COBUY_CLI_USAGE");
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    }
  });

  it("a missing table or column fails with the typed error naming it; a bad name is refused", async () => {
    const table = await cobuy(["build", "--input-sql", url, "--table", "nope", "--out", "x", "--json"]);
    expect(table.code).toBe(1);
    expect(lastJson(table.stdout).error).toMatchObject({ code: "COBUY_PIPELINE_SQL_MISSING_TABLE" });
    expect(lastJson(table.stdout).error.message).toContain("table nope");
    const column = await cobuy([
      "build",
      "--input-sql",
      url,
      "--table",
      "sales",
      "--product-col",
      "sku",
      "--out",
      "x",
      "--json",
    ]);
    expect(column.code).toBe(1);
    expect(lastJson(column.stdout).error).toMatchObject({ code: "COBUY_PIPELINE_SQL_MISSING_COLUMN" });
    expect(lastJson(column.stdout).error.message).toContain('"sku"');
    const bad = await cobuy(["build", "--input-sql", url, "--table", 'sales";--', "--out", "x", "--json"]);
    expect(bad.code).toBe(1);
    expect(lastJson(bad.stdout).error.code).toBe("COBUY_PIPELINE_SQL_IDENTIFIER");
    for (const r of [table, column, bad]) expect(r.stdout + r.stderr).not.toContain(SECRET);
  });
});
