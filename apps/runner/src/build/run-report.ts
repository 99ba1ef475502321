/** report.html beside a build's documents, reported like the documents (name, path, bytes). */
import { stat } from "node:fs/promises";
import * as path from "node:path";
import { type WrittenDocument, writeReport } from "@cobuy/pipeline";

/**
 * Renders `dir/report.html` from the documents in `dir` (validation.json: the metric per category)
 * and returns it as one more written file; used by `build` and `pipeline`.
 * @example
 * files.push(await writeRunReport(out, "cobuy build — sales.csv"));
 */
export async function writeRunReport(dir: string, title: string): Promise<WrittenDocument> {
  const file = await writeReport(dir, { title });
  return { name: path.basename(file), path: file, bytes: (await stat(file)).size };
}
