/**
 * Files a command writes: a build's documents (recs.json, recs.rich.json, validation.json),
 * report.html beside them, and JSON results (evaluation.json, sweep.json), each reported like the
 * documents (name, path, bytes) where a caller lists them.
 */
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import {
  type BuildResult,
  type ProductCatalog,
  type WrittenDocument,
  writeDocuments,
  writeReport,
} from "@cobuy/pipeline";

/** What a build's documents are made of. */
export interface BuildDocuments {
  readonly result: BuildResult<ProductCatalog>;
  readonly runId: string;
  readonly createdAt?: Date;
  /** `params` of recs.rich.json (see steps/build.ts `paramsRecord`). */
  readonly params: Record<string, unknown>;
}

/**
 * Writes recs.json, recs.rich.json and validation.json into `dir`.
 * @example
 * const docs = await writeBuildDocuments(out, { result, runId, params: paramsRecord(input, params, result) });
 */
export function writeBuildDocuments(dir: string, d: BuildDocuments): Promise<WrittenDocument[]> {
  const r = d.result;
  return writeDocuments(dir, {
    index: r.index,
    topk: r.topk,
    validation: r.validation,
    productSupport: r.productSupport,
    reasons: r.reasons,
    runId: d.runId,
    ...(d.createdAt !== undefined ? { createdAt: d.createdAt } : {}),
    params: d.params,
  });
}

/**
 * Renders `dir/report.html` from the documents in `dir` (validation.json: the metric per category;
 * evaluation.json and sweep.json when there) and returns it as one more written file.
 * @example
 * files.push(await writeRunReport(out, "cobuy build — sales.csv"));
 */
export async function writeRunReport(dir: string, title: string): Promise<WrittenDocument> {
  const file = await writeReport(dir, { title });
  return { name: path.basename(file), path: file, bytes: (await stat(file)).size };
}

/**
 * Writes JSON to `dir/name` through a temporary file (created with `dir` if missing).
 * @example
 * const doc = await writeJson(out, "evaluation.json", evaluation); // doc.path, doc.bytes
 */
export async function writeJson(dir: string, name: string, value: unknown): Promise<WrittenDocument> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
  return { name, path: file, bytes: Buffer.byteLength(text) };
}
