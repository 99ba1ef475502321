/** The human view of a RunDiff (`cobuy runs diff`): what changed, then the products that changed most. */
import type { DiffDistribution, RunDiff } from "@cobuy/contracts";
import type { Context } from "../context.js";
import { fmtCount, fmtShare } from "./format.js";

const MOST_CHANGED_SHOWN = 10;

const fixed = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
const spread = (d: DiffDistribution) => [
  fixed(d.mean),
  fixed(d.min),
  fixed(d.p10),
  fixed(d.p50),
  fixed(d.p90),
];

/**
 * Prints `diff` as tables (silent under `--json`, where the command returns the document).
 * @example
 * printRunDiff(ctx, diffRuns(before, after));
 */
export function printRunDiff(ctx: Context, diff: RunDiff): void {
  const { before, after, products } = diff;
  ctx.print(`runs diff: ${before.runId} → ${after.runId} (top-${diff.k} lists, RBO p=${diff.rboP})`);
  ctx.print();
  const orders = (n?: number) => (n === undefined ? "-" : fmtCount(n));
  ctx.table({
    rows: [
      [
        "products",
        `${fmtCount(before.products)} → ${fmtCount(after.products)} (${fmtShare(products.ratio)})`,
      ],
      ["orders", `${orders(before.orders)} → ${orders(after.orders)}`],
      ["common", fmtCount(products.common)],
      ["added", `${fmtCount(products.added)}${examples(products.addedExamples, products.added)}`],
      ["dropped", `${fmtCount(products.dropped)}${examples(products.droppedExamples, products.dropped)}`],
      ["top-1 churn", fmtShare(diff.top1Churn)],
    ],
  });
  ctx.print();
  ctx.table({
    title: "per common product",
    columns: ["figure", "mean", "min", "p10", "p50", "p90"],
    rows: [
      [`overlap@${diff.k}`, ...spread(diff.overlap)],
      ["RBO", ...spread(diff.rbo)],
      ["score drift", ...spread(diff.scoreDrift)],
    ],
    align: ["left", "right", "right", "right", "right", "right"],
  });
  const metrics = Object.entries(diff.metrics);
  if (metrics.length > 0) {
    ctx.print();
    ctx.table({
      title: "metrics",
      columns: ["metric", "before", "after", "delta"],
      rows: metrics.map(([name, m]) => [name, m.before.toFixed(4), m.after.toFixed(4), signed(m.delta)]),
      align: ["left", "right", "right", "right"],
    });
  }
  if (diff.mostChanged.length > 0) {
    ctx.print();
    ctx.table({
      title: `most changed products (lowest RBO first, ${Math.min(MOST_CHANGED_SHOWN, diff.mostChanged.length)} shown)`,
      columns: ["product", "overlap", "RBO", "top-1 before", "top-1 after"],
      rows: diff.mostChanged
        .slice(0, MOST_CHANGED_SHOWN)
        .map((p) => [p.id, fixed(p.overlap), fixed(p.rbo), p.top1Before ?? "-", p.top1After ?? "-"]),
      align: ["left", "right", "right", "left", "left"],
    });
  } else ctx.print("\nevery common product has the same list in both runs");
}

function examples(ids: string[], total: number): string {
  if (ids.length === 0) return "";
  return ` (${ids.slice(0, 5).join(", ")}${total > 5 ? ", …" : ""})`;
}
