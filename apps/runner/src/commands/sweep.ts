/** `cobuy sweep`: minimum pair support × minimum score → classic metric, HitRate@k, coverage (sweep.json). */
import { classicKernel, SIMILARITIES, sweep } from "@cobuy/pipeline";
import { defineCommand } from "../command.js";
import { parseMeasure } from "../flags/build.js";
import { EVAL_OPTIONS, parseEvalParams } from "../flags/evaluation.js";
import { numberList } from "../flags/values.js";
import { writeJson, writeRunReport } from "../steps/documents.js";
import { loadForEvaluation } from "../steps/evaluation.js";

export const sweepCommand = defineCommand({
  name: "sweep",
  summary:
    "grid of minimum pair support × minimum score → classic metric, HitRate@k and coverage (sweep.json)",
  usage:
    "cobuy sweep --input FILE --out DIR [--similarity M] [--supports 1,2,5] [--scores 0,0.1] [evaluate's split flags]",
  description:
    "Builds once per minimum pair support on the training orders and cuts the lists at each minimum score\n" +
    "(by default 0 and the 10/25/50/75/90th percentiles of the listed scores); every cell is scored on the\n" +
    "same held-out orders. Writes DIR/sweep.json and refreshes DIR/report.html.",
  options: {
    ...EVAL_OPTIONS,
    similarity: {
      type: "string",
      valueName: "M",
      description: `measure swept (default cooccurrence-cosine): ${SIMILARITIES.join(", ")}`,
    },
    supports: {
      type: "string",
      valueName: "N,N,…",
      description: "minimum pair supports (default 1,2,3,5,10,20)",
    },
    scores: {
      type: "string",
      valueName: "S,S,…",
      description: "minimum scores (default: from the score percentiles)",
    },
  },
  examples: [
    "cobuy sweep --input sales.csv --out eval/",
    "cobuy sweep --input sales.csv --out eval/ --similarity llr --supports 1,2,4,8",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const p = parseEvalParams(ctx, values);
    const similarity = parseMeasure(values.similarity);
    const supports = numberList(values.supports, "supports");
    const scores = numberList(values.scores, "scores");
    const { data, split } = await loadForEvaluation(ctx, p);
    const result = await ctx.stage("sweep", () =>
      sweep(data, {
        split,
        k: p.k,
        similarity,
        caps: p.caps,
        classic: classicKernel({ threads: p.threads }),
        ...(supports ? { minPairSupports: supports } : {}),
        ...(scores ? { minScores: scores } : {}),
        onProgress: (e) => ctx.log.debug(`${e.stage} ${e.detail ?? ""}`.trim()),
      }),
    );
    const file = (await writeJson(p.out, "sweep.json", result)).path;
    const report = (await writeRunReport(p.out, `cobuy evaluation — ${values.input}`)).path;
    ctx.table({
      title: `${similarity}: ${result.split.testOrders} held-out orders`,
      columns: [
        "min pair support",
        "min score",
        "sameCategory",
        `hitRate@${result.k}`,
        "coverage",
        "fullLists",
      ],
      rows: result.cells.map((c) => [
        c.minPairSupport,
        c.minScore,
        ...[c.sameCategory, c.hitRate, c.coverage, c.fullLists].map((x) => Number(x.toFixed(4))),
      ]),
    });
    ctx.print(`\nsweep: ${file}\nreport: ${report}`);
    return {
      input: p.input,
      out: p.out,
      similarity,
      cells: result.cells.length,
      files: { sweep: file, report },
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
