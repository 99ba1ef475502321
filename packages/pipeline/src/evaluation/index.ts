export { type ClassicTopKOptions, classicKernel, classicTopK } from "./classic.js";
export {
  evaluationDataFromIndex,
  type LoadEvaluationOptions,
  type LoadedEvaluationData,
  loadEvaluationData,
} from "./data.js";
export {
  type Candidate,
  type ClassicKernel,
  type EvaluateOptions,
  type Evaluation,
  type EvaluationData,
  type ExampleItem,
  evaluate,
  isSimilarityName,
  type SelectSimilarityOptions,
  SIMILARITIES,
  type SimilarityName,
  type SimilaritySelection,
  type SplitOptions,
  selectSimilarity,
} from "./evaluate.js";
export { blendPopular, popularLists, REASONS, type Reason, type RecLists, selectOrders } from "./lists.js";
export { type MetricContext, type Metrics, scoreLists } from "./metrics.js";
export { holdoutSplit, type Split, timeSplit } from "./split.js";
export { type Sweep, type SweepCell, type SweepOptions, sweep, truncateLists } from "./sweep.js";
