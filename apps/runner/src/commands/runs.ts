/**
 * `cobuy runs list|show|diff|prune`: what a store holds, one run's manifest, how two runs' lists
 * differ, and retention.
 * Runs are published by `cobuy pipeline` (see @cobuy/s3-export `publishRun`).
 */
import { diffRuns, type RunLists } from "@cobuy/pipeline/diff";
import { listRuns, pruneRuns, readManifest } from "@cobuy/s3-export";
import { defineCommand } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { DB_OPTIONS, type DbFlagValues, dbTargetFromEnv } from "../flags/db.js";
import { STORE_OPTIONS } from "../flags/store.js";
import { intOption } from "../flags/values.js";
import { openDbTarget } from "../steps/database.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import {
  defaultDbDiffPair,
  defaultDiffPair,
  isFolder,
  readDbRunLists,
  readRunLists,
  runSourceFor,
} from "../steps/run-diff-input.js";
import { fmtBytes, fmtCount } from "../ui/format.js";
import { printRunDiff } from "../ui/run-diff.js";

const SUBCOMMANDS = ["list", "show", "diff", "prune"] as const;

export const runsCommand = defineCommand({
  name: "runs",
  summary: "list the published runs, show one run's manifest, diff two runs, prune old runs",
  usage:
    "cobuy runs list [--store URL]\n" +
    "       cobuy runs show [RUN|latest] [--store URL]\n" +
    "       cobuy runs diff [A] [B] [--store URL]\n" +
    "       cobuy runs diff --db [A] [B] [--schema NAME]\n" +
    "       cobuy runs prune --keep N [--dry-run] [--store URL]",
  description:
    "A store holds one folder per run (<runId>/: documents + manifest.json) and latest.json naming\n" +
    "the newest complete run. `list` marks the latest run and incomplete ones (a failed or running\n" +
    "publish) and refused ones (published, never made latest by the activation guard); `show` prints\n" +
    "a manifest (--json: as JSON); `diff` compares run A's lists with run B's (products added and\n" +
    "dropped, overlap@k and rank-biased overlap, top-1 churn, score drift, metric deltas; --json: the\n" +
    "RunDiff document). A and B are run ids in the store or run folders (`cobuy build --out DIR`);\n" +
    "default B is latest and A the newest earlier complete, non-refused run. With --db A and B are\n" +
    "runs loaded in the database (DATABASE_URL, else PGHOST/PGDATABASE, else PGlite in\n" +
    "$COBUY_HOME/pglite); default B is the active run and A the run active before it that is still\n" +
    "loaded (a rollback counts: after `cobuy db activate` A is the run it replaced). `prune` keeps the newest\n" +
    "N complete runs and never deletes the run latest.json names.",
  options: {
    ...STORE_OPTIONS,
    keep: { type: "string", valueName: "N", description: "prune: complete runs to keep, newest first" },
    "dry-run": { type: "boolean", description: "prune: show what would be deleted, delete nothing" },
    db: {
      type: "boolean",
      description: "diff: compare runs loaded in the database instead of a store's (see cobuy db)",
    },
    ...DB_OPTIONS,
  },
  positionals: true,
  examples: [
    "cobuy runs list",
    "cobuy runs show latest --store s3://my-bucket/cobuy --json",
    "cobuy runs diff",
    "cobuy runs diff ./out/yesterday ./out/today --json",
    "DATABASE_URL=postgres://me@db.internal/shop cobuy runs diff --db --json",
    "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000 cobuy runs prune --keep 5 --store s3://cobuy/runs",
  ],
  async run(ctx, { values, positionals }) {
    const [sub = "list", ...rest] = positionals;
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`unknown subcommand "runs ${sub}" (use: ${SUBCOMMANDS.join(", ")})`);
    }
    const maxArgs = sub === "show" ? 1 : sub === "diff" ? 2 : 0;
    if (rest.length > maxArgs)
      throw new UsageError(`unexpected argument "${rest[maxArgs]}" for "cobuy runs ${sub}"`);
    if (sub !== "prune" && (values.keep !== undefined || values["dry-run"])) {
      throw new UsageError("--keep and --dry-run only apply to `cobuy runs prune`");
    }
    const dbFlags = (["schema", "pool-size", "statement-timeout"] as const).filter(
      (f) => values[f] !== undefined,
    );
    if (values.db && sub !== "diff") throw new UsageError("--db only applies to `cobuy runs diff`");
    if (!values.db && dbFlags.length > 0)
      throw new UsageError(`--${dbFlags[0]} only applies to \`cobuy runs diff --db\``);
    if (values.db) {
      if (values.store !== undefined || values["s3-endpoint"] !== undefined)
        throw new UsageError("--db compares runs in the database: leave out --store and --s3-endpoint");
      return diffInDatabase(ctx, values, rest);
    }
    const opened = openStoreFromFlags(ctx, values, { forRead: true });
    const { store, label } = opened;
    try {
      if (sub === "list") {
        const runs = await listRuns(store);
        if (runs.length === 0) ctx.print(`no runs in ${label}`);
        else {
          ctx.table({
            title: `runs in ${label}`,
            columns: ["run", "status", "objects", "size", "modified"],
            rows: runs.map((r) => [
              r.runId,
              r.latest ? "latest" : r.refused ? "refused" : r.complete ? "complete" : "incomplete",
              r.objects,
              fmtBytes(r.bytes),
              r.lastModified?.toISOString().replace(/\.\d+Z$/, "Z") ?? "",
            ]),
          });
        }
        return {
          store: label,
          runs: runs.map((r) => ({ ...r, lastModified: r.lastModified?.toISOString() })),
        };
      }

      if (sub === "show") {
        const run = rest[0] ?? "latest";
        const m = await readManifest(store, run);
        ctx.print(`run ${m.runId} in ${label}${run === "latest" ? " (latest)" : ""}`);
        ctx.print(`created:  ${m.createdAt}`);
        ctx.print(
          `counts:   ${Object.entries(m.counts)
            .map(([k, v]) => `${k} ${fmtCount(v)}`)
            .join(", ")}`,
        );
        ctx.print(`params:   ${JSON.stringify(m.params)}`);
        if (m.classicKey !== undefined) ctx.print(`classic:  ${m.classicKey}`);
        ctx.print();
        ctx.table({
          columns: ["file", "size", "stored", "encoding", "sha256"],
          rows: m.files.map((f) => [
            f.name,
            fmtBytes(f.size),
            fmtBytes(f.storedSize),
            f.contentEncoding ?? "-",
            f.sha256,
          ]),
        });
        return { store: label, runId: m.runId, manifest: m };
      }

      if (sub === "diff") {
        const [a, b] = rest;
        const folders = await Promise.all(rest.map((x) => isFolder(ctx.resolvePath(x))));
        // Only ids in the store need a default or resolving; two folders never touch the store.
        const ids =
          rest.length === 2
            ? { before: a as string, after: b as string }
            : folders[0] === true
              ? { before: a as string, after: (await defaultDiffPair(store)).after }
              : await defaultDiffPair(store, a !== undefined ? { before: a } : {});
        const [before, after] = await Promise.all(
          [ids.before, ids.after].map(async (x) =>
            readRunLists(await runSourceFor(x, ctx.resolvePath(x), () => store)),
          ),
        );
        const diff = diffRuns(before as RunLists, after as RunLists);
        printRunDiff(ctx, diff);
        return { ...diff };
      }

      if (values.keep === undefined) throw new UsageError("cobuy runs prune needs --keep N");
      const keep = intOption(values.keep, "keep", 0, { min: 0 });
      const res = await pruneRuns(store, { keep, dryRun: values["dry-run"] === true });
      const verb = values["dry-run"] ? "would delete" : "deleted";
      ctx.print(
        res.deleted.length === 0
          ? `nothing to prune in ${label} (${res.kept.length} run(s) kept)`
          : `${verb} ${res.deleted.length} run(s) (${fmtCount(res.objects)} objects) from ${label}: ${res.deleted.join(", ")}`,
      );
      if (res.deleted.length > 0) ctx.print(`kept: ${res.kept.join(", ")}`);
      return { store: label, dryRun: values["dry-run"] === true, ...res };
    } finally {
      opened.close();
    }
  },
});

/** `cobuy runs diff --db [A] [B]`: two runs loaded in the database, by default active vs previous. */
async function diffInDatabase(
  ctx: Context,
  values: DbFlagValues,
  named: string[],
): Promise<Record<string, unknown>> {
  const target = dbTargetFromEnv(ctx, values, { poolSize: 2 });
  const db = await openDbTarget(target);
  try {
    const [a, b] = named;
    const ids =
      a !== undefined && b !== undefined
        ? { before: a, after: b }
        : await defaultDbDiffPair(db, target.label, a !== undefined ? { before: a } : {});
    const before = await readDbRunLists(db, ids.before);
    const after = await readDbRunLists(db, ids.after);
    const diff = diffRuns(before, after);
    printRunDiff(ctx, diff);
    // The same document as the store form: a dashboard reads one shape whatever the source.
    return { ...diff };
  } finally {
    await db.close();
  }
}
