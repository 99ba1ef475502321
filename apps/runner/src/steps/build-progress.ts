/**
 * What both builds (order lines from a file, pair counts from SQL) tell the user while and after
 * they run: a progress bar and a timing per stage, and the notes about the product index.
 */
import type { BuildResult, ProductCatalog, ProgressEvent, Stage, StageEvent } from "@cobuy/pipeline";
import type { Context } from "../context.js";
import { fmtCount } from "../ui/format.js";
import type { Progress, Work } from "../ui/progress.js";

/** The unit each build stage's bar counts until its first report names one. */
export const STAGE_UNITS: Partial<Record<Stage, string>> = { ingest: "bytes", topk: "multiply-adds" };

/**
 * A build's progress event as the work its bar counts: ingest in bytes of the input read (of
 * `inputBytes`, when the reader's count ends there), top-k in the plan's estimated multiply-adds
 * (rows differ in cost by orders of magnitude, so a count of products would mislead the
 * percentage and the ETA).
 * @example
 * bars.get(e.stage)?.report(buildWork(e, 1 << 20)!);
 */
export function buildWork(
  e: Exclude<ProgressEvent, { stage: "auto" }>,
  inputBytes: number | undefined,
): Work {
  if (e.stage === "ingest") {
    return { done: e.bytesRead, total: inputBytes, unit: "bytes", detail: `${fmtCount(e.rows)} rows` };
  }
  return { done: e.work.done, total: e.work.total, unit: e.work.unit };
}

/**
 * A build's `onStage`: a progress bar per running stage in `bars` (counting `units[stage]`), and
 * each finished stage's seconds in `ctx.stages`.
 * @example
 * const bars = new Map<Stage, Progress>();
 * await buildRecommendations(input, { onStage: stageBars(ctx, bars, { topk: "products" }) });
 */
export function stageBars(
  ctx: Context,
  bars: Map<Stage, Progress>,
  units: Partial<Record<Stage, string>>,
): (e: StageEvent) => void {
  return (e) => {
    if (e.phase === "start") {
      ctx.log.debug(`stage ${e.stage} started`);
      bars.set(e.stage, ctx.progress(e.stage, { unit: units[e.stage] }));
    } else {
      bars.get(e.stage)?.done();
      ctx.recordStage(e.stage, e.seconds);
    }
  };
}

/**
 * Logs rows without a category and products seen with several categories (info lines).
 * @example
 * logCategoryNotes(ctx, result);
 */
export function logCategoryNotes(ctx: Context, result: BuildResult<ProductCatalog>): void {
  const { index } = result;
  if (index.rowsWithoutCategory > 0) {
    const products = result.validation?.productsWithoutCategory ?? 0;
    ctx.log.info(
      `${index.rowsWithoutCategory} rows have an empty category; their products take their most frequent category from other rows` +
        (products > 0 ? `, ${products} products have none and are left out of the validation` : ""),
      { rowsWithoutCategory: index.rowsWithoutCategory, productsWithoutCategory: products },
    );
  }
  if (index.categoryConflicts > 0) {
    const ex = index.conflictExamples[0];
    ctx.log.info(
      `${index.categoryConflicts} products appear with several categories; each keeps its most frequent` +
        (ex ? ` (e.g. ${ex.productId} → ${ex.chosen})` : ""),
      { categoryConflicts: index.categoryConflicts },
    );
  }
}
