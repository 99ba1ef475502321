import { sql } from "kysely";
import type { Session } from "../db/backend.js";
import { type DbInput, inSession, withDb } from "../db/open-database.js";
import { RunNotFoundError } from "../errors.js";
import { migrate } from "../migrations/migrate.js";
import { activeRunId } from "../query/queries.js";
import { lockSchema } from "./lock.js";

/**
 * Makes an already loaded run the active one (e.g. to roll back to an earlier run).
 * @example
 * const { previousActiveRunId } = await activateRun(db, "2025-01-30_12-00-00");
 */
export async function activateRun(
  input: DbInput,
  runId: string,
  options: { lockTimeoutMs?: number } = {},
): Promise<{ runId: string; previousActiveRunId: string | null }> {
  return withDb(input, async (db) => {
    const { error } = await migrate(db);
    if (error) throw error;
    return db.backend.transaction(async (session) => {
      await lockSchema(session, db.schema, options.lockTimeoutMs);
      const run = await session.kysely
        .selectFrom("runs")
        .select(["key", "status"])
        .where("id", "=", runId)
        .executeTakeFirst();
      if (run === undefined) throw new RunNotFoundError(runId);
      if (run.status !== "loaded") throw new RunNotFoundError(runId, "was pruned; load it again first");
      const previous = await activeRunId(inSession(db, session));
      await setActive({ session, key: run.key });
      return { runId, previousActiveRunId: previous };
    });
  });
}

/**
 * Points active_run at run `key` and records the switch in `activations` (inside the caller's
 * transaction, which holds the schema lock).
 */
export async function setActive(options: { session: Session; key: number }): Promise<void> {
  const { session, key } = options;
  await session.kysely
    .insertInto("activations")
    .columns(["run_id"])
    .expression((eb) => eb.selectFrom("runs").select("runs.id").where("runs.key", "=", key))
    .execute();
  await session.kysely
    .insertInto("active_run")
    .values({ run_key: key, activated_at: sql<string>`now()` })
    .onConflict((oc) =>
      oc.column("singleton").doUpdateSet({ run_key: key, activated_at: sql<string>`now()` }),
    )
    .execute();
}
