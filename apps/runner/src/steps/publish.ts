/**
 * Publishing a run (@cobuy/s3-export's `publishRun`): its id in the store, a staging folder for its
 * documents, the publish itself and where the run can then be found.
 */
import { existsSync } from "node:fs";
import { mkdir, rm, rmdir } from "node:fs/promises";
import * as path from "node:path";
import { MANIFEST_NAME, makeUniqueRunId } from "@cobuy/contracts";
import { joinKey, type PublishRunResult, publishRun, type ServerSideEncryption } from "@cobuy/s3-export";
import type { Context } from "../context.js";
import { type GuardOutcome, guardRefusedError, refusalRecord } from "./guard.js";
import type { OpenedStore } from "./object-store.js";

/**
 * A run id of `at` unique to this process (`makeUniqueRunId`: timestamp + random suffix), drawn
 * again in the unlikely case the store already holds a run (or a folder) with that id.
 * @example
 * const runId = await uniqueRunId(opened, new Date()); // "2026-11-29_09-36-01_417k3x9q"
 */
export async function uniqueRunId(opened: OpenedStore, at: Date): Promise<string> {
  const taken = async (id: string) =>
    (opened.folder !== undefined && existsSync(path.join(opened.folder, id))) ||
    (await opened.store.head(joinKey(id, MANIFEST_NAME))) !== undefined;
  let id = makeUniqueRunId(at);
  while (await taken(id)) id = makeUniqueRunId(at);
  return id;
}

/**
 * Runs `fn` with `<home>/staging/<runId>/` (where documents wait to be published), created
 * exclusively so no other process shares it, removed afterwards, with `staging/` itself when left empty.
 * @example
 * await withStagingFolder(ctx, runId, async (dir) => { ... });
 */
export async function withStagingFolder<T>(
  ctx: Context,
  runId: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = path.join(ctx.home.root, "staging", runId);
  await mkdir(path.dirname(dir), { recursive: true });
  await mkdir(dir); // EEXIST if another process holds this id: never share its staging folder
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rmdir(path.dirname(dir)).catch(() => {}); // only when empty
  }
}

/** What is published. */
export interface RunToPublish {
  readonly runId: string;
  readonly createdAt: Date;
  readonly files: readonly { readonly name: string; readonly path: string }[];
  readonly params: Record<string, unknown>;
  readonly counts: Record<string, number>;
  readonly gzip: boolean;
  readonly sse?: ServerSideEncryption;
  readonly classicKey?: string;
  /**
   * The activation guard's outcome (steps/guard.ts). A refused run is published as refused
   * (`<runId>/refused.json`, latest.json left alone), then {@link publishToStore} throws.
   */
  readonly guard?: GuardOutcome;
}

/** A published run and where it is, for the user. */
export interface PublishedRun {
  readonly published: PublishRunResult;
  /** The run: a folder, or the run's URL in the store. */
  readonly location: string;
  /** latest.json: a path, or its URL. */
  readonly latest: string;
}

/**
 * Stage "publish": documents, manifest, then latest.json into the store. A run the guard refused is
 * published with its refusal instead of latest.json, and ends the command (`GuardRefusedError`).
 * @example
 * const { location } = await publishToStore(ctx, opened, { runId, createdAt, files, params, counts, gzip: false });
 */
export async function publishToStore(
  ctx: Context,
  opened: OpenedStore,
  run: RunToPublish,
): Promise<PublishedRun> {
  const published = await ctx.stage("publish", () =>
    publishRun(opened.store, {
      runId: run.runId,
      createdAt: run.createdAt,
      files: run.files.map((d) => ({
        name: d.name,
        path: d.path,
        ...(d.name.endsWith(".html") ? { contentType: "text/html; charset=utf-8" } : {}),
      })),
      params: run.params,
      counts: run.counts,
      gzip: run.gzip,
      ...(run.sse !== undefined ? { sse: run.sse } : {}),
      ...(run.classicKey !== undefined ? { classicKey: run.classicKey } : {}),
      ...(run.guard?.refused ? { refusal: refusalRecord(run.guard) } : {}),
    }),
  );
  ctx.log.info(`published run ${run.runId}${published.refused ? " as refused" : ""}`, {
    store: published.store,
    latest: published.latestKey,
    latestRunId: published.latestRunId,
    ...(published.classicKey !== undefined ? { classicKey: published.classicKey } : {}),
  });
  const base = published.store.replace(/\/+$/, "");
  const where =
    opened.folder !== undefined
      ? {
          location: path.join(opened.folder, run.runId),
          latest: path.join(opened.folder, published.latestKey),
        }
      : { location: `${base}/${run.runId}/`, latest: `${base}/${published.latestKey}` };
  if (run.guard?.refused) {
    ctx.print(`run:       ${where.location} (published as refused)`);
    ctx.print(`latest:    ${where.latest} (still ${published.latestRunId ?? "none"})`);
    throw guardRefusedError(run.guard, {
      runId: run.runId,
      runDir: where.location,
      latestRunId: published.latestRunId ?? null,
    });
  }
  return { published, ...where };
}
