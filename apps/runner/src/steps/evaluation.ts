/**
 * Scoring on held-out orders: reading an input for `evaluate` / `sweep` (flags/evaluation.ts), and
 * `pipeline --evaluate`'s evaluation of the build it just made, on the same index.
 */
import {
  type BuildResult,
  classicKernel,
  type Evaluation,
  evaluate,
  evaluationDataFromIndex,
  isSalesIndex,
  type LoadedEvaluationData,
  loadEvaluationData,
  type ProductCatalog,
  type SplitOptions,
} from "@cobuy/pipeline";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { type BuildParams, hasCaps } from "../flags/build.js";
import type { EvalParams } from "../flags/evaluation.js";
import { withSalesInput } from "./sales-input.js";

/** The split `pipeline --evaluate` holds out (as `cobuy evaluate`'s defaults). */
export const BUILD_EVALUATION_SPLIT = { method: "holdout", fraction: 0.2, seed: 1 } as const;

/**
 * Reads the input for evaluation (stage "ingest") and resolves the split; with a time column also
 * the random holdout of the same fraction and seed (`holdout`), which `evaluate` reports beside it.
 */
export async function loadForEvaluation(
  ctx: Context,
  p: EvalParams,
): Promise<{ data: LoadedEvaluationData; split: SplitOptions; holdout: SplitOptions }> {
  // An S3 object is downloaded first: a split by time reads the input twice.
  const data = await withSalesInput(
    ctx,
    p.input,
    { "s3-endpoint": p.s3Endpoint },
    (src) =>
      ctx.stage("ingest", () =>
        loadEvaluationData(src.source as string, {
          columns: p.columns,
          delimiter: p.delimiter,
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
  const { fraction, seed } = p.split;
  const holdout: SplitOptions = { method: "holdout", fraction, seed };
  const split: SplitOptions =
    p.split.method === "time"
      ? { method: "time", fraction, column: p.split.column, times: data.times! }
      : holdout;
  return { data, split, holdout };
}

/**
 * Stage "evaluate": the build's measure (as chosen, with its minimum pair support, caps and blend)
 * and k scored on held-out orders of the same index ({@link BUILD_EVALUATION_SPLIT}), every measure
 * beside it and the best-seller baseline, as `cobuy evaluate` does.
 * @example
 * const evaluation = await evaluateBuild(ctx, result, params);
 */
export async function evaluateBuild(
  ctx: Context,
  result: BuildResult<ProductCatalog>,
  params: BuildParams,
): Promise<Evaluation> {
  const index = result.index;
  if (!isSalesIndex(index)) throw new UsageError("--evaluate needs the order lines: not with --input-sql");
  const sim = result.similarity;
  const evaluation = await ctx.stage("evaluate", () =>
    evaluate(evaluationDataFromIndex(index), {
      split: { ...BUILD_EVALUATION_SPLIT },
      k: params.k,
      similarity: sim.measure,
      minPairSupport: sim.minPairSupport,
      minScore: params.minScore,
      ...(hasCaps(params.caps) ? { caps: params.caps } : {}),
      ...(params.blend ? { blend: params.blend } : {}),
      classic: classicKernel({ threads: params.threads, kernel: params.kernel }),
      onProgress: (e) => ctx.log.debug(`evaluate: ${e.stage} ${e.detail ?? ""}`.trim()),
    }),
  );
  const k = evaluation.k;
  ctx.log.info(`evaluated ${evaluation.similarity.chosen} on held-out orders`, {
    [`hitRate@${k}`]: evaluation.metrics[`hitRate@${k}`],
    coverage: evaluation.metrics.coverage,
    testOrders: evaluation.metrics.testOrders,
  });
  return evaluation;
}

/** Four of an evaluation's metrics at k, rounded for a table: HitRate, NDCG, coverage, popularity bias. */
export function headlineMetrics(m: Record<string, number>, k: number): number[] {
  return [m[`hitRate@${k}`]!, m[`ndcg@${k}`]!, m.coverage!, m.popularityBias!].map((x) =>
    Number(x.toFixed(4)),
  );
}
