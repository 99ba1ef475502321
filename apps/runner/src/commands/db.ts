/**
 * `cobuy db migrate | runs | activate RUN | prune --keep N | similar PRODUCT`: manage the database
 * the runs are loaded into (same target as `cobuy load`: DATABASE_URL, PG*, else embedded PGlite).
 */

import { DEFAULT_K } from "@cobuy/contracts";
import { activateRun, listRuns, migrate, pruneRuns, type RunInfo, similarProducts } from "@cobuy/pg-loader";
import { defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { DB_OPTIONS, dbTargetFromEnv } from "../flags/db.js";
import { K_OPTION, kOption } from "../flags/top-k.js";
import { intOption } from "../flags/values.js";
import { openDbTarget } from "../steps/database.js";

const SUBCOMMANDS = ["migrate", "runs", "activate", "prune", "similar"] as const;
const ARGS: Record<(typeof SUBCOMMANDS)[number], number> = {
  migrate: 0,
  runs: 0,
  activate: 1,
  prune: 0,
  similar: 1,
};

export const dbCommand = defineCommand({
  name: "db",
  summary: "database: migrate, list loaded runs, activate (roll back to) a run, prune old runs, query",
  usage:
    "cobuy db migrate\ncobuy db runs\ncobuy db activate RUN\ncobuy db prune --keep N\ncobuy db similar PRODUCT [--k N] [--category C]",
  description:
    "Database: DATABASE_URL, else PGHOST/PGDATABASE (+PG*), else PGlite in $COBUY_HOME/pglite.\n" +
    "prune drops the rows of all but the N newest loaded runs; the active run is always kept.",
  options: {
    keep: { type: "string", valueName: "N", description: "prune: loaded runs to keep (newest first)" },
    k: { ...K_OPTION, description: `similar: how many recommendations (default ${DEFAULT_K})` },
    category: {
      type: "string",
      valueName: "C",
      description: "similar: only recommendations of this category",
    },
    ...DB_OPTIONS,
  },
  positionals: true,
  examples: [
    "cobuy db migrate",
    "cobuy db activate 2026-07-01_00-00-00",
    "cobuy db prune --keep 3 --json",
    "cobuy db similar P0001 --k 5",
  ],
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    if (sub === undefined || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(
        `${sub === undefined ? "missing" : `unknown`} subcommand${sub ? ` "db ${sub}"` : ""} (use: ${SUBCOMMANDS.join(", ")})`,
      );
    }
    const s = sub as (typeof SUBCOMMANDS)[number];
    if (rest.length !== ARGS[s]) {
      throw new UsageError(
        ARGS[s] === 0
          ? `unexpected argument "${rest[0]}" for "cobuy db ${s}"`
          : `cobuy db ${s} needs one argument`,
      );
    }
    if (s !== "prune" && values.keep !== undefined)
      throw new UsageError("--keep only applies to `cobuy db prune`");
    if (s !== "similar" && (values.k !== undefined || values.category !== undefined)) {
      throw new UsageError("--k and --category only apply to `cobuy db similar`");
    }
    if (s === "prune" && values.keep === undefined)
      throw new UsageError("cobuy db prune needs --keep N (N ≥ 0)");
    const keep = intOption(values.keep, "keep", 0, { min: 0 });
    const k = kOption(values.k);
    const target = dbTargetFromEnv(ctx, values);
    const db = await openDbTarget(target);
    const where = { database: target.label, schema: target.schema };
    try {
      if (s === "migrate") {
        const { results, error } = await migrate(db);
        if (error) throw error;
        const applied = results.map((r) => r.migrationName);
        ctx.print(
          applied.length ? `applied: ${applied.join(", ")}` : `schema ${target.schema} is up to date`,
        );
        return { ...where, applied };
      }
      if (s === "runs") {
        const runs = await listRuns(db);
        ctx.table({
          columns: ["run", "created", "status", "active", "recommendations", "products", "source"],
          rows: runs.map((r: RunInfo) => [
            r.id,
            r.createdAt,
            r.status,
            r.active ? "*" : "",
            String(r.recommendationCount),
            String(r.productCount),
            r.sourceUri ?? "",
          ]),
        });
        if (runs.length === 0) ctx.print("no runs loaded (cobuy load DIR | --store URL)");
        return { ...where, runs };
      }
      if (s === "activate") {
        const r = await activateRun(db, rest[0]!);
        ctx.print(`active run: ${r.runId} (was ${r.previousActiveRunId ?? "none"})`);
        return { ...where, ...r };
      }
      if (s === "prune") {
        const r = await pruneRuns(db, { keep });
        ctx.print(r.pruned.length ? `pruned: ${r.pruned.join(", ")}` : "nothing to prune");
        ctx.print(`kept:   ${r.kept.join(", ") || "(none)"}`);
        return { ...where, ...r };
      }
      const product = rest[0]!;
      const r = await similarProducts(db, product, { k, category: values.category });
      if (r === null) {
        ctx.print(`product ${product} is not in the active run`);
        return { ...where, product, found: false, items: [] };
      }
      ctx.print(
        `run ${r.runId} · ${product}${r.product.name === product ? "" : ` ${r.product.name}`} (category ${r.product.category ?? "?"}, support ${r.product.support ?? "?"})`,
      );
      ctx.table({
        columns: ["rank", "product", "name", "score", "support", "category"],
        rows: r.items.map((i) => [
          String(i.rank),
          i.id,
          i.name,
          i.score.toFixed(4),
          String(i.support),
          i.category ?? "",
        ]),
      } as never);
      return { ...where, product, found: true, runId: r.runId, items: r.items };
    } finally {
      await db.close();
    }
  },
});
