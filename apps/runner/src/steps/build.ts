/**
 * Runs a build for the runner: @cobuy/pipeline's `buildRecommendations` over an `--input` (or the
 * SQL build over `--input-sql`), with its stage events as `ctx.stages` timings and progress bars and
 * bad rows and category conflicts as log lines; and what a build's result becomes: the summary's
 * {@link BuildFacts} and the recorded `params`.
 */
import type { Readable } from "node:stream";
import type { CosinePlanReport } from "@cobuy/core-math";
import {
  type BuildResult,
  buildRecommendations,
  type ProductCatalog,
  type SimilarityChoice,
  type Stage,
} from "@cobuy/pipeline";
import type { Context } from "../context.js";
import { type BuildParams, hasCaps } from "../flags/build.js";
import type { BuildInput } from "../flags/input.js";
import type { Progress } from "../ui/progress.js";
import { buildWork, logCategoryNotes, STAGE_UNITS, stageBars } from "./build-progress.js";
import { withSalesInput } from "./sales-input.js";
import type { BuildFacts, PlanSummary } from "./summary.js";

/** What a caller adds to a build beyond its flags. */
export interface RunBuildExtra {
  /** Keep the order ids (for an evaluation of the same index afterwards). */
  readonly keepOrderIds?: boolean;
  /** Name of the input in messages (the `s3://` URL of an object; see steps/sales-input.ts). */
  readonly inputName?: string;
  /** Bytes the reader reads in all (`SalesInput.bytes`): the ingest bar's total. */
  readonly inputBytes?: number;
}

/**
 * The build of either input: the SQL build for `--input-sql`, else the order lines of `--input`
 * (opened, read and closed).
 * @example
 * const result = await buildFrom(ctx, { kind: "file", input: "sales.csv" }, params);
 */
export async function buildFrom(
  ctx: Context,
  input: BuildInput,
  params: BuildParams,
  extra: Pick<RunBuildExtra, "keepOrderIds"> = {},
): Promise<BuildResult<ProductCatalog>> {
  if (input.kind === "sql") {
    // The PostgreSQL driver loads only for --input-sql.
    const { runSqlBuild } = await import("./sql-build.js");
    return runSqlBuild(ctx, input.sql, params);
  }
  return withSalesInput(ctx, input.input, { "s3-endpoint": input.s3Endpoint }, (src) =>
    runBuild(ctx, src.source, params, {
      ...extra,
      ...(src.name !== undefined ? { inputName: src.name } : {}),
      ...(src.bytes !== undefined ? { inputBytes: src.bytes } : {}),
    }),
  );
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
    ...(hasCaps(params.caps) ? { caps: params.caps } : {}),
    ...(params.blend ? { blend: params.blend } : {}),
    ...(extra.keepOrderIds ? { keepOrderIds: true } : {}),
    ...(extra.inputName !== undefined ? { name: extra.inputName } : {}),
    k: params.k,
    minScore: params.minScore,
    minSupport: params.minSupport,
    incidence: params.incidence,
    threads: params.threads,
    kernel: params.kernel,
    plan: params.plan,
    columns: params.columns,
    delimiter: params.delimiter,
    skipBadRows: params.skipBadRows,
    onStage: stageBars(ctx, bars, STAGE_UNITS),
    onProgress(e) {
      if (e.stage === "auto") ctx.log.debug(`auto: ${e.detail}`);
      else bars.get(e.stage)?.report(buildWork(e, extra.inputBytes));
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
  logCategoryNotes(ctx, result);
  return result;
}

/** The counts a published run's manifest records. */
export function manifestCounts(r: BuildResult<ProductCatalog>): Record<string, number> {
  const counts: Record<string, number> = {
    rows: r.stats.rows,
    orders: r.stats.orders,
    products: r.stats.products,
  };
  if (r.stats.nnzC !== undefined) counts.nonzerosC = r.stats.nnzC;
  return counts;
}

/** The plan as `--json` and the summary report it (rounded seconds; the blocks and estimates kept). */
function planRecord(p: CosinePlanReport): PlanSummary {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    requested: p.requested,
    strategy: p.strategy,
    threads: p.threads,
    reason: p.reason,
    estimatedMultiplyAdds: p.estimatedMultiplyAdds,
    multiplyAdds: p.multiplyAdds,
    seconds: round(p.seconds),
    threadSeconds: p.threadSeconds.map(round),
    blocks: p.blocks.map((b) => ({ ...b, seconds: round(b.seconds) })),
    estimates: p.estimates.map((e) => ({
      strategy: e.strategy,
      multiplyAdds: e.multiplyAdds,
      seconds: round(e.seconds),
      ...(e.infeasible !== undefined && { infeasible: e.infeasible }),
    })),
  };
}

/** The summary facts of a build result. */
export function buildFacts(r: BuildResult<ProductCatalog>): BuildFacts {
  const v = r.validation?.overall ?? { products: 0, sameCategory: 0, share: 0 };
  return {
    counts: {
      rows: r.stats.rows,
      orders: r.stats.orders,
      products: r.stats.products,
      nonzeros: r.stats.nnzC ?? null,
      skippedRows: r.stats.badRows,
    },
    multiplyAdds: r.stats.multiplyAdds,
    ...(r.stats.plan !== undefined && { plan: planRecord(r.stats.plan) }),
    validation: { products: v.products, sameCategory: v.sameCategory, share: v.share },
    similarity: similarityRecord(r.similarity),
    blend: r.blend,
  };
}

/** `params.similarity` and the summary's `similarity`: the measure, how it was chosen, auto's candidates. */
function similarityRecord(s: SimilarityChoice): Record<string, unknown> {
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
