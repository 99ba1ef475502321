import type { RunDiff } from "@cobuy/contracts";
import { diffRuns } from "@cobuy/pipeline/diff";
import type { FastifyInstance } from "fastify";
import { type ApiContext, notModified, read } from "../app/context.js";
import { activeRunSchema, runDiffSchema } from "../app/schemas.js";
import { ApiError } from "../errors.js";
import type { RunSummary } from "../source/recommendation-source.js";

interface DiffQuery {
  against?: string;
  k?: number;
  limit: number;
}

/** `GET /v1/runs/active`: id, times, counts and validation of the active run; `…/diff`: its RunDiff. */
export function runRoutes(app: FastifyInstance, ctx: ApiContext): void {
  let cached: RunSummary | null = null;
  app.get("/v1/runs/active", { schema: activeRunSchema }, async (request, reply) => {
    const runId = await activeRunOr404(ctx);
    if (notModified(ctx, runId, request.headers["if-none-match"], reply)) return reply;
    if (cached?.runId === runId) return cached;
    const run = await read("the active run", () => ctx.source.activeRun());
    if (run === null)
      throw new ApiError("COBUY_API_NO_ACTIVE_RUN", 404, "no run is active in the database yet");
    if (run.runId !== runId) reply.header("etag", `"${run.runId}"`);
    cached = run;
    return run;
  });

  // Diffs being computed, by key: concurrent dashboards share one read of the two runs.
  const computing = new Map<string, Promise<RunDiff>>();
  app.get<{ Querystring: DiffQuery }>(
    "/v1/runs/active/diff",
    { schema: runDiffSchema },
    async (request, reply) => {
      const { against, k, limit } = request.query;
      const runId = await activeRunOr404(ctx);
      const before = against ?? (await read("the previous run", () => ctx.source.previousRunId()));
      if (before === null)
        throw new ApiError(
          "COBUY_API_NO_PREVIOUS_RUN",
          404,
          `no loaded run was active before the active run ${runId}: nothing to compare with (pass ?against=RUN_ID)`,
        );
      // The pair names the answer: the previous run changes only with the active one, or by a prune.
      if (notModified(ctx, runId, request.headers["if-none-match"], reply, `"${before}..${runId}"`))
        return reply;
      const key = `${runId}|${before}|${k ?? ""}|${limit}`;
      const hit = ctx.state.diffs.get(key);
      if (hit !== undefined && ctx.state.knownRunId === runId) return hit;
      let pending = computing.get(key);
      if (!pending) {
        pending = computeDiff(ctx, before, runId, { k, mostChanged: limit }).finally(() => {
          computing.delete(key);
        });
        computing.set(key, pending);
      }
      const diff = await pending;
      if (ctx.state.knownRunId === runId) ctx.state.diffs.set(key, diff);
      return diff;
    },
  );
}

async function activeRunOr404(ctx: ApiContext): Promise<string> {
  const runId = await read("the active run", () => ctx.state.activeRunId());
  if (runId === null)
    throw new ApiError("COBUY_API_NO_ACTIVE_RUN", 404, "no run is active in the database yet");
  return runId;
}

async function computeDiff(
  ctx: ApiContext,
  beforeId: string,
  afterId: string,
  options: { k?: number; mostChanged: number },
): Promise<RunDiff> {
  const [before, after] = await Promise.all(
    [beforeId, afterId].map((id) => read(`the lists of run ${id}`, () => ctx.source.runLists(id))),
  );
  for (const [id, lists] of [
    [beforeId, before],
    [afterId, after],
  ] as const) {
    if (lists === null)
      throw new ApiError(
        "COBUY_API_RUN_NOT_FOUND",
        404,
        `run "${id}" is not loaded in the database (pruned or never loaded; cobuy db runs lists them)`,
      );
  }
  return diffRuns(before!, after!, options);
}
