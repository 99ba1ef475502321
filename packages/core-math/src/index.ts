export { cosineTopK, cosineTopKFromOrders, cosineTopKSync } from "./cosine/cosine-top-k.js";
export { prestartCosineWorkers } from "./cosine/pool.js";
export { CoreMathError, type CoreMathErrorCode } from "./errors.js";
export { type BlendedLists, blendPopular, popularityRanking, REASONS, type Reason } from "./lists/blend.js";
export { blendByEvidence, type EvidenceBlendOptions } from "./lists/evidence-blend.js";
export * from "./measures/index.js";
export { type PlannedCosine, planFromOrders } from "./plan/plan-from-orders.js";
export { hashPair, hashText, mix32, SeededRandom, seededUniform } from "./random/seeded.js";
export { cooccurrence, rowNorms, transpose } from "./sparse/cooccurrence.js";
export { buildIncidence, productSupport } from "./sparse/incidence.js";
export {
  acceptsTopK,
  checkK,
  createTopKLists,
  mergeTopKLists,
  offerTopK,
  selectTopK,
} from "./top-k/top-k-lists.js";
export type {
  CosinePlanName,
  CosinePlanReport,
  CosineStrategy,
  CsrMatrix,
  Incidence,
  PlanBlock,
  PlanEstimate,
  TopKLists,
  TopKOptions,
  TopKProgress,
  TopKResult,
  TopKWork,
} from "./types.js";
