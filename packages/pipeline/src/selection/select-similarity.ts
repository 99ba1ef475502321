import {
  CLASSIC_SIMILARITY,
  type CsrMatrix,
  type DownsampleOptions,
  productSupport,
  SIMILARITIES,
  type SimilarityName,
} from "@cobuy/core-math";
import { CandidateLists, type ClassicKernel, type EvaluationData } from "./candidates.js";
import { type MetricContext, scoreLists } from "./metrics.js";
import { countNonEmpty, selectOrders } from "./orders.js";
import { chooseCandidate } from "./rule.js";
import type { Split } from "./split.js";

/** One candidate of `similarity: "auto"` and how it scored on the validation orders. */
export interface Candidate {
  similarity: SimilarityName;
  minPairSupport: number;
  hitRate: number;
  coverage: number;
  eligible: boolean;
}

/** How "auto" chose: the validation split, the rule and every candidate. */
export interface Selection {
  validationOrders: number;
  trainOrders: number;
  minCoverage: number;
  /** The floor applied: minCoverage, or relaxed when no candidate reaches it (see `coverageFloor`). */
  coverageFloor: number;
  rule: string;
  candidates: Candidate[];
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

/** What every list built on `train` is scored with against the held-out orders `test`. */
export function metricContext(
  train: CsrMatrix,
  test: CsrMatrix,
  categoryOf: Int32Array,
  names: string[],
): MetricContext {
  return {
    test,
    popularity: Float64Array.from(productSupport(train)),
    trainOrders: countNonEmpty(train),
    categoryOf,
    categoryNames: names,
  };
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
  selection: Selection;
}

/**
 * The choice of `similarity: "auto"`: builds every candidate measure × minimum pair support on
 * `split.train` and scores it on `split.test` (order indices of `data`), then picks the highest
 * hitRate@k among candidates with coverage ≥ `minCoverage` (if none reaches it, ≥ ¾ of the best
 * coverage reached: the rule is total; ties go to the first candidate, see `chooseCandidate`). The measures share one counting pass and the classic
 * candidates one C (see {@link CandidateLists}). `evaluate` calls it with a validation split carved
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
  const vctx = metricContext(subTrain, selectOrders(data.a, split.test), categoryOf, names);
  const sub = new CandidateLists(subTrain, { k, minScore, caps: options.caps, classic: options.classic });
  const compare = (options.candidates ?? SIMILARITIES).filter(
    (s) => s !== CLASSIC_SIMILARITY || options.classic !== undefined,
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
  const choice = chooseCandidate(candidates, minCoverage, `hitRate@${k}`);
  for (const c of candidates) c.eligible = c.coverage >= choice.floor;
  const best = candidates[choice.index]!;
  return {
    similarity: best.similarity,
    minPairSupport: best.minPairSupport,
    selection: {
      validationOrders: split.test.length,
      trainOrders: split.train.length,
      minCoverage,
      coverageFloor: choice.floor,
      rule: choice.rule,
      candidates,
    },
  };
}
