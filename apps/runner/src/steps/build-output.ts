/**
 * A folder `cobuy build` wrote, read back for publishing: its four documents, and what the run's
 * manifest records (run id, creation time, params, counts) taken from recs.rich.json, which is
 * checked completely first (pg-loader's `checkRichDocument`: the checks `cobuy load` makes).
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import * as path from "node:path";
import { RUN_ID_PATTERN } from "@cobuy/contracts";
import { checkRichDocument, type RichDocumentFacts } from "@cobuy/pg-loader";
import { CLI_ERROR_CODES, CobuyCliError } from "../errors.js";
import type { Progress } from "../ui/progress.js";

/** What `cobuy build` writes into its folder, in the order a run lists them. */
export const BUILD_DOCUMENTS = ["recs.json", "recs.rich.json", "validation.json", "report.html"] as const;

/** A checked build output, ready for `publishToStore`. */
export interface BuildOutput {
  readonly dir: string;
  readonly runId: string;
  readonly createdAt: Date;
  readonly files: readonly { readonly name: string; readonly path: string; readonly bytes: number }[];
  /** `params` of recs.rich.json: the manifest records the same. */
  readonly params: Record<string, unknown>;
  /** `counts` of recs.rich.json (rows, orders, products). */
  readonly counts: Record<string, number>;
}

/** The folder is not (or not a complete, valid) cobuy build output. */
export class NotBuildOutputError extends CobuyCliError {
  constructor(dir: string, reason: string, options?: { cause?: unknown }) {
    super(CLI_ERROR_CODES.notBuildOutput, `${dir} is not a cobuy build output: ${reason}`, options);
  }
}

/**
 * Checks `dir` holds a complete build output and reads its run facts; throws
 * {@link NotBuildOutputError} naming the first problem (a missing document, invalid JSON with
 * file:line:column, a run id that is not one) before anything is published.
 * @example
 * const out = await readBuildOutput("out/", bar); // out.runId, out.files
 */
export async function readBuildOutput(dir: string, progress?: Progress): Promise<BuildOutput> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new NotBuildOutputError(dir, "no such folder");
  const files: { name: string; path: string; bytes: number }[] = [];
  for (const name of BUILD_DOCUMENTS) {
    const file = path.join(dir, name);
    const f = await stat(file).catch(() => undefined);
    if (!f?.isFile()) {
      throw new NotBuildOutputError(
        dir,
        `${name} is missing (cobuy build writes ${BUILD_DOCUMENTS.join(", ")})`,
      );
    }
    files.push({ name, path: file, bytes: f.size });
  }
  const fail = (reason: string, cause?: unknown): never => {
    throw new NotBuildOutputError(dir, reason, cause === undefined ? undefined : { cause });
  };
  const rich = await parseRich(files[1]!.path, files[1]!.bytes, progress).catch((err: unknown) =>
    fail((err as Error).message, err),
  );
  const { runId, createdAt, params, counts } = rich.header;
  if (runId === undefined) fail('recs.rich.json has no "runId"');
  if (!RUN_ID_PATTERN.test(runId as string)) {
    fail(`recs.rich.json: runId "${runId}" is not a run id (YYYY-MM-DD_HH-MM-SS[_suffix])`);
  }
  const recs = await readJson(files[0]!.path).catch((err: unknown) =>
    fail(`recs.json: ${(err as Error).message}`),
  );
  if (!isRecord(recs) || !Object.values(recs).every((v) => typeof v === "string")) {
    fail("recs.json is not an object of product id → recommended ids");
  }
  if (Object.keys(recs as object).length !== rich.products) {
    fail(
      `recs.json lists ${Object.keys(recs as object).length} products, recs.rich.json ${rich.products}: not the same build`,
    );
  }
  const validation = await readJson(files[2]!.path).catch((err: unknown) =>
    fail(`validation.json: ${(err as Error).message}`),
  );
  if (!isRecord(validation) || !isRecord(validation.overall)) fail('validation.json has no "overall" object');
  const html = await readFile(files[3]!.path, "utf8");
  if (!/^<!doctype html>/i.test(html)) fail("report.html is not an HTML page");
  return {
    dir,
    runId: runId as string,
    createdAt: createdAt !== undefined ? new Date(createdAt) : new Date(),
    files,
    params: isRecord(params) ? params : {},
    counts: isRecord(counts)
      ? Object.fromEntries(
          Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === "number"),
        )
      : {},
  };
}

/** recs.rich.json checked by the loader's walker as it streams, its bytes reported to `progress`. */
async function parseRich(file: string, bytes: number, progress?: Progress): Promise<RichDocumentFacts> {
  async function* counted(): AsyncGenerator<Uint8Array> {
    let read = 0;
    for await (const chunk of createReadStream(file)) {
      read += (chunk as Buffer).length;
      progress?.report({ done: read, total: bytes, unit: "bytes" });
      yield chunk as Buffer;
    }
  }
  return checkRichDocument(counted());
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new Error(`invalid JSON (${(err as Error).message})`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
