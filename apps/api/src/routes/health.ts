import type { FastifyInstance } from "fastify";
import { type ApiContext, read } from "../app/context.js";
import { healthSchema, readySchema } from "../app/schemas.js";
import { ApiError } from "../errors.js";

/**
 * `GET /healthz`: liveness — the process answers, so an orchestrator must not restart it while
 * only the database is down (cached lists keep serving). `GET /readyz`: readiness — the database
 * answers, a run is active and the server is not closing.
 */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/healthz", { schema: healthSchema }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });

  app.get("/readyz", { schema: readySchema }, async (_request, reply) => {
    reply.header("cache-control", "no-store");
    if (ctx.closing) throw new ApiError("COBUY_API_SHUTTING_DOWN", 503, "the server is shutting down");
    await read("a readiness check", () => ctx.source.ping());
    const runId = await read("the active run", () => ctx.state.activeRunId(true));
    if (runId === null)
      throw new ApiError("COBUY_API_NO_ACTIVE_RUN", 503, "no run is active in the database yet");
    return { status: "ready", runId, database: "up" };
  });
}
