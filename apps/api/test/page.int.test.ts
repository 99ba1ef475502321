/**
 * The page end to end in Debian's Chromium (playwright-core, no downloaded browser): open, search,
 * pick a product, compare the shown list with the API's answer, follow a recommendation, and save
 * screenshots in test-artifacts/.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, PG_BACKEND_KINDS, requireBrowser, requirePostgres } from "@cobuy/test-utils";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Backend, openBackend, type RunDocs } from "./helpers/fixture.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const artifacts = join(root, "test-artifacts");

interface ShownItem {
  id: string;
  category: string | null;
  score: string;
  reason: string | null;
}

const needs = (what: string) =>
  requireBrowser(what) && (PG_BACKEND_KINDS[0] !== "postgres" || requirePostgres(what));
describe.runIf(needs("page in Chromium"))("page in Chromium", () => {
  let backend: Backend;
  let run: RunDocs;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let publicDir: string;
  const outside: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    publicDir = await mkdtemp(join(tmpdir(), "cobuy-page-"));
    await build({
      configFile: join(root, "vite.config.ts"),
      logLevel: "error",
      build: { outDir: publicDir, emptyOutDir: true },
    });
    backend = await openBackend(PG_BACKEND_KINDS[0] ?? "pglite");
    run = await backend.loadRun({ seed: 1, runId: "2025-03-01_00-00-00" });
    app = await createApp({ db: backend.db, publicDir });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
    browser = await launchChromium();
    await mkdir(artifacts, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await backend?.stop();
    if (publicDir) await rm(publicDir, { recursive: true, force: true });
  });

  const watch = (page: Page) => {
    page.on("request", (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith("data:")) outside.push(r.url());
    });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
  };

  const shownItems = (page: Page): Promise<ShownItem[]> =>
    page.$$eval("[data-testid=similar-list] > li", (lis) =>
      lis.map((li) => ({
        id: li.getAttribute("data-id") ?? "",
        category: li.querySelector(".chip")?.textContent ?? null,
        score: li.querySelector(".score")?.textContent ?? "",
        reason: li.getAttribute("data-reason"),
      })),
    );

  const apiItems = async (id: string, k: number) => {
    const res = await fetch(`${base}/v1/products/${encodeURIComponent(id)}/similar?k=${k}`);
    const body = (await res.json()) as { items: { id: string; score: number; category: string | null }[] };
    return body.items.map((i) => ({
      id: i.id,
      category: i.category,
      score: i.score.toFixed(3),
      reason: null,
    }));
  };

  it("search → pick → list equals the API's answer → follow a recommendation (phone size)", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    watch(page);
    const home = await page.goto(`${base}/`);
    expect(home?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await expect.poll(() => page.getAttribute("[data-testid=run]", "data-run-id")).toBe(run.runId);

    const target = run.richest;
    await page.fill("[data-testid=search]", target);
    const button = page.locator(`[data-testid=search-results] button[data-product-id="${target}"]`);
    await button.waitFor();
    expect(await button.textContent()).toMatch(/\d+ orders?$/);
    await button.click();
    await page.waitForURL(`**/#/p/${encodeURIComponent(target)}`);
    await expect.poll(() => shownItems(page).then((s) => s.length)).toBeGreaterThan(0);
    expect(await shownItems(page)).toEqual(await apiItems(target, 10));
    expect(await page.textContent("[data-testid=similar-title]")).toContain(target);

    // The chart: one bar per category of validation.json.
    const bars = await page.$$eval("[data-testid=validation-chart] svg g[data-category]", (gs) =>
      gs.map((g) => g.getAttribute("data-category")),
    );
    expect(bars.sort()).toEqual(Object.keys(run.validation.byCategory).sort());
    await page.screenshot({ path: join(artifacts, "page-phone.png"), fullPage: true });

    // Follow the first recommendation: the list becomes that product's list.
    const next = (await shownItems(page))[0]!.id;
    await page.click(`[data-testid=similar-list] > li[data-id="${next}"] a`);
    await page.waitForURL(`**/#/p/${encodeURIComponent(next)}`);
    await expect.poll(() => page.textContent("[data-testid=similar-title]")).toContain(next);
    await expect
      .poll(async () => JSON.stringify(await shownItems(page)))
      .toBe(JSON.stringify(await apiItems(next, 10)));

    // k and backfill controls ask the API again.
    await page.selectOption("[data-testid=k]", "5");
    await expect
      .poll(() => shownItems(page).then((s) => s.length))
      .toBe(Math.min(5, (await apiItems(next, 5)).length));
    await context.close();
  });

  it("a product without recommendations offers backfill; desktop layout screenshot", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    watch(page);
    const lonely = run.lonely!;
    await page.goto(`${base}/#/p/${encodeURIComponent(lonely)}`);
    await expect.poll(() => page.textContent("[data-testid=similar-status]")).toContain("fill from category");
    await page.check("#backfill");
    await expect.poll(() => shownItems(page).then((s) => s.length)).toBe(10);
    expect((await shownItems(page)).every((i) => i.reason === "backfill")).toBe(true);

    await page.goto(`${base}/#/p/${encodeURIComponent(run.richest)}`);
    await page.reload();
    await expect.poll(() => shownItems(page).then((s) => s.length)).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, "page-desktop.png"), fullPage: true });

    await page.goto(`${base}/#/p/no-such-product`);
    await expect
      .poll(() => page.textContent("[data-testid=similar-status]"))
      .toContain("not in the active run");
    await context.close();
  });

  it("made no request outside the app and logged no page errors", () => {
    expect(outside).toEqual([]);
    expect(consoleErrors.filter((e) => !e.includes("404"))).toEqual([]);
  });
});
