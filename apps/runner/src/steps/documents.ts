/**
 * Files a command writes: a build's documents (recs.json, recs.rich.json, validation.json),
 * report.html beside them, and JSON results (evaluation.json, sweep.json), each reported like the
 * documents (name, path, bytes) where a caller lists them.
 */
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import type { RunDiff } from "@cobuy/contracts";
import {
  type BuildResult,
  type DocumentsInput,
  type Evaluation,
  type GuardVerdict,
  type ProductCatalog,
  type ShopCatalog,
  type WriteReportOptions,
  type WrittenDocument,
  writeDocuments,
  writeReport,
} from "@cobuy/pipeline";
import type { Context } from "../context.js";
import type { BuildParams } from "../flags/build.js";
import { buildFacts } from "./build.js";
import { evaluateBuild } from "./evaluation.js";

/** What a build's documents are made of. */
export interface BuildDocuments {
  readonly result: BuildResult<ProductCatalog>;
  readonly runId: string;
  readonly createdAt?: Date;
  /** `params` of recs.rich.json (see steps/build.ts `paramsRecord`). */
  readonly params: Record<string, unknown>;
  /** `--catalog`: names and extra columns of the products section (steps/catalog.ts). */
  readonly catalog?: ShopCatalog;
}

// What recs.json, recs.rich.json and validation.json are written from (the report reads the same).
function documentsInput(d: BuildDocuments): DocumentsInput {
  const r = d.result;
  return {
    index: r.index,
    topk: r.topk,
    validation: r.validation,
    productSupport: r.productSupport,
    reasons: r.reasons,
    runId: d.runId,
    ...(d.createdAt !== undefined ? { createdAt: d.createdAt } : {}),
    params: d.params,
    ...(d.catalog !== undefined ? { catalog: d.catalog } : {}),
  };
}

/** What writeRunDocuments needs beyond the documents: the report's title and optional parts. */
export interface RunDocumentsOptions {
  readonly title: string;
  /** The build's params: evaluation.json is written and the report shows its charts. */
  readonly evaluate?: BuildParams;
  /** This run against the previous one: the report's "Changes since the previous run" section. */
  readonly changes?: RunDiff;
  /** The activation guard's verdict on `changes`, shown in that section. */
  readonly guard?: GuardVerdict;
}

/**
 * Stage "write": a build's documents and report.html into `dir`. Given `evaluate` (the build's
 * params), evaluation.json comes between them (stages "evaluate" and "report"): the report then
 * shows its charts. Given `changes` (and `guard`), the report says what changed since the
 * previous run.
 * @example
 * const { documents } = await writeRunDocuments(ctx, staging, { result, runId, params, title: "cobuy run …" });
 */
export async function writeRunDocuments(
  ctx: Context,
  dir: string,
  d: BuildDocuments & RunDocumentsOptions,
): Promise<{ documents: WrittenDocument[]; evaluation?: Evaluation }> {
  // One creation time for recs.rich.json and the report that describes it.
  const input = documentsInput({ ...d, createdAt: d.createdAt ?? new Date() });
  const facts = () => ({
    ...reportFacts(ctx, d.result),
    documents: input,
    ...(d.changes !== undefined ? { changes: d.changes } : {}),
    ...(d.guard !== undefined ? { guard: d.guard } : {}),
  });
  if (d.evaluate === undefined) {
    const documents = await ctx.stage("write", async () => [
      ...(await writeDocuments(dir, input)),
      await writeRunReport(dir, d.title, facts()),
    ]);
    return { documents };
  }
  const written = await ctx.stage("write", () => writeDocuments(dir, input));
  const evaluation = await evaluateBuild(ctx, d.result, d.evaluate);
  const evaluationDoc = await writeJson(dir, "evaluation.json", evaluation);
  const report = await ctx.stage("report", () => writeRunReport(dir, d.title, facts()));
  return { documents: [...written, evaluationDoc, report], evaluation };
}

/**
 * What a build's report shows beyond its documents: the stages so far (the running ones marked), the nonzeros of C
 * and skipped rows, the classic cosine's plan.
 */
function reportFacts(ctx: Context, result: BuildResult<ProductCatalog>): Omit<WriteReportOptions, "title"> {
  const facts = buildFacts(result);
  return {
    // Every stage that ran, the one writing the report too (its seconds until then).
    stages: ctx
      .stagesSoFar()
      .map((s) => ({ name: s.name, seconds: s.seconds, ...(s.running && { running: true }) })),
    counts: { nonzerosC: facts.counts.nonzeros, skippedRows: facts.counts.skippedRows },
    ...(facts.plan ? { plan: { strategy: facts.plan.strategy, threads: facts.plan.threads } } : {}),
  };
}

/**
 * Renders `dir/report.html` from the documents in `dir` (recs.rich.json: the run's counts,
 * parameters and scores; validation.json: the metric per category; evaluation.json and sweep.json
 * when there) and returns it as one more written file.
 * @example
 * files.push(await writeRunReport(out, "cobuy evaluation — sales.csv"));
 */
export async function writeRunReport(
  dir: string,
  title: string,
  facts: Omit<WriteReportOptions, "title"> = {},
): Promise<WrittenDocument> {
  const file = await writeReport(dir, { ...facts, title });
  return { name: path.basename(file), path: file, bytes: (await stat(file)).size };
}

/**
 * Writes JSON to `dir/name` through a temporary file (created with `dir` if missing).
 * @example
 * const doc = await writeJson(out, "evaluation.json", evaluation); // doc.path, doc.bytes
 */
export async function writeJson(dir: string, name: string, value: unknown): Promise<WrittenDocument> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  return { name, path: file, bytes: Buffer.byteLength(text) };
}
