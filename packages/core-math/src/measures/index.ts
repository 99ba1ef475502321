export {
  ClassicLists,
  type ClassicTopKOptions,
  classicTopK,
  filterByPairSupport,
} from "./classic-top-k.js";
export { type DownsampleOptions, type DownsampleResult, downsample } from "./downsample.js";
export { isMeasureName, MEASURES, type MeasureName } from "./measure.js";
export { logLikelihoodRatio, type MeasureTopKOptions, measureTopK, pairScore } from "./measure-top-k.js";
export { type CountPairsOptions, countPairs, type PairCounts } from "./pair-counts.js";
export { CLASSIC_SIMILARITY, isSimilarityName, SIMILARITIES, type SimilarityName } from "./similarity.js";
