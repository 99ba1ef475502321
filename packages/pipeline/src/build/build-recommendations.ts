import type { Readable } from "node:stream";
import {
  buildIncidence,
  cooccurrence,
  cosineTopK,
  type Incidence,
  productSupport,
  type TopKResult,
} from "@cobuy/core-math";
import { PipelineError } from "../errors.js";
import { type ReadSalesOptions, readSales, type SalesIndex } from "../ingest/read-sales.js";
import { type ValidationResult, validateRecommendations } from "../validation/validate.js";

/** The stages of {@link buildRecommendations}, in order. */
export type Stage = "ingest" | "incidence" | "cooccurrence" | "topk" | "validation";

/** A stage started, or ended after `seconds`. */
export type StageEvent =
  | { readonly stage: Stage; readonly phase: "start" }
  | { readonly stage: Stage; readonly phase: "end"; readonly seconds: number };

/** Progress inside a long stage. */
export type ProgressEvent =
  | { readonly stage: "ingest"; readonly bytesRead: number; readonly rows: number }
  | { readonly stage: "topk"; readonly done: number; readonly total: number };

/** Options of {@link recommendFromIndex}: the math. Defaults reproduce the classic method. */
export interface RecommendOptions {
  /** Recommendations per product. Default 5. */
  k?: number;
  /** Keep only scores strictly above this. Default 0. */
  minScore?: number;
  /** Products in fewer orders get no list and are never recommended. Default 1. */
  minSupport?: number;
  /** How a repeated line counts in A: "count" (classic, default) or "binary". */
  incidence?: Incidence;
  /** Worker threads for the cosine stage; default: available cores. */
  threads?: number;
  /** Cosine kernel: "wasm" (default) or the plain TypeScript reference "js". */
  kernel?: "wasm" | "js";
  /** Compute the validation metric (needs a category column). Default true. */
  validate?: boolean;
  onStage?: (event: StageEvent) => void;
  onProgress?: (event: ProgressEvent) => void;
}

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

/** Counts and timings of a build. */
export interface BuildStats {
  readonly rows: number;
  readonly orders: number;
  readonly products: number;
  readonly categories: number;
  /** Nonzeros of A (distinct order × product pairs). */
  readonly nnzA: number;
  /** Nonzeros of C (ordered product pairs bought together). */
  readonly nnzC: number;
  readonly multiplyAdds: number;
  /** Products with at least one recommendation. */
  readonly productsWithRecs: number;
  readonly badRows: number;
  readonly categoryConflicts: number;
  /** Bytes read from the source (compressed bytes for gzip). */
  readonly bytesRead: number;
  /** Seconds per stage (0 for a stage that did not run) and in total. */
  readonly seconds: Readonly<Record<Stage | "total", number>>;
}

/**
 * What {@link buildRecommendations} returns.
 *
 * @example
 * ```ts
 * const { index, topk } = await buildRecommendations("sales.csv", { k: 5 });
 * const best = topk.length[0]! > 0 ? index.productIds[topk.ids[0]!] : undefined; // product 0's top-1
 * ```
 */
export interface BuildResult {
  readonly index: SalesIndex;
  readonly topk: TopKResult;
  /** Null when `validate` is false. */
  readonly validation: ValidationResult | null;
  /** Distinct orders containing each product (core-math's `productSupport(A)`), by product index. */
  readonly productSupport: Uint32Array;
  readonly stats: BuildStats;
}

const now = () => performance.now() / 1000;

/**
 * Reads sales rows and runs every stage: ingest → A → C = AᵀA (zero diagonal) → exact cosine
 * top-k → validation. `source` is a CSV / `.csv.gz` path or a Readable. Throws a
 * `PipelineError` for bad input (`COBUY_NOTHING_TO_RECOMMEND` when no order holds two different
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
    ...(options.keepOrderIds !== undefined && { keepOrderIds: options.keepOrderIds }),
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
  const validate = options.validate ?? true;
  if (index.ordersWithPairs === 0) {
    throw new PipelineError(
      "COBUY_NOTHING_TO_RECOMMEND",
      `${index.source}: nothing to recommend: no order holds two different products ` +
        `(${index.orders} orders, ${index.rows} rows, ${index.productIds.length} products); ` +
        `check that the order column groups the lines of one basket`,
      { position: { file: index.source } },
    );
  }
  const seconds: Record<Stage | "total", number> = {
    ingest: 0,
    incidence: 0,
    cooccurrence: 0,
    topk: 0,
    validation: 0,
    total: 0,
  };
  const stage = async <T>(name: Stage, run: () => T | Promise<T>): Promise<T> => {
    options.onStage?.({ stage: name, phase: "start" });
    const t = now();
    const out = await run();
    seconds[name] = now() - t;
    seconds.total += seconds[name];
    options.onStage?.({ stage: name, phase: "end", seconds: seconds[name] });
    return out;
  };
  const P = index.productIds.length;
  const a = await stage("incidence", () =>
    buildIncidence(index.lineOrder, index.lineProduct, index.orders, P, options.incidence ?? "count"),
  );
  const c = await stage("cooccurrence", () => cooccurrence(a));
  const onProgress = options.onProgress;
  const support = productSupport(a);
  const topk = await stage("topk", () =>
    cosineTopK(c, support, {
      k: options.k ?? 5,
      ...(options.minScore !== undefined && { minScore: options.minScore }),
      ...(options.minSupport !== undefined && { minSupport: options.minSupport }),
      ...(options.threads !== undefined && { threads: options.threads }),
      ...(options.kernel !== undefined && { kernel: options.kernel }),
      ...(onProgress && {
        onProgress: (done: number, total: number) => onProgress({ stage: "topk", done, total }),
      }),
    }),
  );
  const validation = validate ? await stage("validation", () => validateRecommendations(index, topk)) : null;
  let productsWithRecs = 0;
  for (let p = 0; p < P; p++) if (topk.length[p]! > 0) productsWithRecs++;
  return {
    index,
    topk,
    validation,
    productSupport: support,
    stats: {
      rows: index.rows,
      orders: index.orders,
      products: P,
      categories: index.categories.length,
      nnzA: a.colIdx.length,
      nnzC: c.colIdx.length,
      multiplyAdds: topk.multiplyAdds,
      productsWithRecs,
      badRows: index.badRows.count,
      categoryConflicts: index.categoryConflicts,
      bytesRead: index.bytesRead,
      seconds,
    },
  };
}
