/** `cobuy evaluate`: offline evaluation of every similarity measure on held-out orders → evaluation.json + report.html. */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import {
  classicKernel,
  type EvaluateOptions,
  evaluate,
  isSimilarityName,
  type LoadedEvaluationData,
  loadEvaluationData,
  SIMILARITIES,
  type SimilarityName,
  type SplitOptions,
  writeReport,
} from "@cobuy/pipeline";
import { intOption, numberOption, requireString } from "../args.js";
import { parseBlend, parseSimilarity } from "../build/options.js";
import type { OptionSpecs, OptionValues } from "../command.js";
import { defineCommand } from "../command.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { INPUT_S3_OPTIONS, resolveInputArg, withSalesInput } from "./input-source.js";

/** Flags shared by `cobuy evaluate` and `cobuy sweep`. */
export const EVAL_OPTIONS = {
  input: {
    type: "string",
    short: "i",
    valueName: "FILE|s3://…",
    description:
      "sales file (.csv, .csv.gz or .parquet), or an S3 object s3://bucket/key (downloaded to a temporary file)",
  },
  ...INPUT_S3_OPTIONS,
  out: {
    type: "string",
    short: "o",
    valueName: "DIR",
    description: "folder for the results (created if missing)",
  },
  holdout: {
    type: "string",
    valueName: "F",
    description: "share of orders held out for testing (default 0.2)",
  },
  seed: { type: "string", valueName: "S", description: "seed of the holdout split (default 1)" },
  "split-by-time": {
    type: "string",
    valueName: "COLUMN",
    description: "hold out the latest orders by this column (numbers or dates) instead of a random holdout",
  },
  k: { type: "string", valueName: "K", description: "list length scored (default 5)" },
  "min-pair-support": {
    type: "string",
    valueName: "N",
    description: "ignore pairs bought together in fewer than N orders (default 1)",
  },
  "min-score": {
    type: "string",
    valueName: "S",
    description: "keep only scores strictly above S (default 0)",
  },
  "max-products-per-order": {
    type: "string",
    valueName: "N",
    description: "down-sample larger orders to N products (deterministic; core-math measures only)",
  },
  "max-orders-per-product": {
    type: "string",
    valueName: "N",
    description: "down-sample products in more orders to N orders (deterministic; core-math measures only)",
  },
  threads: {
    type: "string",
    valueName: "N",
    description: "worker threads of the classic kernel (default: cores)",
  },
  "order-col": { type: "string", valueName: "NAME", description: "order id column (default order_id)" },
  "product-col": { type: "string", valueName: "NAME", description: "product id column (default product_id)" },
  "category-col": { type: "string", valueName: "NAME", description: "category column (default category)" },
  "skip-bad-rows": { type: "boolean", description: "skip malformed rows instead of failing" },
} as const satisfies OptionSpecs;

/** The parsed shared flags. */
export interface EvalParams {
  /** A local path (absolute) or an s3:// URL. */
  input: string;
  /** --s3-endpoint, for an s3:// input. */
  s3Endpoint?: string;
  out: string;
  split:
    | { method: "holdout"; fraction: number; seed: number }
    | { method: "time"; fraction: number; column: string };
  k: number;
  minPairSupport: number;
  minScore: number;
  caps: { maxProductsPerOrder?: number; maxOrdersPerProduct?: number };
  threads: number;
  columns: { order: string; product: string; category: string };
  skipBadRows: boolean;
}

export function parseEvalParams(ctx: Context, v: OptionValues<typeof EVAL_OPTIONS>): EvalParams {
  const fraction = numberOption(v.holdout, "holdout", 0.2, { min: 0.001, max: 0.999 });
  const column = v["split-by-time"];
  if (column !== undefined && v.seed !== undefined) {
    throw new UsageError(
      "--seed applies to the random holdout; a split by time (--split-by-time) needs none",
    );
  }
  const maxProducts = intOption(v["max-products-per-order"], "max-products-per-order", undefined, { min: 1 });
  const maxOrders = intOption(v["max-orders-per-product"], "max-orders-per-product", undefined, { min: 1 });
  return {
    input: resolveInputArg(ctx, requireString(v.input, "input")),
    ...(v["s3-endpoint"] ? { s3Endpoint: v["s3-endpoint"] } : {}),
    out: ctx.resolvePath(requireString(v.out, "out")),
    split:
      column !== undefined
        ? { method: "time", fraction, column }
        : { method: "holdout", fraction, seed: intOption(v.seed, "seed", 1) },
    k: intOption(v.k, "k", 5, { min: 1, max: 1000 }),
    minPairSupport: intOption(v["min-pair-support"], "min-pair-support", 1, { min: 1 }),
    minScore: numberOption(v["min-score"], "min-score", 0),
    caps: {
      ...(maxProducts !== undefined ? { maxProductsPerOrder: maxProducts } : {}),
      ...(maxOrders !== undefined ? { maxOrdersPerProduct: maxOrders } : {}),
    },
    threads: intOption(v.threads, "threads", availableParallelism(), { min: 1, max: 256 }),
    columns: {
      order: v["order-col"] ?? "order_id",
      product: v["product-col"] ?? "product_id",
      category: v["category-col"] ?? "category",
    },
    skipBadRows: v["skip-bad-rows"] === true,
  };
}

/** Reads the input for evaluation and resolves the split. */
export async function loadForEvaluation(
  ctx: Context,
  p: EvalParams,
): Promise<{ data: LoadedEvaluationData; split: SplitOptions }> {
  // An S3 object is downloaded first: a split by time reads the input twice.
  const data = await withSalesInput(
    ctx,
    p.input,
    { "s3-endpoint": p.s3Endpoint },
    (src) =>
      ctx.stage("ingest", () =>
        loadEvaluationData(src.source as string, {
          columns: p.columns,
          skipBadRows: p.skipBadRows,
          ...(p.split.method === "time" ? { timeColumn: p.split.column } : {}),
          ...(src.name !== undefined ? { name: src.name } : {}),
        }),
      ),
    { download: true },
  );
  ctx.log.info("read sales", {
    rows: data.rows,
    orders: data.orderIds.length,
    products: data.productIds.length,
    rowsWithoutCategory: data.rowsWithoutCategory,
    badRows: data.badRows,
  });
  const split: SplitOptions = p.split.method === "time" ? { ...p.split, times: data.times! } : p.split;
  return { data, split };
}

/** Writes JSON to DIR/name through a temporary file. */
export async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, name);
  await writeFile(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}

function parseCompare(value: string | undefined): SimilarityName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!isSimilarityName(n))
      throw new UsageError(`--compare takes measures from ${SIMILARITIES.join(", ")} (got "${n}")`);
  }
  return names as SimilarityName[];
}

export const evaluateCommand = defineCommand({
  name: "evaluate",
  summary:
    "score every similarity measure on held-out orders (HitRate, NDCG, coverage, …) and write a report",
  usage:
    "cobuy evaluate --input FILE --out DIR [--holdout 0.2 --seed S | --split-by-time COLUMN] [--similarity M|auto] [--k K] [--blend popular:W]",
  description:
    "Builds on the training orders only; for every held-out order with ≥ 2 products and every product p in\n" +
    "it, scores p's top-k against the order's other products. Every measure is compared with the fixed\n" +
    "most-popular list. --similarity auto picks the measure and minimum pair support on a validation split\n" +
    "carved from the training orders (best HitRate@k with coverage ≥ 0.8). Writes DIR/evaluation.json and\n" +
    `DIR/report.html (with DIR/sweep.json's curves when present). Measures: ${SIMILARITIES.join(", ")}.`,
  options: {
    ...EVAL_OPTIONS,
    similarity: {
      type: "string",
      valueName: "M|auto",
      description: "measure served and reported under metrics (default cooccurrence-cosine, the classic one)",
    },
    blend: {
      type: "string",
      valueName: "popular:W",
      description: "mix the category's best sellers into the lists (W=0 tops up short lists only)",
    },
    compare: {
      type: "string",
      valueName: "M,M,…",
      description: "measures compared side by side (default all)",
    },
  },
  examples: [
    "cobuy evaluate --input sales.csv --out eval/ --similarity auto",
    "cobuy evaluate --input sales.csv --out eval/ --holdout 0.2 --seed 7 --similarity llr --blend popular:0.4",
    "cobuy evaluate --input sales.csv --out eval/ --split-by-time ordered_at --k 10",
  ],
  async run(ctx, { values }) {
    const t0 = performance.now();
    const p = parseEvalParams(ctx, values);
    const similarity = parseSimilarity(values.similarity, "similarity");
    const blend = parseBlend(values.blend);
    const compare = parseCompare(values.compare);
    const { data, split } = await loadForEvaluation(ctx, p);
    const options: EvaluateOptions = {
      split,
      k: p.k,
      similarity,
      minPairSupport: p.minPairSupport,
      minScore: p.minScore,
      caps: p.caps,
      classic: classicKernel({ threads: p.threads }),
      ...(blend ? { blend } : {}),
      ...(compare ? { compare } : {}),
      onProgress: (e) => ctx.log.debug(`${e.stage} ${e.detail ?? ""}`.trim()),
    };
    const ev = await ctx.stage("evaluate", () => evaluate(data, options));
    const file = await writeJson(p.out, "evaluation.json", ev);
    const report = await writeReport(p.out, { title: `cobuy evaluation — ${values.input}` });
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
    const chosen = `${ev.similarity.chosen}${blend ? ` + popular:${blend.popular}` : ""}`;
    ctx.print(
      `\nserved: ${chosen} (min pair support ${ev.similarity.minPairSupport}${similarity === "auto" ? ", chosen by auto" : ""})`,
    );
    ctx.print(`evaluation: ${file}\nreport: ${report}`);
    return {
      input: p.input,
      out: p.out,
      similarity: ev.similarity.chosen,
      minPairSupport: ev.similarity.minPairSupport,
      metrics: ev.metrics,
      baseline: ev.baseline.popular,
      files: { evaluation: file, report },
      seconds: (performance.now() - t0) / 1000,
    };
  },
});
