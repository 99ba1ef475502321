/**
 * `cobuy runs list|show|diff|prune`: what a store holds, one run's manifest, how two runs' lists
 * differ, and retention.
 * Runs are published by `cobuy pipeline` (see @cobuy/s3-export `publishRun`).
 */
import { diffRuns, type RunLists } from "@cobuy/pipeline/diff";
import { listRuns, pruneRuns, readManifest } from "@cobuy/s3-export";
import { defineCommand } from "../command.js";
import { UsageError } from "../errors.js";
import { STORE_OPTIONS } from "../flags/store.js";
import { intOption } from "../flags/values.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import { defaultDiffPair, isFolder, readRunLists, runSourceFor } from "../steps/run-diff-input.js";
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
    "       cobuy runs prune --keep N [--dry-run] [--store URL]",
  description:
    "A store holds one folder per run (<runId>/: documents + manifest.json) and latest.json naming\n" +
    "the newest complete run. `list` marks the latest run and incomplete ones (a failed or running\n" +
    "publish) and refused ones (published, never made latest by the activation guard); `show` prints\n" +
    "a manifest (--json: as JSON); `diff` compares run A's lists with run B's (products added and\n" +
    "dropped, overlap@k and rank-biased overlap, top-1 churn, score drift, metric deltas; --json: the\n" +
    "RunDiff document). A and B are run ids in the store or run folders (`cobuy build --out DIR`);\n" +
    "default B is latest and A the newest earlier complete, non-refused run. `prune` keeps the newest\n" +
    "N complete runs and never deletes the run latest.json names.",
  options: {
    ...STORE_OPTIONS,
    keep: { type: "string", valueName: "N", description: "prune: complete runs to keep, newest first" },
    "dry-run": { type: "boolean", description: "prune: show what would be deleted, delete nothing" },
  },
  positionals: true,
  examples: [
    "cobuy runs list",
    "cobuy runs show latest --store s3://my-bucket/cobuy --json",
    "cobuy runs diff",
    "cobuy runs diff ./out/yesterday ./out/today --json",
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
