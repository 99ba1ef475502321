import { sql } from "kysely";
import type { DbInput } from "../db/open-database.js";
import type { Json } from "../db/types.js";
import { ConfigError, RunNotFoundError } from "../errors.js";
import { iso, query } from "./queries.js";

/** One item of a stored list: the recommended product and its score. */
export interface StoredListItem {
  id: string;
  score: number;
}

/** Every list of one loaded run, with what the run stored about itself (the input of a run diff). */
export interface StoredRunLists {
  runId: string;
  /** Product id → its list, best first; products without recommendations have an empty list. */
  lists: Record<string, StoredListItem[]>;
  /** `counts.orders` of the run, when it recorded one. */
  orders?: number;
  /** The run's `counts` as loaded (orders, rows, products, …). */
  counts: Json;
  /** The run's validation.json as loaded, or null. */
  validation: Json | null;
}

/** `[recommended_id, score]` as `json_build_array` writes it. */
type ListTuple = [string, number | string];

/** One switch of the active pointer. */
export interface RunActivation {
  runId: string;
  /** ISO-8601. */
  activatedAt: string;
  /** Whether the run's rows are still in the database (false once pruned or forgotten). */
  loaded: boolean;
}

/**
 * Every product's list of a loaded run (active or not) in rank order, with its counts and
 * validation, in one ordered statement (one row per product with its list as JSON, never a query
 * per product). Throws `COBUY_PG_RUN_NOT_FOUND` for a run that is not loaded or was pruned. The shape
 * is `RunLists` of `@cobuy/pipeline/diff` plus `counts` and `validation`.
 * @example
 * const runLists = await readRunLists(db, "2025-01-31_12-00-00");
 * runLists.lists.P1?.map((i) => i.id); // ["P7", "P3", …]
 */
export async function readRunLists(input: DbInput, runId: string): Promise<StoredRunLists> {
  return query(input, async (db) => {
    const run = await db.kysely
      .selectFrom("runs")
      .select(["key", "status", "counts", "validation", "product_count"])
      .where("id", "=", runId)
      .executeTakeFirst();
    if (run === undefined) throw new RunNotFoundError(runId);
    if (run.status !== "loaded") throw new RunNotFoundError(runId, "was pruned; load it again first");
    // One row per product, its list as one JSON array of [id, score] in rank order (null when
    // empty) read through the primary key: one row per product instead of one per recommendation
    // (on PGlite about half the time of the plain join).
    const rows = await db.kysely
      .selectFrom("products as p")
      .select([
        "p.product_id",
        (eb) =>
          eb
            .selectFrom("recommendations as r")
            .select(
              sql<
                ListTuple[] | string | null
              >`json_agg(json_build_array(r.recommended_id, r.score) ORDER BY r.rank)`.as("items"),
            )
            .whereRef("r.run_key", "=", "p.run_key")
            .whereRef("r.product_id", "=", "p.product_id")
            .as("items"),
      ])
      .where("p.run_key", "=", run.key)
      .orderBy("p.product_id")
      .execute();
    const lists: Record<string, StoredListItem[]> = Object.create(null);
    // O(recommendations).
    for (const row of rows) {
      // A foreign Kysely/pg setup may leave json unparsed.
      const items = (typeof row.items === "string" ? JSON.parse(row.items) : row.items) as ListTuple[] | null;
      lists[row.product_id] = (items ?? []).map(([id, score]) => ({ id, score: Number(score) }));
    }
    const products = rows.length;
    // A prune committed between the two statements leaves the run's partitions empty to us.
    if (products !== run.product_count)
      throw new RunNotFoundError(runId, "was pruned while being read; load it again first");
    const counts = run.counts;
    const orders =
      typeof counts === "object" && counts !== null && !Array.isArray(counts) ? counts.orders : undefined;
    return {
      runId,
      lists,
      ...(typeof orders === "number" ? { orders } : {}),
      counts,
      validation: run.validation,
    };
  });
}

/**
 * The switches of the active pointer, newest first (a run activated twice appears twice). Schemas
 * migrated from before the history was kept start with their runs in load order.
 * @example
 * const [now, before] = await runActivations(db); // now.runId is the active run
 */
export async function runActivations(
  input: DbInput,
  options: { limit?: number } = {},
): Promise<RunActivation[]> {
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1)
    throw new ConfigError(`limit must be a positive integer, got ${String(limit)}`);
  return query(input, async (db) => {
    const rows = await db.kysely
      .selectFrom("activations as a")
      .leftJoin("runs as r", "r.id", "a.run_id")
      .select(["a.run_id", "a.activated_at", sql<boolean>`coalesce(r.status = 'loaded', false)`.as("loaded")])
      .orderBy("a.seq", "desc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      runId: r.run_id,
      activatedAt: iso(r.activated_at),
      loaded: r.loaded === true,
    }));
  });
}

/**
 * The run that was active before the active one and is still loaded: the most recent activation of
 * another run whose rows are still in the database. Null when no run is active or none qualifies.
 * @example
 * const before = await previousActiveRunId(db); // "2025-01-30_12-00-00"
 */
export async function previousActiveRunId(input: DbInput): Promise<string | null> {
  return query(input, async (db) => {
    const row = await db.kysely
      .selectFrom("activations as a")
      .innerJoin("runs as r", "r.id", "a.run_id")
      .select("a.run_id")
      .where("r.status", "=", "loaded")
      .where((eb) =>
        eb(
          "a.run_id",
          "<>",
          eb.selectFrom("active_run as x").innerJoin("runs as y", "y.key", "x.run_key").select("y.id"),
        ),
      )
      .orderBy("a.seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.run_id ?? null;
  });
}
