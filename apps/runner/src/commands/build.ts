/** `cobuy build`: one input file → recs.json, recs.rich.json, validation.json in a folder. */
import { makeRunId, writeDocuments } from "@cobuy/pipeline";
import { requireString } from "../args.js";
import { BUILD_OPTIONS, parseBuildParams } from "../build/options.js";
import { buildFacts, paramsRecord, runBuild } from "../build/run-build.js";
import { writeRunReport } from "../build/run-report.js";
import { parseSqlInput, runSqlBuild, SQL_INPUT_OPTIONS } from "../build/sql-input.js";
import { buildSummary, printSummary } from "../build/summary.js";
import { defineCommand } from "../command.js";
import { fmtBytes } from "../ui/format.js";
import { INPUT_S3_OPTIONS, withSalesInput } from "./input-source.js";

export const build = defineCommand({
  name: "build",
  summary:
    "build similar-product lists from a sales CSV and write the documents and report.html into a folder",
  usage: "cobuy build (--input FILE | --input-sql URL --table [SCHEMA.]NAME) --out DIR [--k K] [options]",
  description:
    "Reads order lines (order, product and category columns; .csv with a header row, .csv.gz or .parquet;\n" +
    "a local file or s3://bucket/key), computes\n" +
    "C = AᵀA and the exact cosine top-k per product (or the top-k of another --similarity measure, or\n" +
    "the one --similarity auto picks on a validation split of the orders), validates the lists per\n" +
    "category and writes recs.json, recs.rich.json (params.similarity records the measure and, for auto,\n" +
    "every candidate's score) and validation.json, then report.html (the metric per category, readable\n" +
    "offline), into DIR (created if missing).",
  options: {
    input: {
      type: "string",
      short: "i",
      valueName: "FILE|s3://…",
      description: "sales file (.csv, .csv.gz or .parquet), or an S3 object s3://bucket/key",
    },
    out: { type: "string", short: "o", valueName: "DIR", description: "folder for the documents" },
    ...INPUT_S3_OPTIONS,
    ...SQL_INPUT_OPTIONS,
    ...BUILD_OPTIONS,
  },
  examples: [
    "cobuy build --input sales.csv --k 5 --out out/",
    "cobuy build --input sales.csv.gz --out out/ --incidence binary --min-support 3 --json",
    "cobuy build --input sales.csv --out out/ --similarity llr --min-pair-support 2",
    "cobuy build --input sales.csv --out out/ --similarity auto --blend popular:0.2",
    "cobuy build --input sales.parquet --out out/",
    "cobuy build --input s3://my-bucket/exports/sales.csv.gz --out out/ --s3-endpoint http://127.0.0.1:9000",
    "PGPASSWORD=… cobuy build --input-sql postgres://me@db:5432/shop --table public.sales --out out/",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const params = parseBuildParams(values);
    const sql = parseSqlInput(values, params);
    const input = sql ? sql.label : requireString(values.input, "input");
    const out = ctx.resolvePath(requireString(values.out, "out"));
    const runId = makeRunId();
    const result = sql
      ? await runSqlBuild(ctx, sql, params)
      : await withSalesInput(ctx, input, values, (src) =>
          runBuild(ctx, src.source, params, src.name !== undefined ? { inputName: src.name } : {}),
        );
    const files = await ctx.stage("write", async () => {
      const docs = await writeDocuments(out, {
        index: result.index,
        topk: result.topk,
        validation: result.validation,
        productSupport: result.productSupport,
        reasons: result.reasons,
        runId,
        params: paramsRecord(input, params, result),
      });
      return [...docs, await writeRunReport(out, `cobuy build — ${input}`)];
    });
    ctx.log.info(`wrote ${files.map((f) => `${f.name} (${fmtBytes(f.bytes)})`).join(", ")}`, { dir: out });
    const summary = buildSummary(ctx, buildFacts(result), {
      input,
      out,
      runId,
      threads: params.threads,
      files: files.map((f) => ({ name: f.name, path: f.path, bytes: f.bytes })),
      seconds: (performance.now() - t0) / 1000,
    });
    printSummary(ctx, summary);
    ctx.print(`\ndocuments: ${out}`);
    return summary;
  },
});
