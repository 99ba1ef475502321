import { describe, expect, it } from "vitest";
import {
  checkGuard,
  DEFAULT_GUARD_LIMITS,
  type DiffItem,
  diffRuns,
  type RunLists,
} from "../src/diff/index.js";
import { renderReport } from "../src/report/index.js";

const list = (ids: string[]) => ids.map((id, i): DiffItem => ({ id, score: 1 - i / 10 }));

/** Yesterday: 30 products with 3-item lists. */
const previous: RunLists = {
  runId: "2026-03-01_00-00-00<b>",
  orders: 1000,
  lists: Object.fromEntries(
    Array.from({ length: 30 }, (_, p) => [`P${p}`, list([`A${p}`, `B${p}`, `C${p}`])]),
  ),
  metrics: { "classic.share": 0.4, "evaluation.hitRate@3": 0.2 },
};

/**
 * Today: P0–P4 dropped, N0–N1 added; P5–P14 lost their top-1, P15–P19 only reordered the tail,
 * P20–P29 unchanged; scores of the kept items moved by 0.05.
 */
const current: RunLists = {
  runId: "2026-03-02_00-00-00",
  orders: 950,
  lists: Object.fromEntries([
    ...Array.from({ length: 25 }, (_, i) => {
      const p = i + 5;
      const ids =
        p < 15
          ? [`Z${p}`, `A${p}`, `B${p}`]
          : p < 20
            ? [`A${p}`, `C${p}`, `B${p}`]
            : [`A${p}`, `B${p}`, `C${p}`];
      return [`P${p}`, ids.map((id, r) => ({ id, score: 1 - r / 10 - 0.05 }))];
    }),
    ["N0", list(["A0"])],
    ["N1", list(["A1"])],
  ]),
  metrics: { "classic.share": 0.45, "evaluation.hitRate@3": 0.18 },
};

/** The HTML of the element with `id` (a section or a table: no nesting of its own tag inside). */
function element(html: string, tag: string, id: string): string {
  const match = new RegExp(`<${tag} id="${id}"[^>]*>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`no <${tag} id="${id}">`);
  return match[0];
}

/** Text cells of each body row of a table, tags stripped, entities as written. */
function bodyRows(tableHtml: string): string[][] {
  const body = /<tbody>([\s\S]*)<\/tbody>/.exec(tableHtml)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...(r[1] as string).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1] as string),
  );
}

describe("report.html: changes since the previous run", () => {
  const diff = diffRuns(previous, current);

  it("has no such section without a diff", () => {
    const html = renderReport({ title: "plain" });
    expect(html).not.toContain('id="changes"');
    expect(html).not.toContain("Changes since the previous run");
    // A verdict without its diff says nothing either.
    expect(renderReport({ guard: checkGuard(diff) })).not.toContain('id="changes"');
  });

  it("shows the previous run, products added and dropped, churn, distributions, metric deltas and most changed", () => {
    const html = renderReport({ changes: diff });
    const section = element(html, "section", "changes");
    expect(section).toContain("<h2>Changes since the previous run</h2>");
    // Ids are escaped: the previous run's id holds markup.
    expect(section).toContain('data-fact="previous-run">2026-03-01_00-00-00&#60;b&#62;</b>');
    expect(section).toContain('data-fact="run">2026-03-02_00-00-00</b>');
    // The section sits between the summary and the charts.
    expect(html.indexOf('id="summary"')).toBeLessThan(html.indexOf('id="changes"'));
    expect(html.indexOf('id="changes"')).toBeLessThan(html.indexOf('id="charts"'));

    expect(diff.products).toMatchObject({ common: 25, added: 2, dropped: 5 });
    expect(section).toMatch(/data-fact="dropped" data-value="5">5: <code>P0<\/code>, <code>P1<\/code>/);
    expect(section).toContain('data-fact="added" data-value="2">2: <code>N0</code>, <code>N1</code></dd>');
    expect(section).toMatch(/data-metric="products" data-value="[\d.]+"><div class="big">30 → 27</);
    expect(section).toMatch(/data-metric="orders" data-value="0.95"><div class="big">1,000 → 950</);

    // Top-1 changed for P5–P14: 10 of 25 common products.
    expect(diff.top1Churn).toBe(10 / 25);
    expect(section).toContain('data-metric="top-1 churn" data-value="0.4"><div class="big">40.0%</div>');

    const distribution = bodyRows(element(section, "table", "table-changes-distribution"));
    expect(distribution.map((r) => r[0])).toEqual(["overlap@3", "RBO", "score drift (mean |Δscore|)"]);
    const spread = (d: typeof diff.overlap) =>
      [d.mean, d.min, d.p10, d.p50, d.p90, d.max].map((v) => v.toFixed(3));
    expect(distribution[0]!.slice(1)).toEqual(spread(diff.overlap));
    expect(distribution[1]!.slice(1)).toEqual(spread(diff.rbo));
    expect(distribution[2]!.slice(1)).toEqual(spread(diff.scoreDrift));
    // P5–P14 keep 2 of 3 items.
    expect(diff.overlap.min).toBeCloseTo(2 / 3, 12);

    expect(bodyRows(element(section, "table", "table-changes-metrics"))).toEqual([
      ["classic.share", "0.400", "0.450", "+0.0500"],
      ["evaluation.hitRate@3", "0.200", "0.180", "−0.0200"],
    ]);

    const most = bodyRows(element(section, "table", "table-changes-most-changed"));
    expect(most.length).toBe(diff.mostChanged.length);
    expect(most.length).toBe(15); // P5–P19: P20–P29 are unchanged
    expect(most.map((r) => r[0])).toEqual(diff.mostChanged.map((p) => p.id));
    expect(most[0]).toEqual(["P10", "0.667", diff.mostChanged[0]!.rbo.toFixed(3), "A10", "Z10"]);
    expect(section).not.toContain('id="changes-guard"');
  });

  it("shows the guard's verdict: each failed check with its message, or that it passed", () => {
    const refused = checkGuard(diff, { ...DEFAULT_GUARD_LIMITS, maxChurn: 0.3, minOrdersRatio: 0.99 });
    expect(refused.failures.map((f) => f.check).sort()).toEqual(["max-churn", "min-orders-ratio"]);
    const box = element(renderReport({ changes: diff, guard: refused }), "div", "changes-guard");
    expect(box).toContain('data-passed="false"');
    expect(box).toContain("Guard: refused.");
    const items = [...box.matchAll(/<li data-check="([^"]+)"[^>]*>([^<]*)<\/li>/g)].map((m) => [m[1], m[2]]);
    expect(items).toEqual(refused.failures.map((f) => [f.check, f.message]));
    expect(items[0]![1]).toBe("top-1 churn 0.4 is above --max-churn 0.3");

    const passed = checkGuard(diff, {
      maxChurn: 0.5,
      minOverlap: 0.5,
      minProductsRatio: 0.5,
      minOrdersRatio: 0.5,
    });
    expect(passed.passed).toBe(true);
    const ok = element(renderReport({ changes: diff, guard: passed }), "div", "changes-guard");
    expect(ok).toContain('data-passed="true"');
    expect(ok).not.toContain("<li");
  });

  it("says when every common list is the same, and leaves out deltas neither run has", () => {
    const { metrics: _, ...bare } = previous;
    const same = diffRuns(bare, { ...bare, runId: "2026-03-02_00-00-00" });
    const section = element(renderReport({ changes: same }), "section", "changes");
    expect(section).toContain('id="changes-unchanged"');
    expect(section).not.toContain("table-changes-most-changed");
    expect(section).not.toContain("table-changes-metrics");
    expect(section).toContain('data-fact="added" data-value="0">0</dd>');
  });
});
