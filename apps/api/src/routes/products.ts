import type { FastifyInstance } from "fastify";
import { type ApiContext, notModified, read, requireRun } from "../app/context.js";
import { searchSchema } from "../app/schemas.js";
import { ApiError } from "../errors.js";

/**
 * `GET /v1/products?q=&limit=&offset=`: search over the active run's product names;
 * `GET /v1/products?query=…`: prefix search over its ids.
 */
export function productRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { query: string; q?: string; limit: number; offset: number } }>(
    "/v1/products",
    { schema: searchSchema },
    async (request, reply) => {
      const { query, q, limit, offset } = request.query;
      if (q !== undefined && query !== "") {
        throw new ApiError(
          "COBUY_API_INVALID_REQUEST",
          400,
          "pass either q (search by name) or query (id prefix), not both",
        );
      }
      const runId = await requireRun(ctx);
      if (notModified(ctx, runId, request.headers["if-none-match"], reply)) return reply;
      const page =
        q === undefined
          ? await read(`products starting with "${query}"`, () =>
              ctx.source.searchProducts(query, { limit, offset }),
            )
          : await read(`products named like "${q}"`, () =>
              ctx.source.searchProductsByName(q, { limit, offset }),
            );
      return {
        query: q ?? query,
        by: q === undefined ? "id" : "name",
        runId,
        items: page.items,
        limit,
        offset,
        nextOffset: page.hasMore ? offset + page.items.length : null,
      };
    },
  );
}
