/** `cobuy evaluate`: offline evaluation of every similarity measure on held-out orders → evaluation.json + report.html. */
import {
  classicKernel,
  type EvaluateOptions,
  type EvidenceBlend,
  evaluate,
  evidenceLabel,
  isSimilarityName,
  SIMILARITIES,
  type SimilarityName,
} from "@cobuy/pipeline";
import { defineCommand, pickOptions } from "../command.js";
import { UsageError } from "../errors.js";
import { BUILD_OPTIONS, parseBlend, parseSimilarity } from "../flags/build.js";
import { EVAL_OPTIONS, parseEvalParams } from "../flags/evaluation.js";
import { writeJson, writeRunReport } from "../steps/documents.js";
import { loadForEvaluation } from "../steps/evaluation.js";

function parseCompare(value: string | undefined): SimilarityName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!isSimilarityName(n))
      throw new UsageError(`--compare takes measures from ${SIMILARITIES.join(", ")} (got "${n}")`);
  }
  return names as SimilarityName[];
}

/**
 * evaluate's `--blend`: `auto` or `evidence:A[/keep:S][/cover:C]` (the evidence blend: prior A ≥ 0
 * orders, the first S similar items always kept, at least a share C of the catalog recommended),
 * else build's `popular:W`.
 * @example
 * parseEvaluateBlend("auto"); // { evidence: "auto" }
 */
export function parseEvaluateBlend(value: string | undefined): {
  popular?: { popular: number };
  evidence?: EvidenceBlend | "auto";
} {
  if (value === "auto") return { evidence: "auto" };
  const m =
    value === undefined
      ? null
      : /^evidence:(\d*\.?\d+)(?:\/keep:(\d+))?(?:\/cover:(0(?:\.\d+)?|1(?:\.0*)?))?$/.exec(value);
  if (m) {
    const blend: EvidenceBlend = { prior: Number(m[1]), keepSimilar: Number(m[2] ?? 0) };
    if (m[3] !== undefined) blend.minCoverage = Number(m[3]);
    return { evidence: blend };
  }
  if (value?.startsWith("evidence:"))
    throw new UsageError(
      `--blend evidence:A takes a prior A ≥ 0 in orders, keeps S ≥ 0 similar items and covers a share C from 0 to 1 of the catalog, e.g. evidence:10/keep:1/cover:0.5 (got "${value}")`,
    );
  const popular = parseBlend(value);
  return popular ? { popular } : {};
}

export const evaluateCommand = defineCommand({
  name: "evaluate",
  summary:
    "score every similarity measure on held-out orders (HitRate, NDCG, coverage, …) and write a report",
  usage:
    "cobuy evaluate --input FILE --out DIR [--holdout 0.2 --seed S | --split-by-time COLUMN] [--similarity M|auto] [--k K] [--blend popular:W|evidence:A[/keep:S][/cover:C]|auto]",
  description:
    "Builds on the training orders only; for every held-out order with ≥ 2 products and every product p in\n" +
    "it, scores p's top-k against the order's other products. Every measure is compared with the fixed\n" +
    "most-popular list. --similarity auto picks the measure and minimum pair support on a validation split\n" +
    "carved from the training orders (best HitRate@k with coverage ≥ 0.8). Writes DIR/evaluation.json and\n" +
    "With --split-by-time COLUMN the whole evaluation also runs on the latest orders by COLUMN, reported\n" +
    "beside the random holdout. " +
    "--blend auto gives best sellers the slots of similar items with weak evidence, the prior tuned on the\n" +
    "same validation split, every blend built to cover half the catalog (best HitRate@k). " +
    `DIR/report.html (with DIR/sweep.json's curves when present). Measures: ${SIMILARITIES.join(", ")}.`,
  options: {
    ...EVAL_OPTIONS,
    ...pickOptions(BUILD_OPTIONS, ["similarity", "blend"] as const),
    compare: {
      type: "string",
      valueName: "M,M,…",
      description: "measures compared side by side (default all)",
    },
  },
  examples: [
    "cobuy evaluate --input sales.csv --out eval/ --similarity auto",
    "cobuy evaluate --input sales.csv --out eval/ --holdout 0.2 --seed 7 --similarity llr --blend popular:0.4",
    "cobuy evaluate --input sales.csv --out eval/ --similarity auto --blend auto",
    "cobuy evaluate --input sales.csv --out eval/ --split-by-time ordered_at --k 10",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const p = parseEvalParams(ctx, values);
    const similarity = parseSimilarity(values.similarity);
    const { popular: blend, evidence } = parseEvaluateBlend(values.blend);
    const compare = parseCompare(values.compare);
    const { data, split, holdout } = await loadForEvaluation(ctx, p);
    // A time column adds the split by time beside the random holdout, never instead of it.
    const options: EvaluateOptions = {
      split: holdout,
      ...(split.method === "time" ? { besideSplit: split } : {}),
      k: p.k,
      similarity,
      minPairSupport: p.minPairSupport,
      minScore: p.minScore,
      caps: p.caps,
      classic: classicKernel({ threads: p.threads }),
      ...(blend ? { blend } : {}),
      ...(evidence !== undefined ? { evidenceBlend: evidence } : {}),
      ...(compare ? { compare } : {}),
      onProgress: (e) => ctx.log.debug(`${e.stage} ${e.detail ?? ""}`.trim()),
    };
    const ev = await ctx.stage("evaluate", () => evaluate(data, options));
    const file = (await writeJson(p.out, "evaluation.json", ev)).path;
    const report = (await writeRunReport(p.out, `cobuy evaluation — ${values.input}`)).path;
    ctx.log.info("wrote evaluation.json and report.html", { path: p.out });

    const k = ev.k;
    const cols = [
      `hitRate@${k}`,
      `ndcg@${k}`,
      "mrr",
      "coverage",
      "fullLists",
      "popularityBias",
      "sameCategory",
    ];
    const rows = [
      ...Object.entries(ev.measures).map(([name, m]) => [name, ...cols.map((c) => Number(m[c]!.toFixed(4)))]),
      ["popular (baseline)", ...cols.map((c) => Number(ev.baseline.popular[c]!.toFixed(4)))],
    ];
    ctx.table({
      title: `held-out orders: ${ev.metrics.testOrders} (${ev.metrics.cases} cases)`,
      columns: ["measure", ...cols],
      rows,
    });
    const chosen = ev.evidenceBlend?.chosen
      ? evidenceLabel(ev.similarity.chosen, ev.evidenceBlend.chosen)
      : `${ev.similarity.chosen}${blend ? ` + popular:${blend.popular}` : ""}`;
    ctx.print(
      `\nserved: ${chosen} (min pair support ${ev.similarity.minPairSupport}${similarity === "auto" ? ", chosen by auto" : ""}${evidence === "auto" ? ", blend prior chosen by auto" : ""})`,
    );
    if (ev.splits) {
      ctx.table({
        title: "\nrandom holdout beside the split by time (each chooses on its own training orders)",
        columns: [
          "split",
          "train / test orders",
          "served",
          `hitRate@${k}`,
          "coverage",
          `best sellers hitRate@${k}`,
        ],
        rows: ev.splits.map((s) => [
          s.split.method === "time"
            ? `by time (${String(s.split.column)})`
            : `random (seed ${String(s.split.seed)})`,
          `${s.split.trainOrders} / ${s.split.testOrders}`,
          s.served,
          Number(s.metrics[`hitRate@${k}`]!.toFixed(4)),
          Number(s.metrics.coverage!.toFixed(4)),
          Number(s.baseline.popular[`hitRate@${k}`]!.toFixed(4)),
        ]),
      });
    }
    ctx.print(`evaluation: ${file}\nreport: ${report}`);
    return {
      input: p.input,
      out: p.out,
      similarity: ev.similarity.chosen,
      minPairSupport: ev.similarity.minPairSupport,
      evidenceBlend: ev.evidenceBlend,
      metrics: ev.metrics,
      baseline: ev.baseline.popular,
      ...(ev.splits ? { splits: ev.splits.map(({ measures: _, ...s }) => s) } : {}),
      files: { evaluation: file, report },
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
