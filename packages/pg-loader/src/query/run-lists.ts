import { fromDriverError } from "../db/driver-errors.js";
import { type CobuyDb, type DbInput, withDb } from "../db/open-database.js";
import type { Json } from "../db/types.js";
import { RunNotFoundError } from "../errors.js";

/** A loaded run's lists, as a comparison of two runs reads them. */
export interface LoadedRunLists {
  runId: string;
  /** Every product of the run (an empty list when it has no recommendation), its list in rank order. */
  lists: Record<string, { id: string; score: number }[]>;
  /** `counts` of the run's recs.rich.json (`orders`, `rows`, `products`, …). */
  counts: Json;
  /** The run's validation.json, when it had one. */
  validation: Json | null;
}

/**
 * Reads a loaded run's lists from the database (any run, active or not): two ordered scans of its
 * partitions, O(recommendations). Throws `COBUY_PG_RUN_NOT_FOUND` for an unknown or pruned run.
 * @example
 * const active = await readRunLists(db, (await activeRunId(db))!);
 * console.log(Object.keys(active.lists).length, active.lists.P1?.[0]?.id);
 */
export async function readRunLists(input: DbInput, runId: string): Promise<LoadedRunLists> {
  return withDb(input, async (db) => {
    try {
      return await readLists(db, runId);
    } catch (err) {
      throw fromDriverError(err, db.schema);
    }
  });
}

async function readLists(db: CobuyDb, runId: string): Promise<LoadedRunLists> {
  const run = await db.kysely
    .selectFrom("runs")
    .select(["key", "status", "counts", "validation"])
    .where("id", "=", runId)
    .executeTakeFirst();
  if (run === undefined) throw new RunNotFoundError(runId);
  if (run.status !== "loaded") throw new RunNotFoundError(runId, "was pruned; load it again first");
  const products = await db.kysely
    .selectFrom("products")
    .select("product_id")
    .where("run_key", "=", run.key)
    .orderBy("product_id")
    .execute();
  const recs = await db.kysely
    .selectFrom("recommendations")
    .select(["product_id", "recommended_id", "score"])
    .where("run_key", "=", run.key)
    .orderBy("product_id")
    .orderBy("rank")
    .execute();
  // Own properties only (a product may be called "__proto__").
  const lists: Record<string, { id: string; score: number }[]> = Object.create(null);
  for (const p of products) lists[p.product_id] = [];
  for (const r of recs) (lists[r.product_id] ??= []).push({ id: r.recommended_id, score: Number(r.score) });
  return { runId, lists, counts: run.counts, validation: run.validation };
}
