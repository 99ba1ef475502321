export { type DownsampleOptions, type DownsampleResult, downsample } from "./downsample.js";
export { isMeasureName, MEASURES, type MeasureName } from "./measure.js";
export { logLikelihoodRatio, type MeasureTopKOptions, measureTopK, pairScore } from "./measure-top-k.js";
export { countPairs, type PairCounts } from "./pair-counts.js";
