export { cosineTopK, cosineTopKSync } from "./cosine/cosine-top-k.js";
export { CoreMathError, type CoreMathErrorCode } from "./errors.js";
export * from "./measures/index.js";
export { cooccurrence, rowNorms, transpose } from "./sparse/cooccurrence.js";
export { buildIncidence, productSupport } from "./sparse/incidence.js";
export { acceptsTopK, createTopKLists, mergeTopKLists, offerTopK, selectTopK } from "./top-k/top-k-lists.js";
export type { CsrMatrix, Incidence, TopKLists, TopKOptions, TopKResult } from "./types.js";
