/** `cobuy build`: one input file → recs.json, recs.rich.json, validation.json in a folder. */
import { makeUniqueRunId } from "@cobuy/contracts";
import { defineCommand } from "../command.js";
import { BUILD_OPTIONS, parseBuildParams } from "../flags/build.js";
import { CATALOG_OPTIONS, parseCatalogPath } from "../flags/catalog.js";
import { buildInputLabel, INPUT_OPTIONS, parseBuildInput, SQL_INPUT_OPTIONS } from "../flags/input.js";
import { INPUT_S3_OPTIONS } from "../flags/store.js";
import { missingOption, requireString } from "../flags/values.js";
import { buildFacts, buildFrom, paramsRecord } from "../steps/build.js";
import { catalogSummary, readCatalogFlag } from "../steps/catalog.js";
import { writeRunDocuments } from "../steps/documents.js";
import { buildSummary, printSummary } from "../steps/summary.js";
import { fmtBytes } from "../ui/format.js";

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
    ...INPUT_OPTIONS,
    out: { type: "string", short: "o", valueName: "DIR", description: "folder for the documents" },
    ...INPUT_S3_OPTIONS,
    ...SQL_INPUT_OPTIONS,
    ...BUILD_OPTIONS,
    ...CATALOG_OPTIONS,
  },
  examples: [
    "cobuy build --input sales.csv --k 5 --out out/",
    "cobuy build --input sales.csv.gz --out out/ --incidence binary --min-support 3 --json",
    "cobuy build --input sales.csv --out out/ --similarity llr --min-pair-support 2",
    "cobuy build --input sales.csv --out out/ --similarity auto --blend popular:0.2",
    "cobuy build --input sales.parquet --out out/",
    "cobuy build --input sales.csv --catalog products.csv --out out/",
    "cobuy build --input s3://my-bucket/exports/sales.csv.gz --out out/ --s3-endpoint http://127.0.0.1:9000",
    "PGPASSWORD=… cobuy build --input-sql postgres://me@db:5432/shop --table public.sales --out out/",
    "cobuy build --input-sql postgres://me@db:5432/shop --table public.sales --similarity llr --out out/",
    "cobuy build --engine duckdb --input sales.parquet --similarity llr --out out/",
    "cobuy build --input-sql duckdb:///data/shop.duckdb --table sales --similarity llr --explain-sql",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const params = parseBuildParams(values);
    const source = parseBuildInput(values, params) ?? missingOption("input");
    const input = buildInputLabel(source);
    if (source.kind === "sql" && source.sql.explain === true) {
      const { explainSql } = await import("../steps/sql-build.js");
      ctx.print(explainSql(source.sql, params));
      return undefined;
    }
    const out = ctx.resolvePath(requireString(values.out, "out"));
    const catalog = await readCatalogFlag(ctx, parseCatalogPath(ctx, values));
    // Unique like a published run's: two builds of one second (tests, scripts) are two runs to load or diff.
    const runId = makeUniqueRunId();
    const result = await buildFrom(ctx, source, params);
    const { documents: files } = await writeRunDocuments(ctx, out, {
      result,
      runId,
      params: paramsRecord(input, params, result),
      title: `cobuy build — ${input}`,
      ...(catalog ? { catalog } : {}),
    });
    ctx.log.info(`wrote ${files.map((f) => `${f.name} (${fmtBytes(f.bytes)})`).join(", ")}`, { dir: out });
    const summary = buildSummary(ctx, buildFacts(result), {
      input,
      out,
      runId,
      threads: params.threads,
      files: files.map((f) => ({ name: f.name, path: f.path, bytes: f.bytes })),
      seconds: (performance.now() - t0) / 1000,
      ...(catalog ? { catalog: catalogSummary(catalog, result.index) } : {}),
    });
    printSummary(ctx, summary);
    ctx.print(`\ndocuments: ${out}`);
    return summary;
  },
});
