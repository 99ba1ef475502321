import type { FastifyReply } from "fastify";
import { ApiError, DatabaseUnavailableError, isDatabaseUnavailable } from "../errors.js";
import type {
  ProductRecord,
  ProductWithRecs,
  RecommendationSource,
  RunProduct,
} from "../source/recommendation-source.js";
import { etagMatches } from "./recommend.js";
import type { RunState } from "./run-state.js";
import { MAX_K } from "./schemas.js";

/** What the route modules share. */
export interface ApiContext {
  source: RecommendationSource;
  state: RunState;
  cacheControl: string;
  closing: boolean;
  /** Cache misses being read right now, by product: concurrent requests share one query. */
  inflight: Map<string, Promise<RunProduct | null>>;
}

/** Runs a source call, turning "database down" into a 503 `DatabaseUnavailableError`. */
export async function read<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isDatabaseUnavailable(err)) throw new DatabaseUnavailableError(what, err);
    throw err;
  }
}

/** The active run id, or a 503 `COBUY_API_NO_ACTIVE_RUN` when nothing is loaded yet. */
export async function requireRun(ctx: ApiContext, force = false): Promise<string> {
  const runId = await read("the active run", () => ctx.state.activeRunId(force));
  if (runId === null) {
    throw new ApiError(
      "COBUY_API_NO_ACTIVE_RUN",
      503,
      "no run is active in the database yet (load one with `cobuy pipeline` or `cobuy load`)",
    );
  }
  return runId;
}

/** The run's ETag. */
export function runEtag(runId: string): string {
  return `"${runId}"`;
}

/**
 * Sets ETag (default: the run's) and Cache-Control for a response of run `runId`; returns true
 * (and sends 304) when the client's `If-None-Match` already names it.
 */
export function notModified(
  ctx: ApiContext,
  runId: string,
  ifNoneMatch: string | undefined,
  reply: FastifyReply,
  etag = runEtag(runId),
): boolean {
  reply.header("etag", etag).header("cache-control", ctx.cacheControl);
  if (etagMatches(ifNoneMatch, etag)) {
    reply.code(304).send();
    return true;
  }
  return false;
}

/**
 * A product and its stored list in the active run, from the cache or the source, with the run it
 * belongs to (`entry` null: not in that run). Only answers read from the run the cache belongs to
 * are cached; an answer from another run re-checks the active run first (which drops the cache).
 */
export async function productEntry(
  ctx: ApiContext,
  productId: string,
): Promise<{ runId: string; entry: ProductWithRecs | null; fromCacheWhileDown?: true }> {
  let runId: string;
  try {
    runId = await requireRun(ctx);
  } catch (err) {
    // Database down: the list cached for the last run seen still answers (the route says so).
    const known = ctx.state.knownRunId;
    const cached = ctx.state.products.get(productId);
    if (err instanceof DatabaseUnavailableError && known !== null && cached !== undefined) {
      return { runId: known, entry: cached, fromCacheWhileDown: true };
    }
    throw err;
  }
  const cached = ctx.state.products.get(productId);
  if (cached !== undefined && ctx.state.knownRunId === runId) return { runId, entry: cached };
  let pending = ctx.inflight.get(productId);
  if (!pending) {
    pending = read(`product "${productId}"`, () => ctx.source.similar(productId)).finally(() => {
      ctx.inflight.delete(productId);
    });
    ctx.inflight.set(productId, pending);
  }
  const found = await pending;
  if (found === null) {
    // Absent from the active run, whichever it is now: learn which before caching the miss.
    const latest = await requireRun(ctx, true);
    if (ctx.state.knownRunId === latest) ctx.state.products.set(productId, null);
    return { runId: latest, entry: null };
  }
  if (found.runId !== ctx.state.knownRunId) await read("the active run", () => ctx.state.activeRunId(true));
  if (found.runId === ctx.state.knownRunId) ctx.state.products.set(productId, found.entry);
  return found;
}

/** Several products (a cart) from one run: found entries in cart order, and the unknown ids. */
export async function productEntries(
  ctx: ApiContext,
  ids: readonly string[],
): Promise<{ runId: string; found: ProductWithRecs[]; unknown: string[] }> {
  const unique = [...new Set(ids)];
  for (let attempt = 0; ; attempt++) {
    const answers = await Promise.all(unique.map((id) => productEntry(ctx, id)));
    const runIds = new Set(answers.map((a) => a.runId));
    // A run switch in the middle of the cart: read it again from the new run (once).
    if (runIds.size > 1 && attempt === 0) continue;
    const found: ProductWithRecs[] = [];
    const unknown: string[] = [];
    answers.forEach((a, i) => {
      if (a.entry) found.push(a.entry);
      else unknown.push(unique[i]!);
    });
    return { runId: answers[answers.length - 1]!.runId, found, unknown };
  }
}

/** The most popular products of a category (enough to fill any k), cached per run. */
export async function popular(ctx: ApiContext, runId: string, category: string): Promise<ProductRecord[]> {
  const cached = ctx.state.popular.get(category);
  if (cached !== undefined && ctx.state.knownRunId === runId) return cached;
  // k + the list already shown + the cart (≤ MAX_CART_IDS) never exceeds 2·MAX_K + 1.
  const list = await read(`popular products of category "${category}"`, () =>
    ctx.source.popularInCategory(category, 2 * MAX_K + 1),
  );
  if (ctx.state.knownRunId === runId) ctx.state.popular.set(category, list);
  return list;
}
