import type { FastifyInstance } from "fastify";
import { type ApiContext, notModified, read } from "../app/context.js";
import { activeRunSchema } from "../app/schemas.js";
import { ApiError } from "../errors.js";
import type { RunSummary } from "../source/recommendation-source.js";

/** `GET /v1/runs/active`: id, times, counts and validation of the active run. */
export function runRoutes(app: FastifyInstance, ctx: ApiContext): void {
  let cached: RunSummary | null = null;
  app.get("/v1/runs/active", { schema: activeRunSchema }, async (request, reply) => {
    const runId = await read("the active run", () => ctx.state.activeRunId());
    if (runId === null)
      throw new ApiError("COBUY_API_NO_ACTIVE_RUN", 404, "no run is active in the database yet");
    if (notModified(ctx, runId, request.headers["if-none-match"], reply)) return reply;
    if (cached?.runId === runId) return cached;
    const run = await read("the active run", () => ctx.source.activeRun());
    if (run === null)
      throw new ApiError("COBUY_API_NO_ACTIVE_RUN", 404, "no run is active in the database yet");
    if (run.runId !== runId) reply.header("etag", `"${run.runId}"`);
    cached = run;
    return run;
  });
}
