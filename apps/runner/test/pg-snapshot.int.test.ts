// The second PostgreSQL connection a measure build runs its statement on, against the server:
// it sees the first connection's snapshot (rows committed after `begin` are in neither), it is
// committed and closed with the first, and closing a failed build cancels a statement it left
// running (the server would otherwise run it to its end).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContext } from "../src/context.js";
import { parseBuildInput, type SqlInput } from "../src/flags/input.js";
import { openSqlConnection } from "../src/steps/sql-connection.js";
import { memIo } from "./helpers/mem-io.js";
import { loadSalesTable } from "./helpers/sales-table.js";

const SHARED = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const XS = join(SHARED, "golden", "xs", "sales.csv");

type Query = NonNullable<
  Awaited<ReturnType<Awaited<ReturnType<typeof openSqlConnection>>["statementQuery"]>>
>;

async function lines(query: Query): Promise<number> {
  let n = 0;
  for await (const rows of query("SELECT count(*) FROM sales", [])) n += Number(rows[0]![0]);
  return n;
}

describe.runIf(existsSync(XS) && requirePostgres("the measure build's second connection"))(
  "the measure statement's second PostgreSQL connection",
  () => {
    let db: TestPgDatabase;
    let input: SqlInput;
    let other: pg.Client;
    beforeAll(async () => {
      db = await createTestPgDatabase("cobuy_snapshot");
      await loadSalesTable(db.connectionString, XS);
      const parsed = parseBuildInput(
        { "input-sql": db.connectionString, table: "sales" },
        { similarity: "llr" },
      );
      if (parsed?.kind !== "sql") throw new Error("expected an SQL input");
      input = parsed.sql;
      other = new pg.Client({ connectionString: db.connectionString });
      await other.connect();
    });
    afterAll(async () => {
      await other?.end();
      await db?.drop();
    });

    it("sees the first connection's snapshot, not rows committed after it", async () => {
      const conn = await openSqlConnection(createContext(memIo(), { command: "build" }), input);
      try {
        const before = await lines(conn.query);
        await conn.begin();
        const second = await conn.statementQuery();
        expect(second).not.toBeNull();
        await other.query("INSERT INTO sales VALUES ('late-order', 'late-product', 'late')");
        expect(await lines(conn.query)).toBe(before);
        expect(await lines(second!)).toBe(before);
        await conn.commit();
        // Both transactions ended: a new query sees the committed row.
        expect(await lines(conn.query)).toBe(before + 1);
      } finally {
        await conn.close();
        await other.query("DELETE FROM sales WHERE order_id = 'late-order'");
      }
    });

    it("a role allowed one connection builds on that one: no second connection, the same rows", async () => {
      const role = `cobuy_one_${process.pid}`;
      await other.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 1`);
      await other.query(`GRANT SELECT ON sales TO ${role}`);
      const url = new URL(db.connectionString);
      url.username = role;
      const conn = await openSqlConnection(createContext(memIo(), { command: "build" }), {
        ...input,
        url: url.toString(),
      });
      try {
        await conn.begin();
        expect(await conn.statementQuery()).toBeNull();
        expect(await lines(conn.query)).toBe(
          Number((await other.query("SELECT count(*) FROM sales")).rows[0].count),
        );
        await conn.commit();
      } finally {
        await conn.close();
        await other.query(`DROP OWNED BY ${role}`);
        await other.query(`DROP ROLE ${role}`);
      }
    });

    it("closing a build that failed cancels the statement still running on the second connection", async () => {
      const conn = await openSqlConnection(createContext(memIo(), { command: "build" }), input);
      await conn.begin();
      const second = await conn.statementQuery();
      const running = (async () => {
        for await (const rows of second!("SELECT pg_sleep(60)", [])) void rows;
      })();
      running.catch(() => {});
      const active = async () =>
        Number(
          (
            await other.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'",
            )
          ).rows[0].n,
        );
      for (let i = 0; i < 100 && (await active()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await active()).toBe(1);
      await conn.close();
      for (let i = 0; i < 100 && (await active()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await active()).toBe(0);
      await expect(running).rejects.toThrow();
    });
  },
);
