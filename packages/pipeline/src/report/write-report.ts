import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ReportInput, renderReport } from "./render-report.js";

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/**
 * Renders `dir/report.html` from the documents found in `dir` (evaluation.json, sweep.json,
 * validation.json, any of them) and returns its path. Written to a temporary name, then renamed.
 *
 * @example
 * ```ts
 * const file = await writeReport("out/eval", { title: "groceries" });
 * ```
 */
export async function writeReport(dir: string, options: { title?: string } = {}): Promise<string> {
  const input: ReportInput = {
    title: options.title,
    evaluation: await readJson(join(dir, "evaluation.json")),
    sweep: await readJson(join(dir, "sweep.json")),
    validation: await readJson(join(dir, "validation.json")),
  };
  const file = join(dir, "report.html");
  await writeFile(`${file}.tmp`, renderReport(input));
  await rename(`${file}.tmp`, file);
  return file;
}
