export { cosineTopK, cosineTopKFromOrders, cosineTopKSync } from "./cosine/cosine-top-k.js";
export { CoreMathError, type CoreMathErrorCode } from "./errors.js";
export * from "./measures/index.js";
export { cooccurrence, rowNorms, transpose } from "./sparse/cooccurrence.js";
export { buildIncidence, productSupport } from "./sparse/incidence.js";
export { acceptsTopK, createTopKLists, mergeTopKLists, offerTopK, selectTopK } from "./top-k/top-k-lists.js";
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
  TopKResult,
} from "./types.js";
