/**
 * `cobuy pipeline`: the whole job with embedded defaults, as stages that take what they need and
 * return what they make:
 *
 *   input → build → guard → documents (+ evaluation.json with --evaluate, + report.html) → publish → (load)
 *
 * The stages are steps of src/steps/; this file parses the flags, calls them in order and prints.
 */
import type { RunDiff } from "@cobuy/contracts";
import type { BuildResult, Evaluation, ProductCatalog } from "@cobuy/pipeline";
import { defineCommand } from "../command.js";
import type { Context } from "../context.js";
import { BUILD_OPTIONS, type BuildParams, parseBuildParams } from "../flags/build.js";
import { CATALOG_OPTIONS, parseCatalogPath } from "../flags/catalog.js";
import { DB_OPTIONS, dbTargetFromEnv } from "../flags/db.js";
import { GUARD_OPTIONS, parseGuardFlags } from "../flags/guard.js";
import {
  type BuildInput,
  buildInputLabel,
  INPUT_OPTIONS,
  parseBuildInput,
  resolveInputArg,
  SQL_INPUT_OPTIONS,
} from "../flags/input.js";
import { PUBLISH_OPTIONS, parsePublishFlags, STORE_OPTIONS } from "../flags/store.js";
import { buildFacts, buildFrom, manifestCounts, paramsRecord } from "../steps/build.js";
import { type CatalogSummary, catalogSummary, readCatalogFlag } from "../steps/catalog.js";
import { howToQuery, type LoadedRun, loadSummary, loadWithProgress } from "../steps/database.js";
import { writeRunDocuments } from "../steps/documents.js";
import { BUILD_EVALUATION_SPLIT, headlineMetrics } from "../steps/evaluation.js";
import {
  buildRunLists,
  type GuardOutcome,
  guardAgainstLatest,
  guardLine,
  guardSummary,
} from "../steps/guard.js";
import { openStoreFromFlags } from "../steps/object-store.js";
import { type PublishedRun, publishToStore, uniqueRunId, withStagingFolder } from "../steps/publish.js";
import { publishedRunSource } from "../steps/run-source.js";
import { sampleDataSet } from "../steps/sample-data.js";
import { type BuildSummary, buildSummary, printSummary } from "../steps/summary.js";

export const pipeline = defineCommand({
  name: "pipeline",
  summary: "run the whole job: (sample data →) build → documents → publish → load into the database",
  usage:
    "cobuy pipeline [--input FILE | --input-sql URL --table [SCHEMA.]NAME] [--store URL [--gzip] [--classic-key PATTERN]] [--evaluate] [--no-load] [guard options] [build options]",
  description:
    "Without --input, generates the sample data set once into $COBUY_HOME/data/ (default ./.cobuy) and\n" +
    "uses it. Publishes the run (documents and report.html, then manifest.json, then latest.json) under\n" +
    "<store>/<runId>/, by default $COBUY_HOME/runs/, run id = UTC start time YYYY-MM-DD_HH-MM-SS_<ms><5 random>, then\n" +
    "loads it from there into DATABASE_URL or the embedded PGlite, and prints where everything went.\n" +
    "--evaluate also scores the lists on held-out orders (holdout 0.2, seed 1, the build's measure and k,\n" +
    "every measure beside it) and publishes evaluation.json, whose charts report.html then shows.\n" +
    "Guarded activation: before latest.json moves, the run's lists are compared with the latest run's;\n" +
    "when a check fails (--max-churn, --min-overlap, --min-products-ratio, --min-orders-ratio) the run\n" +
    "is published as refused (runs list shows it, latest.json keeps naming the previous run), is not\n" +
    "loaded, and the command exits 1 saying which check failed and how to override (--force).",
  options: {
    input: {
      ...INPUT_OPTIONS.input,
      description:
        "sales file (.csv, .csv.gz, .parquet) or s3://bucket/key (read with --s3-endpoint / the AWS environment); default: the generated sample data set",
    },
    ...SQL_INPUT_OPTIONS,
    ...BUILD_OPTIONS,
    ...CATALOG_OPTIONS,
    ...STORE_OPTIONS,
    ...PUBLISH_OPTIONS,
    ...GUARD_OPTIONS,
    evaluate: {
      type: "boolean",
      description:
        "also evaluate on held-out orders (holdout 0.2, seed 1, same measure and k) and publish evaluation.json; costs a build per measure",
    },
    load: {
      type: "boolean",
      default: true,
      description:
        "load the run into DATABASE_URL (else the embedded PGlite) and make it active (--no-load: skip)",
    },
    ...DB_OPTIONS,
  },
  examples: [
    "cobuy pipeline",
    "COBUY_HOME=/tmp/cobuy cobuy pipeline --input sales.csv --k 10 --json",
    "cobuy pipeline --input sales.csv --similarity auto --evaluate",
    "cobuy pipeline --input sales.csv --catalog products.csv",
    "cobuy pipeline --input sales.csv --max-churn 0.5 --min-orders-ratio 0.5",
    "AWS_PROFILE=prod cobuy pipeline --store s3://my-bucket/cobuy --gzip --classic-key recs/key{ts}.json",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const createdAt = new Date();
    const params = parseBuildParams(values);
    const given = parseBuildInput(values, params);
    if (given?.kind === "sql" && given.sql.explain === true) {
      const { explainSql } = await import("../steps/sql-build.js");
      ctx.print(explainSql(given.sql, params));
      return undefined;
    }
    const publishing = parsePublishFlags(values);
    const guarding = parseGuardFlags(values);
    const evaluate = values.evaluate === true ? params : undefined;
    const catalog = await readCatalogFlag(ctx, parseCatalogPath(ctx, values));
    const store = openStoreFromFlags(ctx, values);
    try {
      const runId = await uniqueRunId(store, createdAt);
      ctx.log.info(`run ${runId}`, { home: ctx.home.root, store: store.label });
      const outcome = await withStagingFolder(ctx, runId, async (staging): Promise<PipelineOutcome> => {
        const source: BuildInput =
          given?.kind === "file"
            ? { ...given, input: resolveInputArg(ctx, given.input) }
            : (given ?? { kind: "file", input: await sampleDataSet(ctx) });
        const input = buildInputLabel(source);
        const result = await buildFrom(ctx, source, params, { keepOrderIds: evaluate !== undefined });
        const recorded = paramsRecord(input, params, result);
        const guard = await guardAgainstLatest(
          ctx,
          store.store,
          () => buildRunLists(result, runId),
          guarding,
        );
        // What changed since the serving run: the report's "changes since the previous run".
        const changes: RunDiff | undefined = guard?.diff;
        const { documents, evaluation } = await writeRunDocuments(ctx, staging, {
          result,
          runId,
          createdAt,
          params: recorded,
          title: `cobuy run ${runId}`,
          ...(evaluate ? { evaluate } : {}),
          ...(catalog ? { catalog } : {}),
          ...(changes && guard ? { changes, guard: guard.verdict } : {}),
        });
        const published = await publishToStore(ctx, store, {
          runId,
          createdAt,
          files: documents,
          params: recorded,
          counts: manifestCounts(result),
          ...publishing,
          ...(guard ? { guard } : {}),
        });
        const loaded =
          values.load === false
            ? undefined
            : await loadWithProgress(
                ctx,
                dbTargetFromEnv(ctx, values),
                await publishedRunSource(store, runId, publishing),
              );
        return {
          runId,
          input,
          params,
          result,
          published,
          ...(guard ? { guard } : {}),
          ...(changes ? { changes } : {}),
          ...(evaluation ? { evaluation } : {}),
          ...(loaded ? { loaded } : {}),
          ...(catalog ? { catalog: catalogSummary(catalog, result.index) } : {}),
        };
      });
      return report(ctx, outcome, (performance.now() - t0) / 1000);
    } finally {
      store.close();
    }
  },
});

/** What the end-of-run report is made of. */
interface PipelineOutcome {
  readonly runId: string;
  readonly input: string;
  readonly params: BuildParams;
  readonly result: BuildResult<ProductCatalog>;
  readonly published: PublishedRun;
  /** Undefined when the store had no latest run to compare with. */
  readonly guard?: GuardOutcome;
  /** The serving run → this run (the guard's diff). */
  readonly changes?: RunDiff;
  readonly evaluation?: Evaluation;
  readonly loaded?: LoadedRun;
  readonly catalog?: CatalogSummary;
}

/** The summary: table + where things went (human), and the object for --json. */
function report(ctx: Context, o: PipelineOutcome, seconds: number): Record<string, unknown> {
  const { published, location, latest } = o.published;
  const summary: BuildSummary = buildSummary(ctx, buildFacts(o.result), {
    input: o.input,
    runId: o.runId,
    runDir: location,
    store: published.store,
    latest,
    classicKey: published.classicKey,
    files: published.manifest.files.map((f) => f.name),
    threads: o.params.threads,
    seconds,
    ...(o.catalog ? { catalog: o.catalog } : {}),
  });
  printSummary(ctx, summary, `run ${o.runId}`);
  const ev = o.evaluation;
  if (ev) {
    const k = ev.k;
    const m = ev.metrics;
    ctx.print();
    ctx.table({
      title: `evaluation (holdout ${BUILD_EVALUATION_SPLIT.fraction}, seed ${BUILD_EVALUATION_SPLIT.seed}): ${m.testOrders} held-out orders, ${m.cases} cases`,
      columns: ["", `hitRate@${k}`, `ndcg@${k}`, "coverage", "popularityBias"],
      rows: [
        [
          `${ev.similarity.chosen}${ev.blend ? ` + popular:${ev.blend.popular}` : ""}`,
          ...headlineMetrics(m, k),
        ],
        ["popular (baseline)", ...headlineMetrics(ev.baseline.popular, k)],
      ],
    });
  }
  ctx.print();
  ctx.print(`input:     ${o.input}`);
  ctx.print(`run:       ${location}`);
  ctx.print(`latest:    ${latest}`);
  if (o.guard) ctx.print(`guard:     ${guardLine(o.guard)}`);
  if (published.classicKey) ctx.print(`classic:   ${published.classicKey} (in ${published.store})`);
  if (o.loaded) {
    const { result, target, example } = o.loaded;
    ctx.print(
      `database:  ${target.label} (schema ${target.schema}): ${result.recommendations} recommendations, active run ${result.runId}`,
    );
    for (const line of howToQuery(target, example)) ctx.print(line);
  }
  return {
    ...summary,
    ...(ev
      ? {
          evaluation: {
            file: "evaluation.json",
            split: ev.split,
            similarity: ev.similarity.chosen,
            blend: ev.blend,
            metrics: ev.metrics,
            baseline: ev.baseline.popular,
          },
        }
      : {}),
    ...(o.loaded ? { load: loadSummary(o.loaded) } : {}),
    guard: guardSummary(o.guard),
  };
}
