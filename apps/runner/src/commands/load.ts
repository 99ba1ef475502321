/**
 * `cobuy load DIR` / `cobuy load --store URL [--run RUN]`: loads a run into PostgreSQL
 * (DATABASE_URL, or the PG* variables) or, by default, into the embedded PGlite database under
 * $COBUY_HOME/pglite, and makes it the active run in one transaction (the database: flags/db.ts).
 */
import { localRunSource, type RunSource } from "@cobuy/pg-loader";
import { defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { DB_OPTIONS, dbTargetFromEnv } from "../flags/db.js";
import { GUARD_OPTIONS, parseGuardFlags } from "../flags/guard.js";
import { STORE_OPTIONS } from "../flags/store.js";
import { howToQuery, loadSummary } from "../steps/database.js";
import { guardLine, guardRefusedError, guardSummary, loadGuarded } from "../steps/guard.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import { storeRunSource } from "../steps/run-source.js";

export const loadCommand = defineCommand({
  name: "load",
  summary: "load a run into PostgreSQL (DATABASE_URL) or the embedded PGlite and make it active",
  usage: "cobuy load DIR [options]\ncobuy load --store URL [--run RUN] [options]",
  description:
    "Verifies the run's checksums against manifest.json, bulk-loads recs.rich.json (COPY on PostgreSQL)\n" +
    "and switches the active run in one transaction: a failed load leaves the previous run active.\n" +
    "Loading an already loaded run does nothing. Database: DATABASE_URL, else PGHOST/PGDATABASE (+PG*),\n" +
    "else PGlite in $COBUY_HOME/pglite.\n" +
    "Guarded activation: when a run is active, the new run is loaded without activating it and its\n" +
    "lists are compared with the active run's; when a check fails (--max-churn, --min-overlap,\n" +
    "--min-products-ratio, --min-orders-ratio) it stays loaded but not active, the active run keeps\n" +
    "serving, and the command exits 1 saying which check failed and how to override (--force).",
  options: {
    ...STORE_OPTIONS,
    run: {
      type: "string",
      valueName: "RUN",
      description: "run id in the store (default: the one latest.json names)",
    },
    activate: {
      type: "boolean",
      default: true,
      description: "make the run active (--no-activate: load only)",
    },
    ...GUARD_OPTIONS,
    ...DB_OPTIONS,
  },
  positionals: true,
  examples: [
    "cobuy load .cobuy/runs/2026-07-01_00-00-00",
    "DATABASE_URL=postgres://postgres@127.0.0.1/app cobuy load --store s3://bucket/cobuy --json",
  ],
  async run(ctx, { values, positionals }) {
    if (positionals.length > 1)
      throw new UsageError(`cobuy load takes one run folder (got ${positionals.length})`);
    const dir = positionals[0];
    if (dir !== undefined && (values.store !== undefined || values.run !== undefined)) {
      throw new UsageError("give either a run folder or --store [--run], not both");
    }
    if (dir === undefined && values.store === undefined && values.run === undefined) {
      throw new UsageError("cobuy load needs a run folder or --store URL (see cobuy load --help)");
    }
    const guarding = parseGuardFlags(values);
    const target = dbTargetFromEnv(ctx, values);
    let source: RunSource;
    let close = () => {};
    if (dir !== undefined) {
      source = localRunSource(ctx.resolvePath(dir));
    } else {
      const opened = openStoreFromFlags(ctx, values, { forRead: true });
      close = opened.close;
      source = await storeRunSource(opened.store, values.run);
    }
    try {
      const { loaded, guard } = await loadGuarded(ctx, target, source, {
        ...guarding,
        activate: values.activate !== false,
      });
      const { result, example } = loaded;
      if (guard?.refused) {
        ctx.print(`loaded:    run ${result.runId} → ${target.label} (not active: refused by the guard)`);
        ctx.print(`active:    ${result.previousActiveRunId ?? "(none)"} (unchanged)`);
        throw guardRefusedError(guard, {
          runId: result.runId,
          loaded: true,
          activeRunId: result.previousActiveRunId,
          source: source.uri,
        });
      }
      ctx.print(
        `${result.status === "loaded" ? "loaded" : "already loaded"}: run ${result.runId} → ${target.label} (schema ${target.schema})`,
      );
      ctx.print(
        `rows:      ${result.recommendations} recommendations, ${result.products} products (${result.productStats} product stats, checksums ${result.checksums})`,
      );
      ctx.print(
        `active:    ${result.active ? result.runId : `${result.previousActiveRunId ?? "(none)"} (this run is loaded, not active)`}`,
      );
      if (guard) ctx.print(`guard:     ${guardLine(guard)}`);
      for (const line of howToQuery(target, example)) ctx.print(line);
      return { ...loadSummary(loaded), source: source.uri, guard: guardSummary(guard) };
    } finally {
      close();
    }
  },
});
