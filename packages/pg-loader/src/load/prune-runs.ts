import { type DbInput, withDb } from "../db/open-database.js";
import { ConfigError } from "../errors.js";
import { migrate } from "../migrations/migrate.js";
import { lockSchema } from "./lock.js";
import { dropPartitions } from "./partitions.js";

/** What `pruneRuns` did. */
export interface PruneResult {
  /** Runs whose rows were dropped (their metadata stays, status `pruned`). */
  pruned: string[];
  /** Loaded runs kept, newest first; always includes the active run. */
  kept: string[];
}

/**
 * Drops the data of all but the `keep` newest loaded runs (by created_at). The active run is
 * always kept, whatever its age. Each pruned run's partitions are dropped in one transaction.
 * @example
 * const { pruned } = await pruneRuns(db, { keep: 3 });
 */
export async function pruneRuns(
  input: DbInput,
  options: { keep: number; lockTimeoutMs?: number },
): Promise<PruneResult> {
  const keep = options.keep;
  if (!Number.isInteger(keep) || keep < 0)
    throw new ConfigError(`keep must be an integer ≥ 0, got ${String(keep)}`);
  return withDb(input, async (db) => {
    const { error } = await migrate(db);
    if (error) throw error;
    return db.backend.transaction(async (session) => {
      await lockSchema(session, db.schema, options.lockTimeoutMs);
      const active = await session.kysely.selectFrom("active_run").select("run_key").executeTakeFirst();
      const runs = await session.kysely
        .selectFrom("runs")
        .select(["key", "id"])
        .where("status", "=", "loaded")
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      const kept: string[] = [];
      const pruned: string[] = [];
      for (const [i, run] of runs.entries()) {
        if (i < keep || run.key === active?.run_key) {
          kept.push(run.id);
          continue;
        }
        await dropPartitions({ session, schema: db.schema, key: run.key });
        await session.kysely
          .updateTable("runs")
          .set({ status: "pruned" })
          .where("key", "=", run.key)
          .execute();
        pruned.push(run.id);
      }
      return { pruned, kept };
    });
  });
}
