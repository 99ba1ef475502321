// `cobuy runs diff --db` through the built binary: two real builds (a generated sample, and the
// same sample without its last tenth of orders) loaded into the embedded PGlite ($COBUY_HOME/pglite)
// and into a fresh PostgreSQL database (DATABASE_URL) give the very document the folder form gives;
// the default pair follows activations (a rollback included).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestPgDatabase, requirePostgres, type TestPgDatabase } from "@cobuy/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolatedEnv, lastJson, runCobuy, writeSample } from "./helpers/cli.js";

const withPostgres = requirePostgres("cobuy runs diff --db on postgres");
let pgdb: TestPgDatabase;
let work: string;
let fullDir: string;
let lessDir: string;
let fullRunId: string;
let lessRunId: string;
/** `runs diff FULL LESS --json` over the two build folders: what the database form must give. */
// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON summary
let folderDiff: Record<string, any>;

const cobuy = (args: string[], env: Record<string, string> = {}) =>
  runCobuy(args, work, { ...isolatedEnv(work), ...env });

async function build(input: string, out: string): Promise<string> {
  const r = await cobuy(["build", "--input", input, "--out", out, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return lastJson(r.stdout).runId as string;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cobuy-runs-diff-db-"));
  if (withPostgres) pgdb = await createTestPgDatabase("cobuy_runs_diff");
  const sales = join(work, "sales.csv");
  await writeSample(cobuy, sales);
  const [header, ...rows] = readFileSync(sales, "utf8").trim().split("\n");
  const orders = [...new Set(rows.map((r) => r.split(",")[0] as string))];
  const kept = new Set(orders.slice(0, Math.floor(orders.length * 0.9)));
  const less = join(work, "sales-less.csv");
  writeFileSync(less, `${[header, ...rows.filter((r) => kept.has(r.split(",")[0] as string))].join("\n")}\n`);
  fullDir = join(work, "full");
  lessDir = join(work, "less");
  fullRunId = await build(sales, fullDir);
  lessRunId = await build(less, lessDir);
  const r = await cobuy(["runs", "diff", fullDir, lessDir, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  folderDiff = lastJson(r.stdout);
}, 120_000);

afterAll(async () => {
  await pgdb?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

for (const kind of ["pglite", "postgres"] as const) {
  describe.runIf(kind === "pglite" || withPostgres)(`cobuy runs diff --db on ${kind}`, () => {
    const dbEnv = (): Record<string, string> =>
      kind === "postgres" ? { DATABASE_URL: pgdb.connectionString } : {};
    const diffDb = (args: string[]) => cobuy(["runs", "diff", "--db", ...args], dbEnv());

    it("says what is missing while only one run was ever active", async () => {
      expect((await cobuy(["load", fullDir, "--json"], dbEnv())).code).toBe(0);
      const r = await diffDb([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no loaded run that was active before ${fullRunId}`);
    });

    it("compares the active run with the one active before it: the folder form's document", async () => {
      expect((await cobuy(["load", lessDir, "--json"], dbEnv())).code).toBe(0);
      const r = await diffDb(["--json"]);
      expect(r.code, r.stderr).toBe(0);
      const d = lastJson(r.stdout);
      expect([d.before.runId, d.after.runId]).toEqual([fullRunId, lessRunId]);
      expect(d).toEqual(folderDiff);
      // The sample changed: the document is not trivially the same as a run against itself.
      expect(d.ordersRatio).toBeLessThan(1);
      expect(d.rbo.min).toBeLessThan(1);
      expect(d.metrics["classic.share"]).toBeDefined();

      const human = await diffDb([]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`runs diff: ${fullRunId} → ${lessRunId}`);
      expect(human.stdout).toMatch(/^classic\.share\s+\d\.\d{4}\s+\d\.\d{4}\s+[+-]\d\.\d{4}$/m);
    });

    it("follows a rollback, and takes one or two run ids", async () => {
      expect((await cobuy(["db", "activate", fullRunId], dbEnv())).code).toBe(0);
      const back = lastJson((await diffDb(["--json"])).stdout);
      expect([back.before.runId, back.after.runId]).toEqual([lessRunId, fullRunId]);
      expect(back.products).toEqual({
        ...folderDiff.products,
        added: folderDiff.products.dropped,
        dropped: folderDiff.products.added,
        ratio: 1 / folderDiff.products.ratio,
        addedExamples: folderDiff.products.droppedExamples,
        droppedExamples: folderDiff.products.addedExamples,
      });
      const one = lastJson((await diffDb([fullRunId, "--json"])).stdout);
      expect([one.before.runId, one.after.runId, one.top1Churn]).toEqual([fullRunId, fullRunId, 0]);
      const two = await diffDb([fullRunId, lessRunId, "--json"]);
      expect(lastJson(two.stdout)).toEqual(folderDiff);
    });

    it("names a run that is not loaded, and refuses store flags", async () => {
      const r = await diffDb(["2030-01-01_00-00-00", fullRunId]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('run "2030-01-01_00-00-00" is not loaded');
      const mixed = await diffDb(["--store", join(work, "store")]);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toContain("leave out --store");
    });
  });
}

describe("cobuy runs --db and --schema outside a database diff", () => {
  it("are usage errors", async () => {
    const list = await cobuy(["runs", "list", "--db"]);
    expect([list.code, list.stderr]).toEqual([2, expect.stringContaining("--db only applies")]);
    const schema = await cobuy(["runs", "diff", "--schema", "other"]);
    expect([schema.code, schema.stderr]).toEqual([2, expect.stringContaining("--schema only applies")]);
  });
});
