/**
 * `cobuy serve`: the HTTP API and page over the active run, until SIGINT/SIGTERM.
 * Configuration: DATABASE_URL (PostgreSQL; default the embedded PGlite folder), PORT, HOST;
 * flags win over the environment.
 */
import { existsSync } from "node:fs";
import { type CreateAppOptions, createApp } from "@cobuy/api";
import { defineCommand } from "../command.js";
import { RunnerIoError } from "../errors.js";
import { DB_OPTIONS, type DbTarget, dbTargetFromEnv } from "../flags/db.js";
import { intOption } from "../flags/values.js";
import { openDbTarget } from "../steps/database.js";
import type { LogFields, Logger } from "../ui/logger.js";

type ApiLogger = NonNullable<CreateAppOptions["loggerInstance"]>;

export const serve = defineCommand({
  name: "serve",
  summary: "serve the HTTP API and the product page over the active run",
  usage: "cobuy serve [--port N] [--host H] [options]",
  description: [
    "Reads the run that `cobuy pipeline` (or `cobuy load`) activated: PostgreSQL when DATABASE_URL",
    "(or PGHOST/PGDATABASE) is set, otherwise the embedded PGlite folder ($COBUY_HOME/pglite).",
    "Logs one line per request; SIGINT/SIGTERM stop accepting, finish in-flight requests, then",
    "close the database.",
  ].join("\n"),
  options: {
    port: {
      type: "string",
      valueName: "N",
      description: "TCP port (default $PORT or 8080; 0 = any free port)",
    },
    host: {
      type: "string",
      valueName: "H",
      description: "interface to listen on (default $HOST or 127.0.0.1)",
    },
    ...DB_OPTIONS,
    "pool-size": { ...DB_OPTIONS["pool-size"], description: "PostgreSQL connection pool size (default 16)" },
    "statement-timeout": {
      ...DB_OPTIONS["statement-timeout"],
      description: "PostgreSQL statement_timeout in ms; a slower query answers 503 (default 5000)",
    },
    "run-check-ms": {
      type: "string",
      valueName: "MS",
      description: "re-read the active run at most every MS milliseconds (default 1000)",
    },
    "cache-entries": {
      type: "string",
      valueName: "N",
      description: "products kept in the in-process cache (default 100000; 0 = off)",
    },
  },
  examples: [
    "cobuy serve",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/cobuy cobuy serve --port 8080 --host 0.0.0.0",
  ],
  async run(ctx, { values }) {
    const port = intOption(values.port ?? ctx.env.PORT, "port", 8080, { min: 0, max: 65535 });
    const host = values.host ?? ctx.env.HOST ?? "127.0.0.1";
    const runCheckIntervalMs = intOption(values["run-check-ms"], "run-check-ms", 1000, { min: 0 });
    const cacheEntries = intOption(values["cache-entries"], "cache-entries", 100_000, { min: 0 });
    const target = servingTarget(dbTargetFromEnv(ctx, values, { poolSize: 16 }));
    if (target.kind === "pglite" && !existsSync(ctx.home.pglite)) {
      throw new RunnerIoError(
        `no database: DATABASE_URL is not set and the PGlite folder ${ctx.home.pglite} does not exist (run \`pnpm turbo run pipeline\` first, or set DATABASE_URL / COBUY_HOME)`,
      );
    }
    const db = await openDbTarget(target);
    const where = target.label;

    const app = await createApp({
      db,
      loggerInstance: fastifyLogger(ctx.log),
      runCheckIntervalMs,
      cacheEntries,
    });
    let address: string;
    try {
      address = await app.listen({ port, host });
    } catch (err) {
      await db.close();
      throw err;
    }
    const runId = await app.cobuy.state.activeRunId().catch(() => null);
    // Humans get one line on stdout; --json / --log-format json get the same facts as a log event.
    if (ctx.json || ctx.logFormat === "json") {
      ctx.log.info("serving", { url: address, database: where, run: runId ?? "(none yet)" });
    } else {
      ctx.print(
        `serving ${address} (page ${address}/, API ${address}/openapi.json) over ${where}, run ${runId ?? "(none yet)"}`,
      );
    }
    if (runId === null)
      ctx.log.warn("no active run yet: recommendation endpoints answer 503 until one is loaded");

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const stop = (s: NodeJS.Signals) => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve(s);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    ctx.log.info("shutting down", { signal });
    const t0 = performance.now();
    await app.close();
    await db.close();
    ctx.log.info("stopped", { ms: Math.round(performance.now() - t0) });
    return { url: address, database: where, runId, signal };
  },
});

/** A server's PostgreSQL pool: every query under the statement timeout (default 5 s), its own name. */
function servingTarget(target: DbTarget): DbTarget {
  if (target.config.kind === "pglite") return target;
  return {
    ...target,
    config: {
      ...target.config,
      statementTimeoutMs: target.statementTimeoutMs ?? 5000,
      applicationName: "cobuy-serve",
    },
  };
}

/** Fastify's logger interface over the runner's logger (same format, same redaction, stderr). */
function fastifyLogger(log: Logger, bindings: LogFields = {}): ApiLogger {
  const emit =
    (write: (msg: string, fields?: LogFields) => void) =>
    (a: unknown, b?: unknown): void => {
      if (typeof a === "string") {
        write(a, bindings);
        return;
      }
      const fields: LogFields = { ...bindings };
      if (a instanceof Error) fields.err = a.message;
      else if (a && typeof a === "object") {
        for (const [k, v] of Object.entries(a)) fields[k] = v instanceof Error ? v.message : v;
      }
      write(typeof b === "string" ? b : "", fields);
    };
  const logger = {
    level: "info",
    fatal: emit(log.error),
    error: emit(log.error),
    warn: emit(log.warn),
    info: emit(log.info),
    debug: emit(log.debug),
    trace: emit(log.debug),
    silent: () => {},
    child: (more: LogFields) => fastifyLogger(log, { ...bindings, ...more }),
  };
  return logger as unknown as ApiLogger;
}
