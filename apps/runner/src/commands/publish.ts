/**
 * `cobuy publish DIR [--store URL]`: publishes a folder `cobuy build` wrote as a run, with the rules
 * of `cobuy pipeline` (documents, then manifest.json, then latest.json; the same publishing flags),
 * so a team can build on one machine and publish from another. The run id is recs.rich.json's.
 */
import { MANIFEST_NAME } from "@cobuy/contracts";
import { localRunSource } from "@cobuy/pg-loader";
import { joinKey } from "@cobuy/s3-export";
import { defineCommand } from "../command.js";
import { CLI_ERROR_CODES, CobuyCliError, UsageError } from "../errors.js";
import { GUARD_OPTIONS, parseGuardFlags } from "../flags/guard.js";
import { PUBLISH_OPTIONS, parsePublishFlags, STORE_OPTIONS } from "../flags/store.js";
import { readBuildOutput } from "../steps/build-output.js";
import { guardAgainstLatest, guardLine, guardSummary } from "../steps/guard.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import { publishToStore } from "../steps/publish.js";
import { readRunLists } from "../steps/run-diff-input.js";
import { stageSeconds } from "../steps/summary.js";
import { fmtCount } from "../ui/format.js";

export const publishCommand = defineCommand({
  name: "publish",
  summary: "publish a folder `cobuy build` wrote as a run (documents → manifest.json → latest.json)",
  usage:
    "cobuy publish DIR [--store URL] [--gzip] [--sse AES256|aws:kms] [--classic-key PATTERN] [guard options]",
  description:
    "Checks that DIR is a complete build output (recs.json, recs.rich.json, validation.json, report.html;\n" +
    "recs.rich.json is validated in full, as `cobuy load` would) and publishes it under <store>/<runId>/,\n" +
    "the run id being recs.rich.json's runId, then moves <store>/latest.json to it. Nothing is published\n" +
    "when a check fails, or when the store already holds that run (runs are immutable: build again).\n" +
    "Store: a folder, file:///… or s3://bucket/prefix (default $COBUY_HOME/runs, as for pipeline).\n" +
    "Guarded activation, as for pipeline: a run whose lists differ from the latest run's beyond the\n" +
    "guard limits is published as refused (latest.json unchanged) and the command exits 1 (--force).",
  options: { ...STORE_OPTIONS, ...PUBLISH_OPTIONS, ...GUARD_OPTIONS },
  positionals: true,
  examples: [
    "cobuy build --input sales.csv --out out/ && cobuy publish out/ --store s3://my-bucket/cobuy",
    "cobuy publish out/ --store /srv/cobuy/runs --json",
    "AWS_PROFILE=prod cobuy publish out/ --store s3://my-bucket/cobuy --gzip --classic-key recs/key{ts}.json",
  ],
  async run(ctx, { values, positionals }) {
    const t0 = performance.now();
    if (positionals.length !== 1) {
      throw new UsageError(
        positionals.length === 0
          ? "cobuy publish needs the folder cobuy build wrote (cobuy publish DIR --store URL)"
          : `cobuy publish takes one folder (got ${positionals.length})`,
      );
    }
    const publishing = parsePublishFlags(values);
    const guarding = parseGuardFlags(values);
    const dir = ctx.resolvePath(positionals[0] as string);
    const build = await ctx.stage("check", (bar) => readBuildOutput(dir, bar), { unit: "bytes" });
    const store = openStoreFromFlags(ctx, values);
    try {
      if ((await store.store.head(joinKey(build.runId, MANIFEST_NAME))) !== undefined) {
        throw new CobuyCliError(
          CLI_ERROR_CODES.runExists,
          `${store.label} already holds run ${build.runId} (runs are immutable: run cobuy build again for a new run id)`,
        );
      }
      const guard = await guardAgainstLatest(
        ctx,
        store.store,
        () => readRunLists(localRunSource(dir)),
        guarding,
      );
      const { published, location, latest } = await publishToStore(ctx, store, {
        runId: build.runId,
        createdAt: build.createdAt,
        files: build.files,
        params: build.params,
        counts: build.counts,
        ...publishing,
        ...(guard ? { guard } : {}),
      });
      ctx.print(`run:       ${build.runId} (${fmtCount(build.counts.products ?? 0)} products)`);
      ctx.print(`from:      ${dir}`);
      ctx.print(`published: ${location}`);
      ctx.print(`latest:    ${latest}`);
      if (guard) ctx.print(`guard:     ${guardLine(guard)}`);
      if (published.classicKey) ctx.print(`classic:   ${published.classicKey} (in ${published.store})`);
      return {
        runId: build.runId,
        dir,
        store: published.store,
        runDir: location,
        latest,
        ...(published.classicKey !== undefined ? { classicKey: published.classicKey } : {}),
        files: published.manifest.files.map((f) => f.name),
        counts: build.counts,
        guard: guardSummary(guard),
        stages: stageSeconds(ctx),
        seconds: Number(((performance.now() - t0) / 1000).toFixed(3)),
      };
    } finally {
      store.close();
    }
  },
});
