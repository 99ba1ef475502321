import {
  CLASSIC_SIMILARITY,
  type DownsampleOptions,
  type SimilarityName,
  type TopKResult,
} from "@cobuy/core-math";
import { resolveK } from "../recommend/options.js";
import { CandidateLists, type ClassicKernel, type EvaluationData } from "../selection/candidates.js";
import { scoreLists } from "../selection/metrics.js";
import { selectOrders } from "../selection/orders.js";
import { categoryIndex, metricContext } from "../selection/select-similarity.js";
import { holdoutSplit, timeSplit } from "../selection/split.js";
import type { SplitOptions } from "./evaluate.js";

export interface SweepOptions {
  split: SplitOptions;
  k?: number;
  similarity?: SimilarityName;
  /** Minimum pair supports (default [1, 2, 3, 5, 10, 20]). */
  minPairSupports?: readonly number[];
  /** Minimum scores (default 0 and the 10/25/50/75/90th percentiles of the listed scores). */
  minScores?: readonly number[];
  caps?: DownsampleOptions;
  classic?: ClassicKernel;
  onProgress?: (event: { stage: string; detail?: string }) => void;
}

export interface SweepCell {
  minPairSupport: number;
  minScore: number;
  sameCategory: number;
  hitRate: number;
  coverage: number;
  fullLists: number;
}

export interface Sweep {
  format: "cobuy.sweep.v1";
  similarity: SimilarityName;
  k: number;
  split: { method: string; trainOrders: number; testOrders: number };
  minPairSupports: number[];
  minScores: number[];
  cells: SweepCell[];
}

/** The prefix of each list with scores strictly above `minScore` (exact: lists are sorted). */
export function truncateLists(top: TopKResult, minScore: number): TopKResult {
  const length = new Uint16Array(top.products);
  for (let p = 0; p < top.products; p++) {
    let len = 0;
    while (len < top.length[p]! && top.scores[p * top.k + len]! > minScore) len++;
    length[p] = len;
  }
  return { ...top, length };
}

function significant(x: number): number {
  return Number(x.toPrecision(3));
}

/**
 * Threshold sweep: a grid of minimum pair support × minimum score, each cell scored on the same
 * held-out orders — the classic metric (sameCategory), hitRate@k, coverage and full lists.
 * A minimum score only shortens the lists of the same minimum support, so one build per support.
 *
 * @example
 * ```ts
 * const s = await sweep(data, { split: { method: "holdout", fraction: 0.2, seed: 1 }, similarity: "lift" });
 * ```
 */
export async function sweep(data: EvaluationData, options: SweepOptions): Promise<Sweep> {
  const k = resolveK(options.k);
  const similarity = options.similarity ?? CLASSIC_SIMILARITY;
  const sp = options.split;
  const { train: trainIdx, test: testIdx } =
    sp.method === "holdout"
      ? holdoutSplit(data.orderIds, { fraction: sp.fraction, seed: sp.seed })
      : timeSplit(data.orderIds, sp.times, { fraction: sp.fraction });
  const train = selectOrders(data.a, trainIdx);
  const { categoryOf, names } = categoryIndex(data.categories);
  const ctx = metricContext(train, selectOrders(data.a, testIdx), categoryOf, names);
  const supports = [...(options.minPairSupports ?? [1, 2, 3, 5, 10, 20])];
  let minScores = options.minScores ? [...options.minScores] : undefined;
  const cells: SweepCell[] = [];
  // Lists are built once per support at the lowest threshold, then cut per score.
  const base = Math.min(0, ...(minScores ?? [0]));
  const candidates = new CandidateLists(train, {
    k,
    minScore: base,
    caps: options.caps,
    classic: options.classic,
  });
  for (const s of supports) {
    options.onProgress?.({ stage: "sweep", detail: `minPairSupport=${s}` });
    const top = await candidates.lists(similarity, s);
    if (!minScores) {
      const all: number[] = [];
      for (let p = 0; p < top.products; p++)
        for (let r = 0; r < top.length[p]!; r++) all.push(top.scores[p * k + r]!);
      all.sort((x, y) => x - y);
      const q = (f: number) =>
        all.length ? significant(all[Math.min(all.length - 1, Math.floor(f * all.length))]!) : 0;
      minScores = [...new Set([0, q(0.1), q(0.25), q(0.5), q(0.75), q(0.9)])].sort((x, y) => x - y);
    }
    for (const t of minScores) {
      const { metrics } = scoreLists(truncateLists(top, t), ctx);
      cells.push({
        minPairSupport: s,
        minScore: t,
        sameCategory: metrics.sameCategory!,
        hitRate: metrics[`hitRate@${k}`]!,
        coverage: metrics.coverage!,
        fullLists: metrics.fullLists!,
      });
    }
  }
  return {
    format: "cobuy.sweep.v1",
    similarity,
    k,
    split: { method: sp.method, trainOrders: trainIdx.length, testOrders: testIdx.length },
    minPairSupports: supports,
    minScores: minScores ?? [],
    cells,
  };
}
