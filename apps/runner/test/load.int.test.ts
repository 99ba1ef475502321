// `cobuy load` / `cobuy db` through the built binary: a run published to s3rver is loaded into a
// fresh PostgreSQL database (DATABASE_URL) and into the embedded PGlite ($COBUY_HOME/pglite).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3Client, publishRun, S3Store } from "@cobuy/s3-export";
import {
  createTestPgDatabase,
  requirePostgres,
  type S3rverHandle,
  startS3rver,
  type TestPgDatabase,
} from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, s3rverEnv } from "./helpers/cli.js";

const RUNS = ["2026-08-01_00-00-00", "2026-08-02_00-00-00"];

let s3: S3rverHandle;
let pgdb: TestPgDatabase;
const withPostgres = requirePostgres("cobuy load/db into postgres");
let work: string;
let env: Record<string, string>;

const cobuy = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCobuy(args, work, { ...env, ...extraEnv });

function rich(runId: string, shift: number): string {
  const recs: Record<string, { id: string; score: number; support: number }[]> = {};
  const products: Record<string, { category: string; support: number }> = {};
  for (let i = 0; i < 20; i++) {
    const id = `P${String(i).padStart(2, "0")}`;
    recs[id] = [1, 2, 3].map((d) => ({
      id: `P${String((i + d + shift) % 20).padStart(2, "0")}`,
      score: 1 - d / 10,
      support: 4 - d,
    }));
    products[id] = { category: `C${i % 2}`, support: 10 + i };
  }
  return JSON.stringify({
    format: "cobuy.recs.v1",
    runId,
    createdAt: `${runId.slice(0, 10)}T00:00:00.000Z`,
    params: { k: 3 },
    counts: { products: 20 },
    recs,
    products,
  });
}

beforeAll(async () => {
  s3 = await startS3rver({ buckets: ["cobuy-load"] });
  if (withPostgres) pgdb = await createTestPgDatabase("cobuy_runner");
  work = mkdtempSync(join(tmpdir(), "cobuy-load-it-"));
  env = { ...s3rverEnv(s3), ...isolatedEnv(work) };
  const client = createS3Client({ endpoint: s3.endpoint, credentials: s3.credentials });
  const store = new S3Store({ client, bucket: "cobuy-load", prefix: "team/runs" });
  for (const [i, runId] of RUNS.entries()) {
    const dir = join(work, runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "recs.rich.json"), rich(runId, i));
    writeFileSync(
      join(dir, "validation.json"),
      JSON.stringify({ overall: { products: 20, sameCategory: 10, share: 0.5 }, byCategory: {} }),
    );
    await publishRun(store, {
      runId,
      files: ["recs.rich.json", "validation.json"].map((name) => ({ name, path: join(dir, name) })),
      counts: { products: 20 },
      gzip: true,
    });
  }
  client.destroy();
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  await pgdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const kind of ["postgres", "pglite"] as const) {
  describe.runIf(kind === "pglite" || withPostgres)(`cobuy load/db into ${kind}`, () => {
    const dbEnv = (): Record<string, string> =>
      kind === "postgres" ? { DATABASE_URL: pgdb.connectionString } : {};

    it("loads the latest run from s3:// (gzip, verified) and makes it active", async () => {
      const r = await cobuy(["load", "--store", "s3://cobuy-load/team/runs", "--json"], dbEnv());
      expect(r.code, r.stderr).toBe(0);
      expect(lastJson(r.stdout)).toMatchObject({
        ok: true,
        runId: RUNS[1],
        status: "loaded",
        active: true,
        recommendations: 60,
        products: 20,
        checksums: "verified",
        kind,
      });
      const again = await cobuy(["load", "--store", "s3://cobuy-load/team/runs", "--json"], dbEnv());
      expect(lastJson(again.stdout)).toMatchObject({ runId: RUNS[1], status: "unchanged" });
    });

    it("loads an older run by id without activating, activates it, queries, prunes", async () => {
      const r = await cobuy(
        ["load", "--store", "s3://cobuy-load/team/runs", "--run", RUNS[0]!, "--no-activate", "--json"],
        dbEnv(),
      );
      expect(lastJson(r.stdout)).toMatchObject({
        runId: RUNS[0],
        status: "loaded",
        active: false,
        previousActiveRunId: RUNS[1],
      });
      const act = await cobuy(["db", "activate", RUNS[0]!, "--json"], dbEnv());
      expect(lastJson(act.stdout)).toMatchObject({ runId: RUNS[0], previousActiveRunId: RUNS[1] });
      const sim = await cobuy(["db", "similar", "P00", "--k", "2", "--json"], dbEnv());
      expect(lastJson(sim.stdout)).toMatchObject({
        runId: RUNS[0],
        found: true,
        items: [
          { id: "P01", rank: 1, category: "C1" },
          { id: "P02", rank: 2 },
        ],
      });
      const human = await cobuy(["db", "similar", "P00"], dbEnv());
      expect(human.stdout).toContain("P01");
      const prune = await cobuy(["db", "prune", "--keep", "0", "--json"], dbEnv());
      expect(lastJson(prune.stdout)).toMatchObject({ pruned: [RUNS[1]], kept: [RUNS[0]] });
      const runs = await cobuy(["db", "runs", "--json"], dbEnv());
      expect(lastJson(runs.stdout).runs.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual(
        [
          [RUNS[1], "pruned"],
          [RUNS[0], "loaded"],
        ],
      );
    });

    it("fails cleanly on a run that does not exist, keeping the active run", async () => {
      const r = await cobuy(
        ["load", "--store", "s3://cobuy-load/team/runs", "--run", "2030-01-01_00-00-00"],
        dbEnv(),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/2030-01-01_00-00-00/);
      const act = await cobuy(["db", "activate", "nope"], dbEnv());
      expect(act.code).toBe(1);
      const sim = await cobuy(["db", "similar", "P00", "--json"], dbEnv());
      expect(lastJson(sim.stdout).runId).toBe(RUNS[0]);
    });
  });
}

it("rejects bad usage with exit code 2", async () => {
  expect((await cobuy(["load"])).code).toBe(2);
  expect((await cobuy(["load", "a", "--store", "x"])).code).toBe(2);
  expect((await cobuy(["db", "prune"])).code).toBe(2);
  expect((await cobuy(["db", "wat"])).code).toBe(2);
  expect((await cobuy(["db", "runs", "--schema", "Bad-Name"])).code).toBe(1);
});
