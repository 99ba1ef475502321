import type { DiffDistribution, RunDiff } from "@cobuy/contracts";
import type { GuardVerdict } from "../diff/guard.js";
import { escapeHtml } from "./html.js";

// Plain HTML rather than the page script's SVG: tables and cards need no drawing, and a refused
// run's reasons stay readable where scripts are off.

const count = (n: number) => n.toLocaleString("en-US");
const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : String(x));
const signed = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(4)}`;

function card(metric: string, value: number, big: string, small: string): string {
  return `<div class="card" data-metric="${escapeHtml(metric)}" data-value="${value}"><div class="big">${escapeHtml(big)}</div><div>${escapeHtml(metric)}</div><div class="small">${escapeHtml(small)}</div></div>`;
}

/** A cell: text, a number (shown to 3 decimals) or a number shown another way. */
type Cell = string | number | { readonly text: string; readonly value: number };

/** A table whose numeric cells are right-aligned and carry their exact value. */
function table(id: string, head: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const td = (c: Cell) => {
    if (typeof c === "string") return `<td>${escapeHtml(c)}</td>`;
    const [text, value] = typeof c === "number" ? [fixed(c), c] : [c.text, c.value];
    return `<td class="num" data-value="${value}">${escapeHtml(text)}</td>`;
  };
  const th = head.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  const tr = rows.map((r) => `<tr>${r.map(td).join("")}</tr>`).join("");
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function idList(fact: string, total: number, examples: readonly string[]): string {
  const shown = examples.map((id) => `<code>${escapeHtml(id)}</code>`).join(", ");
  const more = total > examples.length ? `, … ${count(total - examples.length)} more` : "";
  return `<dd data-fact="${fact}" data-value="${total}">${count(total)}${shown ? `: ${shown}${more}` : ""}</dd>`;
}

function guardBox(guard: GuardVerdict): string {
  if (guard.passed)
    return `<div id="changes-guard" class="guard passed" data-passed="true"><b>Guard: passed.</b> Every check is within its limit.</div>`;
  const items = guard.failures.map(
    (f) =>
      `<li data-check="${escapeHtml(f.check)}" data-value="${f.value}" data-limit="${f.limit}">${escapeHtml(f.message)}</li>`,
  );
  return `<div id="changes-guard" class="guard refused" data-passed="false"><b>Guard: refused.</b> Against the previous run these checks failed, worst first:<ul>${items.join("")}</ul></div>`;
}

const spread = (d: DiffDistribution) => [d.mean, d.min, d.p10, d.p50, d.p90, d.max];

/**
 * The report's "Changes since the previous run" section: the guard's verdict when given, products
 * added and dropped, top-1 churn, the distributions of overlap@k, rank-biased overlap and score
 * drift over the common products, the metric deltas both runs have, and the products that changed
 * most. Empty (no section) without `changes`.
 * @example
 * const html = renderChangesSection(diffRuns(previous, current), checkGuard(diff));
 */
export function renderChangesSection(changes: RunDiff | undefined, guard?: GuardVerdict): string {
  if (changes === undefined) return "";
  const { before, after, products, k } = changes;
  const parts: string[] = [
    `<section id="changes"><h2>Changes since the previous run</h2>`,
    `<p class="note">Run <b data-fact="run">${escapeHtml(after.runId)}</b> against the previous run <b data-fact="previous-run">${escapeHtml(before.runId)}</b>: the top-${k} lists of the ${count(products.common)} products both hold. Rank-biased overlap weighs agreement at the top most (p = ${changes.rboP}).</p>`,
  ];
  if (guard) parts.push(guardBox(guard));
  const cards = [
    card(
      "products",
      products.ratio,
      `${count(before.products)} → ${count(after.products)}`,
      `ratio ${fixed(products.ratio)} · ${count(products.added)} added, ${count(products.dropped)} dropped`,
    ),
  ];
  if (changes.ordersRatio !== undefined && before.orders !== undefined && after.orders !== undefined)
    cards.push(
      card(
        "orders",
        changes.ordersRatio,
        `${count(before.orders)} → ${count(after.orders)}`,
        `ratio ${fixed(changes.ordersRatio)}`,
      ),
    );
  cards.push(
    card(
      "top-1 churn",
      changes.top1Churn,
      percent(changes.top1Churn),
      "common products whose first recommendation changed",
    ),
    card(
      `mean overlap@${k}`,
      changes.overlap.mean,
      fixed(changes.overlap.mean),
      `median ${fixed(changes.overlap.p50)}`,
    ),
    card("mean RBO", changes.rbo.mean, fixed(changes.rbo.mean), `median ${fixed(changes.rbo.p50)}`),
  );
  parts.push(`<div class="cards" id="changes-headline">${cards.join("")}</div>`);
  parts.push(
    `<dl id="changes-products"><dt>added</dt>${idList("added", products.added, products.addedExamples)}<dt>dropped</dt>${idList("dropped", products.dropped, products.droppedExamples)}</dl>`,
  );
  parts.push(
    table(
      "table-changes-distribution",
      ["per common product", "mean", "min", "p10", "median", "p90", "max"],
      [
        [`overlap@${k}`, ...spread(changes.overlap)],
        ["RBO", ...spread(changes.rbo)],
        ["score drift (mean |Δscore|)", ...spread(changes.scoreDrift)],
      ],
    ),
  );
  const metrics = Object.entries(changes.metrics);
  if (metrics.length > 0)
    parts.push(
      table(
        "table-changes-metrics",
        ["metric", "before", "after", "change"],
        metrics.map(([name, m]) => [name, m.before, m.after, { text: signed(m.delta), value: m.delta }]),
      ),
    );
  if (changes.mostChanged.length > 0)
    parts.push(
      `<h3>Products that changed most</h3>`,
      table(
        "table-changes-most-changed",
        ["product", `overlap@${k}`, "RBO", "top-1 before", "top-1 after"],
        changes.mostChanged.map((p) => [p.id, p.overlap, p.rbo, p.top1Before ?? "–", p.top1After ?? "–"]),
      ),
    );
  else if (products.common > 0)
    parts.push(
      `<p class="small" id="changes-unchanged">Every common product has the same list in both runs.</p>`,
    );
  parts.push("</section>");
  return parts.join("\n");
}
