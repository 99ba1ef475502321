/**
 * PostgreSQL / PGlite test backends: a fresh database per test run on the real server (dropped
 * after), a fresh PGlite data folder (removed after), and a loop that runs one suite on both.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** Where the real server lives; override with COBUY_TEST_PG_URL (an admin URL to an existing db). */
export function testServerUrl(): string {
  return process.env.COBUY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
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
