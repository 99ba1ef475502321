import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CobuyDb } from "@cobuy/pg-loader";
import fastifyStatic from "@fastify/static";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
  LogController,
} from "fastify";
import { ApiError, type ApiErrorCode, type ErrorBody, isDatabaseUnavailable } from "../errors.js";
import { healthRoutes } from "../routes/health.js";
import { productRoutes } from "../routes/products.js";
import { runRoutes } from "../routes/runs.js";
import { similarRoutes } from "../routes/similar.js";
import { pgLoaderSource } from "../source/pg-loader-source.js";
import type { RecommendationSource } from "../source/recommendation-source.js";
import type { ApiContext } from "./context.js";
import { registerOpenApi } from "./openapi.js";
import { RunState } from "./run-state.js";
import { MAX_ID_LENGTH } from "./schemas.js";

/** Options of {@link createApp}. Give `db` (a pg-loader database) or a custom `source`. */
export interface CreateAppOptions {
  /** An open pg-loader database (`openDatabase(...)`, PostgreSQL or PGlite); the caller closes it. */
  db?: CobuyDb;
  /** Where recommendations come from; defaults to `pgLoaderSource(db)`. */
  source?: RecommendationSource;
  /** Fastify logger options (`true` = JSON info logs on stdout); default off. One line per request. */
  logger?: FastifyServerOptions["logger"];
  /** A ready pino-compatible logger instead of `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Re-read the active run id at most this often (ms). Default 1000; 0 = per request. */
  runCheckIntervalMs?: number;
  /** Products kept in the in-process cache. Default 100 000; 0 disables caching. */
  cacheEntries?: number;
  /** `max-age` of `Cache-Control` on run-derived GET responses (seconds). Default 60. */
  maxAgeSeconds?: number;
  /** Folder of the built page (`dist/public`), or false to serve no page. */
  publicDir?: string | false;
  /** Largest accepted JSON body in bytes. Default 16 KiB. */
  bodyLimit?: number;
}

const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The built page, next to the compiled code (`dist/public`) in both `src/` and `dist/` layouts. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../../dist/public/", import.meta.url));

declare module "fastify" {
  interface FastifyInstance {
    /** The source and caches behind the routes (read-only use: stats, tests). */
    cobuy: ApiContext;
  }
}

/**
 * Builds the HTTP API and page over the active run. The caller owns `db` (close it after
 * `app.close()`) and calls `app.listen()` or `app.inject()`.
 *
 * @example
 * ```ts
 * import { createApp } from "@cobuy/api";
 * const app = await createApp({ db, logger: true });
 * await app.listen({ port: 8080, host: "127.0.0.1" });
 * // later: await app.close(); await db.destroy();
 * ```
 */
export async function createApp(options: CreateAppOptions): Promise<FastifyInstance> {
  const source = options.source ?? (options.db ? pgLoaderSource(options.db) : undefined);
  if (!source) throw new TypeError("createApp: pass `db` (a pg-loader Kysely instance) or `source`");

  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? false }),
    // One line per request from the onResponse hook below instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "reqId" }),
    // Ids up to MAX_ID_LENGTH characters, percent-encoded (×3), must reach the schema and get a 400.
    routerOptions: { maxParamLength: MAX_ID_LENGTH * 3 + 16, ignoreTrailingSlash: true },
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    // Requests that reach a closing server get our error shape (see the onRequest hook).
    return503OnClosing: false,
    forceCloseConnections: "idle",
    requestIdHeader: "x-request-id",
    // No pino child logger per request (a measurable share of a cached answer's cost): the
    // request id is written into each request's log line instead.
    childLoggerFactory: (logger) => logger,
    frameworkErrors: (error, request, reply) => {
      (reply as FastifyReply)
        .code(400)
        .header("cache-control", "no-store")
        .send(
          errorBody("COBUY_API_INVALID_REQUEST", 400, `bad request: ${error.message}`, String(request.id)),
        );
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });

  const ctx: ApiContext = {
    source,
    state: new RunState(source, {
      runCheckIntervalMs: options.runCheckIntervalMs ?? 1000,
      cacheEntries: options.cacheEntries ?? 100_000,
      onRunChange: (from, to) => {
        if (from !== null) app.log.info({ from, to }, "active run changed; cache dropped");
      },
    }),
    cacheControl: `public, max-age=${options.maxAgeSeconds ?? 60}, stale-while-revalidate=${(options.maxAgeSeconds ?? 60) * 5}`,
    closing: false,
    inflight: new Map(),
  };
  app.decorate("cobuy", ctx);

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
    if (ctx.closing) {
      // Draining: in-flight requests finish, new ones go elsewhere (the load balancer retries).
      reply.header("connection", "close").header("retry-after", "1");
      throw new ApiError(
        "COBUY_API_SHUTTING_DOWN",
        503,
        "the server is shutting down; retry on another instance",
      );
    }
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    // Responses finishing during the drain close their keep-alive socket, so close() completes.
    if (ctx.closing) reply.header("connection", "close");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    request.log.info(
      {
        reqId: request.id,
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      "request",
    );
  });
  app.addHook("preClose", async () => {
    ctx.closing = true;
  });

  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    const requestId = String(request.id);
    reply.removeHeader("etag");
    reply.header("cache-control", "no-store");
    if (isApiError(err)) {
      if (err.statusCode >= 500)
        request.log.warn({ reqId: requestId, code: err.code, err: err.message }, "request failed");
      return reply.code(err.statusCode).send(errorBody(err.code, err.statusCode, err.message, requestId));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(400).send(errorBody("COBUY_API_INVALID_REQUEST", 400, fe.message, requestId));
    }
    if (fe.statusCode === 413) {
      return reply.code(413).send(errorBody("COBUY_API_PAYLOAD_TOO_LARGE", 413, fe.message, requestId));
    }
    if (fe.statusCode === 415) {
      return reply.code(415).send(errorBody("COBUY_API_UNSUPPORTED_MEDIA_TYPE", 415, fe.message, requestId));
    }
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply
        .code(fe.statusCode)
        .send(errorBody("COBUY_API_INVALID_REQUEST", fe.statusCode, fe.message, requestId));
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ reqId: requestId, err }, "database unavailable");
      return reply
        .code(503)
        .send(
          errorBody("COBUY_API_DATABASE_UNAVAILABLE", 503, `database unavailable: ${fe.message}`, requestId),
        );
    }
    request.log.error({ reqId: requestId, err }, "unexpected error");
    return reply
      .code(500)
      .send(errorBody("COBUY_API_INTERNAL_ERROR", 500, "internal error (see the server log)", requestId));
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .header("cache-control", "no-store")
      .send(
        errorBody(
          "COBUY_API_ROUTE_NOT_FOUND",
          404,
          `no route ${request.method} ${request.url.split("?")[0]} (see /openapi.json)`,
          String(request.id),
        ),
      );
  });

  registerOpenApi(app, { title: "cobuy similar products API", version: "1.0.0" });
  similarRoutes(app, ctx);
  productRoutes(app, ctx);
  runRoutes(app, ctx);
  healthRoutes(app, ctx);

  const publicDir = options.publicDir === undefined ? DEFAULT_PUBLIC_DIR : options.publicDir;
  if (publicDir !== false && existsSync(publicDir)) {
    await app.register(fastifyStatic, {
      root: publicDir,
      index: ["index.html"],
      maxAge: "1h",
      immutable: false,
      setHeaders: (res, path) => {
        // Hashed asset names never change; the HTML must be revalidated to pick up new builds.
        if (/[/\\]assets[/\\]/.test(path)) res.header("cache-control", "public, max-age=31536000, immutable");
        else res.header("cache-control", "no-cache");
        // The page talks to this origin only: no CDN, no third-party requests, no inline code.
        res.header("content-security-policy", PAGE_CSP);
        res.header("x-content-type-options", "nosniff");
        res.header("referrer-policy", "no-referrer");
      },
    });
  } else if (publicDir !== false) {
    app.get("/", async (_request, reply) => {
      reply.type("text/html; charset=utf-8").header("cache-control", "no-store");
      return "<!doctype html><title>cobuy</title><p>The page is not built: run <code>pnpm --filter @cobuy/api build</code>. The API is at <a href=/openapi.json>/openapi.json</a>.</p>";
    });
  }
  return app;
}

function isApiError(err: unknown): err is ApiError {
  const e = err as Partial<ApiError>;
  return (
    (e.name === "ApiError" || e.name === "DatabaseUnavailableError") &&
    typeof e.code === "string" &&
    typeof e.statusCode === "number"
  );
}

function errorBody(code: ApiErrorCode, statusCode: number, message: string, requestId: string): ErrorBody {
  return { error: { code, message, statusCode, requestId } };
}
