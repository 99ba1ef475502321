/**
 * PostgreSQL / PGlite test backends: a fresh database per test run on the real server (dropped
 * after), a fresh PGlite data folder (removed after), a loop that runs one suite on both, and the
 * guards that skip such suites (or fail them under CI) when no server answers.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe } from "vitest";
import { requireService } from "./services.js";

/**
 * Where the real server lives: COBUY_TEST_PG_URL (an admin URL to an existing db), else database
 * `test` as PGUSER (postgres) at PGHOST (127.0.0.1, or a socket folder) : PGPORT (5432).
 */
export function testServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COBUY_TEST_PG_URL) return env.COBUY_TEST_PG_URL;
  const user = encodeURIComponent(env.PGUSER || "postgres");
  const host = encodeURIComponent(env.PGHOST || "127.0.0.1");
  return `postgres://${user}@${host}:${env.PGPORT || "5432"}/test`;
}

// Run in a child node: describe() needs the answer synchronously, while a connection is async.
const PROBE = `const pg = require(process.argv[1]);
const c = new pg.Client({ connectionString: process.argv[2], connectionTimeoutMillis: 3000 });
c.connect().then(() => c.query("SELECT 1")).then(() => c.end()).then(() => process.exit(0), (e) => {
  process.stdout.write(e.message || e.code || (e.errors || []).map((x) => x.message).join("; ") || String(e));
  process.exit(1);
});`;

const probed = new Map<string, string | undefined>();

/** Why the server at `url` cannot run a query, or `undefined` when it answers. Asked once per url. */
function serverProblem(url: string): string | undefined {
  if (!probed.has(url)) {
    const pgMain = createRequire(import.meta.url).resolve("pg");
    const r = spawnSync(process.execPath, ["-e", PROBE, pgMain, url], { encoding: "utf8", timeout: 10_000 });
    const where = new URL(url);
    const reason =
      r.status === 0 ? undefined : r.stdout.trim() || r.error?.message || `probe exit ${r.status}`;
    probed.set(
      url,
      reason && `no PostgreSQL answers at ${decodeURIComponent(where.host)} as ${where.username} (${reason})`,
    );
  }
  return probed.get(url);
}

/**
 * Whether the server of {@link testServerUrl} runs the tests `what` names: `true` when it answers
 * a query; else one skip line (developer's machine) or `TestServiceMissingError` (CI).
 * @example
 * const withPostgres = requirePostgres("cobuy load into postgres");
 * beforeAll(async () => { if (withPostgres) tdb = await createTestPgDatabase() });
 */
export function requirePostgres(what: string): boolean {
  return requireService({
    what,
    problem: serverProblem(testServerUrl()),
    remedy:
      "start one (`apt-get install postgresql`, user postgres with trust auth on 127.0.0.1) or point PGHOST/PGPORT/PGUSER or COBUY_TEST_PG_URL at one",
  });
}

/**
 * `describe` for a suite that needs the PostgreSQL server: skipped with one line when none answers,
 * a failure under CI (see {@link requirePostgres}).
 * @example
 * describeWithPostgres("golden sets loaded with COPY", () => { it("…", async () => {}) });
 */
export function describeWithPostgres(name: string, fn: () => void): void {
  describe.runIf(requirePostgres(name))(name, fn);
}

/**
 * `describe` for a suite on one backend kind: {@link describeWithPostgres} for `postgres`, a plain
 * `describe` for PGlite (which needs nothing from the machine).
 * @example
 * for (const kind of PG_BACKEND_KINDS) describeOnBackend(kind, `load on ${kind}`, () => {});
 */
export function describeOnBackend(kind: PgBackend["kind"], name: string, fn: () => void): void {
  if (kind === "postgres") describeWithPostgres(name, fn);
  else describe(name, fn);
}

/** A database created for this test run. `drop()` terminates its sessions and drops it. */
export interface TestPgDatabase {
  readonly name: string;
  readonly connectionString: string;
  /** Runs SQL as the admin connection (e.g. `pg_terminate_backend`), outside the test database. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/**
 * Creates `cobuy_t_<random>` on the server and returns its URL.
 * @example
 * const tdb = await createTestPgDatabase();
 * afterAll(() => tdb.drop());
 */
export async function createTestPgDatabase(prefix = "cobuy_t"): Promise<TestPgDatabase> {
  const adminUrl = testServerUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new Error(`test database prefix "${prefix}" is not a plain identifier`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    connectionString: url.toString(),
    async admin(text, values) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        return (await c.query(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
          [name],
        );
        await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh temporary folder for a PGlite data directory; `remove()` deletes it. */
export async function createTestPgliteDir(): Promise<{ dataDir: string; remove(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), "cobuy-pglite-"));
  return { dataDir, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

/** One backend a database suite runs on. */
export type PgBackend =
  | { kind: "postgres"; connectionString: string; database: TestPgDatabase }
  | { kind: "pglite"; dataDir: string };

/** The backend kinds every database suite loops over (COBUY_TEST_PG_BACKENDS=pglite narrows it). */
export const PG_BACKEND_KINDS: ReadonlyArray<PgBackend["kind"]> = (
  process.env.COBUY_TEST_PG_BACKENDS?.split(",") ?? ["postgres", "pglite"]
).filter((k): k is PgBackend["kind"] => k === "postgres" || k === "pglite");

/**
 * Starts a backend of `kind`: a fresh database on the real server, or a fresh PGlite folder.
 * @example
 * for (const kind of PG_BACKEND_KINDS) describe(kind, () => { let b; beforeAll(async () => { b = await startPgBackend(kind) }); afterAll(() => b.stop()) });
 */
export async function startPgBackend(
  kind: PgBackend["kind"],
): Promise<{ backend: PgBackend; stop(): Promise<void> }> {
  if (kind === "postgres") {
    const database = await createTestPgDatabase();
    return {
      backend: { kind, connectionString: database.connectionString, database },
      stop: () => database.drop(),
    };
  }
  const dir = await createTestPgliteDir();
  return { backend: { kind, dataDir: dir.dataDir }, stop: () => dir.remove() };
}
