/**
 * `GET /v1/runs/active/diff` on real PostgreSQL and on PGlite: two runs built by @cobuy/pipeline
 * (the same sample, the second on fewer orders) loaded by @cobuy/pg-loader; the answer is the
 * RunDiff that @cobuy/pipeline/diff computes from the two runs' own documents, cached per run pair
 * and dropped when the active run changes.
 */
import { diffRuns, runListsFromRich } from "@cobuy/pipeline/diff";
import { describeOnBackend, PG_BACKEND_KINDS } from "@cobuy/test-utils";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, pgLoaderSource, type RecommendationSource } from "../src/index.js";
import { type Backend, openBackend, type RunDocs } from "./helpers/fixture.js";

/** What the endpoint must answer for the pair, as JSON. */
function expectedDiff(before: RunDocs, after: RunDocs, options: { k?: number; mostChanged?: number } = {}) {
  // The fixture's documents are recs.rich.json as parsed, typed loosely.
  type Rich = Parameters<typeof runListsFromRich>[0];
  const lists = (run: RunDocs) =>
    runListsFromRich({ runId: run.runId, ...run.rich } as Rich, { validation: run.validation });
  return JSON.parse(JSON.stringify(diffRuns(lists(before), lists(after), options)));
}

for (const kind of PG_BACKEND_KINDS) {
  describeOnBackend(kind, `GET /v1/runs/active/diff on ${kind}`, () => {
    let backend: Backend;
    let app: FastifyInstance;
    let monday: RunDocs;
    let tuesday: RunDocs;
    const get = (url: string, headers: Record<string, string> = {}) =>
      app.inject({ method: "GET", url, headers });

    beforeAll(async () => {
      backend = await openBackend(kind);
      monday = await backend.loadRun({ seed: 1, runId: "2025-02-03_00-00-00", orders: 700 });
      app = await createApp({ db: backend.db, runCheckIntervalMs: 0, publicDir: false });
    });
    afterAll(async () => {
      await app?.close();
      await backend?.stop();
    });

    it("answers 404 with the error shape while no run was active before the active one", async () => {
      const res = await get("/v1/runs/active/diff");
      expect(res.statusCode).toBe(404);
      expect(res.headers["cache-control"]).toBe("no-store");
      expect(res.json().error).toMatchObject({
        code: "COBUY_API_NO_PREVIOUS_RUN",
        statusCode: 404,
        message: expect.stringContaining(`active run ${monday.runId}: nothing to compare with`),
      });
    });

    it("is the RunDiff of the active run against the one active before it", async () => {
      tuesday = await backend.loadRun({ seed: 1, runId: "2025-02-04_00-00-00", orders: 560 });
      const res = await get("/v1/runs/active/diff");
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toEqual(expectedDiff(monday, tuesday));
      expect([body.before.runId, body.after.runId]).toEqual([monday.runId, tuesday.runId]);
      expect(body.ordersRatio).toBeCloseTo(560 / 700, 12);
      expect(body.rbo.min).toBeLessThan(1);
      expect(body.metrics["classic.share"].before).toBe(monday.validation.overall.share);
      const etag = `"${monday.runId}..${tuesday.runId}"`;
      expect(res.headers.etag).toBe(etag);
      expect(res.headers["cache-control"]).toMatch(/^public, max-age=\d+/);
      const again = await get("/v1/runs/active/diff", { "if-none-match": etag });
      expect([again.statusCode, again.body]).toEqual([304, ""]);
    });

    it("takes k, limit and another run to compare with; rejects what it cannot answer", async () => {
      const cut = await get("/v1/runs/active/diff?k=3&limit=4");
      expect(cut.json()).toEqual(expectedDiff(monday, tuesday, { k: 3, mostChanged: 4 }));
      expect(cut.json().mostChanged).toHaveLength(4);
      const self = await get(`/v1/runs/active/diff?against=${tuesday.runId}`);
      expect(self.json()).toMatchObject({
        top1Churn: 0,
        products: { added: 0, dropped: 0 },
        mostChanged: [],
      });
      const unknown = await get("/v1/runs/active/diff?against=2031-01-01_00-00-00");
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error).toMatchObject({
        code: "COBUY_API_RUN_NOT_FOUND",
        message: expect.stringContaining('run "2031-01-01_00-00-00" is not loaded'),
      });
      for (const bad of ["k=0", "k=1001", "limit=-1", "limit=abc", "against=", "other=1"]) {
        const res = await get(`/v1/runs/active/diff?${bad}`);
        expect(res.statusCode, bad).toBe(400);
        expect(res.json().error.code, bad).toBe("COBUY_API_INVALID_REQUEST");
      }
    });

    it("reads the two runs once per pair, shared by concurrent requests, until the active run changes", async () => {
      const real = pgLoaderSource(backend.db);
      const reads: string[] = [];
      const counting: RecommendationSource = {
        ...real,
        runLists: (runId) => {
          reads.push(runId);
          return real.runLists(runId);
        },
      };
      const solo = await createApp({ source: counting, publicDir: false, runCheckIntervalMs: 0 });
      try {
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => solo.inject("/v1/runs/active/diff")),
        );
        expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
        expect(new Set(answers.map((a) => a.body)).size).toBe(1);
        expect((await solo.inject("/v1/runs/active/diff")).statusCode).toBe(200);
        expect(reads.sort()).toEqual([monday.runId, tuesday.runId]);
        // A rollback: the active run is Monday's again, and Tuesday's run the one before it.
        await backend.activate(monday.runId);
        const back = await solo.inject("/v1/runs/active/diff");
        expect(back.json()).toEqual(expectedDiff(tuesday, monday));
        expect(back.headers.etag).toBe(`"${tuesday.runId}..${monday.runId}"`);
        expect(reads).toHaveLength(4);
      } finally {
        await solo.close();
      }
    });

    it("is described in /openapi.json", async () => {
      const doc = (await get("/openapi.json")).json();
      const op = doc.paths["/v1/runs/active/diff"].get;
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(["against", "k", "limit"]);
      expect(Object.keys(op.responses).sort()).toEqual(["200", "304", "400", "404", "503"]);
      expect(op.responses["200"].content["application/json"].schema.required).toContain("mostChanged");
    });
  });
}
