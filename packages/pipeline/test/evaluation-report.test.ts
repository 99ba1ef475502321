import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CsrMatrix } from "@cobuy/core-math";
import { describeWithBrowser, launchChromium } from "@cobuy/test-utils";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkGuard, diffRuns, runListsFromRich } from "../src/diff/index.js";
import { classicKernel, type EvaluationData, evaluate, sweep } from "../src/evaluation/index.js";
import { buildRecommendations, type StageEvent, writeDocuments } from "../src/index.js";
import { renderReport, writeReport } from "../src/report/index.js";
import { chunked, tempDir } from "./helpers.js";

const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);

function shop(): EvaluationData {
  let s = 12345;
  const r = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const P = 40;
  const names = ["dairy", "bakery", "fruit", "snacks", "drinks"];
  const baskets: number[][] = [];
  for (let o = 0; o < 1200; o++) {
    const c = Math.floor(r() * 5);
    const b = new Set<number>();
    const size = 1 + Math.floor(r() * 5);
    for (let j = 0; j < size; j++) b.add(r() < 0.75 ? c * 8 + Math.floor(r() ** 2 * 8) : Math.floor(r() * P));
    baskets.push([...b].sort((x, y) => x - y));
  }
  const rowPtr = new Uint32Array(baskets.length + 1);
  baskets.forEach((b, o) => {
    rowPtr[o + 1] = rowPtr[o]! + b.length;
  });
  const colIdx = Uint32Array.from(baskets.flat());
  const a: CsrMatrix = {
    rows: baskets.length,
    cols: P,
    rowPtr,
    colIdx,
    values: new Float64Array(colIdx.length).fill(1),
  };
  return {
    productIds: Array.from({ length: P }, (_, p) => `${names[Math.floor(p / 8)]}-<${p}>`),
    categories: Array.from({ length: P }, (_, p) => names[Math.floor(p / 8)]!),
    orderIds: baskets.map((_, o) => `o${o}`),
    a,
  };
}

/** The shop's orders as the CSV a plain run reads (one line per order and product). */
function shopCsv(data: EvaluationData): string {
  const lines = ["order_id,product_id,category"];
  for (let o = 0; o < data.a.rows; o++) {
    for (let i = data.a.rowPtr[o]!; i < data.a.rowPtr[o + 1]!; i++) {
      const p = data.a.colIdx[i]!;
      lines.push(`${data.orderIds[o]},"${data.productIds[p]}",${data.categories[p]}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

describeWithBrowser("report.html in Chromium", () => {
  const scratch = tempDir();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  /** The report in a page, drawn without a script error. */
  async function openReport(file: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForSelector("body[data-rendered=true]");
    expect(errors).toEqual([]);
    return page;
  }

  it("draws the charts with the numbers of evaluation.json and sweep.json, offline", async () => {
    const data = shop();
    const split = { method: "holdout" as const, fraction: 0.2, seed: 1 };
    const classic = classicKernel({ threads: 1 });
    const evaluation = await evaluate(data, { split, similarity: "auto", classic, blend: { popular: 0.2 } });
    const sw = await sweep(data, { split, similarity: evaluation.similarity.chosen, classic });
    const dir = new URL("report/", ARTIFACTS);
    await mkdir(dir, { recursive: true });
    await writeFile(new URL("evaluation.json", dir), JSON.stringify(evaluation, null, 2));
    await writeFile(new URL("sweep.json", dir), JSON.stringify(sw, null, 2));
    const file = await writeReport(dir.pathname, { title: "test shop </script><b>" });

    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    page.on("request", (req) => {
      if (!req.url().startsWith("file:")) requests.push(req.url());
    });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${file}`);
    await page.waitForSelector("body[data-rendered=true]");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.title()).toBe("test shop </script><b>");

    // Metrics by measure: one bar per measure × metric, height proportional to the value.
    const k = evaluation.k;
    for (const [name, metrics] of [
      ...Object.entries(evaluation.measures),
      ["popular (baseline)", evaluation.baseline.popular] as const,
    ]) {
      for (const metric of [`hitRate@${k}`, `ndcg@${k}`, "coverage"]) {
        const bar = page.locator(`#chart-measures rect[data-label="${name}"][data-series="${metric}"]`);
        expect(Number(await bar.getAttribute("data-value")), `${name} ${metric}`).toBe(metrics[metric]);
        const height = Number(await bar.getAttribute("height"));
        expect(height).toBeCloseTo(metrics[metric]! * (300 - 40 - 16), 6);
      }
    }
    const tableText = await page.locator("#table-measures").textContent();
    expect(tableText).toContain(evaluation.measures.cosine!["hitRate@5"]!.toFixed(3));

    // Headline cards show the served metrics.
    const card = page.locator(`#headline .card[data-metric="hitRate@${k}"] .big`);
    expect(await card.textContent()).toBe(evaluation.metrics[`hitRate@${k}`]!.toFixed(3));

    // Classic metric per category: bars and printed values from byCategory.
    const cats = Object.entries(evaluation.byCategory);
    expect(cats.length).toBe(5);
    for (const [cat, v] of cats) {
      const bar = page.locator(`#chart-by-category rect[data-label="${cat}"]`);
      expect(Number(await bar.getAttribute("data-value"))).toBe(v.share);
      expect(Number(await bar.getAttribute("width"))).toBeCloseTo(v.share * 420, 6);
      const label = await page.locator(`#chart-by-category text.value[data-label="${cat}"]`).textContent();
      expect(label).toBe(`${(v.share * 100).toFixed(1)}%`);
    }

    // Sweep curves: one point per cell and curve.
    const points = await page.locator("#chart-sweep-hitRate circle.point").count();
    expect(points).toBe(sw.cells.length);
    const first = sw.cells[0]!;
    const p0 = page.locator(
      `#chart-sweep-coverage circle[data-label="support ≥ ${first.minPairSupport}"][data-x="${first.minScore}"]`,
    );
    expect(Number(await p0.getAttribute("data-value"))).toBe(first.coverage);

    // Score distribution, auto's candidates, examples with escaped ids and reasons.
    const bins = evaluation.scoreDistribution.bins;
    expect(await page.locator("#chart-scores rect").count()).toBe(bins.length);
    expect(await page.locator("#table-auto tbody tr").count()).toBe(
      evaluation.similarity.selection!.candidates.length,
    );
    const ex = evaluation.examples[0]!;
    expect(await page.locator(".example h3").first().textContent()).toBe(ex.id);
    expect(await page.locator('li[data-reason="popular-in-category"]').count()).toBeGreaterThan(0);

    await page.screenshot({ path: new URL("report.png", ARTIFACTS).pathname, fullPage: true });
    await page.close();
  });

  it("shows how the evidence blend was tuned, HitRate by popularity decile and both splits", async () => {
    const data = shop();
    const split = { method: "holdout" as const, fraction: 0.2, seed: 1 };
    const times = data.orderIds.map((_, o) => o);
    const evaluation = await evaluate(data, {
      split,
      besideSplit: { method: "time", fraction: 0.2, column: "ordered_at", times },
      similarity: "llr",
      evidenceBlend: "auto",
    });
    const dir = new URL("report-blend/", ARTIFACTS);
    await mkdir(dir, { recursive: true });
    await writeFile(new URL("evaluation.json", dir), JSON.stringify(evaluation, null, 2));
    const file = await writeReport(dir.pathname, { title: "blend" });
    const page = await openReport(file);
    expect(await page.locator("#table-blend-auto tbody tr").count()).toBe(
      evaluation.evidenceBlend!.selection!.candidates.length,
    );
    expect(await page.locator("#table-slices tbody tr").count()).toBe(evaluation.slices.length);
    const head = evaluation.slices[0]!;
    for (const [name, value] of Object.entries(head.hitRate)) {
      const bar = page.locator(`#chart-slices rect[data-label="${name}"][data-series="decile 1"]`);
      expect(Number(await bar.getAttribute("data-value"))).toBe(value);
    }
    // The random holdout and the split by time side by side, with their best sellers.
    expect(await page.locator("#table-splits tbody tr").count()).toBe(2);
    const [random, byTime] = evaluation.splits!;
    for (const [name, metrics] of [
      ["random (seed 1)", random!.metrics],
      ["by time (ordered_at)", byTime!.metrics],
      ["best sellers, by time (ordered_at)", byTime!.baseline.popular],
    ] as const) {
      const bar = page.locator(`#chart-splits rect[data-label="${name}"][data-series="hitRate@5"]`);
      expect(Number(await bar.getAttribute("data-value")), name).toBe(metrics["hitRate@5"]);
    }
    expect(await page.locator("#table-splits").textContent()).toContain(byTime!.served);
    await page.close();
  });

  it("summarizes a plain run (no evaluation): counts, parameters, stage times, headline, scores", async () => {
    const data = shop();
    const csv = shopCsv(data);
    const k = 4;
    // High enough that some products keep no list: the headline is neither 0 nor 100%.
    const minScore = 0.87;
    const stages: { name: string; seconds: number }[] = [];
    const r = await buildRecommendations(chunked(csv), {
      k,
      minScore,
      threads: 1,
      name: "shop.csv",
      onStage: (e: StageEvent) => {
        if (e.phase === "end") stages.push({ name: e.stage, seconds: e.seconds });
      },
    });
    const dir = join(scratch, "plain");
    const params: Record<string, unknown> = { input: "shop.csv", k, minScore, similarity: r.similarity };
    await writeDocuments(dir, {
      index: r.index,
      topk: r.topk,
      validation: r.validation,
      productSupport: r.productSupport,
      runId: "2026-01-02_03-04-05",
      params,
    });
    // The stage writing the report is still running then: it shows its seconds so far.
    const file = await writeReport(dir, {
      title: "plain run",
      stages: [...stages, { name: "write", seconds: 0.004, running: true }],
      counts: { nonzerosC: r.stats.nnzC ?? null },
      ...(r.stats.plan ? { plan: { strategy: r.stats.plan.strategy, threads: r.stats.plan.threads } } : {}),
    });

    // What the summary must say, computed from the input: one CSV line per order and product.
    const rows = csv.trim().split("\n").slice(1);
    const orders = new Set(rows.map((l) => l.split(",")[0])).size;
    const products = new Set(rows.map((l) => l.split(",")[1])).size;
    const rich = JSON.parse(await readFile(join(dir, "recs.rich.json"), "utf8"));
    const categoryOf = new Map<string, string>();
    for (const l of rows)
      categoryOf.set(
        JSON.parse(l.slice(l.indexOf(",") + 1, l.lastIndexOf(","))),
        l.slice(l.lastIndexOf(",") + 1),
      );
    const lists = Object.entries(rich.recs as Record<string, { id: string; score: number }[]>);
    const sameCategory = lists.filter(
      ([id, list]) => list[0] && categoryOf.get(list[0].id) === categoryOf.get(id),
    ).length;
    const listed = lists.reduce((n, [, list]) => n + list.length, 0);
    expect(listed).toBeGreaterThan(0);
    expect(sameCategory).toBeGreaterThan(0);
    expect(sameCategory).toBeLessThan(products);

    const page = await openReport(file);
    const fact = (name: string) => page.locator(`#summary dd[data-fact="${name}"]`).textContent();
    expect(await fact("orders")).toBe(orders.toLocaleString("en-US"));
    expect(await fact("rows")).toBe(rows.length.toLocaleString("en-US"));
    expect(await fact("products")).toBe(products.toLocaleString("en-US"));
    expect(await fact("nonzerosC")).toBe(
      r.stats.nnzC === undefined ? "not built" : r.stats.nnzC.toLocaleString("en-US"),
    );
    expect(await fact("run")).toBe("2026-01-02_03-04-05");
    expect(await fact("createdAt")).toBe(rich.createdAt.replace("T", " ").replace(/\.\d+Z$/, " UTC"));
    expect(await fact("k")).toBe(String(k));
    expect(await fact("minScore")).toBe(String(minScore));
    expect(await fact("measure")).toBe(r.similarity.measure);
    expect(await fact("minPairSupport")).toBe("1");
    expect(await fact("caps")).toBe("none");
    if (r.stats.plan) expect(await fact("plan")).toContain(r.stats.plan.strategy);

    const headline = page.locator('#validation-headline .card[data-metric="classic metric"]');
    expect(await headline.locator(".big").textContent()).toBe(
      `${((sameCategory / products) * 100).toFixed(1)}%`,
    );
    expect(await headline.locator(".small").textContent()).toContain(
      `${sameCategory} of ${products} products`,
    );

    expect(stages.map((s) => s.name)).toContain("topk");
    const stageRows = await page.locator("#table-stages tbody tr").allTextContents();
    expect(stageRows.map((t) => t.replace(/[\d.]+$/, ""))).toEqual([
      ...stages.map((s) => s.name),
      "write (so far)",
      "total",
    ]);

    // Score distribution: every listed score in one of the bins.
    const bins = await page
      .locator("#chart-scores rect")
      .evaluateAll((rs) => rs.map((b) => Number(b.getAttribute("data-value"))));
    expect(bins.reduce((a, b) => a + b, 0)).toBe(listed);
    expect(await page.locator("#chart-by-category rect[data-label]").count()).toBe(
      new Set(data.categories).size,
    );
    for (const evaluationOnly of [
      "#headline",
      "#by-measure",
      "#auto",
      "#sweep",
      "#examples",
      "#slices",
      "#blend-auto",
      "#splits",
    ]) {
      expect(await page.locator(evaluationOnly).count(), evaluationOnly).toBe(0);
    }
    // No previous run given: no changes section.
    expect(await page.locator("#changes").count()).toBe(0);

    const screenshot = join(scratch, "plain-report.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe("PNG");
    await page.close();
  });

  it("shows the changes since the previous run and the guard's verdict above the charts", async () => {
    const data = shop();
    const csv = shopCsv(data);
    const [header, ...lines] = csv.trim().split("\n");
    // Today's export: every third order missing, and two products bought for the first time.
    const today = lines.filter((l) => Number(l.slice(1, l.indexOf(","))) % 3 !== 0);
    today.push('o1,"new-<1>",dairy', 'o1,"new-2",dairy', 'o2,"new-<1>",dairy', 'o2,"new-2",dairy');
    const build = async (text: string, dir: string, runId: string) => {
      const r = await buildRecommendations(chunked(text), { k: 4, threads: 1, name: "shop.csv" });
      await writeDocuments(dir, {
        index: r.index,
        topk: r.topk,
        validation: r.validation,
        productSupport: r.productSupport,
        runId,
        params: { input: "shop.csv", k: 4, similarity: r.similarity } as Record<string, unknown>,
      });
      return runListsFromRich(JSON.parse(await readFile(join(dir, "recs.rich.json"), "utf8")));
    };
    const previous = await build(csv, join(scratch, "day-1"), "2026-01-01_03-00-00");
    const dir = join(scratch, "day-2");
    const current = await build(`${[header, ...today].join("\n")}\n`, dir, "2026-01-02_03-00-00");
    const diff = diffRuns(previous, current);
    const guard = checkGuard(diff);
    // A third of the orders gone: below the default orders ratio, whatever else moved.
    expect(diff.ordersRatio).toBeCloseTo(0.67, 2);
    expect(guard.failures.map((f) => f.check)).toContain("min-orders-ratio");
    expect(diff.products.addedExamples).toEqual(["new-2", "new-<1>"]);
    expect(diff.mostChanged.length).toBeGreaterThan(0);

    const file = await writeReport(dir, { title: "day 2", changes: diff, guard });
    const page = await openReport(file);
    expect(await page.locator("main section").evaluateAll((ss) => ss.map((s) => s.id))).toEqual([
      "summary",
      "changes",
      "by-category",
      "scores",
    ]);
    const changes = page.locator("#changes");
    expect(await changes.locator("h2").textContent()).toBe("Changes since the previous run");
    expect(await changes.locator('[data-fact="previous-run"]').textContent()).toBe(previous.runId);
    expect(await changes.locator('dd[data-fact="added"]').textContent()).toBe("2: new-2, new-<1>");
    const card = (metric: string) => changes.locator(`.card[data-metric="${metric}"] .big`).textContent();
    expect(await card("top-1 churn")).toBe(`${(diff.top1Churn * 100).toFixed(1)}%`);
    expect(await card("orders")).toBe(
      `${previous.orders!.toLocaleString("en-US")} → ${current.orders!.toLocaleString("en-US")}`,
    );
    expect(await card("mean RBO")).toBe(diff.rbo.mean.toFixed(3));

    expect(await page.locator("#changes-guard").getAttribute("data-passed")).toBe("false");
    const failures = await page.locator("#changes-guard li").allTextContents();
    expect(failures).toEqual(guard.failures.map((f) => f.message));

    const rows = page.locator("#table-changes-most-changed tbody tr");
    expect(await rows.count()).toBe(diff.mostChanged.length);
    const worst = diff.mostChanged[0]!;
    expect(await rows.first().locator("td").allTextContents()).toEqual([
      worst.id,
      worst.overlap.toFixed(3),
      worst.rbo.toFixed(3),
      worst.top1Before ?? "–",
      worst.top1After ?? "–",
    ]);
    const overlapCells = page.locator("#table-changes-distribution tbody tr").first().locator("td.num");
    expect(Number(await overlapCells.first().getAttribute("data-value"))).toBe(diff.overlap.mean);
    // Long ids and tables stay inside the page: nothing scrolls sideways at 1200 px.
    expect(await page.locator("html").evaluate((root) => root.scrollWidth)).toBeLessThanOrEqual(1200);

    const screenshot = join(scratch, "changes-report.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe("PNG");
    await page.close();
  });

  it("renders from a run's validation.json alone", async () => {
    const html = renderReport({
      validation: { byCategory: { a: { products: 2, sameCategory: 1, share: 0.5 } } },
    });
    const page = await browser.newPage();
    await page.setContent(html);
    await page.waitForSelector("body[data-rendered=true]");
    expect(
      Number(await page.locator('#chart-by-category rect[data-label="a"]').getAttribute("data-value")),
    ).toBe(0.5);
    expect(await page.locator("#chart-measures").count()).toBe(0);
    await page.close();
  });
});
