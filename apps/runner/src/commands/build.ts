/** `cobuy build`: one input file → recs.json, recs.rich.json, validation.json in a folder. */
import { makeRunId, writeDocuments } from "@cobuy/pipeline";
import { requireString } from "../args.js";
import { BUILD_OPTIONS, parseBuildParams } from "../build/options.js";
import { buildFacts, paramsRecord, runBuild } from "../build/run-build.js";
import { writeRunReport } from "../build/run-report.js";
import { buildSummary, printSummary } from "../build/summary.js";
import { defineCommand } from "../command.js";
import { fmtBytes } from "../ui/format.js";

export const build = defineCommand({
  name: "build",
  summary:
    "build similar-product lists from a sales CSV and write the documents and report.html into a folder",
  usage: "cobuy build --input FILE --out DIR [--k K] [options]",
  description:
    "Reads order lines (header row; order, product and category columns; .csv or .csv.gz), computes\n" +
    "C = AᵀA and the exact cosine top-k per product (or the top-k of another --similarity measure, or\n" +
    "the one --similarity auto picks on a validation split of the orders), validates the lists per\n" +
    "category and writes recs.json, recs.rich.json (params.similarity records the measure and, for auto,\n" +
    "every candidate's score) and validation.json, then report.html (the metric per category, readable\n" +
    "offline), into DIR (created if missing).",
  options: {
    input: { type: "string", short: "i", valueName: "FILE", description: "sales CSV (.csv or .csv.gz)" },
    out: { type: "string", short: "o", valueName: "DIR", description: "folder for the documents" },
    ...BUILD_OPTIONS,
  },
  examples: [
    "cobuy build --input sales.csv --k 5 --out out/",
    "cobuy build --input sales.csv.gz --out out/ --incidence binary --min-support 3 --json",
    "cobuy build --input sales.csv --out out/ --similarity llr --min-pair-support 2",
    "cobuy build --input sales.csv --out out/ --similarity auto --blend popular:0.2",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const input = requireString(values.input, "input");
    const out = ctx.resolvePath(requireString(values.out, "out"));
    const params = parseBuildParams(values);
    const runId = makeRunId();
    const result = await runBuild(ctx, ctx.resolvePath(input), params);
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
