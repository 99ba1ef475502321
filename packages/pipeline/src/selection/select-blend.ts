import { blendByEvidence, type DownsampleOptions, type SimilarityName } from "@cobuy/core-math";
import { CandidateLists, type ClassicKernel, type EvaluationData } from "./candidates.js";
import { scoreLists } from "./metrics.js";
import { selectOrders } from "./orders.js";
import { chooseCandidate } from "./rule.js";
import { categoryIndex, metricContext } from "./select-similarity.js";
import type { Split } from "./split.js";

/** Evidence priors `blend: "auto"` compares (orders). */
export const EVIDENCE_PRIORS: readonly number[] = [0, 10, 100, 1000];
/** Similar items always kept that `blend: "auto"` compares (with every prior). */
export const KEEP_SIMILAR: readonly number[] = [0, 1, 2, 3];

/** An evidence blend: prior strength and similar items always kept (core-math's `blendByEvidence`). */
export interface EvidenceBlend {
  prior: number;
  keepSimilar: number;
}

/** Coverage a blend needs to be chosen by `blend: "auto"` (default). */
// 0.5 is the aim on the test orders; 0.55 leaves room for the validation split to read a little high.
export const BLEND_MIN_COVERAGE = 0.55;

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
 * `split.train`, blends it with every prior of {@link EVIDENCE_PRIORS} × {@link KEEP_SIMILAR}
 * (`blendByEvidence`), scores
 * each on `split.test` and picks by the same total rule as the measure (`chooseCandidate`, floor
 * `minCoverage`, default 0.55). Returns the blend (null: serve the similar lists alone).
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
    for (const prior of EVIDENCE_PRIORS) grid.push({ prior, keepSimilar });
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
