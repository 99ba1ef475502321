// The hot read statements (similarProducts, productInfo, popularInCategory, activeRunId): on
// PostgreSQL opened by pg-loader they run as named prepared statements on the pool; elsewhere as
// plain statements. Either way they must answer exactly what the active_* views say, follow run
// switches and new loads, and recover from statements the server no longer has.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeOnBackend, PG_BACKEND_KINDS, type PgBackend, startPgBackend } from "@cobuy/test-utils";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  activateRun,
  activeRun,
  activeRunId,
  type CobuyDb,
  loadRun,
  openDatabase,
  popularInCategory,
  productInfo,
  similarProducts,
} from "../src/index.js";

interface Run {
  runId: string;
  ids: string[];
  doc: string;
}

/** A run of `n` products, up to `k` recommendations each, 4 categories, some products without a list. */
function makeRun(runId: string, seed: number, n: number, k: number): Run {
  const id = (i: number) => `Q${String(i).padStart(3, "0")}`;
  const recs: Record<string, { id: string; score: number; support: number }[]> = {};
  const products: Record<string, { category: string | null; support: number | null; name?: string }> = {};
  for (let i = 0; i < n; i++) {
    const list: { id: string; score: number; support: number }[] = [];
    const len = i % 7 === 3 ? 0 : k; // a few products with an empty list
    for (let r = 0; r < len; r++) {
      const j = (i + 1 + ((r * 5 + seed) % (n - 1))) % n;
      if (j === i || list.some((x) => x.id === id(j))) continue;
      list.push({
        id: id(j),
        score: Number((0.9 - r * 0.02 + seed / 1000).toFixed(6)),
        support: k - r + seed,
      });
    }
    recs[id(i)] = list;
    // Category null for every 11th product; ties in support to exercise the id tie-break.
    products[id(i)] = { category: i % 11 === 0 ? null : `K${(i + seed) % 4}`, support: 5 + ((i * 3) % 9) };
    // Catalog rows for two products in three: a name, and extra columns for some.
    if (i % 3 !== 0) {
      Object.assign(products[id(i)]!, {
        name: `Item ${i} of run ${seed}`,
        ...(i % 2 === 0 ? { extra: { url: `https://shop.example/${i}`, image: "" } } : {}),
      });
    }
  }
  const count = Object.values(recs).reduce((a, l) => a + l.length, 0);
  const doc = JSON.stringify({
    format: "cobuy.recs.v1",
    runId,
    createdAt: new Date(Date.UTC(2025, 5, seed)).toISOString(),
    params: { k },
    counts: { orders: 100, products: n, recommendations: count },
    recs,
    products,
  });
  return { runId, ids: Object.keys(recs), doc };
}

const RUN_1 = makeRun("2025-06-01_00-00-00", 1, 60, 8);
const RUN_2 = makeRun("2025-06-02_00-00-00", 2, 45, 5);

/** What the views answer: the query similarProducts sent before it was prepared. */
async function viaViews(db: CobuyDb, productId: string, k: number, category?: string) {
  const rows = await db.kysely
    .selectFrom("active_products as p")
    .leftJoin("active_recommendations as r", (join) => {
      let j = join.onRef("r.product_id", "=", "p.product_id");
      if (category !== undefined) j = j.on("r.recommended_category", "=", category);
      return j;
    })
    .select([
      "p.run_id",
      "p.product_id",
      "p.category",
      "p.support",
      "p.rec_count",
      "p.name",
      "p.extra",
      "r.rank",
      "r.recommended_id",
      "r.score",
      "r.support as pair_support",
      "r.recommended_category",
      "r.recommended_name",
      "r.recommended_extra",
    ])
    .where("p.product_id", "=", productId)
    .orderBy("r.rank")
    .limit(k)
    .execute();
  const first = rows[0];
  if (!first) return null;
  return {
    runId: first.run_id,
    product: {
      id: first.product_id,
      category: first.category,
      support: first.support,
      recCount: first.rec_count,
      name: first.name,
      extra: first.extra,
    },
    items: rows
      .filter((r) => r.recommended_id !== null)
      .map((r) => ({
        id: r.recommended_id,
        rank: r.rank,
        score: Number(r.score),
        support: r.pair_support,
        category: r.recommended_category ?? null,
        name: r.recommended_name,
        extra: r.recommended_extra,
      })),
  };
}

async function popularViaViews(db: CobuyDb, category: string, limit: number) {
  const rows = await db.kysely
    .selectFrom("active_products")
    .select(["product_id", "category", "support", "rec_count", "name", "extra"])
    .where("category", "=", category)
    .orderBy(sql`support DESC NULLS LAST`)
    .orderBy("product_id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.product_id,
    category: r.category,
    support: r.support,
    recCount: r.rec_count,
    name: r.name,
    extra: r.extra,
  }));
}

/** Every product of both runs (and an unknown id) answers exactly what the views say. */
async function expectSameAsViews(db: CobuyDb) {
  const ids = [...new Set([...RUN_1.ids, ...RUN_2.ids, "nope", "Q' OR 1=1 --"])];
  for (const id of ids) {
    for (const [k, category] of [
      [1000, undefined],
      [3, undefined],
      [1000, "K1"],
      [2, "K2"],
    ] as const) {
      expect(await similarProducts(db, id, { k, category }), `${id} k=${k} ${category}`).toEqual(
        await viaViews(db, id, k, category),
      );
    }
    const info = await viaViews(db, id, 1);
    expect(await productInfo(db, id)).toEqual(info?.product ?? null);
  }
  for (const category of ["K0", "K1", "K2", "K3", "none"]) {
    expect(await popularInCategory(db, category, 7)).toEqual(await popularViaViews(db, category, 7));
  }
  expect(await activeRunId(db)).toBe((await activeRun(db))?.id ?? null);
}

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `hot read statements on ${kind}`, () => {
    let stop: () => Promise<void>;
    let backend: PgBackend;
    let db: CobuyDb;
    let root: string;
    const dirs: Record<string, string> = {};

    beforeAll(async () => {
      const started = await startPgBackend(kind);
      backend = started.backend;
      stop = started.stop;
      // One connection on PostgreSQL: the session that prepared the statements is the one we inspect.
      db = await openDatabase(
        backend.kind === "postgres"
          ? { connectionString: backend.connectionString, poolSize: 1 }
          : { kind: "pglite", dataDir: backend.dataDir },
      );
      root = await mkdtemp(join(tmpdir(), "cobuy-pgl-prepared-"));
      for (const r of [RUN_1, RUN_2]) {
        dirs[r.runId] = join(root, r.runId);
        await mkdir(dirs[r.runId]!, { recursive: true });
        await writeFile(join(dirs[r.runId]!, "recs.rich.json"), r.doc);
        await writeFile(
          join(dirs[r.runId]!, "validation.json"),
          JSON.stringify({ overall: { products: 1, sameCategory: 1, share: 1 }, byCategory: {} }),
        );
      }
    });
    afterAll(async () => {
      await db?.close();
      await stop?.();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("reports an unmigrated schema as COBUY_PG_NOT_MIGRATED, then works once loaded", async () => {
      await expect(activeRunId(db)).rejects.toMatchObject({ code: "COBUY_PG_NOT_MIGRATED" });
      await expect(similarProducts(db, "Q001")).rejects.toMatchObject({ code: "COBUY_PG_NOT_MIGRATED" });
      await expect(productInfo(db, "Q001")).rejects.toMatchObject({ code: "COBUY_PG_NOT_MIGRATED" });
      await loadRun(db, dirs[RUN_1.runId]!);
      expect(await activeRunId(db)).toBe(RUN_1.runId);
      expect((await similarProducts(db, "Q001"))?.runId).toBe(RUN_1.runId);
    });

    it("answers what the views answer, before and after a new load and across activations", async () => {
      await expectSameAsViews(db);
      // A new run attaches new partitions after the statements were prepared (and planned).
      await loadRun(db, dirs[RUN_2.runId]!);
      expect(await activeRunId(db)).toBe(RUN_2.runId);
      expect(await similarProducts(db, "Q050")).toBeNull(); // only in run 1
      await expectSameAsViews(db);
      await activateRun(db, RUN_1.runId);
      expect(await activeRunId(db)).toBe(RUN_1.runId);
      expect((await similarProducts(db, "Q050"))?.runId).toBe(RUN_1.runId);
      await expectSameAsViews(db);
    });

    it("keeps the list in rank order with the stored scores", async () => {
      const id = RUN_1.ids[1]!;
      const expected = (JSON.parse(RUN_1.doc) as { recs: Record<string, { id: string; score: number }[]> })
        .recs[id]!;
      const got = await similarProducts(db, id, { k: 1000 });
      expect(got?.items.map((i) => [i.id, i.rank, i.score])).toEqual(
        expected.map((r, i) => [r.id, i + 1, r.score]),
      );
      // A product with an empty list: the product, no items.
      expect(await similarProducts(db, RUN_1.ids[3]!)).toMatchObject({ runId: RUN_1.runId, items: [] });
    });

    it.runIf(kind === "postgres")(
      "prepares each statement once per connection, named by schema and text",
      async () => {
        await similarProducts(db, "Q001");
        await similarProducts(db, "Q001", { category: "K1" });
        await productInfo(db, "Q001");
        await popularInCategory(db, "K1", 3);
        await activeRunId(db);
        const prepared = await sql<{ name: string; statement: string }>`
        SELECT name, statement FROM pg_prepared_statements ORDER BY name`.execute(db.kysely);
        const names = prepared.rows.map((r) => r.name);
        for (const tag of ["similar", "similar_cat", "product", "popular", "active_run"]) {
          expect(names.filter((n) => new RegExp(`^cobuy_${tag}_[0-9a-f]{16}$`).test(n))).toHaveLength(1);
        }
        for (const r of prepared.rows) expect(r.statement).toContain('"cobuy".');
      },
    );

    it.runIf(kind === "postgres")(
      "re-prepares on another connection when the server dropped the statement",
      async () => {
        expect(await activeRunId(db)).toBe(RUN_1.runId);
        // As a transaction-mode pooler or a `DISCARD ALL` would: node-postgres still thinks it is prepared.
        await sql`DEALLOCATE ALL`.execute(db.kysely);
        expect(await activeRunId(db)).toBe(RUN_1.runId);
        expect((await similarProducts(db, "Q001"))?.runId).toBe(RUN_1.runId);
      },
    );

    it.runIf(kind === "postgres")(
      "keeps schemas apart on one pool and works through a Kysely instance",
      async () => {
        const other = await openDatabase(db.kysely, { schema: "cobuy_other" });
        await loadRun(other, dirs[RUN_2.runId]!);
        expect(await activeRunId(other)).toBe(RUN_2.runId);
        expect(await activeRunId(db)).toBe(RUN_1.runId);
        expect((await similarProducts(other, "Q001"))?.runId).toBe(RUN_2.runId);
        expect((await similarProducts(db, "Q001"))?.runId).toBe(RUN_1.runId);
        // A Kysely instance pg-loader did not create: plain statements, same answers.
        if (backend.kind !== "postgres") return;
        const pool = new pg.Pool({ connectionString: backend.connectionString, max: 1 });
        const foreign = new Kysely({ dialect: new PostgresDialect({ pool }) });
        try {
          const wrapped = await openDatabase(foreign);
          for (const id of ["Q001", "Q010", "Q050", "nope"]) {
            expect(await similarProducts(wrapped, id, { k: 4, category: "K2" })).toEqual(
              await similarProducts(db, id, { k: 4, category: "K2" }),
            );
            expect(await productInfo(wrapped, id)).toEqual(await productInfo(db, id));
          }
          expect(await activeRunId(wrapped)).toBe(RUN_1.runId);
          const prepared = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_prepared_statements`.execute(foreign);
          expect(prepared.rows[0]?.n).toBe(0);
        } finally {
          await foreign.destroy();
        }
      },
    );
  });
}
