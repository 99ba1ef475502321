import type { Readable } from "node:stream";
import { buildIncidence, productSupport } from "@cobuy/core-math";
import type { ReadSalesOptions } from "../ingest/read-options.js";
import { readSales } from "../ingest/read-sales.js";
import type { SalesIndex } from "../ingest/sales-index.js";
import type { BuildResult, RecommendOptions } from "./options.js";
import { recommendCore } from "./recommend-core.js";
import { now, stageClock } from "./stage-clock.js";

/** Options of {@link buildRecommendations}: reading plus the math. */
export interface BuildOptions
  extends RecommendOptions,
    Pick<
      ReadSalesOptions,
      | "columns"
      | "skipBadRows"
      | "maxBadRowExamples"
      | "delimiter"
      | "name"
      | "keepOrderIds"
      | "maxRecordBytes"
    > {}

/**
 * Reads sales rows and runs every stage: ingest → A → C = AᵀA (zero diagonal) → exact cosine
 * top-k → validation. `source` is a CSV / `.csv.gz` path or a Readable. Throws a
 * `PipelineError` for bad input (`COBUY_PIPELINE_NOTHING_TO_RECOMMEND` when no order holds two different
 * products) and passes on `CoreMathError`s from the math.
 *
 * @example
 * ```ts
 * const { index, topk, validation, productSupport } = await buildRecommendations("sales.csv", {
 *   k: 5,
 *   onStage: (e) => e.phase === "end" && console.log(e.stage, e.seconds),
 * });
 * await writeDocuments("out", { index, topk, validation, productSupport, runId: makeRunId() });
 * ```
 */
export async function buildRecommendations(
  source: string | Readable,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const validate = options.validate ?? true;
  options.onStage?.({ stage: "ingest", phase: "start" });
  const t0 = now();
  const onProgress = options.onProgress;
  const readOptions: ReadSalesOptions = {
    requireCategory: validate,
    ...(options.columns !== undefined && { columns: options.columns }),
    ...(options.skipBadRows !== undefined && { skipBadRows: options.skipBadRows }),
    ...(options.maxBadRowExamples !== undefined && { maxBadRowExamples: options.maxBadRowExamples }),
    ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
    ...(options.name !== undefined && { name: options.name }),
    ...((options.keepOrderIds !== undefined || options.similarity === "auto") && {
      keepOrderIds: options.keepOrderIds === true || options.similarity === "auto",
    }),
    ...(options.maxRecordBytes !== undefined && { maxRecordBytes: options.maxRecordBytes }),
    ...(onProgress && {
      onProgress: (bytesRead: number, rows: number) => onProgress({ stage: "ingest", bytesRead, rows }),
    }),
  };
  const index = await readSales(source, readOptions);
  const ingest = now() - t0;
  options.onStage?.({ stage: "ingest", phase: "end", seconds: ingest });
  const rest = await recommendFromIndex(index, options);
  return {
    ...rest,
    stats: {
      ...rest.stats,
      seconds: { ...rest.stats.seconds, ingest, total: rest.stats.seconds.total + ingest },
    },
  };
}

/**
 * The stages after ingest, on a {@link SalesIndex} already in memory (e.g. a subset of orders):
 * A → C → cosine top-k → validation. `stats.seconds.ingest` is 0.
 *
 * @example
 * ```ts
 * const index = await readSales("sales.csv");
 * const { topk, validation } = await recommendFromIndex(index, { k: 10, threads: 1 });
 * ```
 */
export async function recommendFromIndex(
  index: SalesIndex,
  options: RecommendOptions = {},
): Promise<BuildResult> {
  const clock = stageClock(options);
  const a = await clock.stage("incidence", () =>
    buildIncidence(
      index.lineOrder,
      index.lineProduct,
      index.orders,
      index.productIds.length,
      options.incidence ?? "count",
    ),
  );
  return recommendCore(
    {
      catalog: index,
      support: productSupport(a),
      nnzA: a.colIdx.length,
      bytesRead: index.bytesRead,
      hasPairs: index.ordersWithPairs > 0,
      lines: { a, orderIds: index.orderIds },
    },
    options,
    clock,
  );
}
