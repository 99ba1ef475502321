/**
 * `cobuy pipeline`: the whole job with embedded defaults, as a list of stages over one run state:
 *
 *   input → build → write documents → publish → (load)
 *
 * Each stage is a function `(run) => Promise<void>` below that reads and fills `PipelineRun`;
 * `run()` calls them in order. To extend (e.g. `--store URL` for S3, loading into a database with
 * `--no-load`), add options to `options`, fields to `PipelineRun`, and a stage function + one line.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, rmdir } from "node:fs/promises";
import * as path from "node:path";
import { type LoadResult, localRunSource } from "@cobuy/pg-loader";
import {
  type BuildResult,
  makeRunId,
  type WrittenDocument,
  writeDocuments,
  writeSampleCsv,
} from "@cobuy/pipeline";
import { openStore, type PublishRunResult, publishRun } from "@cobuy/s3-export";
import { BUILD_OPTIONS, type BuildParams, parseBuildParams } from "../build/options.js";
import { buildFacts, paramsRecord, runBuild } from "../build/run-build.js";
import { type BuildSummary, buildSummary, printSummary } from "../build/summary.js";
import { defineCommand } from "../command.js";
import type { Context } from "../context.js";
import {
  DB_OPTIONS,
  type DbFlagValues,
  type DbTarget,
  dbTargetFromEnv,
  howToQuery,
  loadWithProgress,
} from "./load.js";

/** The sample data set used when no --input is given (generated once into `<home>/data/`). */
export const SAMPLE_DEFAULTS = { orders: 20_000, products: 2_000, categories: 20, seed: 1 } as const;

/** The state the stages share; each stage fills its part. */
export interface PipelineRun {
  readonly ctx: Context;
  readonly params: BuildParams;
  readonly runId: string;
  readonly createdAt: Date;
  /** Input file; set by `resolveInput`. */
  input: string;
  /** Where the documents are written before publishing (removed afterwards). */
  readonly staging: string;
  result?: BuildResult;
  documents?: WrittenDocument[];
  published?: PublishRunResult;
  /** Where the run can be found, for the user. */
  location?: string;
  /** Set by `load` (skipped with --no-load). */
  loaded?: { result: LoadResult; target: DbTarget; example?: string };
}

export const pipeline = defineCommand({
  name: "pipeline",
  summary: "run the whole job: (sample data →) build → documents → publish to the local run folder",
  usage: "cobuy pipeline [--input FILE] [build options]",
  description:
    "Without --input, generates the sample data set once into $COBUY_HOME/data/ (default ./.cobuy) and\n" +
    "uses it. Publishes the run under $COBUY_HOME/runs/<runId>/ (documents, then manifest.json, then\n" +
    "latest.json), run id = UTC start time YYYY-MM-DD_HH-MM-SS, and prints where it went.",
  options: {
    input: {
      type: "string",
      short: "i",
      valueName: "FILE",
      description: "sales CSV (.csv or .csv.gz); default: the generated sample data set",
    },
    ...BUILD_OPTIONS,
    load: {
      type: "boolean",
      default: true,
      description:
        "load the run into DATABASE_URL (else the embedded PGlite) and make it active (--no-load: skip)",
    },
    ...DB_OPTIONS,
  },
  examples: ["cobuy pipeline", "COBUY_HOME=/tmp/cobuy cobuy pipeline --input sales.csv --k 10 --json"],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const createdAt = new Date();
    const runId = uniqueRunId(ctx, createdAt);
    const run: PipelineRun = {
      ctx,
      params: parseBuildParams(values),
      runId,
      createdAt,
      input: values.input ?? "",
      staging: path.join(ctx.home.root, "staging", runId),
    };
    ctx.log.info(`run ${runId}`, { home: ctx.home.root });
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
    const summary = report(run, (performance.now() - t0) / 1000);
    if (!run.loaded) return summary;
    const { result, target } = run.loaded;
    return {
      ...summary,
      load: { ...result, database: target.label, kind: target.kind, schema: target.schema },
    };
  },
});

/** Stage "sample" (only without --input): the deterministic sample data set, generated once. */
async function resolveInput(run: PipelineRun): Promise<void> {
  const { ctx } = run;
  if (run.input) {
    run.input = ctx.resolvePath(run.input);
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

/** Stages ingest → incidence → cooccurrence → topk → validation (timed by @cobuy/pipeline). */
async function build(run: PipelineRun): Promise<void> {
  run.result = await runBuild(run.ctx, run.input, run.params);
}

/** Stage "write": the three documents into the staging folder. */
async function writeRunDocuments(run: PipelineRun): Promise<void> {
  const r = run.result!;
  run.documents = await run.ctx.stage("write", () =>
    writeDocuments(run.staging, {
      index: r.index,
      topk: r.topk,
      validation: r.validation,
      runId: run.runId,
      createdAt: run.createdAt,
      params: paramsRecord(run.input, run.params),
    }),
  );
}

/** Stage "publish": documents, manifest, then latest.json into the local run folder (the bucket). */
async function publish(run: PipelineRun): Promise<void> {
  const { ctx } = run;
  const r = run.result!;
  await mkdir(ctx.home.runs, { recursive: true });
  const store = openStore(ctx.home.runs);
  run.published = await ctx.stage("publish", () =>
    publishRun(store, {
      runId: run.runId,
      createdAt: run.createdAt,
      files: run.documents!.map((d) => ({ name: d.name, path: d.path })),
      params: paramsRecord(run.input, run.params),
      counts: {
        rows: r.stats.rows,
        orders: r.stats.orders,
        products: r.stats.products,
        nonzerosC: r.stats.nnzC,
      },
    }),
  );
  run.location = path.join(ctx.home.runs, run.runId);
  ctx.log.info(`published run ${run.runId}`, { store: run.published.store, latest: run.published.latestKey });
}

/** Stage "load": the published run into PostgreSQL (DATABASE_URL / PG*) or the embedded PGlite, made active. */
async function load(run: PipelineRun, values: DbFlagValues): Promise<void> {
  const target = dbTargetFromEnv(run.ctx, values);
  const { result, example } = await loadWithProgress(run.ctx, target, localRunSource(run.location!));
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
    latest: run.published ? path.join(ctx.home.runs, run.published.latestKey) : undefined,
    files: run.published?.manifest.files.map((f) => f.name) ?? run.documents?.map((d) => d.name),
    threads: run.params.threads,
    seconds,
  });
  printSummary(ctx, summary, `run ${run.runId}`);
  ctx.print();
  ctx.print(`input:     ${run.input}`);
  ctx.print(`run:       ${run.location}`);
  if (summary.latest) ctx.print(`latest:    ${summary.latest as string}`);
  if (run.loaded) {
    const { result, target, example } = run.loaded;
    ctx.print(
      `database:  ${target.label} (schema ${target.schema}): ${result.recommendations} recommendations, active run ${result.runId}`,
    );
    for (const line of howToQuery(target, example)) ctx.print(line);
  }
  return summary;
}

/** The run id of `at`, suffixed `_2`, `_3`, … if a run with that id already exists locally. */
function uniqueRunId(ctx: Context, at: Date): string {
  const base = makeRunId(at);
  let id = base;
  for (let n = 2; existsSync(path.join(ctx.home.runs, id)); n++) id = makeRunId(at, String(n));
  return id;
}
