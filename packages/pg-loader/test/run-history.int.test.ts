// readRunLists reads any loaded run's lists back exactly as its document holds them; the
// activation history says which run was active before the active one, through loads, rollbacks,
// loads that do not activate, prunes, and on schemas migrated from before the history existed.
import { rm } from "node:fs/promises";
import { describeOnBackend, PG_BACKEND_KINDS, startPgBackend } from "@cobuy/test-utils";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  activateRun,
  type CobuyDb,
  loadRun,
  migrate,
  openDatabase,
  previousActiveRunId,
  pruneRuns,
  readRunLists,
  runActivations,
} from "../src/index.js";
import { type FixtureRun, makeRun, richJson, tempRoot, writeRunDir } from "./fixtures.js";

const RUN_A = makeRun("2025-03-01_00-00-00", { seed: 1, products: 25, k: 6 });
const RUN_B = makeRun("2025-03-02_00-00-00", { seed: 2, products: 30, k: 4 });
const RUN_C = makeRun("2025-03-03_00-00-00", { seed: 3, products: 20, k: 5 });
// A product with an empty list, and one known only to the products section.
RUN_B.recs.P05 = [];
RUN_B.products!.X_ONLY_PRODUCT = { category: "C9", support: 3 };

/** What the document says, as readRunLists returns it. */
function expectedLists(run: FixtureRun): Record<string, { id: string; score: number }[]> {
  const out: Record<string, { id: string; score: number }[]> = {};
  for (const [pid, list] of Object.entries(run.recs))
    out[pid] = list.map((i) => ({ id: i.id, score: i.score }));
  for (const pid of Object.keys(run.products ?? {})) out[pid] ??= [];
  return out;
}

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `run lists and activation history on ${kind}`, () => {
    let stop: () => Promise<void>;
    let db: CobuyDb;
    let root: string;
    const dirs: Record<string, string> = {};

    beforeAll(async () => {
      const started = await startPgBackend(kind);
      stop = started.stop;
      const b = started.backend;
      db = await openDatabase(
        b.kind === "postgres"
          ? { connectionString: b.connectionString, poolSize: 2 }
          : { kind: "pglite", dataDir: b.dataDir },
      );
      root = await tempRoot();
      for (const r of [RUN_A, RUN_B, RUN_C])
        dirs[r.runId] = await writeRunDir(root, r, { rich: richJson(r) });
    });
    afterAll(async () => {
      await db?.close();
      await stop?.();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("reads every list of a loaded run, active or not, in rank order with its counts", async () => {
      await loadRun(db, dirs[RUN_A.runId]!);
      await loadRun(db, dirs[RUN_B.runId]!);
      for (const run of [RUN_A, RUN_B]) {
        const got = await readRunLists(db, run.runId);
        expect(got.runId).toBe(run.runId);
        expect({ ...got.lists }).toEqual(expectedLists(run));
        expect(Object.keys(got.lists)).toEqual(Object.keys(expectedLists(run)).sort());
        expect(got.orders).toBe(1000);
        expect(got.counts).toMatchObject({ orders: 1000, products: Object.keys(run.recs).length });
        expect(got.validation).toMatchObject({ overall: { share: 1 / 3 } });
      }
      expect((await readRunLists(db, RUN_B.runId)).lists.P05).toEqual([]);
      await expect(readRunLists(db, "2099-01-01_00-00-00")).rejects.toMatchObject({
        code: "COBUY_PG_RUN_NOT_FOUND",
        message: expect.stringContaining("is not loaded"),
      });
    });

    it("knows the run active before the active one through rollbacks and silent loads", async () => {
      expect(await previousActiveRunId(db)).toBe(RUN_A.runId);
      // Loaded but never activated (as a refused run is): not a baseline.
      await loadRun(db, dirs[RUN_C.runId]!, { activate: false });
      expect(await previousActiveRunId(db)).toBe(RUN_A.runId);
      await activateRun(db, RUN_A.runId);
      expect(await previousActiveRunId(db)).toBe(RUN_B.runId);
      expect((await runActivations(db)).map((a) => [a.runId, a.loaded])).toEqual([
        [RUN_A.runId, true],
        [RUN_B.runId, true],
        [RUN_A.runId, true],
      ]);
      expect(await runActivations(db, { limit: 1 })).toHaveLength(1);
      await expect(runActivations(db, { limit: 0 })).rejects.toMatchObject({ code: "COBUY_PG_CONFIG" });
    });

    it("skips runs whose rows were pruned, and refuses to read them", async () => {
      // Keep the newest loaded run (C) and the active one (A): B goes.
      expect((await pruneRuns(db, { keep: 1 })).pruned).toEqual([RUN_B.runId]);
      expect(await previousActiveRunId(db)).toBeNull();
      expect((await runActivations(db))[1]).toMatchObject({ runId: RUN_B.runId, loaded: false });
      await expect(readRunLists(db, RUN_B.runId)).rejects.toMatchObject({
        code: "COBUY_PG_RUN_NOT_FOUND",
        message: expect.stringContaining("pruned"),
      });
      await activateRun(db, RUN_C.runId);
      expect(await previousActiveRunId(db)).toBe(RUN_A.runId);
    });

    it("rebuilds a history in load order for a schema migrated before it was kept", async () => {
      // The schema as the first migration left it: no history table, runs loaded one by one.
      await sql`DROP TABLE ${sql.id(db.schema, "activations")}`.execute(db.kysely);
      // Later migrations go too (their columns, and the views that read them): a schema that old
      // had none of them, and migrations run in order.
      await sql`ALTER TABLE ${sql.id(db.schema, "products")}
        DROP COLUMN name CASCADE, DROP COLUMN extra CASCADE, DROP COLUMN search_key CASCADE`.execute(
        db.kysely,
      );
      await sql`DELETE FROM ${sql.id(db.schema, "cobuy_migration")} WHERE name <> '0001_initial'`.execute(
        db.kysely,
      );
      await expect(previousActiveRunId(db)).rejects.toMatchObject({ code: "COBUY_PG_NOT_MIGRATED" });
      expect((await migrate(db)).results.map((r) => r.migrationName)).toEqual([
        "0002_activations",
        "0003_product_names",
      ]);
      // Loaded A, B, C in that order; C is active: A is the newest loaded run before it.
      expect((await runActivations(db)).map((a) => a.runId)).toEqual([RUN_C.runId, RUN_B.runId, RUN_A.runId]);
      expect(await previousActiveRunId(db)).toBe(RUN_A.runId);
    });
  });
}
