/**
 * Runs @cobuy/pipeline's `buildRecommendations` for the runner: its stage events become
 * `ctx.stages` timings and progress bars, bad rows and category conflicts become log lines, and
 * the result's counts become the summary's {@link BuildFacts}.
 */
import type { Readable } from "node:stream";
import {
  type BuildResult,
  buildRecommendations,
  type ProductCatalog,
  type SimilarityChoice,
  type Stage,
  type StageEvent,
} from "@cobuy/pipeline";
import type { Context } from "../context.js";
import type { Progress } from "../ui/progress.js";
import type { BuildParams } from "./options.js";
import type { BuildFacts } from "./summary.js";

const UNITS: Partial<Record<Stage, string>> = { ingest: "rows", topk: "products" };

/** What a caller adds to a build beyond its flags. */
export interface RunBuildExtra {
  /** Keep the order ids (for an evaluation of the same index afterwards). */
  keepOrderIds?: boolean;
  /** Name of the input in messages (the `s3://` URL of an object; see commands/input-source.ts). */
  inputName?: string;
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
 * @example
 * const result = await runBuild(ctx, "sales.csv", parseBuildParams(values));
 * const facts = buildFacts(result);
 */
export async function runBuild(
  ctx: Context,
  input: string | Readable,
  params: BuildParams,
  extra: RunBuildExtra = {},
): Promise<BuildResult> {
  const bars = new Map<Stage, Progress>();
  const result = await buildRecommendations(input, {
    similarity: params.similarity,
    minPairSupport: params.minPairSupport,
    ...(params.caps.maxProductsPerOrder !== undefined || params.caps.maxOrdersPerProduct !== undefined
      ? { caps: params.caps }
      : {}),
    ...(params.blend ? { blend: params.blend } : {}),
    ...(extra.keepOrderIds ? { keepOrderIds: true } : {}),
    ...(extra.inputName !== undefined ? { name: extra.inputName } : {}),
    k: params.k,
    minScore: params.minScore,
    minSupport: params.minSupport,
    incidence: params.incidence,
    threads: params.threads,
    kernel: params.kernel,
    columns: params.columns,
    skipBadRows: params.skipBadRows,
    onStage: stageBars(ctx, bars, UNITS),
    onProgress(e) {
      if (e.stage === "ingest") bars.get("ingest")?.update(e.rows);
      else if (e.stage === "auto") ctx.log.debug(`auto: ${e.detail}`);
      else bars.get("topk")?.update(e.done, e.total);
    },
  });
  const sim = result.similarity;
  if (sim.selection) {
    ctx.log.info(
      `similarity auto chose ${sim.measure} (min pair support ${sim.minPairSupport}): ${sim.selection.rule}`,
      {
        validationOrders: sim.selection.validationOrders,
        candidates: sim.selection.candidates.length,
      },
    );
  }
  const bad = result.index.badRows;
  if (bad.count > 0) {
    const first = bad.examples
      .slice(0, 3)
      .map((x) => `${x.rowGroup !== undefined ? "row" : "line"} ${x.line}: ${x.reason}`)
      .join("; ");
    ctx.log.warn(`skipped ${bad.count} bad rows (first: ${first})`, { skippedRows: bad.count });
  }
  const noCategory = result.index.rowsWithoutCategory;
  if (noCategory > 0) {
    const products = result.validation?.productsWithoutCategory ?? 0;
    ctx.log.info(
      `${noCategory} rows have an empty category; their products take their most frequent category from other rows` +
        (products > 0 ? `, ${products} products have none and are left out of the validation` : ""),
      { rowsWithoutCategory: noCategory, productsWithoutCategory: products },
    );
  }
  if (result.index.categoryConflicts > 0) {
    const ex = result.index.conflictExamples[0];
    ctx.log.info(
      `${result.index.categoryConflicts} products appear with several categories; each keeps its most frequent` +
        (ex ? ` (e.g. ${ex.productId} → ${ex.chosen})` : ""),
      { categoryConflicts: result.index.categoryConflicts },
    );
  }
  return result;
}

/** The summary facts of a build result. */
export function buildFacts(r: BuildResult<ProductCatalog>): BuildFacts {
  const v = r.validation?.overall ?? { products: 0, sameCategory: 0, share: 0 };
  return {
    counts: {
      rows: r.stats.rows,
      orders: r.stats.orders,
      products: r.stats.products,
      nonzeros: r.stats.nnzC,
      skippedRows: r.stats.badRows,
    },
    multiplyAdds: r.stats.multiplyAdds,
    validation: { products: v.products, sameCategory: v.sameCategory, share: v.share },
    similarity: similarityRecord(r.similarity),
    blend: r.blend,
  };
}

/** `params.similarity` and the summary's `similarity`: the measure, how it was chosen, auto's candidates. */
export function similarityRecord(s: SimilarityChoice): Record<string, unknown> {
  return { ...s };
}

/**
 * What `recs.rich.json` and the manifest record as the run's parameters: the flags, the measure
 * that made the lists (`similarity`: measure, "requested" or "auto", minimum pair support, caps,
 * and auto's validation split and candidates) and the blend.
 */
export function paramsRecord(
  input: string,
  p: BuildParams,
  r: BuildResult<ProductCatalog>,
): Record<string, unknown> {
  return {
    input,
    k: p.k,
    minScore: p.minScore,
    minSupport: p.minSupport,
    incidence: p.incidence,
    columns: p.columns,
    skipBadRows: p.skipBadRows,
    similarity: similarityRecord(r.similarity),
    ...(r.blend ? { blend: r.blend } : {}),
  };
}
