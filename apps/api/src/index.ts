/**
 * `@cobuy/api`: the HTTP API and product page over the active cobuy run.
 *
 * @example
 * ```ts
 * import { createApp } from "@cobuy/api";
 * const app = await createApp({ db });
 * await app.listen({ port: 8080 });
 * ```
 */
export { type CreateAppOptions, createApp, DEFAULT_PUBLIC_DIR } from "./app/create-app.js";
export { MAX_CART_IDS, MAX_ID_LENGTH, MAX_K, MAX_PAGE } from "./app/schemas.js";
export {
  ApiError,
  type ApiErrorCode,
  DatabaseUnavailableError,
  type ErrorBody,
  isDatabaseUnavailable,
} from "./errors.js";
export { pgLoaderSource } from "./source/pg-loader-source.js";
export type {
  ProductPage,
  ProductRecord,
  ProductWithRecs,
  RecommendationSource,
  RunProduct,
  RunSummary,
  SimilarItem,
  ValidationCell,
  ValidationSummary,
} from "./source/recommendation-source.js";
