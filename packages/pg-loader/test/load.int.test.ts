import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeOnBackend, PG_BACKEND_KINDS, type PgBackend, startPgBackend } from "@cobuy/test-utils";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activateRun,
  activeRun,
  activeRunId,
  type CobuyDb,
  type DatabaseConfig,
  listCategories,
  listRuns,
  loadRun,
  localRunSource,
  migrate,
  openDatabase,
  ping,
  popularInCategory,
  productInfo,
  pruneRuns,
  type RunSource,
  readRunLists,
  searchProducts,
  similarProducts,
} from "../src/index.js";
import { type FixtureRun, makeRun, richJson, tempRoot, writeRunDir } from "./fixtures.js";

const RUN_A = makeRun("2025-01-01_00-00-00", { seed: 1 });
const RUN_B = makeRun("2025-01-02_00-00-00", { seed: 2, products: 40, k: 6 });
const RUN_C = makeRun("2025-01-03_00-00-00", { seed: 3, withProducts: false });

function configOf(b: PgBackend, schema?: string): DatabaseConfig {
  return b.kind === "postgres"
    ? { connectionString: b.connectionString, poolSize: 4, schema }
    : { kind: "pglite", dataDir: b.dataDir, schema };
}

const recCount = (r: FixtureRun) => Object.values(r.recs).reduce((a, l) => a + l.length, 0);

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `pg-loader on ${kind}`, () => {
    let stop: () => Promise<void>;
    let backend: PgBackend;
    let db: CobuyDb;
    let root: string;
    const dirs: Record<string, string> = {};

    /** Everything a failed load must leave untouched. */
    async function snapshot() {
      const runs = await db.kysely
        .selectFrom("runs")
        .select(["id", "status", "recommendation_count"])
        .orderBy("id")
        .execute();
      const rows = await db.kysely
        .selectFrom("recommendations")
        .select(sql<number>`count(*)::int`.as("n"))
        .executeTakeFirstOrThrow();
      const tables = await sql<{
        t: string;
      }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = ${db.schema} ORDER BY 1`.execute(db.kysely);
      return {
        active: (await activeRun(db))?.id ?? null,
        runs,
        rows: rows.n,
        tables: tables.rows.map((r) => r.t),
      };
    }

    beforeAll(async () => {
      const started = await startPgBackend(kind);
      backend = started.backend;
      stop = started.stop;
      db = await openDatabase(configOf(backend));
      root = await tempRoot();
      for (const r of [RUN_A, RUN_B, RUN_C]) dirs[r.runId] = await writeRunDir(root, r);
    });
    afterAll(async () => {
      await db?.close();
      await stop?.();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("migrates idempotently and reports no migration the second time", async () => {
      const first = await migrate(db);
      expect(first.error).toBeUndefined();
      expect(first.results.map((r) => r.migrationName)).toEqual([
        "0001_initial",
        "0002_activations",
        "0003_product_names",
      ]);
      const second = await migrate(db);
      expect(second).toEqual({ results: [] });
      expect(await activeRun(db)).toBeNull();
      expect(await similarProducts(db, "P00")).toBeNull();
    });

    it("loads a run folder and serves it through the query API", async () => {
      const phases: string[] = [];
      const r = await loadRun(db, dirs[RUN_A.runId]!, { onProgress: (e) => phases.push(e.phase) });
      expect(r).toMatchObject({
        runId: RUN_A.runId,
        status: "loaded",
        active: true,
        previousActiveRunId: null,
        recommendations: recCount(RUN_A),
        products: 30,
        productStats: "document",
        checksums: "verified",
      });
      expect(phases).toEqual(
        expect.arrayContaining([
          "manifest",
          "lock",
          "recommendations",
          "products",
          "index",
          "activate",
          "done",
        ]),
      );

      const run = await activeRun(db);
      expect(run).toMatchObject({
        id: RUN_A.runId,
        createdAt: RUN_A.createdAt,
        status: "loaded",
        active: true,
      });
      expect(run?.params).toEqual({ k: 5, minScore: 0 });
      expect(run?.validation).toMatchObject({ overall: { products: 3 } });
      expect(run?.sourceUri).toMatch(/^file:\/\/.*2025-01-01_00-00-00\/$/);

      const sim = await similarProducts(db, "P03", { k: 3 });
      const want = RUN_A.recs.P03!.slice(0, 3);
      expect(sim?.runId).toBe(RUN_A.runId);
      expect(sim?.product).toEqual({
        id: "P03",
        category: "C0",
        support: RUN_A.products!.P03!.support,
        recCount: 5,
        name: "P03",
        extra: null,
      });
      expect(sim?.items).toEqual(
        want.map((w, i) => ({
          id: w.id,
          rank: i + 1,
          score: w.score,
          support: w.support,
          category: RUN_A.products![w.id]!.category,
          name: w.id,
          extra: null,
        })),
      );
      for (const item of sim!.items) {
        expect(typeof item.score).toBe("number");
        expect(typeof item.support).toBe("number");
      }
      const inCat = await similarProducts(db, "P03", { k: 10, category: "C1" });
      expect(inCat?.items.map((i) => i.id)).toEqual(
        RUN_A.recs.P03!.filter((x) => RUN_A.products![x.id]!.category === "C1").map((x) => x.id),
      );
      expect(await similarProducts(db, "nope")).toBeNull();

      expect(await productInfo(db, "P10")).toEqual({
        id: "P10",
        category: "C1",
        support: RUN_A.products!.P10!.support,
        recCount: 5,
        name: "P10",
        extra: null,
      });
      expect((await searchProducts(db, "P1", { limit: 3, offset: 1 })).map((p) => p.id)).toEqual([
        "P11",
        "P12",
        "P13",
      ]);
      expect(await searchProducts(db, "P_")).toEqual([]); // LIKE wildcards are literal
      const top = await popularInCategory(db, "C2", 3);
      const wantTop = Object.entries(RUN_A.products!)
        .filter(([, p]) => p.category === "C2")
        .sort(([a, x], [b, y]) => y.support! - x.support! || (a < b ? -1 : 1))
        .slice(0, 3)
        .map(([id]) => id);
      expect(top.map((p) => p.id)).toEqual(wantTop);
      expect(await listCategories(db)).toEqual([
        { category: "C0", products: 10 },
        { category: "C1", products: 10 },
        { category: "C2", products: 10 },
      ]);
    });

    it("serves the active product lookup from an index (EXPLAIN)", async () => {
      // Tiny test tables make a seq scan cheapest; forbid it to prove the index path exists.
      const text = await db.kysely.transaction().execute(async (trx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        const plan = await sql<{
          "QUERY PLAN": string;
        }>`EXPLAIN SELECT * FROM ${sql.id(db.schema, "active_recommendations")} WHERE product_id = 'P03' ORDER BY rank`.execute(
          trx,
        );
        return plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
      expect(text, text).toMatch(/Index (Only )?Scan (using|on) recommendations_r\d+_pkey/);
      expect(text, text).toMatch(
        /Index Cond: \(\(run_key = (\$\d|\(InitPlan \d\)\.col\d)\) AND \(product_id = 'P03'::text\)\)/,
      );
    });

    it("treats reloading a loaded run as a no-op", async () => {
      const before = await snapshot();
      const r = await loadRun(db, dirs[RUN_A.runId]!);
      expect(r).toMatchObject({
        runId: RUN_A.runId,
        status: "unchanged",
        active: true,
        recommendations: recCount(RUN_A),
      });
      expect(await snapshot()).toEqual(before);
    });

    it("loads a newer run atomically, rolls back with activate, and rejects unknown runs", async () => {
      const r = await loadRun(db, dirs[RUN_B.runId]!);
      expect(r).toMatchObject({
        status: "loaded",
        active: true,
        previousActiveRunId: RUN_A.runId,
        recommendations: recCount(RUN_B),
      });
      expect((await activeRun(db))?.id).toBe(RUN_B.runId);
      expect((await similarProducts(db, "P39"))?.runId).toBe(RUN_B.runId);
      expect(await activateRun(db, RUN_A.runId)).toEqual({
        runId: RUN_A.runId,
        previousActiveRunId: RUN_B.runId,
      });
      expect((await similarProducts(db, "P03"))?.runId).toBe(RUN_A.runId);
      expect(await similarProducts(db, "P39")).toBeNull(); // B's product, A is active
      await expect(activateRun(db, "1999-01-01_00-00-00")).rejects.toMatchObject({
        code: "COBUY_PG_RUN_NOT_FOUND",
      });
      const runs = await listRuns(db);
      expect(runs.map((x) => [x.id, x.active])).toEqual([
        [RUN_B.runId, false],
        [RUN_A.runId, true],
      ]);
    });

    it("loads a run without a products section (derived support, no category) and without activating", async () => {
      const r = await loadRun(db, dirs[RUN_C.runId]!, { activate: false });
      expect(r).toMatchObject({ status: "loaded", active: false, productStats: "derived", products: 30 });
      expect((await activeRun(db))?.id).toBe(RUN_A.runId);
      await activateRun(db, RUN_C.runId);
      const p = await productInfo(db, "P00");
      expect(p).toEqual({
        id: "P00",
        category: null,
        support: Math.max(...RUN_C.recs.P00!.map((x) => x.support)),
        recCount: 5,
        name: "P00",
        extra: null,
      });
      expect(await listCategories(db)).toEqual([]);
      await activateRun(db, RUN_A.runId);
    });

    it("prunes old runs but never the active one, and reloads a pruned run", async () => {
      // Loaded: A (active, oldest), B, C (newest).
      const res = await pruneRuns(db, { keep: 1 });
      expect(res).toEqual({ pruned: [RUN_B.runId], kept: [RUN_C.runId, RUN_A.runId] });
      const s = await snapshot();
      expect(s.runs.find((r) => r.id === RUN_B.runId)?.status).toBe("pruned");
      expect(s.rows).toBe(recCount(RUN_A) + recCount(RUN_C));
      expect(s.tables.filter((t) => t.startsWith("recommendations_r"))).toHaveLength(2);
      await expect(activateRun(db, RUN_B.runId)).rejects.toMatchObject({ code: "COBUY_PG_RUN_NOT_FOUND" });
      const again = await loadRun(db, dirs[RUN_B.runId]!, { activate: false });
      expect(again).toMatchObject({ status: "loaded", recommendations: recCount(RUN_B) });
      expect((await pruneRuns(db, { keep: 0 })).kept).toEqual([RUN_A.runId]);
      await expect(pruneRuns(db, { keep: -1 })).rejects.toMatchObject({ code: "COBUY_PG_CONFIG" });
      for (const r of [RUN_B, RUN_C]) await loadRun(db, dirs[r.runId]!, { activate: false });
    });

    it("reads any loaded run's lists back in rank order, with its counts and validation", async () => {
      // B is loaded, not active (A is): the lists come from B's partitions, not the active view.
      const b = await readRunLists(db, RUN_B.runId);
      const expected = Object.fromEntries(
        Object.entries(RUN_B.recs).map(([p, l]) => [p, l.map(({ id, score }) => ({ id, score }))]),
      );
      expect({ ...b.lists }).toEqual(expected);
      expect(Object.keys(b.lists)).toHaveLength(40);
      expect(b.counts).toMatchObject({ orders: 1000, products: 40 });
      expect((b.validation as { overall: { share: number } }).overall.share).toBeCloseTo(1 / 3);
      // Run C has no products section: every product of its document still has its list.
      expect(Object.keys((await readRunLists(db, RUN_C.runId)).lists).sort()).toEqual(
        Object.keys(RUN_C.recs).sort(),
      );
      await expect(readRunLists(db, "1999-01-01_00-00-00")).rejects.toMatchObject({
        code: "COBUY_PG_RUN_NOT_FOUND",
      });
    });

    describe("faults leave the previous run active and no partial rows", () => {
      async function expectUntouched(load: () => Promise<unknown>, code: string | RegExp) {
        const before = await snapshot();
        await expect(load()).rejects.toMatchObject({ code });
        expect(await snapshot()).toEqual(before);
        expect((await similarProducts(db, "P03"))?.runId).toBe(RUN_A.runId);
      }

      it("malformed JSON (truncated document)", async () => {
        const run = makeRun("2025-02-01_00-00-00", { seed: 4 });
        const text = richJson(run);
        const dir = await writeRunDir(root, run, { rich: text.slice(0, Math.floor(text.length * 0.8)) });
        await expectUntouched(() => loadRun(db, dir), "COBUY_PG_FORMAT");
      });

      it("format violation late in the document, after rows were copied", async () => {
        const run = makeRun("2025-02-02_00-00-00", { seed: 5, products: 200 });
        const text = richJson(run).replace(
          /("P199": \[\s*\{\s*"id": "P\d+",\s*"score": )([0-9.]+)/,
          '$1"$2"',
        );
        expect(text).toContain('"score": "');
        const dir = await writeRunDir(root, run, { rich: text });
        await expectUntouched(() => loadRun(db, dir), "COBUY_PG_FORMAT");
        await expect(loadRun(db, dir)).rejects.toThrow(/recs\.rich\.json:\d+:\d+: "score" must be a number/);
      });

      it("checksum mismatch", async () => {
        const run = makeRun("2025-02-03_00-00-00", { seed: 6 });
        const dir = await writeRunDir(root, run);
        const file = join(dir, "recs.rich.json");
        const text = await readFile(file, "utf8");
        await writeFile(file, text.replace('"score": 0.9', '"score": 0.8')); // same size, valid JSON, other bytes
        await expectUntouched(() => loadRun(db, dir), "COBUY_PG_CHECKSUM");
      });

      it("a missing recs.rich.json and a manifest naming another run", async () => {
        const run = makeRun("2025-02-04_00-00-00", { seed: 7 });
        const dir = await writeRunDir(root, run);
        await expectUntouched(
          () => loadRun(db, localRunSource(dir, { runId: "2025-09-09_00-00-00" })),
          "COBUY_PG_FORMAT",
        );
        await rm(join(dir, "recs.rich.json"));
        await expectUntouched(() => loadRun(db, dir), "COBUY_PG_SOURCE");
      });

      it("the source stream fails midway (e.g. a store's own checksum check)", async () => {
        const run = makeRun("2025-02-08_00-00-00", { seed: 11, products: 300, k: 10 });
        const src = localRunSource(await writeRunDir(root, run));
        const failing: RunSource = {
          uri: src.uri,
          async open(name) {
            const s = await src.open(name);
            if (s === undefined || name !== "recs.rich.json") return s;
            return (async function* () {
              let n = 0;
              for await (const chunk of s) {
                for (let i = 0; i < chunk.length; i += 4096) {
                  if (++n === 5)
                    throw Object.assign(new Error("sha256 mismatch"), {
                      code: "COBUY_STORE_CHECKSUM_MISMATCH",
                    });
                  yield chunk.subarray(i, i + 4096);
                }
              }
            })();
          },
        };
        await expectUntouched(() => loadRun(db, failing), "COBUY_PG_SOURCE");
        await expect(loadRun(db, failing)).rejects.toThrow(/E_CHECKSUM_MISMATCH/);
      });

      // PGlite runs in-process: there is no connection to kill.
      it.skipIf(kind !== "postgres")("connection killed mid-COPY (pg_terminate_backend)", async () => {
        if (backend.kind !== "postgres") return;
        const run = makeRun("2025-02-05_00-00-00", { seed: 8, products: 2000, k: 20 });
        const dir = await writeRunDir(root, run);
        const src = localRunSource(dir);
        // A slow source (like a remote store) keeps the COPY open long enough to kill it.
        const slow: RunSource = {
          uri: src.uri,
          async open(name) {
            const s = await src.open(name);
            if (s === undefined || name !== "recs.rich.json") return s;
            return (async function* () {
              for await (const chunk of s) {
                for (let i = 0; i < chunk.length; i += 16384) {
                  yield chunk.subarray(i, i + 16384);
                  await new Promise((r) => setTimeout(r, 10));
                }
              }
            })();
          },
        };
        const before = await snapshot();
        const load = loadRun(db, slow);
        load.catch(() => {});
        let killed = 0;
        for (let i = 0; i < 300 && killed === 0; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const rows = await backend.database.admin<{ ok: boolean }>(
            "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'COPY %' AND state = 'active'",
            [backend.database.name],
          );
          killed = rows.filter((r) => r.ok).length;
        }
        expect(killed).toBe(1);
        await expect(load).rejects.toMatchObject({ code: "COBUY_PG_LOAD_FAILED" });
        expect(await snapshot()).toEqual(before);
        expect((await similarProducts(db, "P03"))?.runId).toBe(RUN_A.runId);
        // The pool recovers: the same handle loads the run afterwards.
        expect((await loadRun(db, dir, { activate: false })).status).toBe("loaded");
      });

      it("two loads racing on one run: one loads, the other is a clean no-op", async () => {
        const run = makeRun("2025-02-06_00-00-00", { seed: 9, products: 500, k: 10 });
        const dir = await writeRunDir(root, run);
        // Two pools race on PostgreSQL; PGlite is one in-process database, so both loads share its handle.
        const other = backend.kind === "postgres" ? await openDatabase(configOf(backend)) : db;
        try {
          const results = await Promise.all([
            loadRun(db, dir, { activate: false }),
            loadRun(other, dir, { activate: false }),
          ]);
          expect(results.map((r) => r.status).sort()).toEqual(["loaded", "unchanged"]);
          const s = await snapshot();
          expect(s.runs.filter((r) => r.id === run.runId)).toEqual([
            { id: run.runId, status: "loaded", recommendation_count: recCount(run) },
          ]);
        } finally {
          if (other !== db) await other.close();
        }
      });

      // PGlite has one connection: loads simply queue behind each other.
      it.skipIf(kind !== "postgres")(
        "a load that cannot get the lock in time fails with COBUY_PG_BUSY and changes nothing",
        async () => {
          if (backend.kind !== "postgres") return;
          const run = makeRun("2025-02-07_00-00-00", { seed: 10 });
          const dir = await writeRunDir(root, run);
          const holder = new pg.Client({ connectionString: backend.connectionString });
          await holder.connect();
          try {
            await holder.query("BEGIN");
            await holder.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [0x636f6279, db.schema]);
            await expectUntouched(() => loadRun(db, dir, { lockTimeoutMs: 200 }), "COBUY_PG_BUSY");
          } finally {
            await holder.query("ROLLBACK");
            await holder.end();
          }
        },
      );
    });

    it("works with a Kysely instance it did not create (INSERT fallback) and another schema", async () => {
      let foreign: Kysely<unknown>;
      let pglite: PGlite | undefined;
      if (backend.kind === "postgres") {
        foreign = new Kysely({
          dialect: new PostgresDialect({
            pool: new pg.Pool({ connectionString: backend.connectionString, max: 2 }),
          }),
        });
      } else {
        await db.close(); // one PGlite per data folder
        pglite = await PGlite.create({ dataDir: backend.dataDir });
        foreign = new Kysely({ dialect: new PGliteDialect({ pglite }) });
      }
      try {
        const alt = await openDatabase(foreign, { schema: "cobuy_alt" });
        expect(alt.kind).toBe("kysely");
        const r = await loadRun(alt, dirs[RUN_B.runId]!);
        expect(r).toMatchObject({ status: "loaded", recommendations: recCount(RUN_B) });
        const sim = await similarProducts(alt, "P05", { k: 2 });
        expect(sim?.items.map((i) => i.id)).toEqual(RUN_B.recs.P05!.slice(0, 2).map((x) => x.id));
        // The default schema is untouched.
        expect((await activeRun(await openDatabase(foreign)))?.id).toBe(RUN_A.runId);
      } finally {
        await foreign.destroy();
        if (backend.kind === "pglite") db = await openDatabase(configOf(backend));
      }
    });

    it("loads a run without a manifest once: a second load is unchanged and leaves nothing behind", async () => {
      const run = makeRun("2025-03-01_00-00-00", { seed: 12 });
      const dir = await writeRunDir(root, run, { manifest: false });
      const first = await loadRun(db, dir, { activate: false });
      expect(first).toMatchObject({ status: "loaded", checksums: "unverified", runId: run.runId });
      const before = await snapshot();
      // The run id is only known once the document is streamed: the copy is undone, not committed.
      const again = await loadRun(db, dir, { activate: false });
      expect(again).toMatchObject({ status: "unchanged", runId: run.runId, recommendations: recCount(run) });
      expect(await snapshot()).toEqual(before);
    });

    it.skipIf(kind !== "postgres")(
      "reads no PG* variables: the connection is what the config says",
      async () => {
        if (backend.kind !== "postgres") return;
        const url = new URL(backend.connectionString);
        const database = url.pathname.slice(1);
        const names = ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"] as const;
        const saved = names.map((n) => process.env[n]);
        Object.assign(process.env, {
          PGHOST: "nowhere.invalid",
          PGPORT: "1",
          PGUSER: "nobody",
          PGPASSWORD: "wrong",
          PGDATABASE: "nowhere",
        });
        try {
          await expect(openDatabase({ poolSize: 1 })).rejects.toMatchObject({ code: "COBUY_PG_CONFIG" });
          const bare = `postgres://${url.host}/`;
          await expect(openDatabase({ connectionString: bare })).rejects.toMatchObject({
            code: "COBUY_PG_CONFIG",
          });
          // What the URL leaves out comes from the fields (pg alone would take PGUSER and PGDATABASE).
          const filled = await openDatabase({
            connectionString: bare,
            user: url.username,
            database,
            poolSize: 1,
          });
          try {
            expect(await activeRunId(filled)).toBe(await activeRunId(db));
          } finally {
            await filled.close();
          }
        } finally {
          names.forEach((n, i) => {
            if (saved[i] === undefined) delete process.env[n];
            else process.env[n] = saved[i];
          });
        }
      },
    );

    it.skipIf(kind !== "postgres")("loads through a pool the caller owns and leaves it open", async () => {
      if (backend.kind !== "postgres") return;
      const pool = new pg.Pool({ connectionString: backend.connectionString, max: 2 });
      try {
        const mine = await openDatabase({ pool });
        expect(mine.kind).toBe("postgres");
        const run = makeRun("2025-03-02_00-00-00", { seed: 13 });
        const r = await loadRun(mine, await writeRunDir(root, run), { activate: false });
        expect(r).toMatchObject({ status: "loaded", recommendations: recCount(run) });
        await mine.close();
        expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it.skipIf(kind !== "postgres")("reports an unreachable server as COBUY_PG_UNAVAILABLE", async () => {
      const down = await openDatabase({
        connectionString: "postgres://postgres@127.0.0.1:1/test",
        poolSize: 1,
      });
      try {
        await expect(ping(down)).rejects.toMatchObject({ code: "COBUY_PG_UNAVAILABLE" });
        await expect(activeRunId(down)).rejects.toMatchObject({ code: "COBUY_PG_UNAVAILABLE" });
        await expect(similarProducts(down, "P1")).rejects.toThrow(/ECONNREFUSED/);
      } finally {
        await down.close();
      }
      await expect(ping(db)).resolves.toBeUndefined();
    });

    it("rejects a schema name that is not a plain identifier before connecting", async () => {
      await expect(
        openDatabase({ ...configOf(backend), schema: 'x"; DROP SCHEMA cobuy; --' } as DatabaseConfig),
      ).rejects.toMatchObject({
        code: "COBUY_PG_CONFIG",
      });
    });
  });
}
