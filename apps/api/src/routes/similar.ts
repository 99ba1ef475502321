import type { FastifyInstance } from "fastify";
import {
  type ApiContext,
  notModified,
  popular,
  productEntries,
  productEntry,
  requireRun,
  runEtag,
} from "../app/context.js";
import { backfill, combineCart, dominantCategory, pickSimilar } from "../app/recommend.js";
import { cartSchema, similarSchema } from "../app/schemas.js";
import { ApiError, DatabaseUnavailableError } from "../errors.js";

/** Set when the database is down and the answer comes from the in-process cache. */
export const SERVED_FROM_CACHE = "x-cobuy-served-from-cache";

interface SimilarQuery {
  k: number;
  category?: string;
  backfill?: "category";
}

/** `GET /v1/products/:id/similar` and `POST /v1/similar`. */
export function similarRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { id: string }; Querystring: SimilarQuery }>(
    "/v1/products/:id/similar",
    { schema: similarSchema },
    async (request, reply) => {
      const { id } = request.params;
      const { k, category } = request.query;
      // A client holding the active run's ETag needs no database round trip at all.
      // With the database down, productEntry below may still answer from the cache.
      const current = await requireRun(ctx).catch((err: unknown) => {
        if (err instanceof DatabaseUnavailableError && ctx.state.knownRunId !== null) return null;
        throw err;
      });
      if (current !== null && notModified(ctx, current, request.headers["if-none-match"], reply))
        return reply;
      const { runId, entry, fromCacheWhileDown } = await productEntry(ctx, id);
      reply.header("etag", runEtag(runId));
      if (fromCacheWhileDown) reply.header(SERVED_FROM_CACHE, "database-unavailable");
      if (entry === null) {
        throw new ApiError(
          "COBUY_API_PRODUCT_NOT_FOUND",
          404,
          `product "${id}" is not in the active run ${runId}`,
        );
      }
      const items = pickSimilar(entry, k, category);
      if (request.query.backfill === "category" && items.length < k) {
        const fillCategory = category ?? entry.product.category;
        if (fillCategory !== null) {
          backfill(items, await popular(ctx, runId, fillCategory), new Set([id]), k);
        }
      }
      const { name, extra } = entry.product;
      return { productId: id, runId, category: entry.product.category, name, extra, items };
    },
  );

  app.post<{ Body: { ids: string[] } & SimilarQuery }>(
    "/v1/similar",
    { schema: cartSchema },
    async (request) => {
      const { ids, k, category } = request.body;
      const { runId, found, unknown } = await productEntries(ctx, ids);
      if (found.length === 0) {
        throw new ApiError(
          "COBUY_API_PRODUCT_NOT_FOUND",
          404,
          `none of the cart's products (${ids.slice(0, 5).join(", ")}${ids.length > 5 ? ", …" : ""}) is in the active run ${runId}`,
        );
      }
      const items = combineCart(found, k, category);
      if (request.body.backfill === "category" && items.length < k) {
        const fillCategory = category ?? dominantCategory(found.map((e) => e.product));
        if (fillCategory !== null) {
          backfill(items, await popular(ctx, runId, fillCategory), new Set(ids), k);
        }
      }
      return { ids: found.map((e) => e.product.id), unknownIds: unknown, runId, items };
    },
  );
}
