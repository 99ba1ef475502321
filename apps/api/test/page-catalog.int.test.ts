/**
 * The page on real data with a catalog, in Debian's Chromium: a run built from instacart's first
 * order lines with `products.csv` as the catalog (as `cobuy build --catalog products.csv` builds
 * it), loaded by pg-loader. The test searches a product by (part of) its name, opens it and sees
 * the names of its similar products, each equal to the catalog's; screenshots go to a temp folder
 * (COBUY_SCREENSHOT_DIR to keep them elsewhere).
 */
import { createReadStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { readCatalog, type ShopCatalog } from "@cobuy/pipeline";
import {
  launchChromium,
  PG_BACKEND_KINDS,
  requireBrowser,
  requirePostgres,
  requireService,
} from "@cobuy/test-utils";
import type { FastifyInstance } from "fastify";
import type { Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/index.js";
import { type Backend, buildRunFolder, openBackend, type RunDocs } from "./helpers/fixture.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const shared = process.env.COBUY_SHARED_DIR ?? fileURLToPath(new URL("../../../../shared/", import.meta.url));
const instacart = join(shared, "data", "instacart");
/** Order lines of the subset: enough for lists on the popular products, quick to build. */
const SALES_LINES = 60_000;

const needs = (what: string) =>
  requireService({
    what,
    problem: existsSync(join(instacart, "products.csv")) ? undefined : `no instacart data in ${instacart}`,
    remedy: "set COBUY_SHARED_DIR to the folder holding data/instacart",
  }) &&
  requireBrowser(what) &&
  (PG_BACKEND_KINDS[0] !== "postgres" || requirePostgres(what));

/** The first `lines` order lines of `from` (with its header) into `to`. */
async function headLines(from: string, to: string, lines: number): Promise<void> {
  const out: string[] = [];
  const reader = createInterface({ input: createReadStream(from), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) {
    out.push(line);
    if (out.length > lines) break;
  }
  reader.close();
  await writeFile(to, `${out.join("\n")}\n`);
}

describe.runIf(needs("page with instacart names in Chromium"))(
  "page with instacart names in Chromium",
  () => {
    let backend: Backend;
    let run: RunDocs;
    let catalog: ShopCatalog;
    let app: FastifyInstance;
    let base: string;
    let browser: Browser;
    let work: string;
    let shots: string;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), "cobuy-page-catalog-"));
      shots = process.env.COBUY_SCREENSHOT_DIR ?? join(work, "screenshots");
      await mkdir(shots, { recursive: true });
      const publicDir = join(work, "public");
      await build({
        configFile: join(root, "vite.config.ts"),
        logLevel: "error",
        build: { outDir: publicDir, emptyOutDir: true },
      });
      const sales = join(work, "sales.csv");
      await headLines(join(instacart, "transactions.csv"), sales, SALES_LINES);
      const catalogFile = join(instacart, "products.csv");
      catalog = await readCatalog(catalogFile);
      const dir = join(work, "run");
      run = await buildRunFolder(dir, { sales, runId: "2025-05-01_00-00-00", k: 10, catalog: catalogFile });
      backend = await openBackend(PG_BACKEND_KINDS[0] ?? "pglite");
      await backend.loadFolder(dir);
      app = await createApp({ db: backend.db, publicDir });
      base = await app.listen({ port: 0, host: "127.0.0.1" });
      browser = await launchChromium();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await backend?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("searches a name, opens the product and shows the catalog names of its similar products", async () => {
      const nameOf = (id: string) => catalog.entries.get(id)?.name ?? id;
      // The most ordered product of the catalog with a list, searched by its name in lower case.
      const support = (id: string) => run.rich.products?.[id]?.support ?? 0;
      const target = Object.keys(run.rich.recs)
        .filter((id) => catalog.entries.has(id) && run.rich.recs[id]!.length > 0)
        .sort((a, b) => support(b) - support(a) || (a < b ? -1 : 1))[0]!;
      const name = nameOf(target);
      expect(name).not.toBe(target);
      expect(run.rich.products?.[target]?.name).toBe(name);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(`${base}/`);
      await expect.poll(() => page.getAttribute("[data-testid=run]", "data-run-id")).toBe(run.runId);

      await page.fill("[data-testid=search]", name.toLowerCase());
      // The answer replaces the first page (by id): then every result's name contains the text
      // searched, whatever its case.
      const shownNames = () =>
        page.$$eval("[data-testid=search-results] button .label", (labels) =>
          labels.map((l) => l.textContent ?? ""),
        );
      const text = name.toLowerCase();
      await expect
        .poll(async () => {
          const names = await shownNames();
          return names.length > 0 && names.every((n) => n.toLowerCase().includes(text));
        })
        .toBe(true);
      const button = page.locator(`[data-testid=search-results] button[data-product-id="${target}"]`);
      await button.waitFor();
      expect(await button.locator(".pname").textContent()).toBe(name);
      expect(await button.locator(".pid").textContent()).toBe(target); // the id, still visible, small
      await page.screenshot({ path: join(shots, "catalog-search.png") });

      await button.click();
      await page.waitForURL(`**/#/p/${encodeURIComponent(target)}`);
      await expect.poll(() => page.textContent("[data-testid=similar-title]")).toContain(name);
      expect(await page.textContent("[data-testid=similar-title] .pid")).toBe(target);
      const items = () =>
        page.$$eval("[data-testid=similar-list] > li", (lis) =>
          lis.map((li) => ({
            id: li.getAttribute("data-id") ?? "",
            link: li.querySelector(".row1 a")?.textContent ?? "",
          })),
        );
      const want = run.rich.recs[target]!.slice(0, 10).map((r) => ({ id: r.id, link: nameOf(r.id) }));
      await expect.poll(() => items().then((s) => s.length)).toBe(want.length);
      expect(await items()).toEqual(want);
      expect(want.filter((w) => w.link !== w.id).length).toBeGreaterThan(want.length / 2);
      await page.screenshot({ path: join(shots, "catalog-similar.png") });

      // Following a recommendation shows that product's name in the title.
      const next = want[0]!;
      await page.click(`[data-testid=similar-list] > li[data-id="${next.id}"] a`);
      await expect.poll(() => page.textContent("[data-testid=similar-title]")).toContain(next.link);
      expect(errors).toEqual([]);
      await context.close();
    });
  },
);
