import { buildIncidence } from "@cobuy/core-math";
import { PipelineError } from "../errors.js";
import type { SalesColumns } from "../ingest/read-options.js";
import { readSales } from "../ingest/read-sales.js";
import type { SalesIndex } from "../ingest/sales-index.js";
import type { EvaluationData } from "../selection/candidates.js";

/** A column name no header holds: reads the file without that column. */
const NO_COLUMN = "\u0000cobuy:none";

/** Options of {@link loadEvaluationData}. */
export interface LoadEvaluationOptions {
  columns?: SalesColumns;
  delimiter?: string;
  /** Skip malformed rows instead of failing (rows with an empty category are never skipped). */
  skipBadRows?: boolean;
  /** Column holding each line's time, for a split by time (numbers or dates). */
  timeColumn?: string;
  /** Name used in messages instead of the path (e.g. the `s3://` URL of a downloaded copy). */
  name?: string;
}

/** {@link EvaluationData} of a sales file, with what was read. */
export interface LoadedEvaluationData extends EvaluationData {
  readonly source: string;
  readonly rows: number;
  /** Rows whose category was empty (their product still counts; it gets a category from other rows, or none). */
  readonly rowsWithoutCategory: number;
  /** Rows skipped as malformed (with `skipBadRows`). */
  readonly badRows: number;
  /** Each order's time (the earliest of its lines), with `timeColumn`. */
  readonly times?: Float64Array;
}

/** Evaluation data from a {@link SalesIndex} read with `keepOrderIds` (counts incidence, as the classic method). */
export function evaluationDataFromIndex(index: SalesIndex): EvaluationData {
  if (!index.orderIds) {
    throw new PipelineError(
      "COBUY_PIPELINE_OPTION",
      "evaluation needs the order ids: read the sales with keepOrderIds: true",
    );
  }
  const pc = index.productCategory;
  return {
    productIds: index.productIds,
    categories: index.productIds.map((_, p) => (pc ? (index.categories[pc[p]!] ?? null) : null)),
    orderIds: index.orderIds,
    a: buildIncidence(index.lineOrder, index.lineProduct, index.orders, index.productIds.length, "count"),
  };
}

function parseTime(value: string, file: string, column: string): number {
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (trimmed !== "" && Number.isFinite(n)) return n;
  const d = Date.parse(trimmed);
  if (Number.isFinite(d)) return d;
  throw new PipelineError(
    "COBUY_PIPELINE_MISSING_DATA",
    `${file}: column "${column}" holds ${JSON.stringify(value)}, which is neither a number nor a date (use epoch numbers or ISO-8601 dates)`,
    { position: { file } },
  );
}

/**
 * Reads a sales file for evaluation: every order line counts (rows with an empty category keep
 * their product, which takes its most frequent non-empty category, or none), order ids are kept for
 * a seeded split, and with `timeColumn` each order gets its earliest time. Streams the file through
 * {@link readSales} once (twice with `timeColumn`).
 *
 * @example
 * ```ts
 * const data = await loadEvaluationData("transactions.csv");
 * const ev = await evaluate(data, { split: { method: "holdout", fraction: 0.2, seed: 1 } });
 * ```
 */
export async function loadEvaluationData(
  file: string,
  options: LoadEvaluationOptions = {},
): Promise<LoadedEvaluationData> {
  const order = options.columns?.order ?? "order_id";
  const product = options.columns?.product ?? "product_id";
  const category = options.columns?.category ?? "category";
  // An empty category is no bad row for readSales: the product takes its most frequent non-empty
  // category, or none; a header without the category column leaves every category null.
  const index = await readSales(file, {
    ...(options.name !== undefined ? { name: options.name } : {}),
    delimiter: options.delimiter,
    skipBadRows: options.skipBadRows,
    columns: { order, product, category },
    keepOrderIds: true,
  });
  const data = evaluationDataFromIndex(index);

  let times: Float64Array | undefined;
  if (options.timeColumn) {
    const column = options.timeColumn;
    const t = await readSales(file, {
      ...(options.name !== undefined ? { name: options.name } : {}),
      delimiter: options.delimiter,
      skipBadRows: true,
      maxBadRowExamples: 0,
      columns: { order, product: column, category: NO_COLUMN },
      keepOrderIds: true,
    });
    const value = t.productIds.map((v) => parseTime(v, index.source, column));
    const at = new Map(data.orderIds.map((id, o) => [id, o]));
    times = new Float64Array(data.orderIds.length).fill(Number.NaN);
    for (let i = 0; i < t.rows; i++) {
      const o = at.get(t.orderIds![t.lineOrder[i]!]!);
      if (o === undefined) continue;
      const v = value[t.lineProduct[i]!]!;
      if (!(times[o]! <= v)) times[o] = v;
    }
    const missing = times.findIndex((v) => Number.isNaN(v));
    if (missing >= 0) {
      throw new PipelineError(
        "COBUY_PIPELINE_MISSING_DATA",
        `${index.source}: order ${JSON.stringify(data.orderIds[missing])} has no value in column "${column}" (every order needs a time for --split-by-time)`,
        { position: { file: index.source } },
      );
    }
  }

  return {
    ...data,
    source: index.source,
    rows: index.rows,
    rowsWithoutCategory: index.rowsWithoutCategory,
    badRows: index.badRows.count,
    ...(times ? { times } : {}),
  };
}
