import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RichRecsDocument, RunDiff } from "@cobuy/contracts";
import type { GuardVerdict } from "../diff/guard.js";
import { scoreBins } from "../evaluation/score-bins.js";
import { type ReportInput, type ReportRun, renderReport } from "./render-report.js";

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/** What the runner knows of a run beyond its documents. */
export interface WriteReportOptions {
  title?: string;
  /** Seconds per stage, in the order they ran. */
  stages?: ReportRun["stages"];
  /** Counts recs.rich.json does not hold (nonzeros of C, skipped rows…); null: not known. */
  counts?: ReportRun["counts"];
  plan?: ReportRun["plan"];
  /** This run against the previous one (`diffRuns(previous, this)`): the "Changes since the previous run" section. */
  changes?: RunDiff;
  /** The activation guard's verdict on `changes`. */
  guard?: GuardVerdict;
}

/** The run's facts and the distribution of every listed score, from recs.rich.json. */
function runOf(
  rich: RichRecsDocument,
  options: WriteReportOptions,
): Pick<ReportInput, "run" | "scoreDistribution"> {
  const scores: number[] = [];
  for (const list of Object.values(rich.recs)) {
    for (const item of list)
      if (item.reason === undefined || item.reason === "similar") scores.push(item.score);
  }
  const run: ReportRun = {
    runId: rich.runId,
    createdAt: rich.createdAt,
    counts: { ...rich.counts, ...options.counts },
    params: rich.params,
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.stages ? { stages: options.stages } : {}),
  };
  const measure = rich.params.similarity?.measure ?? "cosine";
  return { run, scoreDistribution: { similarity: measure, bins: scoreBins(scores) } };
}

/**
 * Renders `dir/report.html` from the documents found in `dir` (recs.rich.json, evaluation.json,
 * sweep.json, validation.json, any of them) and returns its path; with `changes` (and `guard`), the
 * section on what changed since the previous run. Written to a temporary name, then renamed.
 *
 * @example
 * ```ts
 * const file = await writeReport("out/eval", { title: "groceries", stages: [{ name: "ingest", seconds: 1.2 }] });
 * await writeReport("out/today", { changes: diff, guard: checkGuard(diff) }); // diff = diffRuns(yesterday, today)
 * ```
 */
export async function writeReport(dir: string, options: WriteReportOptions = {}): Promise<string> {
  const rich = await readJson<RichRecsDocument>(join(dir, "recs.rich.json"));
  const input: ReportInput = {
    title: options.title,
    evaluation: await readJson(join(dir, "evaluation.json")),
    sweep: await readJson(join(dir, "sweep.json")),
    validation: await readJson(join(dir, "validation.json")),
    ...(rich ? runOf(rich, options) : {}),
    ...(options.changes ? { changes: options.changes } : {}),
    ...(options.guard ? { guard: options.guard } : {}),
  };
  const file = join(dir, "report.html");
  await writeFile(`${file}.tmp`, renderReport(input));
  await rename(`${file}.tmp`, file);
  return file;
}
