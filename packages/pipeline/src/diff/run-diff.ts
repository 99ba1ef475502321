import {
  type ChangedProduct,
  DEFAULT_K,
  type DiffDistribution,
  type MetricDelta,
  type RichRecsDocument,
  RUN_DIFF_FORMAT,
  type RunDiff,
} from "@cobuy/contracts";
import { PipelineError } from "../errors.js";
import { overlapAtK, rankBiasedOverlap } from "./list-overlap.js";

/** One item of a list: a recommended id and its score. */
export interface DiffItem {
  readonly id: string;
  readonly score: number;
}

/** A run as a diff sees it: its lists by product id, its order count and its headline metrics. */
export interface RunLists {
  readonly runId: string;
  readonly lists: Readonly<Record<string, readonly DiffItem[]>>;
  readonly orders?: number;
  /** e.g. `classic.share`, `evaluation.hitRate@5` (see {@link runMetrics}). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** Options of {@link diffRuns}. */
export interface DiffOptions {
  /** List depth compared. Default: the longest list of either run, at least 1 (`DEFAULT_K` when both are empty). */
  readonly k?: number;
  /** Persistence of rank-biased overlap, in (0, 1). Default 0.9. */
  readonly rboP?: number;
  /** How many most-changed products to keep. Default 20. */
  readonly mostChanged?: number;
}

const EXAMPLES = 20;

/**
 * Compares the lists of two runs: products added and dropped, per common product overlap@k,
 * rank-biased overlap, top-1 change and score drift (summarised as distributions), the products that
 * changed most, and the deltas of the metrics both runs have. Pure: O(products · k).
 *
 * @example
 * ```ts
 * const diff = diffRuns(runListsFromRich(yesterday), runListsFromRich(today));
 * console.log(diff.top1Churn, diff.rbo.p50, diff.products.added);
 * ```
 */
export function diffRuns(before: RunLists, after: RunLists, options: DiffOptions = {}): RunDiff {
  const rboP = options.rboP ?? 0.9;
  if (!(rboP > 0 && rboP < 1))
    throw new PipelineError("COBUY_PIPELINE_OPTION", `rboP must be in (0, 1), got ${rboP}`);
  const k = options.k ?? longestList(before, after);
  if (!Number.isInteger(k) || k < 1)
    throw new PipelineError("COBUY_PIPELINE_OPTION", `k must be a positive integer, got ${k}`);
  const keep = options.mostChanged ?? EXAMPLES;

  const beforeIds = Object.keys(before.lists);
  const afterIds = Object.keys(after.lists);
  const dropped = beforeIds.filter((id) => !Object.hasOwn(after.lists, id)).sort();
  const added = afterIds.filter((id) => !Object.hasOwn(before.lists, id)).sort();
  const common = beforeIds.filter((id) => Object.hasOwn(after.lists, id)).sort();

  const overlaps = new Float64Array(common.length);
  const rbos = new Float64Array(common.length);
  const drifts: number[] = [];
  let withTop1 = 0;
  let top1Changed = 0;
  const changed: ChangedProduct[] = [];
  for (let i = 0; i < common.length; i++) {
    const id = common[i] as string;
    const a = before.lists[id] as readonly DiffItem[];
    const b = after.lists[id] as readonly DiffItem[];
    const aIds = a.slice(0, k).map((x) => x.id);
    const bIds = b.slice(0, k).map((x) => x.id);
    const overlap = overlapAtK(aIds, bIds, k);
    const rbo = rankBiasedOverlap(aIds, bIds, k, rboP);
    overlaps[i] = overlap;
    rbos[i] = rbo;
    const top1Before = aIds[0] ?? null;
    const top1After = bIds[0] ?? null;
    if (top1Before !== null || top1After !== null) {
      withTop1++;
      if (top1Before !== top1After) top1Changed++;
    }
    const drift = scoreDrift(a.slice(0, k), b.slice(0, k));
    if (drift !== undefined) drifts.push(drift);
    if (rbo < 1) changed.push({ id, overlap, rbo, top1Before, top1After });
  }
  changed.sort((x, y) => x.rbo - y.rbo || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : a / b);
  const productsRatio = beforeIds.length === 0 ? 1 : afterIds.length / beforeIds.length;
  return {
    format: RUN_DIFF_FORMAT,
    before: side(before, beforeIds.length),
    after: side(after, afterIds.length),
    k,
    rboP,
    products: {
      common: common.length,
      added: added.length,
      dropped: dropped.length,
      ratio: productsRatio,
      addedExamples: added.slice(0, EXAMPLES),
      droppedExamples: dropped.slice(0, EXAMPLES),
    },
    ...(before.orders !== undefined && after.orders !== undefined
      ? { ordersRatio: ratio(after.orders, before.orders) }
      : {}),
    overlap: distribution(overlaps),
    rbo: distribution(rbos),
    top1Churn: withTop1 > 0 ? top1Changed / withTop1 : beforeIds.length > 0 && common.length === 0 ? 1 : 0,
    scoreDrift: distribution(Float64Array.from(drifts)),
    mostChanged: changed.slice(0, keep),
    metrics: metricDeltas(before.metrics ?? {}, after.metrics ?? {}),
  };
}

/**
 * A recs.rich.json document (with the run's validation.json and evaluation.json when at hand) as
 * the input of {@link diffRuns}.
 * @example
 * const lists = runListsFromRich(JSON.parse(await readFile("run/recs.rich.json", "utf8")));
 */
export function runListsFromRich(
  doc: Pick<RichRecsDocument, "runId" | "recs" | "counts">,
  extras: { validation?: unknown; evaluation?: unknown } = {},
): RunLists {
  if (typeof doc !== "object" || doc === null || typeof doc.recs !== "object" || doc.recs === null)
    throw new PipelineError("COBUY_PIPELINE_OPTION", "not a recs.rich.json document: no recs object");
  const orders = doc.counts?.orders;
  return {
    runId: doc.runId,
    lists: doc.recs,
    ...(typeof orders === "number" ? { orders } : {}),
    metrics: runMetrics(extras.validation, extras.evaluation),
  };
}

/**
 * The headline figures a diff compares: `classic.share` from validation.json (`overall.share`), and
 * from evaluation.json every number of `metrics` (as `evaluation.<name>`). Unknown shapes give none.
 * @example
 * runMetrics({ overall: { share: 0.41 } }); // { "classic.share": 0.41 }
 */
export function runMetrics(validation?: unknown, evaluation?: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const share = (validation as { overall?: { share?: unknown } } | undefined)?.overall?.share;
  if (typeof share === "number" && Number.isFinite(share)) out["classic.share"] = share;
  const metrics = (evaluation as { metrics?: Record<string, unknown> } | undefined)?.metrics;
  if (typeof metrics === "object" && metrics !== null) {
    for (const [name, v] of Object.entries(metrics))
      if (typeof v === "number" && Number.isFinite(v)) out[`evaluation.${name}`] = v;
  }
  return out;
}

function side(run: RunLists, products: number): RunDiff["before"] {
  return { runId: run.runId, products, ...(run.orders !== undefined ? { orders: run.orders } : {}) };
}

function longestList(...runs: RunLists[]): number {
  let k = 0;
  for (const r of runs) for (const l of Object.values(r.lists)) if (l.length > k) k = l.length;
  return k === 0 ? DEFAULT_K : k;
}

/** Mean |Δscore| over the ids both lists hold; undefined when they share none. */
function scoreDrift(a: readonly DiffItem[], b: readonly DiffItem[]): number | undefined {
  const scores = new Map<string, number>();
  for (const x of a) scores.set(x.id, x.score);
  let sum = 0;
  let n = 0;
  for (const y of b) {
    const s = scores.get(y.id);
    if (s === undefined) continue;
    sum += Math.abs(y.score - s);
    n++;
  }
  return n === 0 ? undefined : sum / n;
}

/** Mean and nearest-rank percentiles; all 0 for no values. Sorts a copy: O(n log n). */
export function distribution(values: Float64Array): DiffDistribution {
  const n = values.length;
  if (n === 0) return { mean: 0, min: 0, p10: 0, p50: 0, p90: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] as number;
  return {
    mean: sum / n,
    min: sorted[0] as number,
    p10: at(0.1),
    p50: at(0.5),
    p90: at(0.9),
    max: sorted[n - 1] as number,
  };
}

function metricDeltas(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, MetricDelta> {
  const out: Record<string, MetricDelta> = {};
  for (const name of Object.keys(before).sort()) {
    const b = before[name] as number;
    const a = after[name];
    if (a !== undefined) out[name] = { before: b, after: a, delta: a - b };
  }
  return out;
}
