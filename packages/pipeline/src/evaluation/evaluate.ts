import {
  blendByEvidence,
  blendPopular,
  CLASSIC_SIMILARITY,
  type DownsampleOptions,
  REASONS,
  type Reason,
  SIMILARITIES,
  type SimilarityName,
  type TopKResult,
} from "@cobuy/core-math";
import { resolveK } from "../recommend/options.js";
import { CandidateLists, type ClassicKernel, type EvaluationData } from "../selection/candidates.js";
import { type CategoryShare, type Metrics, scoreLists } from "../selection/metrics.js";
import { selectOrders } from "../selection/orders.js";
import { type BlendSelection, type EvidenceBlend, selectBlend } from "../selection/select-blend.js";
import {
  categoryIndex,
  metricContext,
  type Selection,
  selectSimilarity,
} from "../selection/select-similarity.js";
import { holdoutSplit, type Split, timeSplit } from "../selection/split.js";
import { popularLists, type RecLists, similarLists } from "./lists.js";
import { type ScoreBin, scoreBins } from "./score-bins.js";
import { type PopularitySlice, popularitySlices } from "./slices.js";

export type SplitOptions =
  | { method: "holdout"; fraction: number; seed: number }
  | { method: "time"; fraction: number; column: string; times: ArrayLike<number> };

export interface EvaluateOptions {
  split: SplitOptions;
  /**
   * A second split evaluated the same way beside `split` — the split by time when the input has a
   * time column — with its own auto choice, served lists and baseline (see `Evaluation.splits`).
   */
  besideSplit?: SplitOptions;
  /** List length k (default: contracts' `DEFAULT_K`). */
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
  /**
   * Give best sellers the slots of similar items with weak evidence (core-math's `blendByEvidence`):
   * a prior strength in orders and similar items always kept, or "auto" to tune both on the
   * validation split (see `selectBlend`).
   */
  evidenceBlend?: EvidenceBlend | "auto";
  /** Coverage every blend of `evidenceBlend: "auto"` is built to reach, and its floor (default 0.5). */
  blendMinCoverage?: number;
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

export interface ExampleItem {
  id: string;
  category: string | null;
  score: number;
  support: number;
  reason: Reason;
}

/** One split's headline figures: what was served on it and how it scored beside the best sellers. */
export interface SplitFigures {
  split: Evaluation["split"];
  /** The served configuration's name (a key of `measures`). */
  served: string;
  similarity: { chosen: SimilarityName; minPairSupport: number };
  evidenceBlend: EvidenceBlend | null;
  metrics: Metrics;
  baseline: { popular: Metrics };
  measures: Record<string, Metrics>;
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
    selection?: Selection;
  };
  blend: { popular: number } | null;
  /** The evidence blend served: requested prior or "auto", the prior used (null: none) and auto's choice. */
  evidenceBlend: {
    requested: EvidenceBlend | "auto";
    chosen: EvidenceBlend | null;
    selection?: BlendSelection;
  } | null;
  /** The served configuration (chosen measure, with the blend when asked). */
  metrics: Metrics;
  baseline: { popular: Metrics };
  /** Every compared configuration on the same split. */
  measures: Record<string, Metrics>;
  byCategory: Record<string, CategoryShare>;
  /** HitRate@k by training-popularity decile of the product: the chosen measure, the served lists, the best sellers. */
  slices: PopularitySlice[];
  scoreDistribution: { similarity: SimilarityName; bins: Array<{ from: number; to: number; count: number }> };
  examples: Array<{ id: string; category: string | null; orders: number; recs: ExampleItem[] }>;
  /** With `besideSplit`: this evaluation's split first, then the other, each chosen and scored on its own. */
  splits?: SplitFigures[];
}

function splitFigures(ev: Evaluation, served: string): SplitFigures {
  return {
    split: ev.split,
    served,
    similarity: { chosen: ev.similarity.chosen, minPairSupport: ev.similarity.minPairSupport },
    evidenceBlend: ev.evidenceBlend?.chosen ?? null,
    metrics: ev.metrics,
    baseline: ev.baseline,
    measures: ev.measures,
  };
}

/** The name of what an evaluation served, as under `measures`. */
function servedLabel(
  similarity: SimilarityName,
  evidence: EvidenceBlend | null,
  blend: { popular: number } | null,
): string {
  if (evidence) return evidenceLabel(similarity, evidence);
  return blend ? label(similarity, blend) : similarity;
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

/** The name of an evidence blend under `measures`, e.g. "llr+evidence:10/keep:1/cover:0.5". */
export function evidenceLabel(similarity: SimilarityName, blend: EvidenceBlend): string {
  const cover = blend.minCoverage ? `/cover:${blend.minCoverage}` : "";
  return `${similarity}+evidence:${blend.prior}/keep:${blend.keepSimilar}${cover}`;
}

function histogram(top: TopKResult): ScoreBin[] {
  const scores: number[] = [];
  for (let p = 0; p < top.products; p++) {
    for (let r = 0; r < top.length[p]!; r++) scores.push(top.scores[p * top.k + r]!);
  }
  return scoreBins(scores);
}

/**
 * Honest offline evaluation: splits the orders, builds every compared measure on the training
 * orders only, scores the lists against the held-out orders (see `scoreLists`), always beside the
 * "most popular" baseline. `similarity: "auto"` picks the measure and minimum pair support on a
 * validation split carved from the training orders (never the test orders): the best hitRate@k
 * among candidates with coverage ≥ min(0.8, ¾ × the best coverage). With `besideSplit` the whole
 * evaluation runs again on that split (its own choice on its own training orders) and both splits'
 * figures go under `splits`. Deterministic for the same data, options and seed.
 *
 * @example
 * ```ts
 * const ev = await evaluate(data, { split: { method: "holdout", fraction: 0.2, seed: 1 }, similarity: "auto", classic });
 * ev.metrics["hitRate@5"];
 * ```
 */
export async function evaluate(data: EvaluationData, options: EvaluateOptions): Promise<Evaluation> {
  const k = resolveK(options.k);
  const minScore = options.minScore ?? 0;
  const requested = options.similarity ?? CLASSIC_SIMILARITY;
  const progress = options.onProgress ?? (() => {});
  const compare = (options.compare ?? SIMILARITIES).filter(
    (s) => s !== CLASSIC_SIMILARITY || options.classic !== undefined,
  );
  const { categoryOf, names } = categoryIndex(data.categories);

  const main = split(data, options.split);
  const train = selectOrders(data.a, main.train);
  const test = selectOrders(data.a, main.test);
  const ctx = metricContext(train, test, categoryOf, names);
  const builder = new CandidateLists(train, { k, minScore, caps: options.caps, classic: options.classic });

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
  let evidenceBlend: Evaluation["evidenceBlend"] = null;
  if (options.evidenceBlend !== undefined) {
    let blend: EvidenceBlend | null = options.evidenceBlend === "auto" ? null : options.evidenceBlend;
    let blendSelection: BlendSelection | undefined;
    if (options.evidenceBlend === "auto") {
      const fraction = options.validationFraction ?? options.split.fraction;
      const inner = split(data, { ...options.split, fraction }, main.train, 1);
      progress({ stage: "auto", detail: "evidence blend" });
      ({ blend, selection: blendSelection } = await selectBlend(data, inner, {
        k,
        similarity: chosen,
        minPairSupport,
        minScore,
        caps: options.caps,
        classic: options.classic,
        ...(options.blendMinCoverage !== undefined && { minCoverage: options.blendMinCoverage }),
      }));
    }
    evidenceBlend = {
      requested: options.evidenceBlend,
      chosen: blend,
      ...(blendSelection ? { selection: blendSelection } : {}),
    };
    if (blend !== null) {
      served = blendByEvidence(chosenTop!, {
        ...blend,
        popularity: ctx.popularity,
        orders: ctx.trainOrders,
        trainOrders: train,
        categoryOf,
      });
      const scored = scoreLists(served, ctx);
      metrics = scored.metrics;
      byCategory = scored.byCategory;
      measures[evidenceLabel(chosen, blend)] = metrics;
    }
  }
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
  const bestSellers = popularLists(ctx.popularity, k);
  const baseline = scoreLists(bestSellers, ctx).metrics;
  const servedName = servedLabel(chosen, evidenceBlend?.chosen ?? null, options.blend ?? null);
  const slices = popularitySlices(
    {
      [chosen]: chosenTop!,
      ...(servedName !== chosen ? { [servedName]: served } : {}),
      popular: bestSellers,
    },
    ctx,
  );

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

  const ev: Evaluation = {
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
    evidenceBlend,
    metrics,
    baseline: { popular: baseline },
    measures,
    byCategory,
    slices,
    scoreDistribution: { similarity: chosen, bins: histogram(chosenTop!) },
    examples,
  };
  if (options.besideSplit) {
    progress({ stage: "evaluate", detail: `beside: ${options.besideSplit.method} split` });
    const { besideSplit, ...rest } = options;
    const other = await evaluate(data, { ...rest, split: besideSplit, examples: 0 });
    ev.splits = [
      splitFigures(ev, servedName),
      splitFigures(
        other,
        servedLabel(other.similarity.chosen, other.evidenceBlend?.chosen ?? null, other.blend),
      ),
    ];
  }
  return ev;
}
