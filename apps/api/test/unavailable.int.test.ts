/**
 * Failure modes against real databases: nothing loaded yet, a server that refuses connections,
 * connections killed under the app, a closed PGlite. The process keeps answering throughout.
 */
import { type CobuyDb, migrate, openDatabase } from "@cobuy/pg-loader";
import {
  createTestPgDatabase,
  describeOnBackend,
  describeWithPostgres,
  PG_BACKEND_KINDS,
  type TestPgDatabase,
} from "@cobuy/test-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Backend, openBackend, type RunDocs } from "./helpers/fixture.js";

const errorOf = (res: { json(): unknown }) =>
  (res.json() as { error: { code: string; statusCode: number } }).error;

describeWithPostgres("no run loaded yet", () => {
  let pg: TestPgDatabase;
  let db: CobuyDb;
  beforeAll(async () => {
    pg = await createTestPgDatabase("cobuy_api_t");
    db = await openDatabase({ connectionString: pg.connectionString, poolSize: 2 });
    const { error } = await migrate(db);
    if (error) throw error;
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
  });

  it("answers 503 COBUY_API_NO_ACTIVE_RUN for recommendations, 404 for the run, 200 healthz, 503 readyz", async () => {
    const app = await createApp({ db, publicDir: false });
    const similar = await app.inject("/v1/products/P1/similar");
    expect(similar.statusCode).toBe(503);
    expect(errorOf(similar).code).toBe("COBUY_API_NO_ACTIVE_RUN");
    expect(
      (await app.inject({ method: "POST", url: "/v1/similar", payload: { ids: ["P1"] } })).statusCode,
    ).toBe(503);
    expect((await app.inject("/v1/products?query=P")).statusCode).toBe(503);
    const run = await app.inject("/v1/runs/active");
    expect(run.statusCode).toBe(404);
    expect(errorOf(run).code).toBe("COBUY_API_NO_ACTIVE_RUN");
    expect((await app.inject("/healthz")).statusCode).toBe(200);
    const ready = await app.inject("/readyz");
    expect(ready.statusCode).toBe(503);
    expect(errorOf(ready).code).toBe("COBUY_API_NO_ACTIVE_RUN");
    await app.close();
  });
});

describeWithPostgres("a database nothing was loaded into", () => {
  it("answers 503 COBUY_API_NO_ACTIVE_RUN (not 500) before the schema exists", async () => {
    const pg = await createTestPgDatabase("cobuy_api_t");
    const db = await openDatabase({ connectionString: pg.connectionString, poolSize: 1 });
    const app = await createApp({ db, publicDir: false });
    try {
      const similar = await app.inject("/v1/products/P1/similar");
      expect(similar.statusCode).toBe(503);
      expect(errorOf(similar).code).toBe("COBUY_API_NO_ACTIVE_RUN");
      expect((await app.inject("/v1/runs/active")).statusCode).toBe(404);
      expect((await app.inject("/healthz")).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
      await pg.drop();
    }
  });
});

describe("PostgreSQL refusing connections", () => {
  it("answers 503 COBUY_API_DATABASE_UNAVAILABLE on every data route and keeps serving", async () => {
    // Port 1 on loopback: nothing listens, the kernel refuses at once.
    const db = await openDatabase({ connectionString: "postgres://postgres@127.0.0.1:1/none", poolSize: 1 });
    const app = await createApp({ db, publicDir: false });
    try {
      // Alive (liveness) while the database is down; not ready.
      const alive = await app.inject("/healthz");
      expect(alive.statusCode).toBe(200);
      expect(alive.json()).toEqual({ status: "ok" });
      for (const url of ["/readyz", "/v1/runs/active", "/v1/products/P1/similar", "/v1/products?query=P"]) {
        const res = await app.inject(url);
        expect(res.statusCode, url).toBe(503);
        expect(errorOf(res), url).toMatchObject({ code: "COBUY_API_DATABASE_UNAVAILABLE", statusCode: 503 });
        expect(res.headers["cache-control"]).toBe("no-store");
      }
      const cart = await app.inject({ method: "POST", url: "/v1/similar", payload: { ids: ["P1"] } });
      expect(cart.statusCode).toBe(503);
      expect((await app.inject("/openapi.json")).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `database lost under a running app (${kind})`, () => {
    let backend: Backend;
    let run: RunDocs;
    beforeAll(async () => {
      backend = await openBackend(kind);
      run = await backend.loadRun({ seed: 3, runId: "2025-02-01_00-00-00" });
    });
    afterAll(async () => {
      await backend?.stop();
    });

    if (kind === "postgres") {
      it("shuts down gracefully: in-flight requests finish, new connections are refused", async () => {
        const app = await createApp({
          db: backend.db,
          publicDir: false,
          runCheckIntervalMs: 0,
          cacheEntries: 0,
        });
        const base = await app.listen({ port: 0, host: "127.0.0.1" });
        const url = `${base}/v1/products/${encodeURIComponent(run.richest)}/similar`;
        expect((await fetch(url)).status).toBe(200);
        // Hold the request inside the database: lock the active-run pointer it reads.
        const locker = new pg.Client({ connectionString: backend.connectionString });
        await locker.connect();
        await locker.query("BEGIN");
        await locker.query("LOCK TABLE cobuy.active_run IN ACCESS EXCLUSIVE MODE");
        const inflight = fetch(url);
        await new Promise((r) => setTimeout(r, 200));
        const closed = app.close();
        await new Promise((r) => setTimeout(r, 100));
        await expect(fetch(`${base}/healthz`)).rejects.toThrow();
        await locker.query("COMMIT");
        await locker.end();
        const res = await inflight;
        expect(res.status).toBe(200);
        expect(((await res.json()) as { runId: string }).runId).toBe(run.runId);
        await closed;
      });

      it("recovers after every connection is terminated by the server", async () => {
        const app = await createApp({
          db: backend.db,
          publicDir: false,
          runCheckIntervalMs: 0,
          cacheEntries: 0,
        });
        const url = `/v1/products/${encodeURIComponent(run.richest)}/similar`;
        expect((await app.inject(url)).statusCode).toBe(200);
        await backend.terminateConnections();
        // The pool may hand out a killed connection once: that request is a 503, never a crash.
        const during = await app.inject(url);
        expect([200, 503]).toContain(during.statusCode);
        if (during.statusCode === 503) expect(errorOf(during).code).toBe("COBUY_API_DATABASE_UNAVAILABLE");
        const after = await app.inject(url);
        expect(after.statusCode).toBe(200);
        await app.close();
      });
    }

    it("serves cached products while the database is gone, 503 for the rest", async () => {
      const app = await createApp({ db: backend.db, publicDir: false, runCheckIntervalMs: 60_000 });
      const warm = `/v1/products/${encodeURIComponent(run.richest)}/similar`;
      const first = await app.inject(warm);
      expect(first.statusCode).toBe(200);
      await backend.db.close();
      const cached = await app.inject(warm);
      expect(cached.statusCode).toBe(200);
      expect(cached.json()).toEqual(first.json());
      expect((await app.inject("/healthz")).statusCode).toBe(200);
      const ready = await app.inject("/readyz");
      expect(ready.statusCode).toBe(503);
      expect(errorOf(ready).code).toBe("COBUY_API_DATABASE_UNAVAILABLE");
      const cold = await app.inject(`/v1/products/${encodeURIComponent(run.lonely ?? "zzz")}/similar`);
      expect(cold.statusCode).toBe(503);
      expect(errorOf(cold).code).toBe("COBUY_API_DATABASE_UNAVAILABLE");
      await app.close();
    });

    it("answers from the cache, saying so, when the run check itself finds the database down", async () => {
      const other = await openBackend(kind);
      try {
        const loaded = await other.loadRun({ seed: 4, runId: "2025-02-02_00-00-00" });
        const app = await createApp({ db: other.db, publicDir: false, runCheckIntervalMs: 0 });
        const warm = `/v1/products/${encodeURIComponent(loaded.richest)}/similar`;
        const first = await app.inject(warm);
        expect(first.statusCode).toBe(200);
        expect(first.headers["x-cobuy-served-from-cache"]).toBeUndefined();
        await other.db.close();
        const cached = await app.inject(warm);
        expect(cached.statusCode).toBe(200);
        expect(cached.headers["x-cobuy-served-from-cache"]).toBe("database-unavailable");
        expect(cached.json()).toEqual(first.json());
        expect((await app.inject("/healthz")).statusCode).toBe(200);
        expect((await app.inject("/readyz")).statusCode).toBe(503);
        await app.close();
      } finally {
        await other.stop();
      }
    });
  });
}
