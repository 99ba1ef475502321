import { blendByEvidence, type DownsampleOptions, type SimilarityName } from "@cobuy/core-math";
import { CandidateLists, type ClassicKernel, type EvaluationData } from "./candidates.js";
import { scoreLists } from "./metrics.js";
import { selectOrders } from "./orders.js";
import { chooseCandidate } from "./rule.js";
import { categoryIndex, metricContext } from "./select-similarity.js";
import type { Split } from "./split.js";

/** Evidence priors `blend: "auto"` compares (orders). */
export const EVIDENCE_PRIORS: readonly number[] = [0, 10, 100, 1000];
/**
 * Similar items always kept that `blend: "auto"` compares (with every prior). At least one: a
 * product page leads with an item specific to the product (of its category first), never with a
 * bare best-seller list.
 */
export const KEEP_SIMILAR: readonly number[] = [1, 2, 3];

/**
 * An evidence blend (core-math's `blendByEvidence`): prior strength, similar items always kept and
 * the share of the catalog the lists must recommend (absent: no requirement).
 */
export interface EvidenceBlend {
  prior: number;
  keepSimilar: number;
  minCoverage?: number;
}

/**
 * Coverage `blend: "auto"` asks of every blend (default): each candidate is built to recommend at
 * least this share of the catalog (`minCoverage` of `blendByEvidence`), and the rule's floor.
 */
// Coverage is a property of the lists, not of the orders scored: a blend built to cover half the
// catalog on the validation split covers half of it rebuilt on all training orders too.
export const BLEND_MIN_COVERAGE = 0.5;

/** One prior of `blend: "auto"` and how it scored on the validation orders. */
export interface BlendCandidate {
  /** null: no blend. */
  blend: EvidenceBlend | null;
  hitRate: number;
  coverage: number;
  eligible: boolean;
}

/** How `blend: "auto"` chose. */
export interface BlendSelection {
  validationOrders: number;
  minCoverage: number;
  coverageFloor: number;
  rule: string;
  candidates: BlendCandidate[];
}

/**
 * The choice of `blend: "auto"` for one measure: builds `similarity` at `minPairSupport` on
 * `split.train`, blends it with every prior of {@link EVIDENCE_PRIORS} × {@link KEEP_SIMILAR}, each
 * built to cover `minCoverage` of the catalog (default {@link BLEND_MIN_COVERAGE}; `blendByEvidence`),
 * scores each on `split.test` and picks by the same total rule as the measure (`chooseCandidate`,
 * floor `minCoverage`). Returns the blend (null: serve the similar lists alone).
 *
 * @example
 * ```ts
 * const { blend } = await selectBlend(data, inner, { k: 5, similarity: "llr", minPairSupport: 1 });
 * ```
 */
export async function selectBlend(
  data: EvaluationData,
  split: Split,
  options: {
    k: number;
    similarity: SimilarityName;
    minPairSupport: number;
    minScore?: number;
    minCoverage?: number;
    caps?: DownsampleOptions | undefined;
    classic?: ClassicKernel | undefined;
  },
): Promise<{ blend: EvidenceBlend | null; selection: BlendSelection }> {
  const { k } = options;
  const minCoverage = options.minCoverage ?? BLEND_MIN_COVERAGE;
  const { categoryOf, names } = categoryIndex(data.categories);
  const subTrain = selectOrders(data.a, split.train);
  const vctx = metricContext(subTrain, selectOrders(data.a, split.test), categoryOf, names);
  const built = new CandidateLists(subTrain, {
    k,
    minScore: options.minScore ?? 0,
    caps: options.caps,
    classic: options.classic,
  });
  const similar = await built.lists(options.similarity, options.minPairSupport);
  const grid: (EvidenceBlend | null)[] = [null];
  for (const keepSimilar of KEEP_SIMILAR)
    for (const prior of EVIDENCE_PRIORS) grid.push({ prior, keepSimilar, minCoverage });
  const candidates: BlendCandidate[] = grid.map((blend) => {
    const lists =
      blend === null
        ? similar
        : blendByEvidence(similar, {
            ...blend,
            popularity: vctx.popularity,
            orders: vctx.trainOrders,
            trainOrders: subTrain,
            categoryOf,
          });
    const { metrics } = scoreLists(lists, vctx);
    return { blend, hitRate: metrics[`hitRate@${k}`]!, coverage: metrics.coverage!, eligible: false };
  });
  const choice = chooseCandidate(candidates, minCoverage, `hitRate@${k}`);
  for (const c of candidates) c.eligible = c.coverage >= choice.floor;
  return {
    blend: candidates[choice.index]!.blend,
    selection: {
      validationOrders: split.test.length,
      minCoverage,
      coverageFloor: choice.floor,
      rule: choice.rule,
      candidates,
    },
  };
}
