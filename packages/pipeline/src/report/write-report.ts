import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RichRecsDocument, RunDiff } from "@cobuy/contracts";
import type { GuardVerdict } from "../diff/guard.js";
import { type DocumentsInput, richHead } from "../documents/write-documents.js";
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
  /**
   * What `writeDocuments` wrote `dir`'s documents from (the same object, `createdAt` included): the
   * run's facts and scores are taken from it instead of parsing recs.rich.json back (0.15 s and a
   * 12 MB document's garbage at gen-sales M).
   */
  documents?: DocumentsInput;
}

type RunFacts = Pick<RichRecsDocument, "runId" | "createdAt" | "counts" | "params">;

/** The run's facts and the distribution of every listed score, from recs.rich.json. */
function runOf(
  rich: RunFacts,
  scores: ArrayLike<number>,
  options: WriteReportOptions,
): Pick<ReportInput, "run" | "scoreDistribution"> {
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

// Every listed score of a similar item (not a popular fill-in), from the document.
function richScores(rich: RichRecsDocument): number[] {
  const scores: number[] = [];
  for (const list of Object.values(rich.recs)) {
    for (const item of list)
      if (item.reason === undefined || item.reason === "similar") scores.push(item.score);
  }
  return scores;
}

// The same scores from the lists the document was written from. O(products · k)
function listScores(input: DocumentsInput): Float64Array {
  const { k, length, scores } = input.topk;
  const reasons = input.reasons ?? null;
  const out = new Float64Array(scores.length);
  let n = 0;
  for (let p = 0; p < input.topk.products; p++) {
    for (let i = 0; i < length[p]!; i++) {
      // Reason 0 is "similar" (REASONS of @cobuy/core-math).
      if (reasons === null || reasons[p * k + i] === 0) out[n++] = scores[p * k + i]!;
    }
  }
  return out.subarray(0, n);
}

async function runPart(dir: string, options: WriteReportOptions): Promise<Partial<ReportInput>> {
  if (options.documents !== undefined) {
    return runOf(richHead(options.documents), listScores(options.documents), options);
  }
  const rich = await readJson<RichRecsDocument>(join(dir, "recs.rich.json"));
  return rich ? runOf(rich, richScores(rich), options) : {};
}

/**
 * Renders `dir/report.html` from the documents found in `dir` (recs.rich.json — or, faster, the
 * `documents` it was written from —, evaluation.json, sweep.json, validation.json, any of them) and
 * returns its path; with `changes` (and `guard`), the
 * section on what changed since the previous run. Written to a temporary name, then renamed.
 *
 * @example
 * ```ts
 * const file = await writeReport("out/eval", { title: "groceries", stages: [{ name: "ingest", seconds: 1.2 }] });
 * await writeReport("out/today", { changes: diff, guard: checkGuard(diff) }); // diff = diffRuns(yesterday, today)
 * ```
 */
export async function writeReport(dir: string, options: WriteReportOptions = {}): Promise<string> {
  const input: ReportInput = {
    title: options.title,
    evaluation: await readJson(join(dir, "evaluation.json")),
    sweep: await readJson(join(dir, "sweep.json")),
    validation: await readJson(join(dir, "validation.json")),
    ...(await runPart(dir, options)),
    ...(options.changes ? { changes: options.changes } : {}),
    ...(options.guard ? { guard: options.guard } : {}),
  };
  const file = join(dir, "report.html");
  await writeFile(`${file}.tmp`, renderReport(input));
  await rename(`${file}.tmp`, file);
  return file;
}
