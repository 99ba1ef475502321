import type { FastifyInstance } from "fastify";
import { type ApiContext, notModified, read, requireRun } from "../app/context.js";
import { searchSchema } from "../app/schemas.js";

/** `GET /v1/products?query=&limit=&offset=`: prefix search over the active run's product ids. */
export function productRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: { query: string; limit: number; offset: number } }>(
    "/v1/products",
    { schema: searchSchema },
    async (request, reply) => {
      const { query, limit, offset } = request.query;
      const runId = await requireRun(ctx);
      if (notModified(ctx, runId, request.headers["if-none-match"], reply)) return reply;
      const page = await read(`products starting with "${query}"`, () =>
        ctx.source.searchProducts(query, { limit, offset }),
      );
      return {
        query,
        runId,
        items: page.items,
        limit,
        offset,
        nextOffset: page.hasMore ? offset + page.items.length : null,
      };
    },
  );
}
