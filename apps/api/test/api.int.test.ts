/**
 * The API contract, on real PostgreSQL and on PGlite: runs built by @cobuy/pipeline, loaded and
 * activated by @cobuy/pg-loader; every answer is checked against the run's own documents.
 */
import { describeOnBackend, PG_BACKEND_KINDS } from "@cobuy/test-utils";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, pgLoaderSource, type RecommendationSource } from "../src/index.js";
import { type Backend, expectedSimilar, openBackend, type RunDocs } from "./helpers/fixture.js";

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `API on ${kind}`, () => {
    let backend: Backend;
    let app: FastifyInstance;
    let run: RunDocs;
    let run2: RunDocs;

    beforeAll(async () => {
      backend = await openBackend(kind);
      run = await backend.loadRun({ seed: 1, runId: "2025-01-01_00-00-00" });
      app = await createApp({ db: backend.db, runCheckIntervalMs: 0, publicDir: false });
    });
    afterAll(async () => {
      await app?.close();
      await backend?.stop();
    });

    const get = (url: string, headers: Record<string, string> = {}) =>
      app.inject({ method: "GET", url, headers });
    const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: "POST", url, payload: payload as object, headers });

    it("healthz and readyz answer 200 with the active run", async () => {
      const h = await get("/healthz");
      expect(h.statusCode).toBe(200);
      expect(h.json()).toEqual({ status: "ok" });
      const r = await get("/readyz");
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ status: "ready", runId: run.runId, database: "up" });
    });

    it("GET /v1/runs/active reports the run, its counts and the per-category validation", async () => {
      const res = await get("/v1/runs/active");
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.runId).toBe(run.runId);
      expect(body.counts).toMatchObject(run.rich.counts);
      expect(body.validation.overall).toEqual(run.validation.overall);
      expect(body.validation.byCategory).toEqual(run.validation.byCategory);
      expect(typeof body.createdAt).toBe("string");
      expect(body.productStats).toBe("document");
      expect(res.headers.etag).toBe(`"${run.runId}"`);
    });

    it("GET /similar equals the run's recs.rich.json list for every product, with categories", async () => {
      let nonEmpty = 0;
      for (const id of Object.keys(run.rich.recs)) {
        const res = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=100`);
        expect(res.statusCode, id).toBe(200);
        const body = res.json();
        expect(body.productId).toBe(id);
        expect(body.runId).toBe(run.runId);
        expect(body.category).toBe(run.categories.get(id) ?? null);
        const want = expectedSimilar(run, id, 100);
        expect(body.items.map((i: { id: string }) => i.id)).toEqual(want.map((i) => i.id));
        body.items.forEach((item: { score: number; support: number; category: string }, n: number) => {
          expect(item.score).toBeCloseTo(want[n]!.score, 12);
          expect(item.support).toBe(want[n]!.support);
          expect(item.category).toBe(want[n]!.category);
        });
        if (want.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(10);
    });

    it("k cuts the list; category filters it", async () => {
      const id = run.richest;
      const full = expectedSimilar(run, id, 100);
      const res = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=2`);
      expect(res.json().items.map((i: { id: string }) => i.id)).toEqual(full.slice(0, 2).map((i) => i.id));
      const cat = full[full.length - 1]!.category!;
      const filtered = await get(
        `/v1/products/${encodeURIComponent(id)}/similar?k=100&category=${encodeURIComponent(cat)}`,
      );
      expect(filtered.json().items.map((i: { id: string }) => i.id)).toEqual(
        full.filter((i) => i.category === cat).map((i) => i.id),
      );
      const defaultK = await get(`/v1/products/${encodeURIComponent(id)}/similar`);
      expect(defaultK.json().items.length).toBe(Math.min(10, full.length));
    });

    it("backfill=category fills short lists with the category's most popular products, marked", async () => {
      const id = run.richest;
      const category = run.categories.get(id)!;
      const stored = expectedSimilar(run, id, 100);
      const k = stored.length + 3;
      const res = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=${k}&backfill=category`);
      const items = res.json().items as { id: string; reason?: string; category: string; score: number }[];
      expect(items).toHaveLength(k);
      expect(items.slice(0, stored.length).map((i) => i.id)).toEqual(stored.map((i) => i.id));
      const fill = items.slice(stored.length);
      expect(fill.every((i) => i.reason === "backfill" && i.category === category && i.score === 0)).toBe(
        true,
      );
      const popular = run.popularIn(category).filter((p) => p !== id && !stored.some((s) => s.id === p));
      expect(fill.map((i) => i.id)).toEqual(popular.slice(0, 3));
      const plain = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=${k}`);
      expect(plain.json().items.some((i: { reason?: string }) => i.reason)).toBe(false);
    });

    it("a product without recommendations answers an empty list, or a full backfilled one", async () => {
      const lonely = run.lonely;
      expect(lonely, "fixture has a product without recommendations").toBeDefined();
      const res = await get(`/v1/products/${encodeURIComponent(lonely!)}/similar?k=3`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual([]);
      const filled = await get(`/v1/products/${encodeURIComponent(lonely!)}/similar?k=3&backfill=category`);
      expect(filled.json().items.map((i: { reason: string }) => i.reason)).toEqual([
        "backfill",
        "backfill",
        "backfill",
      ]);
    });

    it("ETag is the run id; If-None-Match answers 304 without a body; errors are no-store", async () => {
      const url = `/v1/products/${encodeURIComponent(run.richest)}/similar?k=3`;
      const first = await get(url);
      expect(first.headers.etag).toBe(`"${run.runId}"`);
      expect(first.headers["cache-control"]).toMatch(/^public, max-age=\d+/);
      const again = await get(url, { "if-none-match": `W/"x", "${run.runId}"` });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe("");
      const stale = await get(url, { "if-none-match": '"1999-01-01_00-00-00"' });
      expect(stale.statusCode).toBe(200);
      const missing = await get("/v1/products/no-such-product/similar");
      expect(missing.headers["cache-control"]).toBe("no-store");
      expect(missing.headers.etag).toBeUndefined();
    });

    it("errors have one JSON shape: 404 unknown product, 400 bad k / id / parameters, 404 route", async () => {
      const shape = (res: { json(): unknown }, status: number, code: string) => {
        expect(res.json()).toEqual({
          error: { code, message: expect.any(String), statusCode: status, requestId: expect.any(String) },
        });
      };
      const notFound = await get("/v1/products/no-such-product/similar");
      expect(notFound.statusCode).toBe(404);
      shape(notFound, 404, "COBUY_API_PRODUCT_NOT_FOUND");
      expect(notFound.json().error.message).toContain("no-such-product");
      for (const bad of ["k=0", "k=101", "k=abc", "k=1.5", "category=", "backfill=brand", "x=1"]) {
        const res = await get(`/v1/products/${encodeURIComponent(run.richest)}/similar?${bad}`);
        expect(res.statusCode, bad).toBe(400);
        shape(res, 400, "COBUY_API_INVALID_REQUEST");
      }
      const longId = await get(`/v1/products/${"x".repeat(129)}/similar`);
      expect(longId.statusCode).toBe(400);
      shape(longId, 400, "COBUY_API_INVALID_REQUEST");
      const accented = await get(`/v1/products/${"%C3%A9".repeat(129)}/similar`);
      expect(accented.statusCode).toBe(400);
      const huge = await get(`/v1/products/${"y".repeat(5000)}/similar`);
      expect([400, 404]).toContain(huge.statusCode);
      expect(huge.json().error.code).toMatch(/^(COBUY_API_INVALID_REQUEST|COBUY_API_ROUTE_NOT_FOUND)$/);
      const control = await get("/v1/products/a%00b/similar");
      expect(control.statusCode).toBe(400);
      const badEscape = await get("/v1/products/%E0%A4%A/similar");
      expect(badEscape.statusCode).toBe(400);
      shape(badEscape, 400, "COBUY_API_INVALID_REQUEST");
      const route = await get("/v2/nothing");
      expect(route.statusCode).toBe(404);
      shape(route, 404, "COBUY_API_ROUTE_NOT_FOUND");
    });

    it("POST /v1/similar sums scores over the cart and excludes the cart's products", async () => {
      const cart = run.cart;
      const res = await post("/v1/similar", { ids: [...cart, "no-such-product"], k: 100 });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.ids).toEqual(cart);
      expect(body.unknownIds).toEqual(["no-such-product"]);
      expect(body.runId).toBe(run.runId);
      const sums = new Map<string, { score: number; support: number }>();
      for (const id of cart) {
        for (const r of expectedSimilar(run, id, 100)) {
          if (cart.includes(r.id)) continue;
          const s = sums.get(r.id) ?? { score: 0, support: 0 };
          s.score += r.score;
          s.support += r.support;
          sums.set(r.id, s);
        }
      }
      const want = [...sums.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
      expect(body.items.length).toBe(want.length);
      body.items.forEach(
        (item: { id: string; score: number; support: number; category: string }, n: number) => {
          expect(item.score).toBeCloseTo(want[n]![1].score, 9);
          expect(item.support).toBe(sums.get(item.id)!.support);
          expect(item.category).toBe(run.categories.get(item.id) ?? null);
          expect(cart).not.toContain(item.id);
        },
      );
      const top3 = await post("/v1/similar", { ids: cart, k: 3 });
      expect(top3.json().items).toEqual(body.items.slice(0, 3));
    });

    it("POST /v1/similar rejects bad carts with the error shape", async () => {
      expect((await post("/v1/similar", { ids: ["nope1", "nope2"] })).statusCode).toBe(404);
      expect((await post("/v1/similar", { ids: [] })).statusCode).toBe(400);
      expect(
        (await post("/v1/similar", { ids: Array.from({ length: 51 }, (_, i) => `P${i}`) })).statusCode,
      ).toBe(400);
      expect((await post("/v1/similar", { ids: [run.richest], k: 0 })).statusCode).toBe(400);
      expect((await post("/v1/similar", { ids: [run.richest], extra: 1 })).statusCode).toBe(400);
      expect((await post("/v1/similar", { ids: ["x".repeat(129)] })).statusCode).toBe(400);
      const badJson = await app.inject({
        method: "POST",
        url: "/v1/similar",
        payload: "{not json",
        headers: { "content-type": "application/json" },
      });
      expect(badJson.statusCode).toBe(400);
      expect(badJson.json().error.code).toBe("COBUY_API_INVALID_REQUEST");
      const text = await app.inject({
        method: "POST",
        url: "/v1/similar",
        payload: "<ids/>",
        headers: { "content-type": "application/xml" },
      });
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe("COBUY_API_UNSUPPORTED_MEDIA_TYPE");
      const big = await post("/v1/similar", { ids: [run.richest], pad: "x".repeat(20_000) });
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe("COBUY_API_PAYLOAD_TOO_LARGE");
    });

    it("GET /v1/products pages through the ids with a prefix, in byte order", async () => {
      const prefix = run.searchPrefix;
      const want = Object.keys(run.rich.recs)
        .filter((id) => id.startsWith(prefix))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(want.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const res = await get(`/v1/products?query=${encodeURIComponent(prefix)}&limit=3&offset=${offset}`);
        expect(res.statusCode).toBe(200);
        const body = res.json();
        expect(body.items.length).toBeLessThanOrEqual(3);
        for (const item of body.items) {
          seen.push(item.id);
          expect(item.category).toBe(run.categories.get(item.id) ?? null);
        }
        offset = body.nextOffset;
      }
      expect(seen).toEqual(want);
      const none = await get("/v1/products?query=%E2%98%83nothing");
      expect(none.json()).toMatchObject({ items: [], nextOffset: null });
      const all = await get("/v1/products?limit=100");
      expect(all.json().items.length).toBe(Math.min(100, Object.keys(run.rich.recs).length));
      expect((await get("/v1/products?limit=0")).statusCode).toBe(400);
      expect((await get(`/v1/products?query=${"x".repeat(129)}`)).statusCode).toBe(400);
    });

    it("concurrent cache misses for one product share one database read", async () => {
      const real = pgLoaderSource(backend.db);
      let reads = 0;
      const counting: RecommendationSource = {
        ...real,
        similar: (id) => {
          reads++;
          return real.similar(id);
        },
      };
      const solo = await createApp({ source: counting, publicDir: false, cacheEntries: 0 });
      const url = `/v1/products/${encodeURIComponent(run.richest)}/similar`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => solo.inject(url)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((a) => a.body)).size).toBe(1);
      expect(reads).toBe(1);
      await solo.inject(url);
      expect(reads).toBe(2); // no cache: the next request reads again
      await solo.close();
    });

    it("serves /openapi.json describing every route", async () => {
      const res = await get("/openapi.json");
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe("3.1.0");
      expect(Object.keys(doc.paths).sort()).toEqual(
        [
          "/healthz",
          "/readyz",
          "/v1/products",
          "/v1/products/{id}/similar",
          "/v1/runs/active",
          "/v1/runs/active/diff",
          "/v1/similar",
        ].sort(),
      );
      const similar = doc.paths["/v1/products/{id}/similar"].get;
      expect(similar.parameters.map((p: { name: string }) => p.name)).toEqual([
        "id",
        "k",
        "category",
        "backfill",
      ]);
      expect(Object.keys(similar.responses)).toEqual(
        expect.arrayContaining(["200", "304", "400", "404", "503"]),
      );
      expect(doc.paths["/v1/similar"].post.requestBody).toBeDefined();
    });

    it("a new active run drops the cache and changes ETags", async () => {
      const id = run.richest;
      const before = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=100`);
      expect(before.json().runId).toBe(run.runId);
      run2 = await backend.loadRun({ seed: 2, runId: "2025-01-02_00-00-00" });
      const after = await get(`/v1/products/${encodeURIComponent(id)}/similar?k=100`);
      expect(after.headers.etag).toBe(`"${run2.runId}"`);
      if (run2.rich.recs[id]) {
        expect(after.statusCode).toBe(200);
        expect(after.json().items.map((i: { id: string }) => i.id)).toEqual(
          expectedSimilar(run2, id, 100).map((i) => i.id),
        );
      }
      const cond = await get(`/v1/products/${encodeURIComponent(run2.richest)}/similar`, {
        "if-none-match": `"${run.runId}"`,
      });
      expect(cond.statusCode).toBe(200);
      expect((await get("/v1/runs/active")).json().runId).toBe(run2.runId);
      await backend.activate(run.runId);
      expect((await get("/v1/runs/active")).json().runId).toBe(run.runId);
      expect((await get(`/v1/products/${encodeURIComponent(id)}/similar?k=100`)).json().runId).toBe(
        run.runId,
      );
    });
  });
}
