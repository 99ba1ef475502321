/**
 * Catalog names through the API, on real PostgreSQL and on PGlite: a run built by @cobuy/pipeline
 * with a catalog CSV (`readCatalog` → `writeDocuments({ catalog })`), loaded by @cobuy/pg-loader.
 * Similar-product answers carry the names and extra columns of the product and of every item; `q`
 * searches names. Every answer is checked against the run's own recs.rich.json.
 */
import { searchKey } from "@cobuy/pg-loader";
import { describeOnBackend, PG_BACKEND_KINDS } from "@cobuy/test-utils";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Backend, expectedSimilar, openBackend, type RunDocs } from "./helpers/fixture.js";

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `API names on ${kind}`, () => {
    let backend: Backend;
    let app: FastifyInstance;
    let run: RunDocs;

    beforeAll(async () => {
      backend = await openBackend(kind);
      run = await backend.loadRun({ seed: 3, runId: "2025-02-01_00-00-00", catalog: true });
      app = await createApp({ db: backend.db, runCheckIntervalMs: 0, publicDir: false });
    });
    afterAll(async () => {
      await app?.close();
      await backend?.stop();
    });

    const get = (url: string) => app.inject({ method: "GET", url });
    const nameOf = (id: string) => run.rich.products?.[id]?.name ?? id;
    const extraOf = (id: string) => run.rich.products?.[id]?.extra ?? null;

    /** What a name search must answer: prefix matches, then the others containing the text, each by key then id. */
    const expectedByName = (text: string) => {
      const key = searchKey(text);
      const all = Object.keys(run.rich.products!).map((id) => ({ id, key: searchKey(nameOf(id)) }));
      const order = (a: { id: string; key: string }, b: { id: string; key: string }) =>
        byteOrder(a.key, b.key) || byteOrder(a.id, b.id);
      const prefix = all.filter((p) => p.key.startsWith(key)).sort(order);
      const inside = all.filter((p) => !p.key.startsWith(key) && p.key.includes(key)).sort(order);
      return [...prefix, ...inside].map((p) => p.id);
    };

    it("the fixture has named products, products without a catalog row and an unknown catalog id", () => {
      const products = Object.values(run.rich.products!);
      expect(products.filter((p) => p.name !== undefined).length).toBeGreaterThan(100);
      expect(products.filter((p) => p.name === undefined).length).toBeGreaterThan(20);
      expect(run.rich.counts.catalogUnknownIds).toBe(1);
    });

    it("GET /similar carries the name and extra of the product and of every item", async () => {
      let named = 0;
      for (const id of Object.keys(run.rich.recs).slice(0, 80)) {
        const res = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=100`);
        expect(res.statusCode, id).toBe(200);
        const body = res.json();
        expect([body.name, body.extra]).toEqual([nameOf(id), extraOf(id)]);
        const want = expectedSimilar(run, id, 100);
        expect(
          body.items.map((i: { id: string; name: string; extra: unknown }) => [i.id, i.name, i.extra]),
        ).toEqual(want.map((i) => [i.id, nameOf(i.id), extraOf(i.id)]));
        if (body.name !== id) named++;
      }
      expect(named).toBeGreaterThan(40);
      // Backfill items and cart answers carry names too.
      const lonely = run.lonely!;
      const filled = await get(`/v1/products/${encodeURIComponent(lonely)}/similar?k=4&backfill=category`);
      for (const item of filled.json().items) expect(item.name).toBe(nameOf(item.id));
      const cart = await app.inject({
        method: "POST",
        url: "/v1/similar",
        payload: { ids: run.cart, k: 20 },
      });
      expect(cart.statusCode).toBe(200);
      for (const item of cart.json().items) {
        expect([item.name, item.extra]).toEqual([nameOf(item.id), extraOf(item.id)]);
      }
    });

    it("GET /v1/products?q= finds products by name: prefix first, then containing, case-insensitive, paged", async () => {
      for (const text of ["milk", "CRÈME", "organic whole", "Tea"]) {
        const want = expectedByName(text);
        expect(want.length, text).toBeGreaterThan(3);
        const seen: string[] = [];
        let offset: number | null = 0;
        while (offset !== null) {
          const res = await get(`/v1/products?q=${encodeURIComponent(text)}&limit=7&offset=${offset}`);
          expect(res.statusCode).toBe(200);
          const body = res.json();
          expect(body).toMatchObject({ query: text, by: "name", runId: run.runId });
          for (const item of body.items) {
            expect([item.name, item.extra, item.category]).toEqual([
              nameOf(item.id),
              extraOf(item.id),
              run.categories.get(item.id) ?? null,
            ]);
            seen.push(item.id);
          }
          offset = body.nextOffset;
        }
        expect(seen, text).toEqual(want);
      }
      // A product without a catalog row is found by its id, which is its name.
      const unnamed = Object.keys(run.rich.products!).find(
        (id) => run.rich.products![id]!.name === undefined,
      )!;
      const byId = await get(`/v1/products?q=${encodeURIComponent(unnamed)}`);
      expect(byId.json().items[0]).toMatchObject({ id: unnamed, name: unnamed, extra: null });
      expect((await get("/v1/products?q=never%20sold")).json().items).toEqual([]); // catalog only
      expect((await get("/v1/products?q=milk&query=P")).statusCode).toBe(400);
      expect((await get(`/v1/products?q=${"x".repeat(201)}`)).statusCode).toBe(400);
      // The id prefix search is unchanged, with names.
      const ids = await get("/v1/products?query=&limit=3");
      expect(ids.json().by).toBe("id");
      for (const item of ids.json().items) expect(item.name).toBe(nameOf(item.id));
    });

    it("/openapi.json documents q, name and extra", async () => {
      const doc = (await get("/openapi.json")).json();
      const search = doc.paths["/v1/products"].get;
      expect(search.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(["q", "query", "limit", "offset"]),
      );
      const similar =
        doc.paths["/v1/products/{id}/similar"].get.responses["200"].content["application/json"].schema;
      expect(similar.required).toEqual(expect.arrayContaining(["name", "extra"]));
      expect(similar.properties.items.items.required).toEqual(expect.arrayContaining(["name", "extra"]));
    });
  });
}
