import type { RunDiff } from "@cobuy/contracts";
import type { GuardVerdict } from "../diff/guard.js";
import type { Evaluation } from "../evaluation/evaluate.js";
import type { ScoreBin } from "../evaluation/score-bins.js";
import type { Sweep } from "../evaluation/sweep.js";
import { renderChangesSection } from "./changes-section.js";
import { escapeHtml } from "./html.js";
import { REPORT_SCRIPT } from "./report-script.js";
import type { ChartCell } from "./validation-chart.js";

/** A run's own facts (from recs.rich.json and the runner): what every report's summary shows. */
export interface ReportRun {
  runId?: string;
  createdAt?: string;
  /** orders, rows (order lines), products, and any other count (nonzeros of C…); null: not known. */
  counts: Record<string, number | null>;
  /** `params` of recs.rich.json: measure, k, thresholds, caps, blend. */
  params: Record<string, unknown>;
  /** The classic cosine's plan, when it ran: strategy and threads. */
  plan?: { strategy: string; threads: number; reason?: string };
  /**
   * Seconds per stage, in the order they ran; `running`: the stage was still running when the
   * report was written (the one writing it), its seconds so far, shown as such.
   */
  stages?: readonly { name: string; seconds: number; running?: boolean }[];
}

/** What a report can show; every part is optional. */
export interface ReportInput {
  title?: string;
  run?: ReportRun;
  evaluation?: Evaluation;
  sweep?: Sweep;
  /** A run's validation.json: the per-category chart when there is no evaluation. */
  validation?: { byCategory: Record<string, ChartCell>; overall?: ChartCell };
  /** Example products when there is no evaluation. */
  examples?: Evaluation["examples"];
  /** Scores of the listed recommendations when there is no evaluation (writeReport: recs.rich.json). */
  scoreDistribution?: { similarity: string; bins: ScoreBin[] };
  /** How this run's lists differ from the previous run's: the "Changes since the previous run" section. */
  changes?: RunDiff;
  /** The activation guard's verdict on `changes` (shown only with `changes`). */
  guard?: GuardVerdict;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
header{background:#111827;color:#f9fafb;padding:18px 28px}header h1{margin:0;font-size:22px}
main{padding:8px 28px 40px;max-width:1100px}section{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 6px}.note,.small{color:#6b7280;font-size:12px}dl{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:10px 0}
dt{color:#6b7280}dd{margin:0;overflow-wrap:anywhere}.facts{flex:1 1 240px;min-width:0}.facts h3{font-size:13px;margin:12px 0 0;color:#374151}.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:150px;background:#fff}
.big{font-size:26px;font-weight:600}svg text{font-size:11px;fill:#374151}svg .title{font-size:12px;font-weight:600}svg .value{fill:#111827}
svg .axis{stroke:#9ca3af}svg .grid{stroke:#f3f4f6}.legend{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0 10px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}table{border-collapse:collapse;margin-top:8px;font-size:12px}
th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
.row{display:flex;gap:14px;flex-wrap:wrap}.examples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.example{border:1px solid #e5e7eb;border-radius:8px;padding:8px 12px}.example h3{margin:0;font-size:14px}.example ol{margin:6px 0 0;padding-left:20px}
li[data-reason="popular-in-category"] .rec,li[data-reason="popular"] .rec{font-style:italic}
.bars{display:block}.bars .label{font-size:12px}.bars .value,.bars .axis{fill:#6b7280;font-variant-numeric:tabular-nums}
.bars .track{fill:#f3f4f6}.bars .fill{fill:#2563eb}.bars .overall{stroke:#111827;stroke-dasharray:4 3;stroke-width:1.5;opacity:.7}
section h3{font-size:13px;margin:14px 0 0;color:#374151}code{font-size:12px}
.guard{border-left:4px solid;border-radius:4px;padding:8px 12px;margin:8px 0 12px}.guard ul{margin:4px 0 0;padding-left:20px}
.guard.passed{border-color:#059669;background:#ecfdf5}.guard.refused{border-color:#dc2626;background:#fef2f2}
`;

/** JSON safe inside a <script> element (no "</script>", no HTML comment openers, no line separators). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * One self-contained HTML page (inline CSS, SVG drawn by an inline script, no network at view
 * time): the classic metric per category as bars, evaluation metrics by measure, how `auto` chose,
 * the threshold sweep as curves, the score distribution and example products with their lists;
 * with `changes`, what changed since the previous run (and the guard's verdict).
 *
 * @example
 * ```ts
 * await writeFile("report.html", renderReport({ evaluation, sweep }));
 * ```
 */
export function renderReport(input: ReportInput): string {
  const title = input.title ?? "cobuy report";
  const data = {
    run: input.run ?? null,
    evaluation: input.evaluation ?? null,
    sweep: input.sweep ?? null,
    validation: input.validation ?? null,
    examples: input.examples ?? null,
    scoreDistribution: input.scoreDistribution ?? null,
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1></header>
<main>
<section id="summary"><h2>Summary</h2></section>
${renderChangesSection(input.changes, input.guard)}
<div id="charts"></div>
<noscript>This report draws its charts with JavaScript; the numbers are in the JSON below.</noscript>
</main>
<script type="application/json" id="cobuy-data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
