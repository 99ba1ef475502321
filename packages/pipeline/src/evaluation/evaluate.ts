import {
  type CsrMatrix,
  type DownsampleOptions,
  isMeasureName,
  MEASURES,
  type MeasureName,
  type PairCounts,
  type TopKResult,
} from "@cobuy/core-math";
import { countPairsFor, listsFor } from "./build.js";
import {
  blendPopular,
  popularLists,
  productOrderCounts,
  REASONS,
  type Reason,
  type RecLists,
  selectOrders,
  similarLists,
} from "./lists.js";
import { type CategoryShare, type MetricContext, type Metrics, scoreLists } from "./metrics.js";
import { holdoutSplit, type Split, timeSplit } from "./split.js";

/** The classic measure (cosine between rows of C) and the measures of core-math. */
export type SimilarityName = "cooccurrence-cosine" | MeasureName;
export const SIMILARITIES: readonly SimilarityName[] = ["cooccurrence-cosine", ...MEASURES];

export function isSimilarityName(name: string): name is SimilarityName {
  return name === "cooccurrence-cosine" || isMeasureName(name);
}

/** What evaluation reads from the ingest: orders × products A (line counts), ids, categories. */
export interface EvaluationData {
  /** Product ids; index = column of `a`. */
  readonly productIds: readonly string[];
  /** Category of each product, null when it has none. */
  readonly categories: readonly (string | null)[];
  /** Order ids; index = row of `a`. */
  readonly orderIds: readonly string[];
  /** Orders × products, values = order lines (the classic A). */
  readonly a: CsrMatrix;
}

/** Top-k lists of the classic method for training orders A (C = AᵀA, cosine of C's rows). */
export type ClassicKernel = (
  a: CsrMatrix,
  options: { k: number; minScore: number; minPairSupport: number },
) => Promise<TopKResult>;

export type SplitOptions =
  | { method: "holdout"; fraction: number; seed: number }
  | { method: "time"; fraction: number; column: string; times: ArrayLike<number> };

export interface EvaluateOptions {
  split: SplitOptions;
  /** List length k (default 5). */
  k?: number;
  /** Measure served, or "auto" to choose on a validation split of the training orders (default classic). */
  similarity?: SimilarityName | "auto";
  /** Pairs bought together in fewer orders are ignored (default 1; "auto" chooses its own). */
  minPairSupport?: number;
  /** Scores at or below are dropped (default 0). */
  minScore?: number;
  /** Caps for the core-math measures (products per order, orders per product). */
  caps?: DownsampleOptions;
  /** Mix in the category's popular products: weight from 0 (top up only) to 1. */
  blend?: { popular: number };
  /** Measures compared side by side (default all). */
  compare?: readonly SimilarityName[];
  /** Candidate minimum pair supports for "auto" (default [1, 2, 3]). */
  autoMinPairSupports?: readonly number[];
  /** Coverage a candidate needs to be chosen by "auto" (default 0.8). */
  autoMinCoverage?: number;
  /** Share of training orders carved out for "auto"'s validation (default: the split's fraction). */
  validationFraction?: number;
  /** The classic kernel; without it "cooccurrence-cosine" cannot be evaluated. */
  classic?: ClassicKernel;
  /** Example products in the report (default 12). */
  examples?: number;
  onProgress?: (event: { stage: string; detail?: string }) => void;
}

export interface Candidate {
  similarity: SimilarityName;
  minPairSupport: number;
  hitRate: number;
  coverage: number;
  eligible: boolean;
}

export interface ExampleItem {
  id: string;
  category: string | null;
  score: number;
  support: number;
  reason: Reason;
}

export interface Evaluation {
  format: "cobuy.evaluation.v1";
  counts: { orders: number; products: number; lines: number };
  split: Record<string, unknown> & { trainOrders: number; testOrders: number };
  k: number;
  similarity: {
    requested: SimilarityName | "auto";
    chosen: SimilarityName;
    minPairSupport: number;
    minScore: number;
    caps: DownsampleOptions;
    selection?: {
      validationOrders: number;
      trainOrders: number;
      minCoverage: number;
      rule: string;
      candidates: Candidate[];
    };
  };
  blend: { popular: number } | null;
  /** The served configuration (chosen measure, with the blend when asked). */
  metrics: Metrics;
  baseline: { popular: Metrics };
  /** Every compared configuration on the same split. */
  measures: Record<string, Metrics>;
  byCategory: Record<string, CategoryShare>;
  scoreDistribution: { similarity: SimilarityName; bins: Array<{ from: number; to: number; count: number }> };
  examples: Array<{ id: string; category: string | null; orders: number; recs: ExampleItem[] }>;
}

/** The categories as indices (-1: none) and their names, sorted. */
export function categoryIndex(categories: readonly (string | null)[]): {
  categoryOf: Int32Array;
  names: string[];
} {
  const names = [...new Set(categories.filter((c): c is string => c !== null && c !== ""))].sort();
  const at = new Map(names.map((n, i) => [n, i]));
  const categoryOf = Int32Array.from(categories, (c) => (c === null || c === "" ? -1 : at.get(c)!));
  return { categoryOf, names };
}

function countNonEmpty(a: CsrMatrix): number {
  let n = 0;
  for (let o = 0; o < a.rows; o++) if (Number(a.rowPtr[o + 1]) > Number(a.rowPtr[o])) n++;
  return n;
}

/** Builds lists of one similarity on training orders; pair counts are shared between measures. */
class Builder {
  private counts: PairCounts | undefined;
  constructor(
    private readonly train: CsrMatrix,
    private readonly options: Pick<EvaluateOptions, "caps" | "classic">,
    private readonly k: number,
    private readonly minScore: number,
  ) {}

  lists(similarity: SimilarityName, minPairSupport: number): Promise<TopKResult> {
    if (similarity !== "cooccurrence-cosine") this.counts ??= countPairsFor(this.train, this.options.caps);
    const opts = { k: this.k, minScore: this.minScore, minPairSupport };
    return listsFor(similarity, this.train, this.counts, opts, this.options.classic);
  }
}

function context(train: CsrMatrix, test: CsrMatrix, categoryOf: Int32Array, names: string[]): MetricContext {
  return {
    test,
    popularity: productOrderCounts(train),
    trainOrders: countNonEmpty(train),
    categoryOf,
    categoryNames: names,
  };
}

function split(data: EvaluationData, options: SplitOptions, among?: Uint32Array, seedOffset = 0): Split {
  if (options.method === "holdout") {
    return holdoutSplit(data.orderIds, {
      fraction: options.fraction,
      seed: options.seed + seedOffset,
      among,
    });
  }
  return timeSplit(data.orderIds, options.times, { fraction: options.fraction, among });
}

function label(similarity: SimilarityName, blend: { popular: number } | undefined): string {
  return blend ? `${similarity}+popular:${blend.popular}` : similarity;
}

function histogram(top: TopKResult, bins = 20): Array<{ from: number; to: number; count: number }> {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < top.products; p++) {
    for (let r = 0; r < top.length[p]!; r++) {
      const s = top.scores[p * top.k + r]!;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
  }
  if (lo > hi) return [];
  const width = hi > lo ? (hi - lo) / bins : 1;
  const out = Array.from({ length: bins }, (_, i) => ({
    from: Math.round((lo + i * width) * 1e9) / 1e9,
    to: Math.round((lo + (i + 1) * width) * 1e9) / 1e9,
    count: 0,
  }));
  for (let p = 0; p < top.products; p++) {
    for (let r = 0; r < top.length[p]!; r++) {
      const b = Math.min(bins - 1, Math.floor((top.scores[p * top.k + r]! - lo) / width));
      out[b]!.count++;
    }
  }
  return out;
}

/** Options of {@link selectSimilarity}. */
export interface SelectSimilarityOptions {
  /** List length k. */
  k: number;
  /** Scores at or below are dropped (default 0). */
  minScore?: number;
  /** Measures compared (default all; "cooccurrence-cosine" only with `classic`). */
  candidates?: readonly SimilarityName[];
  /** Candidate minimum pair supports (default [1, 2, 3]). */
  minPairSupports?: readonly number[];
  /** Coverage a candidate needs to be chosen (default 0.8). */
  minCoverage?: number;
  /** Caps for the core-math measures. */
  caps?: DownsampleOptions;
  /** The classic kernel; without it "cooccurrence-cosine" is not a candidate. */
  classic?: ClassicKernel;
  onProgress?: (event: { stage: string; detail?: string }) => void;
}

/** What {@link selectSimilarity} chose, and how. */
export interface SimilaritySelection {
  similarity: SimilarityName;
  minPairSupport: number;
  selection: NonNullable<Evaluation["similarity"]["selection"]>;
}

/**
 * The choice of `similarity: "auto"`: builds every candidate measure × minimum pair support on
 * `split.train` and scores it on `split.test` (order indices of `data`), then picks the highest
 * hitRate@k among candidates with coverage ≥ `minCoverage` (if none qualifies, the highest
 * coverage; ties go to the first candidate). `evaluate` calls it with a validation split carved
 * from its training orders; `recommendFromIndex` with one carved from all orders.
 *
 * @example
 * ```ts
 * const inner = holdoutSplit(data.orderIds, { fraction: 0.2, seed: 1 });
 * const { similarity, minPairSupport } = await selectSimilarity(data, inner, { k: 5, classic: classicKernel() });
 * ```
 */
export async function selectSimilarity(
  data: EvaluationData,
  split: Split,
  options: SelectSimilarityOptions,
): Promise<SimilaritySelection> {
  const { k } = options;
  const minScore = options.minScore ?? 0;
  const minCoverage = options.minCoverage ?? 0.8;
  const progress = options.onProgress ?? (() => {});
  const { categoryOf, names } = categoryIndex(data.categories);
  const subTrain = selectOrders(data.a, split.train);
  const vctx = context(subTrain, selectOrders(data.a, split.test), categoryOf, names);
  const sub = new Builder(subTrain, { caps: options.caps, classic: options.classic }, k, minScore);
  const compare = (options.candidates ?? SIMILARITIES).filter(
    (s) => s !== "cooccurrence-cosine" || options.classic !== undefined,
  );
  const candidates: Candidate[] = [];
  const supports = options.minPairSupports ?? [1, 2, 3];
  for (const similarity of compare) {
    for (const s of supports) {
      progress({ stage: "auto", detail: `${similarity} minPairSupport=${s}` });
      const { metrics } = scoreLists(await sub.lists(similarity, s), vctx);
      const hitRate = metrics[`hitRate@${k}`]!;
      const coverage = metrics.coverage!;
      candidates.push({
        similarity,
        minPairSupport: s,
        hitRate,
        coverage,
        eligible: coverage >= minCoverage,
      });
    }
  }
  if (candidates.length === 0) throw new Error("similarity auto: no candidate measure to compare");
  const eligible = candidates.filter((c) => c.eligible);
  const pool = eligible.length > 0 ? eligible : candidates;
  const key = eligible.length > 0 ? (c: Candidate) => c.hitRate : (c: Candidate) => c.coverage;
  // First best wins: candidates are in a fixed order, so ties resolve the same way every run.
  const best = pool.reduce((b, c) => (key(c) > key(b) ? c : b));
  return {
    similarity: best.similarity,
    minPairSupport: best.minPairSupport,
    selection: {
      validationOrders: split.test.length,
      trainOrders: split.train.length,
      minCoverage,
      rule:
        eligible.length > 0
          ? `highest hitRate@${k} among candidates with coverage >= ${minCoverage}`
          : `no candidate reached coverage ${minCoverage}: highest coverage`,
      candidates,
    },
  };
}

/**
 * Honest offline evaluation: splits the orders, builds every compared measure on the training
 * orders only, scores the lists against the held-out orders (see `scoreLists`), always beside the
 * "most popular" baseline. `similarity: "auto"` picks the measure and minimum pair support on a
 * validation split carved from the training orders (never the test orders): the best hitRate@k
 * among candidates with coverage ≥ 0.8 (if none qualifies, the best coverage). Deterministic for the
 * same data, options and seed.
 *
 * @example
 * ```ts
 * const ev = await evaluate(data, { split: { method: "holdout", fraction: 0.2, seed: 1 }, similarity: "auto", classic });
 * ev.metrics["hitRate@5"];
 * ```
 */
export async function evaluate(data: EvaluationData, options: EvaluateOptions): Promise<Evaluation> {
  const k = options.k ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > 1000)
    throw new RangeError(`k must be an integer from 1 to 1000 (got ${k})`);
  const minScore = options.minScore ?? 0;
  const requested = options.similarity ?? "cooccurrence-cosine";
  const progress = options.onProgress ?? (() => {});
  const compare = (options.compare ?? SIMILARITIES).filter(
    (s) => s !== "cooccurrence-cosine" || options.classic !== undefined,
  );
  const { categoryOf, names } = categoryIndex(data.categories);

  const main = split(data, options.split);
  const train = selectOrders(data.a, main.train);
  const test = selectOrders(data.a, main.test);
  const ctx = context(train, test, categoryOf, names);
  const builder = new Builder(train, options, k, minScore);

  let chosen: SimilarityName;
  let minPairSupport = options.minPairSupport ?? 1;
  let selection: Evaluation["similarity"]["selection"];
  if (requested === "auto") {
    const fraction = options.validationFraction ?? options.split.fraction;
    const inner = split(data, { ...options.split, fraction }, main.train, 1);
    const picked = await selectSimilarity(data, inner, {
      k,
      minScore,
      candidates: compare,
      ...(options.caps !== undefined && { caps: options.caps }),
      ...(options.classic !== undefined && { classic: options.classic }),
      ...(options.autoMinPairSupports !== undefined && { minPairSupports: options.autoMinPairSupports }),
      ...(options.autoMinCoverage !== undefined && { minCoverage: options.autoMinCoverage }),
      onProgress: progress,
    });
    chosen = picked.similarity;
    minPairSupport = picked.minPairSupport;
    selection = picked.selection;
  } else {
    chosen = requested;
  }

  const measures: Record<string, Metrics> = {};
  let chosenTop: TopKResult | undefined;
  let byCategory: Record<string, CategoryShare> = {};
  const toEvaluate = compare.includes(chosen) ? compare : [chosen, ...compare];
  for (const similarity of toEvaluate) {
    progress({ stage: "evaluate", detail: similarity });
    const top = await builder.lists(similarity, minPairSupport);
    const scored = scoreLists(top, ctx);
    measures[similarity] = scored.metrics;
    if (similarity === chosen) {
      chosenTop = top;
      byCategory = scored.byCategory;
    }
  }
  let served: RecLists = similarLists(chosenTop!);
  let metrics = measures[chosen]!;
  if (options.blend) {
    served = blendPopular(chosenTop!, {
      weight: options.blend.popular,
      popularity: ctx.popularity,
      categoryOf,
    });
    const scored = scoreLists(served, ctx);
    metrics = scored.metrics;
    byCategory = scored.byCategory;
    measures[label(chosen, options.blend)] = metrics;
  }
  const baseline = scoreLists(popularLists(ctx.popularity, k), ctx).metrics;

  // Examples: the most popular training product of each of the largest categories.
  const nExamples = options.examples ?? 12;
  const bestOf = new Map<number, number>();
  for (let p = 0; p < data.productIds.length; p++) {
    const c = categoryOf[p]!;
    const cur = bestOf.get(c);
    if (ctx.popularity[p]! > 0 && (cur === undefined || ctx.popularity[p]! > ctx.popularity[cur]!))
      bestOf.set(c, p);
  }
  const examples = [...bestOf.values()]
    .sort((x, y) => ctx.popularity[y]! - ctx.popularity[x]! || x - y)
    .slice(0, nExamples)
    .map((p) => ({
      id: data.productIds[p]!,
      category: data.categories[p] ?? null,
      orders: ctx.popularity[p]!,
      recs: Array.from({ length: served.length[p]! }, (_, r) => {
        const q = served.ids[p * k + r]!;
        return {
          id: data.productIds[q]!,
          category: data.categories[q] ?? null,
          score: Math.round(served.scores[p * k + r]! * 1e9) / 1e9,
          support: served.support[p * k + r]!,
          reason: REASONS[served.reasons[p * k + r]!]!,
        };
      }),
    }));

  const splitInfo: Evaluation["split"] =
    options.split.method === "holdout"
      ? {
          method: "holdout",
          fraction: options.split.fraction,
          seed: options.split.seed,
          trainOrders: main.train.length,
          testOrders: main.test.length,
        }
      : {
          method: "time",
          column: options.split.column,
          fraction: options.split.fraction,
          trainOrders: main.train.length,
          testOrders: main.test.length,
        };

  return {
    format: "cobuy.evaluation.v1",
    counts: { orders: data.orderIds.length, products: data.productIds.length, lines: data.a.colIdx.length },
    split: splitInfo,
    k,
    similarity: {
      requested,
      chosen,
      minPairSupport,
      minScore,
      caps: options.caps ?? {},
      ...(selection ? { selection } : {}),
    },
    blend: options.blend ?? null,
    metrics,
    baseline: { popular: baseline },
    measures,
    byCategory,
    scoreDistribution: { similarity: chosen, bins: histogram(chosenTop!) },
    examples,
  };
}
