export {
  type ClassicKernel,
  classicKernel,
  type EvaluationData,
} from "../selection/candidates.js";
export { type MetricContext, type Metrics, scoreLists } from "../selection/metrics.js";
export { selectOrders } from "../selection/orders.js";
export {
  type Candidate,
  type Selection,
  type SelectSimilarityOptions,
  type SimilaritySelection,
  selectSimilarity,
} from "../selection/select-similarity.js";
export { holdoutSplit, type Split, timeSplit } from "../selection/split.js";
export {
  evaluationDataFromIndex,
  type LoadEvaluationOptions,
  type LoadedEvaluationData,
  loadEvaluationData,
} from "./data.js";
export {
  type EvaluateOptions,
  type Evaluation,
  type ExampleItem,
  evaluate,
  type SplitOptions,
} from "./evaluate.js";
export { popularLists, type RecLists } from "./lists.js";
export { type Sweep, type SweepCell, type SweepOptions, sweep, truncateLists } from "./sweep.js";
