// Catalog names (`--catalog`) through the load and the query API: stored per run, read back with
// every product and recommendation (the id when the catalog lacks the product), and searched by
// name case- and accent-insensitively through an index on PostgreSQL and PGlite alike.
import { rm } from "node:fs/promises";
import { describeOnBackend, PG_BACKEND_KINDS } from "@cobuy/test-utils";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  activateRun,
  type CobuyDb,
  loadRun,
  popularInCategory,
  productInfo,
  SEARCH_KEY_CHARS,
  searchKey,
  searchProducts,
  searchProductsByName,
  similarProducts,
} from "../src/index.js";
import { readStatements } from "../src/query/read-statements.js";
import { type FixtureRun, makeRun, openTestDatabase, richJson, tempRoot, writeRunDir } from "./fixtures.js";

const NAMES: Record<string, string> = {
  P00: "Organic Whole Milk",
  P01: "Milk Chocolate Almonds",
  P02: "Crème Fraîche",
  P03: "CREME BRULEE CUPS",
  P04: "Almond Milk, Unsweetened",
  P05: "Oat Milk 100% Natural",
  P06: "milkshake_mix",
  P07: "Sparkling Water\tLemon", // a tab survives the COPY escaping
};
const EXTRA: Record<string, Record<string, string>> = {
  P00: { url: "https://shop.example/p/0", image: "https://cdn.example/0.jpg" },
  P02: { url: "https://shop.example/p/2", image: "" },
};

/** RUN_A's products, the first eight with catalog names; the rest have no catalog row. */
function withCatalog(run: FixtureRun): FixtureRun {
  const products = structuredClone(run.products!);
  for (const [id, name] of Object.entries(NAMES)) {
    Object.assign(products[id]!, { name }, EXTRA[id] ? { extra: EXTRA[id] } : {});
  }
  return { ...run, products };
}

const PLAIN = makeRun("2025-04-01_00-00-00", { seed: 1 });
const NAMED = withCatalog(makeRun("2025-04-02_00-00-00", { seed: 1 }));

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `catalog names on ${kind}`, () => {
    let stop: () => Promise<void>;
    let db: CobuyDb;
    let root: string;
    const dirs: Record<string, string> = {};

    beforeAll(async () => {
      ({ db, stop } = await openTestDatabase(kind, 2));
      root = await tempRoot();
      for (const r of [PLAIN, NAMED]) dirs[r.runId] = await writeRunDir(root, r);
      await loadRun(db, dirs[PLAIN.runId]!);
      await loadRun(db, dirs[NAMED.runId]!);
    });
    afterAll(async () => {
      await stop?.();
      if (root) await rm(root, { recursive: true, force: true });
    });

    it("reads names and extra columns with products and recommendations; the id without a catalog row", async () => {
      expect(await productInfo(db, "P00")).toMatchObject({ name: NAMES.P00, extra: EXTRA.P00 });
      expect(await productInfo(db, "P07")).toMatchObject({ name: NAMES.P07, extra: null });
      expect(await productInfo(db, "P20")).toMatchObject({ id: "P20", name: "P20", extra: null });
      for (const id of ["P00", "P03", "P25"]) {
        const sim = await similarProducts(db, id, { k: 100 });
        expect(sim?.product.name).toBe(NAMES[id] ?? id);
        expect(sim?.items.map((i) => [i.id, i.name, i.extra])).toEqual(
          NAMED.recs[id]!.map((r) => [r.id, NAMES[r.id] ?? r.id, EXTRA[r.id] ?? null]),
        );
      }
      const popular = await popularInCategory(db, "C0", 100);
      expect(popular.map((p) => p.name)).toEqual(popular.map((p) => NAMES[p.id] ?? p.id));
      expect((await searchProducts(db, "P0", { limit: 3 })).map((p) => p.name)).toEqual([
        NAMES.P00,
        NAMES.P01,
        NAMES.P02,
      ]);
    });

    it("searches names: prefix matches first, then names containing the text, case- and accent-insensitively", async () => {
      const names = async (text: string, options?: { limit?: number; offset?: number }) =>
        (await searchProductsByName(db, text, options)).map((p) => p.name);
      // Prefix group ("milk…", by key), then the contains group (by key).
      const milk = [NAMES.P01, NAMES.P06, NAMES.P04, NAMES.P05, NAMES.P00];
      expect(await names("MILK")).toEqual(milk);
      expect(await names("  milk ")).toEqual(milk);
      for (const [limit, offset] of [
        [1, 0],
        [2, 1],
        [3, 2],
        [2, 3],
        [5, 4],
        [2, 5],
      ] as const) {
        expect(await names("milk", { limit, offset }), `limit ${limit} offset ${offset}`).toEqual(
          milk.slice(offset, offset + limit),
        );
      }
      expect(await names("creme")).toEqual([NAMES.P03, NAMES.P02]);
      expect(await names("FRAÎCHE")).toEqual([NAMES.P02]);
      expect(await names("100%")).toEqual([NAMES.P05]); // LIKE wildcards are literal
      expect(await names("e_m")).toEqual([NAMES.P06]);
      expect(await names("water lemon")).toEqual([NAMES.P07]); // the tab is a space to search
      expect(await names("P2")).toEqual([
        "P20",
        "P21",
        "P22",
        "P23",
        "P24",
        "P25",
        "P26",
        "P27",
        "P28",
        "P29",
      ]);
      expect(await names("")).toEqual([]);
      expect(await names("no such thing")).toEqual([]);
    });

    it("searches the active run only; a run loaded without a catalog matches ids", async () => {
      await activateRun(db, PLAIN.runId);
      try {
        expect(await searchProductsByName(db, "milk")).toEqual([]);
        expect((await searchProductsByName(db, "p0", { limit: 2 })).map((p) => [p.id, p.name])).toEqual([
          ["P00", "P00"],
          ["P01", "P01"],
        ]);
        expect((await productInfo(db, "P00"))?.name).toBe("P00");
      } finally {
        await activateRun(db, NAMED.runId);
      }
    });

    it("serves the name prefix from the search key index, in a generic plan too (EXPLAIN)", async () => {
      const text = readStatements(db.schema).namePrefix.text;
      const plan = await db.kysely.transaction().execute(async (trx) => {
        // Tiny test tables make a seq scan cheapest; forbid it to prove the index path exists.
        await sql`SET LOCAL enable_seqscan = off`.execute(trx);
        await sql`SET LOCAL plan_cache_mode = force_generic_plan`.execute(trx);
        await sql.raw(`PREPARE cobuy_name_prefix_plan AS ${text}`).execute(trx);
        const args = [sql.lit(NAMED.runId), sql.lit("milk"), sql.lit("milk\u{10FFFF}")];
        const rows = await sql<{
          "QUERY PLAN": string;
        }>`EXPLAIN EXECUTE cobuy_name_prefix_plan(${sql.join(args)}, 20, 0)`.execute(trx);
        await sql`DEALLOCATE cobuy_name_prefix_plan`.execute(trx);
        return rows.rows.map((r) => r["QUERY PLAN"]).join("\n");
      });
      expect(plan, plan).toMatch(/Index (Only )?Scan using products_r\d+_run_key_search_key/);
      expect(plan, plan).toMatch(/search_key >= \$2/);
    });

    it("keys are lower case, unaccented, single-spaced and cut to SEARCH_KEY_CHARS characters", () => {
      expect(searchKey("  Crème\u00a0 Fraîche ")).toBe("creme fraiche");
      expect(searchKey("ＭＩＬＫ")).toBe("milk");
      const long = searchKey("ä".repeat(SEARCH_KEY_CHARS + 50));
      expect(long).toBe("a".repeat(SEARCH_KEY_CHARS));
      expect(Array.from(searchKey("😀".repeat(SEARCH_KEY_CHARS + 1)))).toHaveLength(SEARCH_KEY_CHARS);
    });

    it("refuses a name or extra value holding NUL at file:line:column, before anything commits", async () => {
      for (const [field, value] of [
        ["name", "bad\u0000name"],
        ["extra", { url: "x\u0000" }],
        ["name", 12],
        ["extra", ["a"]],
      ] as const) {
        const run = makeRun(`2025-04-0${field === "name" ? 3 : 4}_00-00-00`, { seed: 1 });
        Object.assign(run.products!.P05!, { [field]: value });
        const dir = await writeRunDir(root, run, { rich: richJson(run) });
        await expect(loadRun(db, dir)).rejects.toMatchObject({
          code: "COBUY_PG_FORMAT",
          message: expect.stringMatching(/recs\.rich\.json:\d+:\d+: .*(NUL|"name" must be|"extra" must be)/),
        });
        await rm(dir, { recursive: true, force: true });
      }
      expect((await similarProducts(db, "P00"))?.runId).toBe(NAMED.runId);
    });
  });
}
