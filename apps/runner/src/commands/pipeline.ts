/**
 * `cobuy pipeline`: the whole job with embedded defaults, as a list of stages over one run state:
 *
 *   input → build → write documents (+ evaluation.json with --evaluate, + report.html) → publish (--store) → (load)
 *
 * Each stage is a function `(run) => Promise<void>` below that reads and fills `PipelineRun`;
 * `run()` calls them in order. To extend, add options to `options`, fields to `PipelineRun`, and a
 * stage function + one line.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, rmdir, stat } from "node:fs/promises";
import * as path from "node:path";
import { type LoadResult, localRunSource, type RunSource } from "@cobuy/pg-loader";
import {
  type BuildResult,
  classicKernel,
  type Evaluation,
  evaluate,
  evaluationDataFromIndex,
  isSalesIndex,
  makeRunId,
  type ProductCatalog,
  type WrittenDocument,
  writeDocuments,
  writeSampleCsv,
} from "@cobuy/pipeline";
import {
  joinKey,
  MANIFEST_NAME,
  type PublishRunResult,
  publishRun,
  type ServerSideEncryption,
} from "@cobuy/s3-export";
import { choiceOption } from "../args.js";
import { BUILD_OPTIONS, type BuildParams, parseBuildParams } from "../build/options.js";
import { buildFacts, paramsRecord, runBuild } from "../build/run-build.js";
import { writeRunReport } from "../build/run-report.js";
import { parseSqlInput, runSqlBuild, SQL_INPUT_OPTIONS, type SqlInput } from "../build/sql-input.js";
import { type BuildSummary, buildSummary, printSummary } from "../build/summary.js";
import { defineCommand } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { writeJson } from "./evaluate.js";
import { resolveInputArg, withSalesInput } from "./input-source.js";
import {
  DB_OPTIONS,
  type DbFlagValues,
  type DbTarget,
  dbTargetFromEnv,
  howToQuery,
  loadWithProgress,
  storeRunSource,
} from "./load.js";
import { type OpenedStore, openStoreFromFlags, STORE_OPTIONS } from "./store-flags.js";

/** The split of `--evaluate` (as `cobuy evaluate`'s defaults). */
export const PIPELINE_EVALUATION = { method: "holdout", fraction: 0.2, seed: 1 } as const;

/** The sample data set used when no --input is given (generated once into `<home>/data/`). */
export const SAMPLE_DEFAULTS = { orders: 20_000, products: 2_000, categories: 20, seed: 1 } as const;

/** The state the stages share; each stage fills its part. */
export interface PipelineRun {
  readonly ctx: Context;
  readonly params: BuildParams;
  readonly runId: string;
  readonly createdAt: Date;
  /** Input file (or the --input-sql table's label); set by `resolveInput`. */
  input: string;
  /** --input-sql / --table: the counting runs in that database. */
  readonly sql?: SqlInput;
  /** Where the documents are written before publishing (removed afterwards). */
  readonly staging: string;
  /** --s3-endpoint (for an s3:// --input as for the store). */
  readonly s3Endpoint?: string;
  /** The store the run is published to (--store; default the local run folder). */
  readonly store: OpenedStore;
  /** Store the documents gzip-compressed (--gzip). */
  readonly gzip: boolean;
  /** Server-side encryption of every object (--sse, --sse-kms-key-id). */
  readonly sse?: ServerSideEncryption;
  /** Also evaluate on held-out orders and publish evaluation.json (--evaluate). */
  readonly evaluate: boolean;
  /** Also write recs.json under this key pattern (--classic-key). */
  readonly classicKey?: string;
  result?: BuildResult<ProductCatalog>;
  /** Set by `writeRunDocuments` with --evaluate. */
  evaluation?: Evaluation;
  documents?: WrittenDocument[];
  published?: PublishRunResult;
  /** Where the run can be found, for the user: a folder, or the run's URL in the store. */
  location?: string;
  /** Where latest.json is, for the user. */
  latest?: string;
  /** Set by `load` (skipped with --no-load). */
  loaded?: { result: LoadResult; target: DbTarget; example?: string };
}

export const pipeline = defineCommand({
  name: "pipeline",
  summary: "run the whole job: (sample data →) build → documents → publish → load into the database",
  usage:
    "cobuy pipeline [--input FILE | --input-sql URL --table [SCHEMA.]NAME] [--store URL [--gzip] [--classic-key PATTERN]] [--evaluate] [--no-load] [build options]",
  description:
    "Without --input, generates the sample data set once into $COBUY_HOME/data/ (default ./.cobuy) and\n" +
    "uses it. Publishes the run (documents and report.html, then manifest.json, then latest.json) under\n" +
    "<store>/<runId>/, by default $COBUY_HOME/runs/, run id = UTC start time YYYY-MM-DD_HH-MM-SS, then\n" +
    "loads it from there into DATABASE_URL or the embedded PGlite, and prints where everything went.\n" +
    "--evaluate also scores the lists on held-out orders (holdout 0.2, seed 1, the build's measure and k,\n" +
    "every measure beside it) and publishes evaluation.json, whose charts report.html then shows.",
  options: {
    input: {
      type: "string",
      short: "i",
      valueName: "FILE|s3://…",
      description:
        "sales file (.csv, .csv.gz, .parquet) or s3://bucket/key (read with --s3-endpoint / the AWS environment); default: the generated sample data set",
    },
    ...SQL_INPUT_OPTIONS,
    ...BUILD_OPTIONS,
    ...STORE_OPTIONS,
    gzip: {
      type: "boolean",
      description: "store the documents gzip-compressed (Content-Encoding: gzip; readers decompress)",
    },
    sse: {
      type: "string",
      valueName: "AES256|aws:kms",
      description: "server-side encryption of every object written (S3 stores; SSE-S3 or SSE-KMS)",
    },
    "sse-kms-key-id": {
      type: "string",
      valueName: "KEY",
      description: "with --sse aws:kms: the KMS key id, ARN or alias (default: the bucket's AWS-managed key)",
    },
    "classic-key": {
      type: "string",
      valueName: "PATTERN",
      description: "also write recs.json under this key of the store, e.g. recs/key{ts}.json",
    },
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
    "AWS_PROFILE=prod cobuy pipeline --store s3://my-bucket/cobuy --gzip --classic-key recs/key{ts}.json",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const createdAt = new Date();
    const params = parseBuildParams(values);
    const sql = parseSqlInput(values, params);
    const store = openStoreFromFlags(ctx, values);
    try {
      const runId = await uniqueRunId(store, createdAt);
      const run: PipelineRun = {
        ctx,
        params,
        runId,
        createdAt,
        input: sql?.label ?? values.input ?? "",
        ...(sql ? { sql } : {}),
        staging: path.join(ctx.home.root, "staging", runId),
        ...(values["s3-endpoint"] ? { s3Endpoint: values["s3-endpoint"] } : {}),
        store,
        gzip: values.gzip === true,
        ...sseFromFlags(values.sse, values["sse-kms-key-id"]),
        evaluate: values.evaluate === true,
        ...(values["classic-key"] ? { classicKey: values["classic-key"] } : {}),
      };
      ctx.log.info(`run ${runId}`, { home: ctx.home.root, store: store.label });
      try {
        await resolveInput(run);
        await build(run);
        await writeRunDocuments(run);
        await publish(run);
        if (values.load !== false) await load(run, values);
      } finally {
        await rm(run.staging, { recursive: true, force: true });
        await rmdir(path.dirname(run.staging)).catch(() => {}); // only when empty
      }
      return summarize(run, (performance.now() - t0) / 1000);
    } finally {
      store.close();
    }
  },
});

function summarize(run: PipelineRun, seconds: number) {
  const summary = { ...report(run, seconds), ...evaluationSummary(run) };
  if (!run.loaded) return summary;
  const { result, target } = run.loaded;
  return {
    ...summary,
    load: { ...result, database: target.label, kind: target.kind, schema: target.schema },
  };
}

/** Stage "sample" (only without --input): the deterministic sample data set, generated once. */
async function resolveInput(run: PipelineRun): Promise<void> {
  const { ctx } = run;
  if (run.sql) return;
  if (run.input) {
    run.input = resolveInputArg(ctx, run.input);
    return;
  }
  const s = SAMPLE_DEFAULTS;
  const file = path.join(ctx.home.data, `sample-${s.orders}x${s.products}x${s.categories}-seed${s.seed}.csv`);
  if (!existsSync(file)) {
    await mkdir(ctx.home.data, { recursive: true });
    await ctx.stage("sample", () => writeSampleCsv(file, s));
    ctx.log.info("generated the sample data set", { path: file });
  }
  run.input = file;
}

/** Stages ingest → incidence → (auto) → cooccurrence → topk → validation (timed by @cobuy/pipeline). */
async function build(run: PipelineRun): Promise<void> {
  run.result = run.sql
    ? await runSqlBuild(run.ctx, run.sql, run.params)
    : await withSalesInput(run.ctx, run.input, { "s3-endpoint": run.s3Endpoint }, (src) =>
        runBuild(run.ctx, src.source, run.params, {
          keepOrderIds: run.evaluate,
          ...(src.name !== undefined ? { inputName: src.name } : {}),
        }),
      );
}

/**
 * Stage "write": the three documents into the staging folder, then (--evaluate, stage "evaluate")
 * evaluation.json, then report.html, which shows evaluation.json's charts when it is there.
 */
async function writeRunDocuments(run: PipelineRun): Promise<void> {
  const r = run.result!;
  const title = `cobuy run ${run.runId}`;
  const write = () =>
    writeDocuments(run.staging, {
      index: r.index,
      topk: r.topk,
      validation: r.validation,
      productSupport: r.productSupport,
      reasons: r.reasons,
      runId: run.runId,
      createdAt: run.createdAt,
      params: paramsRecord(run.input, run.params, r),
    });
  if (!run.evaluate) {
    run.documents = await run.ctx.stage("write", async () => [
      ...(await write()),
      await writeRunReport(run.staging, title),
    ]);
    return;
  }
  const docs = await run.ctx.stage("write", write);
  docs.push(await evaluateRun(run));
  docs.push(await run.ctx.stage("report", () => writeRunReport(run.staging, title)));
  run.documents = docs;
}

/**
 * Stage "evaluate" (--evaluate): the build's measure (as chosen, with its minimum pair support,
 * caps and blend) and k scored on held-out orders of the same input, every measure beside it and
 * the best-seller baseline, as `cobuy evaluate` does → evaluation.json in the staging folder.
 */
async function evaluateRun(run: PipelineRun): Promise<WrittenDocument> {
  const { ctx, params } = run;
  const r = run.result!;
  const index = r.index;
  if (!isSalesIndex(index)) throw new UsageError("--evaluate needs the order lines: not with --input-sql");
  const sim = r.similarity;
  const hasCaps =
    params.caps.maxProductsPerOrder !== undefined || params.caps.maxOrdersPerProduct !== undefined;
  run.evaluation = await ctx.stage("evaluate", () =>
    evaluate(evaluationDataFromIndex(index), {
      split: { ...PIPELINE_EVALUATION },
      k: params.k,
      similarity: sim.measure,
      minPairSupport: sim.minPairSupport,
      minScore: params.minScore,
      ...(hasCaps ? { caps: params.caps } : {}),
      ...(params.blend ? { blend: params.blend } : {}),
      classic: classicKernel({ threads: params.threads, kernel: params.kernel }),
      onProgress: (e) => ctx.log.debug(`evaluate: ${e.stage} ${e.detail ?? ""}`.trim()),
    }),
  );
  const file = await writeJson(run.staging, "evaluation.json", run.evaluation);
  const k = run.evaluation.k;
  ctx.log.info(`evaluated ${run.evaluation.similarity.chosen} on held-out orders`, {
    [`hitRate@${k}`]: run.evaluation.metrics[`hitRate@${k}`],
    coverage: run.evaluation.metrics.coverage,
    testOrders: run.evaluation.metrics.testOrders,
  });
  return { name: "evaluation.json", path: file, bytes: (await stat(file)).size };
}

/** The summary's `evaluation` (with --evaluate): the split, what was scored and its metrics. */
function evaluationSummary(run: PipelineRun): { evaluation?: Record<string, unknown> } {
  const ev = run.evaluation;
  if (!ev) return {};
  return {
    evaluation: {
      file: "evaluation.json",
      split: ev.split,
      similarity: ev.similarity.chosen,
      blend: ev.blend,
      metrics: ev.metrics,
      baseline: ev.baseline.popular,
    },
  };
}

/** Stage "publish": documents, manifest, then latest.json into the store (default: the local run folder). */
async function publish(run: PipelineRun): Promise<void> {
  const { ctx, store } = run;
  const r = run.result!;
  run.published = await ctx.stage("publish", () =>
    publishRun(store.store, {
      runId: run.runId,
      createdAt: run.createdAt,
      files: run.documents!.map((d) => ({
        name: d.name,
        path: d.path,
        ...(d.name.endsWith(".html") ? { contentType: "text/html; charset=utf-8" } : {}),
      })),
      params: paramsRecord(run.input, run.params, r),
      counts: {
        rows: r.stats.rows,
        orders: r.stats.orders,
        products: r.stats.products,
        nonzerosC: r.stats.nnzC,
      },
      gzip: run.gzip,
      ...(run.sse !== undefined ? { sse: run.sse } : {}),
      ...(run.classicKey !== undefined ? { classicKey: run.classicKey } : {}),
    }),
  );
  const p = run.published;
  if (store.folder !== undefined) {
    run.location = path.join(store.folder, run.runId);
    run.latest = path.join(store.folder, p.latestKey);
  } else {
    const base = p.store.replace(/\/+$/, "");
    run.location = `${base}/${run.runId}/`;
    run.latest = `${base}/${p.latestKey}`;
  }
  ctx.log.info(`published run ${run.runId}`, {
    store: p.store,
    latest: p.latestKey,
    ...(p.classicKey !== undefined ? { classicKey: p.classicKey } : {}),
  });
}

/**
 * Stage "load": the published run into PostgreSQL (DATABASE_URL / PG*) or the embedded PGlite, made
 * active. Read back from the store (checksums verified while streaming), or straight from the run
 * folder when the store is a local folder holding plain (not gzip) documents.
 */
async function load(run: PipelineRun, values: DbFlagValues): Promise<void> {
  const target = dbTargetFromEnv(run.ctx, values);
  const source: RunSource =
    run.store.folder !== undefined && !run.gzip
      ? localRunSource(path.join(run.store.folder, run.runId))
      : await storeRunSource(run.store.store, run.runId);
  const { result, example } = await loadWithProgress(run.ctx, target, source);
  run.loaded = { result, target, example };
}

/** The summary: table + where things went (human), or the object for --json. */
function report(run: PipelineRun, seconds: number): BuildSummary {
  const { ctx } = run;
  const summary = buildSummary(ctx, buildFacts(run.result!), {
    input: run.input,
    runId: run.runId,
    runDir: run.location,
    store: run.published?.store,
    latest: run.latest,
    classicKey: run.published?.classicKey,
    files: run.published?.manifest.files.map((f) => f.name) ?? run.documents?.map((d) => d.name),
    threads: run.params.threads,
    seconds,
  });
  printSummary(ctx, summary, `run ${run.runId}`);
  const ev = run.evaluation;
  if (ev) {
    const k = ev.k;
    const m = ev.metrics;
    const b = ev.baseline.popular;
    ctx.print();
    ctx.table({
      title: `evaluation (holdout ${PIPELINE_EVALUATION.fraction}, seed ${PIPELINE_EVALUATION.seed}): ${m.testOrders} held-out orders, ${m.cases} cases`,
      columns: ["", `hitRate@${k}`, `ndcg@${k}`, "coverage", "popularityBias"],
      rows: [
        [`${ev.similarity.chosen}${ev.blend ? ` + popular:${ev.blend.popular}` : ""}`, ...fourOf(m, k)],
        ["popular (baseline)", ...fourOf(b, k)],
      ],
    });
  }
  ctx.print();
  ctx.print(`input:     ${run.input}`);
  ctx.print(`run:       ${run.location}`);
  if (run.latest) ctx.print(`latest:    ${run.latest}`);
  if (run.published?.classicKey)
    ctx.print(`classic:   ${run.published.classicKey} (in ${run.published.store})`);
  if (run.loaded) {
    const { result, target, example } = run.loaded;
    ctx.print(
      `database:  ${target.label} (schema ${target.schema}): ${result.recommendations} recommendations, active run ${result.runId}`,
    );
    for (const line of howToQuery(target, example)) ctx.print(line);
  }
  return summary;
}

function fourOf(m: Record<string, number>, k: number): number[] {
  return [m[`hitRate@${k}`]!, m[`ndcg@${k}`]!, m.coverage!, m.popularityBias!].map((x) =>
    Number(x.toFixed(4)),
  );
}

/** The run id of `at`, suffixed `_2`, `_3`, … if the store already holds a run (or a folder) with that id. */
async function uniqueRunId(store: OpenedStore, at: Date): Promise<string> {
  const taken = async (id: string) =>
    (store.folder !== undefined && existsSync(path.join(store.folder, id))) ||
    (await store.store.head(joinKey(id, MANIFEST_NAME))) !== undefined;
  let id = makeRunId(at);
  for (let n = 2; await taken(id); n++) id = makeRunId(at, String(n));
  return id;
}

/** `--sse` / `--sse-kms-key-id` as publishRun's option (an empty object when not asked for). */
function sseFromFlags(sse: string | undefined, kmsKeyId: string | undefined): { sse?: ServerSideEncryption } {
  if (sse === undefined) {
    if (kmsKeyId !== undefined) throw new UsageError("--sse-kms-key-id needs --sse aws:kms");
    return {};
  }
  const type = choiceOption(sse, "sse", ["AES256", "aws:kms"] as const, "AES256");
  if (type === "AES256") {
    if (kmsKeyId !== undefined) throw new UsageError("--sse-kms-key-id needs --sse aws:kms (not AES256)");
    return { sse: { type } };
  }
  return { sse: kmsKeyId === undefined ? { type } : { type, kmsKeyId } };
}
