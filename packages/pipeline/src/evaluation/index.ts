export {
  type ClassicKernel,
  classicKernel,
  type EvaluationData,
} from "../selection/candidates.js";
export { type MetricContext, type Metrics, scoreLists } from "../selection/metrics.js";
export { selectOrders } from "../selection/orders.js";
export { chooseCandidate, coverageFloor, RELAXED_FLOOR_SHARE } from "../selection/rule.js";
export {
  BLEND_MIN_COVERAGE,
  type BlendCandidate,
  type BlendSelection,
  EVIDENCE_PRIORS,
  type EvidenceBlend,
  KEEP_SIMILAR,
  selectBlend,
} from "../selection/select-blend.js";
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
  evidenceLabel,
  type SplitFigures,
  type SplitOptions,
} from "./evaluate.js";
export { popularLists, type RecLists } from "./lists.js";
export { type PopularitySlice, popularitySlices } from "./slices.js";
export { type Sweep, type SweepCell, type SweepOptions, sweep, truncateLists } from "./sweep.js";
