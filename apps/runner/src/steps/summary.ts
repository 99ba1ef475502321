/**
 * The end-of-run summary of `build` and `pipeline`: one object for `--json`, one table for humans.
 * Rows, orders, products, nonzeros of C, seconds per stage, peak memory, the validation metric.
 */
import type { Context } from "../context.js";
import { fmtBytes, fmtCount, fmtRate, fmtSeconds, fmtShare } from "../ui/format.js";
import type { TableSpec } from "../ui/table.js";
import type { CatalogSummary } from "./catalog.js";

/** Facts about a build that the summary reports (filled from @cobuy/pipeline's result). */
export interface BuildFacts {
  counts: {
    rows: number;
    orders: number;
    products: number;
    /** Nonzeros of C = AᵀA (diagonal excluded; both triangles); null when the plan never built C. */
    nonzeros: number | null;
    /** Rows skipped under --skip-bad-rows (0 otherwise). */
    skippedRows: number;
  };
  /** Multiply-adds of the cosine stage. */
  multiplyAdds: number;
  /** The classic cosine's plan: strategy, threads, estimated and actual multiply-adds, seconds. */
  plan?: PlanSummary;
  validation: { products: number; sameCategory: number; share: number };
  /** The measure that made the lists and how it was chosen (see `paramsRecord`). */
  similarity: Record<string, unknown>;
  /** The blend applied, or null. */
  blend: { popular: number } | null;
}

/** What `--json` and the summary say of the classic cosine's plan. */
export interface PlanSummary {
  requested: string;
  strategy: string;
  threads: number;
  reason: string;
  estimatedMultiplyAdds: number;
  multiplyAdds: number;
  seconds: number;
  threadSeconds: readonly number[];
  blocks: readonly {
    strategy: string;
    from: number;
    to: number;
    estimatedMultiplyAdds: number;
    multiplyAdds: number;
    seconds: number;
  }[];
  estimates: readonly { strategy: string; multiplyAdds: number; seconds: number; infeasible?: string }[];
}

/** The `--json` summary of a build (the CLI adds `ok` and `command`). */
export interface BuildSummary extends BuildFacts {
  [key: string]: unknown;
  input: string;
  /** Seconds per stage, in the order they ran. */
  stages: Record<string, number>;
  /** Whole command, wall clock. */
  seconds: number;
  peakRssBytes: number;
  threads: number;
  /** `--catalog`'s entries and how they matched the run's products. */
  catalog?: CatalogSummary;
}

/** The `stages` of a `--json` summary: seconds per stage (ms precision), in the order they ran. */
export function stageSeconds(ctx: Context): Record<string, number> {
  const stages: Record<string, number> = {};
  for (const s of ctx.stages) stages[s.name] = round(s.seconds);
  return stages;
}

/**
 * Collects the summary from the facts and the context's stage timings.
 * @example
 * const summary = buildSummary(ctx, facts, { input, seconds, threads: 2 });
 */
export function buildSummary(
  ctx: Context,
  facts: BuildFacts,
  extra: { input: string; seconds: number; threads: number } & Record<string, unknown>,
): BuildSummary {
  return {
    ...extra,
    ...facts,
    stages: stageSeconds(ctx),
    seconds: round(extra.seconds),
    peakRssBytes: ctx.peakRssBytes(),
  };
}

/** The human summary table. */
export function summaryTable(s: BuildSummary): TableSpec {
  const rows: [string, string][] = [
    ["rows", fmtCount(s.counts.rows)],
    ["orders", fmtCount(s.counts.orders)],
    ["products", fmtCount(s.counts.products)],
    [
      "nonzeros of C",
      s.counts.nonzeros === null ? "not built (order-side plan)" : fmtCount(s.counts.nonzeros),
    ],
  ];
  if (s.counts.skippedRows > 0) rows.push(["skipped rows", fmtCount(s.counts.skippedRows)]);
  for (const [name, sec] of Object.entries(s.stages)) rows.push([`${name} time`, fmtSeconds(sec)]);
  rows.push(["total time", fmtSeconds(s.seconds)]);
  // Rows over the ingest stage alone: the total also holds publishing and loading a database.
  const ingestSec = s.stages.ingest;
  if (ingestSec !== undefined && ingestSec > 0)
    rows.push(["ingest rows/s", fmtRate(s.counts.rows / ingestSec)]);
  const cosineSec = s.stages.topk;
  if (s.multiplyAdds > 0 && cosineSec !== undefined && cosineSec > 0) {
    rows.push([
      "multiply-adds",
      `${s.multiplyAdds.toExponential(2)} (${fmtRate(s.multiplyAdds / cosineSec / s.threads)} per core)`,
    ]);
  }
  if (s.plan) {
    const p = s.plan;
    rows.push([
      "plan",
      `${p.strategy} (${p.requested === "auto" ? "auto" : "forced"}, ${p.threads} thread${p.threads === 1 ? "" : "s"}, est. ${p.estimatedMultiplyAdds.toExponential(2)} multiply-adds)`,
    ]);
  }
  rows.push(["peak memory", fmtBytes(s.peakRssBytes)]);
  if (s.catalog) {
    const c = s.catalog;
    rows.push([
      "catalog",
      `${fmtCount(c.entries)} entries, ${fmtCount(c.unknownIds)} unknown ids, ${fmtCount(c.productsWithoutEntry)} products without an entry`,
    ]);
  }
  rows.push(["similarity", similarityLabel(s)]);
  rows.push([
    "same-category share",
    `${fmtShare(s.validation.share)} (${fmtCount(s.validation.sameCategory)}/${fmtCount(s.validation.products)})`,
  ]);
  return { rows, align: ["left", "right"] };
}

/** "llr (auto, min pair support 2) + popular:0.5" */
function similarityLabel(s: BuildFacts): string {
  const sim = s.similarity as { measure?: string; chosen?: string; minPairSupport?: number };
  const how = [sim.chosen === "auto" ? "auto" : "", `min pair support ${sim.minPairSupport ?? 1}`]
    .filter(Boolean)
    .join(", ");
  return `${sim.measure ?? "?"} (${how})${s.blend ? ` + popular:${s.blend.popular}` : ""}`;
}

/** Prints the summary table (silent under --json), and auto's candidates when it chose. */
export function printSummary(ctx: Context, s: BuildSummary, title?: string): void {
  ctx.print();
  ctx.table({ ...summaryTable(s), title });
  const selection = s.similarity.selection as
    | {
        rule: string;
        candidates: { similarity: string; minPairSupport: number; hitRate: number; coverage: number }[];
      }
    | undefined;
  if (selection) {
    ctx.print();
    ctx.table({
      title: `similarity auto: ${selection.rule}`,
      columns: ["measure", "min pair support", "hitRate", "coverage"],
      rows: selection.candidates.map((c) => [
        c.similarity,
        c.minPairSupport,
        Number(c.hitRate.toFixed(4)),
        Number(c.coverage.toFixed(4)),
      ]),
    });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
